/**
 * `flashdeck flash` picks the nRF52 driver from the board's pinned target and the file, as the
 * window does: a legacy DFU package to a Feather nRF52832's serial bootloader (simulated on a pty).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLegacyDfuSim } from '../../../simulators/nrf52/legacy-dfu-sim';
import { appFiles, tinygoApp } from '../../../simulators/nrf52/fixtures';
import { runCli, tempDataDir } from './run-cli';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('flashdeck flash on an nRF52', () => {
  it('writes a legacy DFU package through the serial bootloader and verifies it', async () => {
    const feather = await startLegacyDfuSim({ link: 'uart' });
    cleanups.push(() => feather.close());
    const data = tempDataDir();
    cleanups.push(data.remove);
    const app = tinygoApp(16 * 1024, 0x26000, 8);
    const file = join(data.dir, 'blink-832.zip');
    writeFileSync(file, appFiles(app, 0x26000).legacyZip);
    const run = await runCli(['flash', file, '--port', feather.hostPath, '--target', 'pca10040-s132v6', '--data-dir', data.dir, '--json'], { timeoutMs: 90_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).boards[0]).toMatchObject({ ok: true, verifiedBy: expect.any(String) });
    expect(Buffer.from(feather.flash.read(0x26000, app.length)).equals(Buffer.from(app))).toBe(true);
  });
});
