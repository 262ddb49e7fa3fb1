/**
 * `npm run sim -- esp32 --chip esp32c3` as a user (or the app's e2e tests) would run it: the first
 * stdout line is a pty path; flashing through it works; SIGTERM stops it.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { flashEsp32 } from '../../drivers/esp32/flash-esp32';
import { openSerialLink } from '../../drivers/common/serial-port-link';
import { tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';

describe('npm run sim -- esp32', () => {
  it('prints the pty path first and serves an ESP32-C3 until killed', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/cli.ts', 'esp32', '--chip', 'esp32c3', '--no-throttle'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout! });
        lines.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
        setTimeout(() => reject(new Error('no path within 15 s')), 15_000);
      });
      expect(firstLine).toMatch(/^\/dev\/pts\/\d+$/);
      const { link, close } = await openSerialLink(firstLine);
      try {
        const image = tinygoStyleImage(5, 12 * 1024, 41);
        const outcome = await flashEsp32(link, image, {});
        expect(outcome.details).toMatchObject({ chip: 'ESP32-C3', address: '0x00000000' });
        expect(outcome.verifiedBy).toBe('md5');
      } finally {
        await close();
      }
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('lists the simulators when the name is unknown', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/cli.ts', 'nope'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/esp32\s+ESP32-family/);
  });
});
