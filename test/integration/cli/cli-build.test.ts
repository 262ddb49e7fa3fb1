/**
 * `flashdeck build`, `size` and `history` with the stand-in TinyGo on PATH: the size the build
 * printed, per-package rows with --full, the build in the same history database the window reads
 * (table, CSV export, flash log), and a compile error as exit 4 with the file:line first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startEsp32Sim, type Esp32Sim } from '../../../simulators/esp32/start-sim';
import { projectRoot, runCli, tempDataDir } from './run-cli';

const LEAKY_CACHE = join(projectRoot, 'test', 'fixtures', 'programs', 'leaky-cache');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(): Promise<{ sim: Esp32Sim; data: string }> {
  const sim = await startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200, timeScale: 0 });
  cleanups.push(() => sim.close());
  const data = tempDataDir();
  cleanups.push(data.remove);
  return { sim, data: data.dir };
}

describe('flashdeck build, size and history', () => {
  it('builds into the size history the window reads, prints sizes (per package with --full), and exports it as CSV', async () => {
    const { sim, data } = await setUp();
    const built = await runCli(['build', LEAKY_CACHE, '--target', 'esp32-coreboard-v2', '--port', sim.hostPath, '--data-dir', data, '--opt', 's', '--json']);
    expect(built.code, built.stderr).toBe(0);
    const { build } = JSON.parse(built.stdout);
    expect(build).toMatchObject({ program: 'leaky-cache', target: 'esp32-coreboard-v2', historyId: 1, tinygoVersion: '0.33.0' });
    expect(build.args).toContain('-opt=s');
    expect(build.sizes.flash).toBeGreaterThan(1000);

    const size = await runCli(['size', LEAKY_CACHE, '--port', sim.hostPath, '--data-dir', data, '--full']);
    expect(size.code, size.stderr).toBe(0);
    expect(size.stdout).toMatch(/^Flash: \d+ bytes \(code \d+, data \d+\); RAM: \d+ bytes/m);
    expect(size.stdout).toMatch(/^FLASH\s+RAM\s+CODE\s+RODATA\s+DATA\s+BSS\s+PACKAGE$/m);
    expect(size.stdout).toMatch(/^\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+runtime$/m);

    const table = await runCli(['history', '--port', sim.hostPath, '--data-dir', data]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.trim().split('\n')).toHaveLength(3);
    expect(table.stdout).toMatch(/leaky-cache\s+esp32-coreboard-v2\s+\d+ B\s+\d+ B\s+ok\s+-opt=s/);

    const csv = await runCli(['history', '--port', sim.hostPath, '--data-dir', data, '--csv']);
    expect(csv.code).toBe(0);
    const [header, ...rows] = csv.stdout.trim().split('\n');
    expect(header).toMatch(/program.*package_flash/);
    // One row per build and package (the window's export): both builds, the first with its total flash.
    expect(new Set(rows.map((row) => row.split(',')[0])).size).toBe(2);
    expect(rows.some((row) => row.includes(`,${build.sizes.flash},`))).toBe(true);
  });

  it('builds for a target alone (no board connected), recorded and shown under that target', async () => {
    const data = tempDataDir();
    cleanups.push(data.remove);
    const size = await runCli(['size', LEAKY_CACHE, '--target', 'xiao-esp32c3', '--data-dir', data.dir, '--json']);
    expect(size.code, size.stderr).toBe(0);
    const { build } = JSON.parse(size.stdout);
    expect(build).toMatchObject({ boardId: 'target:xiao-esp32c3', target: 'xiao-esp32c3', historyId: 1 });
    expect(build.artifactPath).toMatch(/\.bin$/);
    const history = await runCli(['history', '--target', 'xiao-esp32c3', '--data-dir', data.dir]);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(new RegExp(`leaky-cache\\s+xiao-esp32c3\\s+${build.sizes.flash} B`));
  });

  it('a compile error exits 4 with the file:line and the message', async () => {
    const { sim, data } = await setUp();
    const run = await runCli(['build', LEAKY_CACHE, '--target', 'esp32-coreboard-v2', '--port', sim.hostPath, '--data-dir', data], {
      env: { FAKE_TINYGO_SCENARIO: 'compile-error' },
    });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/main\.go:\d+:\d+: /);
    expect(run.stderr).toMatch(/^Error: .+$/m);
    expect(run.stderr).toMatch(/exit code 4\)$/m);
  });
});
