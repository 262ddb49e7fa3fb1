/**
 * Browser mode's key: random per install, kept in the data folder (readable by this user only) so
 * that a restarted `npm run serve` accepts the page that is still open. Never sent anywhere but to
 * this machine's own server. `--new-token` makes a new one (every open page is then refused).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_FILE = 'serve-token';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,}$/;

export function loadOrCreateToken(dataDir: string, options: { renew?: boolean } = {}): string {
  const file = join(dataDir, TOKEN_FILE);
  if (!options.renew) {
    try {
      const kept = readFileSync(file, 'utf8').trim();
      if (TOKEN_PATTERN.test(kept)) return kept;
    } catch {
      // none yet (or unreadable): make one
    }
  }
  const token = randomBytes(24).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}
