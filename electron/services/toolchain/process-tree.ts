/**
 * Starting a tool so that it and everything it starts (clang, ld.lld, esptool…) can be stopped
 * together: on POSIX the child leads its own process group (detached) and we signal the negative
 * pid; on Windows `taskkill /T /F` walks the tree. Never a shell: arguments stay an array.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface SpawnTreeOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

export function spawnProcessTree(file: string, args: readonly string[], options: SpawnTreeOptions = {}): ChildProcess {
  const platform = options.platform ?? process.platform;
  return spawn(file, [...args], {
    cwd: options.cwd,
    env: options.env,
    shell: false,
    windowsHide: true,
    // POSIX: own process group so kill(-pid) reaches grandchildren. Windows: detached would open a
    // console window; taskkill /T finds the tree without it.
    detached: platform !== 'win32',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Kills the child and its descendants and resolves once the child has exited (or after
 * `graceMs + 2 s` if it never reports). SIGTERM first, SIGKILL after `graceMs`.
 */
export async function killProcessTree(child: ChildProcess, options: { platform?: NodeJS.Platform; graceMs?: number } = {}): Promise<void> {
  const platform = options.platform ?? process.platform;
  const graceMs = options.graceMs ?? 1500;
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));

  if (platform === 'win32') {
    await new Promise<void>((resolve) => {
      const killer = spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true, stdio: 'ignore', shell: false });
      killer.once('exit', () => resolve());
      killer.on('error', () => {
        child.kill();
        resolve();
      });
    });
  } else {
    signalGroup(pid, 'SIGTERM', child);
    const escalate = setTimeout(() => signalGroup(pid, 'SIGKILL', child), graceMs);
    // The group may outlive its leader (a grandchild ignoring SIGTERM): SIGKILL it anyway.
    exited.then(
      () => {
        clearTimeout(escalate);
        signalGroup(pid, 'SIGKILL', child);
      },
      () => undefined,
    );
  }
  await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, graceMs + 2000).unref())]);
}

function signalGroup(pid: number, signal: NodeJS.Signals, child: ChildProcess): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // No such group (already gone, or not detached): fall back to the child itself.
    try {
      child.kill(signal);
    } catch {
      /* already exited */
    }
  }
}
