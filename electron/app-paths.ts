/** Where Flashdeck keeps its data, the same folder Electron's userData uses, so both modes share it. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env = process.env, platform = process.platform): string {
  if (env.FLASHDECK_DATA_DIR) return env.FLASHDECK_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Flashdeck');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Flashdeck');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Flashdeck');
}

/** The renderer's Content-Security-Policy, shared by the Electron protocol handler and serve.ts. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
