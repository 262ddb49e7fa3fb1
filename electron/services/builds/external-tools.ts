/**
 * The programs Flashdeck runs for boards its own drivers do not flash: the `tinygo flash` command
 * line, whether the vendor tool it will call (openocd, nrfjprog, bossac) is installed, and the
 * PowerShell query for Windows drive letters. Drivers name what they need; running it is this module's job.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { ToolProbe } from '../../../drivers/nrf52/flash-plan';
import { POWERSHELL_QUERIES, type PowerShellRunner } from '../../../drivers/nrf52/uf2-drive';

/** `tinygo flash` arguments (for boards that need a probe or vendor tool); spawn with an argument array. */
export function tinygoFlashArgs(target: string, port: string | undefined, packageDir: string, extra: string[] = []): string[] {
  const args = ['flash', `-target=${target}`];
  if (port) args.push(`-port=${port}`);
  return [...args, ...extra, packageDir];
}

/** Looks the tool up on PATH by running it with --version (argument array, no shell). */
export const probeToolOnPath: ToolProbe = (tool) =>
  new Promise((resolve) => {
    const flag = tool === 'bossac' ? '--help' : '--version';
    // Present = it ran at all (a non-zero exit for the flag still proves it exists); absent = ENOENT.
    execFile(tool, [flag], { timeout: 5000, windowsHide: true, shell: false }, (error) => resolve((error as NodeJS.ErrnoException | null)?.code !== 'ENOENT'));
  });

/**
 * Windows PowerShell by its full path under %SystemRoot%: a bare `powershell.exe` would be searched
 * for in the working directory first, where any downloaded powershell.exe would win.
 */
export function powerShellPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.win32.join(env.SystemRoot ?? env.SYSTEMROOT ?? 'C:\\Windows', 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');
}

/**
 * Runs one of the drivers' fixed PowerShell queries (the type admits no other text) with an
 * argument array, returning stdout: how drivers list Windows drive letters.
 */
export const runPowerShell: PowerShellRunner = (script) =>
  new Promise((resolve, reject) => {
    if (!(POWERSHELL_QUERIES as readonly string[]).includes(script)) return reject(new Error('Flashdeck runs only its own fixed PowerShell queries.'));
    execFile(powerShellPath(), ['-NoProfile', '-NonInteractive', '-Command', script], { windowsHide: true, timeout: 10_000, shell: false }, (error, stdout) =>
      error ? reject(error) : resolve(String(stdout)),
    );
  });
