/**
 * The PATH the user's login shell builds (reference 12.3: apps started from Finder or a desktop
 * launcher get a minimal PATH). Go installed through gvm, asdf, goenv or a profile edit is only
 * found this way. macOS and Linux only; Windows apps inherit the user's Path already.
 */
import { runTool, type ToolRunner } from './tool-runner';
import type { LocatorContext } from './tinygo-locator';

const MARK = '__FLASHDECK_PATH__';

/**
 * Runs `$SHELL -ilc` once and reads PATH between markers (profiles may print banners).
 * Returns null on Windows, without SHELL, on failure or after `timeoutMs`.
 */
export async function loginShellPath(ctx: Pick<LocatorContext, 'platform' | 'env'>, options: { run?: ToolRunner; timeoutMs?: number } = {}): Promise<string | null> {
  if (ctx.platform === 'win32') return null;
  const shell = ctx.env.SHELL;
  if (!shell || !shell.startsWith('/')) return null;
  const run = options.run ?? runTool;
  try {
    const result = await run(shell, ['-ilc', `printf '%s' "${MARK}\${PATH}${MARK}"`], {
      env: { ...ctx.env, TERM: 'dumb' } as NodeJS.ProcessEnv,
      timeoutMs: options.timeoutMs ?? 4000,
    });
    if (result.timedOut) return null;
    const start = result.stdout.indexOf(MARK);
    const end = result.stdout.indexOf(MARK, start + MARK.length);
    if (start < 0 || end < 0) return null;
    const value = result.stdout.slice(start + MARK.length, end).trim();
    return value || null;
  } catch {
    return null;
  }
}

/**
 * A locator context whose PATH is the login shell's PATH followed by the current entries it lacks.
 * Unchanged when the shell cannot be asked.
 */
export async function withLoginShellPath(ctx: LocatorContext, options: { run?: ToolRunner; timeoutMs?: number } = {}): Promise<LocatorContext> {
  const shellPath = await loginShellPath(ctx, options);
  if (!shellPath) return ctx;
  const dirs = shellPath.split(':').filter(Boolean);
  for (const dir of (ctx.env.PATH ?? '').split(':').filter(Boolean)) if (!dirs.includes(dir)) dirs.push(dir);
  return { ...ctx, env: { ...ctx.env, PATH: dirs.join(':') } };
}
