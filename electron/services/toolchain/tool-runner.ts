/**
 * Runs a short tinygo query (`version`, `env`, `targets`, `info`) and captures its output.
 * Injected everywhere as `ToolRunner` so the locator and target services can be tested without
 * processes; `runTool` is the real one (argument array, no shell, process tree killed on timeout).
 */
import { killProcessTree, spawnProcessTree } from './process-tree';

export interface ToolRunResult {
  /** null when killed by a signal or the timeout. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface ToolRunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export type ToolRunner = (file: string, args: readonly string[], options?: ToolRunOptions) => Promise<ToolRunResult>;

/** Real ToolRunner. Rejects only when the file cannot be started (ENOENT, EACCES…). */
export const runTool: ToolRunner = (file, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawnProcessTree(file, args, { cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      void killProcessTree(child);
    }, options.timeoutMs ?? 20_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: timedOut ? null : code, stdout, stderr, timedOut });
    });
  });
