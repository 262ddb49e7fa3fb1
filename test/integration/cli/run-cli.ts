/**
 * Runs `flashdeck` as a user or a CI job does: a child process (node + tsx, niced), its exit code,
 * stdout and stderr. The stand-in tinygo is first on PATH, so builds find it as they would TinyGo.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

export const projectRoot = resolve(import.meta.dirname, '..', '..', '..');
export const STAND_IN_TINYGO_DIR = join(projectRoot, 'test', 'fixtures', 'tinygo');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  /** Called with the child once stderr contains this text (e.g. to send Ctrl-C mid-flash). */
  when?: { stderrIncludes: string; then(child: ChildProcess): void };
  timeoutMs?: number;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const child = spawn('nice', ['-n', '5', process.execPath, '--import', 'tsx', join(projectRoot, 'electron', 'cli', 'flashdeck.ts'), ...args], {
    cwd: projectRoot,
    env: { ...process.env, PATH: `${STAND_IN_TINYGO_DIR}${delimiter}${process.env.PATH ?? ''}`, FAKE_TINYGO_DELAY_MS: '5', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let triggered = false;
  child.stdout!.on('data', (data) => (stdout += data));
  child.stderr!.on('data', (data) => {
    stderr += data;
    if (options.when && !triggered && stderr.includes(options.when.stderrIncludes)) {
      triggered = true;
      options.when.then(child);
    }
  });
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`flashdeck ${args.join(' ')} did not exit within ${options.timeoutMs ?? 60_000} ms.\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

/** A fresh data folder (database, board names) per test; removed by the returned function. */
export function tempDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'flashdeck-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
