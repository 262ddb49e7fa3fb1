/**
 * The suite must pass wherever the project is cloned. CI may clone into a folder only its owner
 * can read (`mktemp -d` is 0700), and a test that lends work to another user ("nobody", to have the
 * OS refuse an open) then cannot read the checkout. This runs that test from a copy of the checkout
 * inside a fresh 0700 folder, so the assumption cannot come back unnoticed.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const projectRoot = resolve(import.meta.dirname, '..', '..');

function trackedFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: projectRoot, encoding: 'utf8' });
  return listed.split('\0').filter((file) => file && statSync(join(projectRoot, file), { throwIfNoEntry: false })?.isFile());
}

/** node_modules as hard links when the folders share a file system (instant), else a real copy. */
function copyNodeModules(into: string): void {
  const linked = spawnSync('cp', ['-al', join(projectRoot, 'node_modules'), into]);
  if (linked.status === 0) return;
  rmSync(join(into, 'node_modules'), { recursive: true, force: true });
  execFileSync('cp', ['-a', join(projectRoot, 'node_modules'), into]);
}

describe('a checkout in a folder nobody else may read', () => {
  it('passes the permission-denied test, which runs its open as another user when root', () => {
    const parent = mkdtempSync(join(tmpdir(), 'flashdeck-private-'));
    try {
      chmodSync(parent, 0o700);
      const copy = join(parent, 'flashdeck');
      for (const file of trackedFiles()) {
        mkdirSync(dirname(join(copy, file)), { recursive: true });
        copyFileSync(join(projectRoot, file), join(copy, file));
      }
      copyNodeModules(copy);
      const run = spawnSync(
        process.execPath,
        [join(copy, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'unit', 'test/integration/console/port-sessions.test.ts', '-t', 'the OS refuses the open'],
        { cwd: copy, encoding: 'utf8', env: { ...process.env, CI: 'true', NO_COLOR: '1' }, timeout: 90_000 },
      );
      const output = `${run.stdout}\n${run.stderr}`;
      expect(output, output).toMatch(/Tests\s+1 passed/);
      expect(run.status, output).toBe(0);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  }, 120_000);
});
