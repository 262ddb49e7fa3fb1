/**
 * The programs Flashdeck runs for boards its own drivers do not flash: the `tinygo flash` command
 * line, whether the vendor tool it will call (openocd, nrfjprog, bossac) is installed, and the
 * PowerShell query for Windows drive letters. Drivers name what they need; running it is this module's job.
 */
import { execFile } from 'node:child_process';
import type { ToolProbe } from '../../../drivers/nrf52/flash-plan';
import type { PowerShellRunner } from '../../../drivers/nrf52/uf2-drive';

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
    execFile(tool, [flag], { timeout: 5000, windowsHide: true }, (error) => resolve((error as NodeJS.ErrnoException | null)?.code !== 'ENOENT'));
  });

/** Runs PowerShell with an argument array (no shell string), returning stdout: how drivers list Windows drive letters. */
export const runPowerShell: PowerShellRunner = (script) =>
  new Promise((resolve, reject) => {
    execFile('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script], { windowsHide: true, timeout: 10_000 }, (error, stdout) =>
      error ? reject(error) : resolve(String(stdout)),
    );
  });
