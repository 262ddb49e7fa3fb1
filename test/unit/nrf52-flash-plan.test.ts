import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertToolForPlan, planNrfFlash } from '../../drivers/nrf52/flash-plan';
import { tinygoFlashArgs } from '../../electron/services/builds/external-tools';
import { copyHexToDaplink } from '../../drivers/nrf52/daplink-drive';
import { imageFromHex } from '../../drivers/nrf52/hex-image';
import { FlashdeckError } from '../../drivers/common/errors';
import { appFiles, tinygoApp } from '../../simulators/nrf52/fixtures';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  cleanup = [];
});

describe('planNrfFlash', () => {
  it('maps TinyGo targets to the way Flashdeck flashes them', () => {
    expect(planNrfFlash('feather-nrf52840', 'uf2')).toMatchObject({ method: 'uf2', touch1200: true, volumeName: 'FTHR840BOOT', appUsbIds: ['239a:802a', '239a:8029'] });
    expect(planNrfFlash('xiao-ble')).toMatchObject({ method: 'uf2', volumeName: 'XIAO-SENSE' });
    expect(planNrfFlash('pca10059', 'zip-legacy')).toMatchObject({ method: 'nrf-secure-dfu', touch1200: false, bootloaderUsbIds: ['1915:521f'] });
    expect(planNrfFlash('pca10059', 'zip-legacy').fileProblem).toBeUndefined();
    expect(planNrfFlash('microbit-v2', 'hex')).toMatchObject({ method: 'daplink', volumeName: 'MICROBIT', daplinkFileName: 'firmware.hex' });
    expect(planNrfFlash('pca10056')).toMatchObject({ method: 'tinygo-flash', requiredTool: 'nrfjprog' });
    expect(planNrfFlash('nano-33-ble')).toMatchObject({ method: 'tinygo-flash', requiredTool: 'bossac' });
    expect(planNrfFlash('pinetime')).toMatchObject({ method: 'tinygo-flash', requiredTool: 'openocd' });
    expect(planNrfFlash('microbit-v2', 'zip-secure').fileProblem).toMatch(/cannot be flashed/);
  });

  it('builds the tinygo flash argument array (no shell string)', () => {
    expect(tinygoFlashArgs('pca10056', '/dev/ttyACM0', './blinky')).toEqual(['flash', '-target=pca10056', '-port=/dev/ttyACM0', './blinky']);
    expect(tinygoFlashArgs('pinetime', undefined, '.', ['-size=short'])).toEqual(['flash', '-target=pinetime', '-size=short', '.']);
  });

  it('names a missing tool and how to install it', async () => {
    const probed: string[] = [];
    const error = await assertToolForPlan(planNrfFlash('pca10056'), async (tool) => {
      probed.push(tool);
      return false;
    }).catch((e: unknown) => e);
    expect(probed).toEqual(['nrfjprog']);
    expect(error).toBeInstanceOf(FlashdeckError);
    expect((error as FlashdeckError).code).toBe('NRF_TOOL_MISSING');
    expect((error as FlashdeckError).message).toMatch(/needs nrfjprog/);
    expect((error as FlashdeckError).hint).toMatch(/nRF Command Line Tools/);
    await expect(assertToolForPlan(planNrfFlash('pinetime'), async () => true)).resolves.toBeUndefined();
    await expect(assertToolForPlan(planNrfFlash('feather-nrf52840'), async () => false)).resolves.toBeUndefined();
  });
});

describe('DAPLink copy', () => {
  async function daplinkDrive(): Promise<{ media: string; drive: string }> {
    const base = await mkdtemp(path.join(tmpdir(), 'flashdeck-daplink-'));
    cleanup.push(() => rm(base, { recursive: true, force: true }));
    const drive = path.join(base, 'media', 'user', 'MICROBIT');
    await mkdir(drive, { recursive: true });
    await writeFile(path.join(drive, 'DETAILS.TXT'), '# DAPLink Firmware - see https://daplink.io\r\nUnique ID: 9904360258994e45\r\nInterface Version: 0255\r\n');
    return { media: path.join(base, 'media'), drive };
  }

  it('copies the image as Intel HEX and waits for the remount', async () => {
    const { media, drive } = await daplinkDrive();
    const app = tinygoApp(4096, 0x0, 3);
    const files = appFiles(app, 0);
    // The simulated interface chip programs the target and remounts without firmware.hex.
    const programmed: string[] = [];
    const timer = setInterval(async () => {
      const text = await readFile(path.join(drive, 'firmware.hex'), 'utf8').catch(() => '');
      if (text.includes(':00000001FF')) {
        programmed.push(text);
        await rm(path.join(drive, 'firmware.hex'), { force: true });
      }
    }, 20);
    cleanup.push(async () => clearInterval(timer));
    const outcome = await copyHexToDaplink({ image: files.bin, fileName: 'microbit.bin', volumeName: 'MICROBIT', driveRoots: [media], remountTimeoutMs: 3000 });
    expect(outcome.verifiedBy).toBe('daplink-remount');
    expect(imageFromHex(programmed[0]).segments[0].data.subarray(0, app.length)).toEqual(app);
  });

  it('reports FAIL.TXT and a missing drive', async () => {
    const { media, drive } = await daplinkDrive();
    setTimeout(() => void writeFile(path.join(drive, 'FAIL.TXT'), 'The hex file cannot be decoded.\r\n'), 100);
    const error = await copyHexToDaplink({ image: appFiles(tinygoApp(256, 0), 0).hex, fileName: 'x.hex', driveRoots: [media], remountTimeoutMs: 3000 }).catch((e: unknown) => e);
    expect((error as FlashdeckError).code).toBe('DAPLINK_FAILED');
    expect((error as FlashdeckError).message).toMatch(/cannot be decoded/);
    const none = await copyHexToDaplink({ image: appFiles(tinygoApp(256, 0), 0).hex, fileName: 'x.hex', driveRoots: [path.join(media, 'nothing')] }).catch((e: unknown) => e);
    expect((none as FlashdeckError).code).toBe('DAPLINK_NO_DRIVE');
  });
});
