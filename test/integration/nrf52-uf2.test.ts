import { describe, expect, it } from 'vitest';
import { FlashdeckError } from '../../drivers/common/errors';
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { flashUf2, type FlashUf2Options } from '../../drivers/nrf52/flash-uf2';
import { defaultDriveRoots, findUf2Drives, fatMountsFromProcMounts, windowsRemovableDrives, writeUf2File, type WritableFile } from '../../drivers/nrf52/uf2-drive';
import { touchSerialPortAt1200 } from '../../drivers/nrf52/touch-1200';
import { encodeUf2 } from '../../drivers/nrf52/uf2';
import { imageFromBin } from '../../drivers/nrf52/firmware-image';
import { Uf2DriveSim, type Uf2DriveSimOptions } from '../../simulators/nrf52/uf2-drive-sim';
import { UsbCdcProgramSim } from '../../simulators/nrf52/usb-cdc-program-sim';
import { SimBinding } from '../../simulators/common/sim-binding';
import { appFiles, tinygoApp } from '../../simulators/nrf52/fixtures';
import { expectFlashError } from './expect-flash-error';
import { cleanupAfterEach, FEATHER_APP } from './nrf52-rig';

const APP_PORT = { path: '/dev/ttyACM-app', ...FEATHER_APP };
const V6 = 0x26000;
const app = tinygoApp(40 * 1024, V6, 31);
const files = appFiles(app, V6);
const FAST = { driveAppearMs: 1500, drivePollMs: 25, reenumerateMs: 1000 };

const defer = cleanupAfterEach();

async function board(options: Partial<Uf2DriveSimOptions> = {}): Promise<{ sim: Uf2DriveSim; media: string }> {
  const base = await mkdtemp(path.join(tmpdir(), 'flashdeck-uf2-'));
  const media = path.join(base, 'media');
  const sim = new Uf2DriveSim({
    mountRoot: path.join(media, 'user'),
    appPort: APP_PORT,
    bootloaderPort: { path: '/dev/ttyACM-boot', vendorId: '239a', productId: '0029' },
    ...options,
  });
  await sim.start();
  defer(async () => {
    await sim.stop();
    await rm(base, { recursive: true, force: true });
  });
  return { sim, media };
}

function options(sim: Uf2DriveSim, media: string, extra: Partial<FlashUf2Options>): FlashUf2Options {
  return { image: files.uf2, fileName: 'firmware.uf2', driveRoots: [media], portWatch: sim.portWatch, appIdentity: FEATHER_APP, timeouts: FAST, ...extra };
}

describe('UF2 drive flashing', () => {
  for (const [name, bytes] of [
    ['firmware.uf2', files.uf2],
    ['firmware.hex', files.hex],
    ['firmware.bin', files.bin],
    ['firmware.elf', files.elf],
    ['firmware.zip', files.legacyZip],
  ] as const) {
    it(`copies a 40 KiB TinyGo ${name.split('.')[1]} to a board already in its bootloader`, async () => {
      const { sim, media } = await board();
      const outcome = await flashUf2(options(sim, media, { image: bytes, fileName: name }));
      expect(outcome).toMatchObject({ verifiedBy: 're-enumerated', details: { appPort: '/dev/ttyACM-app', boardId: 'nRF52840-Feather-revE', softDevice: 'S140 6.1.1' } });
      expect(sim.appBytes(V6, app.length)).toEqual(app);
      expect(sim.softDeviceIntact()).toBe(true);
      expect(sim.events).toContain('drive vanished');
    });
  }

  it('resets a running TinyGo app with a 1200-baud touch (in-process binding), then copies', async () => {
    const { sim, media } = await board({ startInBootloader: false });
    const binding = new SimBinding();
    const app1200 = new UsbCdcProgramSim(() => void sim.enterBootloader());
    binding.register('/dev/ttySIM-app', app1200, { info: { vendorId: '239a', productId: '802a' } });
    const stages: string[] = [];
    const outcome = await flashUf2(
      options(sim, media, {
        target: 'feather-nrf52840',
        touchPort: () => touchSerialPortAt1200({ path: '/dev/ttySIM-app', binding }),
        onProgress: (p) => stages.push(p.stage),
      }),
    );
    expect(app1200.touched).toBe(true);
    expect(outcome.verifiedBy).toBe('re-enumerated');
    expect(stages).toEqual(expect.arrayContaining(['entering-bootloader', 'finding-drive', 'checking-board', 'writing', 'waiting-for-board']));
    expect(sim.appBytes(V6, app.length)).toEqual(app);
  });

  it('when the 1200-baud touch cannot open the port, asks for a double-tap and flashes once the drive appears', async () => {
    const { sim, media } = await board({ startInBootloader: false });
    const messages: string[] = [];
    const touchFails = () =>
      Promise.reject(new FlashdeckError({ code: 'NRF_TOUCH_FAILED', stage: 'entering-bootloader', message: 'Could not open /dev/ttyACM0 at 1200 baud.', hint: 'Double-tap.' }));
    const flashing = flashUf2(options(sim, media, { touchPort: touchFails, onProgress: (p) => p.message && messages.push(p.message) }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(messages.join('\n')).toMatch(/Double-tap the board's RESET button now/);
    await sim.enterBootloader(); // the user double-taps
    await expect(flashing).resolves.toMatchObject({ verifiedBy: 're-enumerated' });
    expect(sim.appBytes(V6, app.length)).toEqual(app);
  });

  it('asks for a double-tap when no drive appears after the touch', async () => {
    const { sim, media } = await board({ startInBootloader: false, ignoreTouch: true });
    const error = await expectFlashError(
      flashUf2(options(sim, media, { touchPort: sim.touch, timeouts: { ...FAST, driveAppearMs: 300 } })),
      'NRF_UF2_NO_DRIVE',
      /No UF2 bootloader drive.*INFO_UF2\.TXT/,
    );
    expect(error.hint).toMatch(/[Dd]ouble-tap/);
  });

  it('refuses an S140 v6 image on a board with S140 7.3.0 and leaves the board alone', async () => {
    const { sim, media } = await board({ softDevice: 'S140 7.3.0', volumeName: 'XIAO-SENSE', boardId: 'nRF52840-SeeedXiaoSense-v1' });
    const error = await expectFlashError(
      flashUf2(options(sim, media, { target: 'feather-nrf52840' })),
      'NRF_SOFTDEVICE_MISMATCH',
      /linked for S140 v6 \(0x26000\) but the board has S140 7\.3\.0.*overwrite the SoftDevice/,
    );
    expect(error.hint).toMatch(/S140 v7/);
    expect(sim.softDeviceIntact()).toBe(true);
    expect(sim.state).toBe('bootloader');
  });

  it('refuses an S140 v7 image on an S140 v6 board, and accepts it on a v7 board', async () => {
    const v7app = tinygoApp(8192, 0x27000, 5);
    const v7 = appFiles(v7app, 0x27000);
    const first = await board();
    await expectFlashError(flashUf2(options(first.sim, first.media, { image: v7.uf2 })), 'NRF_SOFTDEVICE_MISMATCH', /S140 v7 \(0x27000\) but the board has S140 6\.1\.1/);
    const second = await board({ softDevice: 'S140 7.3.0' });
    await flashUf2(options(second.sim, second.media, { image: v7.hex, fileName: 'xiao.hex' }));
    expect(second.sim.appBytes(0x27000, v7app.length)).toEqual(v7app);
    expect(second.sim.softDeviceIntact()).toBe(true);
  });

  it('refuses wrong-family, family-less, truncated and oversized files before copying', async () => {
    const { sim, media } = await board();
    const image = imageFromBin(app, V6);
    await expectFlashError(flashUf2(options(sim, media, { image: encodeUf2(image, 0x1b57745f) })), 'NRF_UF2_WRONG_FAMILY', /family 0x1b57745f/);
    const noFamily = encodeUf2(image).slice();
    for (let at = 0; at < noFamily.length; at += 512) noFamily[at + 9] = 0; // clear flag 0x2000
    await expectFlashError(flashUf2(options(sim, media, { image: noFamily })), 'NRF_UF2_NO_FAMILY', /without a family ID/);
    await expectFlashError(flashUf2(options(sim, media, { image: files.uf2.subarray(0, 512 * 20 + 100) })), 'NRF_BAD_UF2', /truncated/);
    const huge = encodeUf2(imageFromBin(new Uint8Array(0xea000 - V6 + 512).fill(1), V6));
    await expectFlashError(flashUf2(options(sim, media, { image: huge })), 'NRF_IMAGE_TOO_LARGE', /past 0xEA000/);
    expect(sim.state).toBe('bootloader');
    expect(sim.events).toEqual(['drive mounted']);
  });

  it("does not take a bootloader port that carries the app's USB ids for the app coming back (Nano 33 BLE)", async () => {
    // The Nano 33 BLE's bootloader and app both enumerate as 239a:0063: a matching port is there all along.
    const nano = { path: '/dev/ttyACM-boot', vendorId: '239a', productId: '0063' };
    const { sim, media } = await board({ ignoreBlocks: true, bootloaderPort: nano });
    await expectFlashError(flashUf2(options(sim, media, { appIdentity: { vendorId: '239a', productId: '0063' } })), 'NRF_UF2_IGNORED', /ignored the file/);
  });

  it('reports a file the bootloader ignored (drive still there)', async () => {
    const { sim, media } = await board({ ignoreBlocks: true });
    await expectFlashError(flashUf2(options(sim, media, {})), 'NRF_UF2_IGNORED', /ignored the file/);
  });

  it('reports an app that never enumerates after the copy', async () => {
    const { sim, media } = await board({ appWithoutUsb: true });
    await expectFlashError(flashUf2(options(sim, media, {})), 'BOARD_DID_NOT_RETURN', /did not appear/);
    expect(sim.appBytes(V6, app.length)).toEqual(app);
  });

  it('picks the drive by its label when several are mounted, else asks', async () => {
    const a = await board({ volumeName: 'FTHR840BOOT' });
    const b = new Uf2DriveSim({ mountRoot: path.join(a.media, 'user'), volumeName: 'ITSY840BOOT', boardId: 'nRF52840-ItsyBitsy-revA', portWatch: a.sim.portWatch });
    await b.start();
    defer(() => b.stop());
    await expectFlashError(flashUf2(options(a.sim, a.media, {})), 'NRF_UF2_SEVERAL_DRIVES', /FTHR840BOOT.*ITSY840BOOT|ITSY840BOOT.*FTHR840BOOT/);
    const outcome = await flashUf2(options(a.sim, a.media, { target: 'feather-nrf52840' }));
    expect(outcome.details.drive).toMatch(/FTHR840BOOT$/);
    expect(a.sim.appBytes(V6, app.length)).toEqual(app);
  });
});

describe('UF2 drive simulator behaves like the bootloader', () => {
  it('silently ignores a wrong-family file and rejects blocks past 0xEA000 (drive stays, nothing flashed)', async () => {
    const { sim } = await board();
    await writeFile(path.join(sim.driveDir, 'WRONG.UF2'), encodeUf2(imageFromBin(app, V6), 0x1b57745f));
    await writeFile(path.join(sim.driveDir, 'HIGH.UF2'), encodeUf2(imageFromBin(new Uint8Array(512).fill(7), 0xea000)));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sim.state).toBe('bootloader');
    expect(sim.events).toEqual(expect.arrayContaining(['block 0 at 0x26000: ignore', 'block 0 at 0xea000: reject']));
    expect([...sim.appBytes(V6, 16)].every((b) => b === 0xff)).toBe(true);
  });

  it('writes an S140 v6 image over an S140 v7 SoftDevice without complaint, as the real bootloader would', async () => {
    const { sim } = await board({ softDevice: 'S140 7.3.0' });
    await writeFile(path.join(sim.driveDir, 'FLASH.UF2'), files.uf2);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(sim.softDeviceIntact()).toBe(false);
    expect(sim.events).toEqual(expect.arrayContaining([`flashed ${files.uf2.length / 512} blocks; SoftDevice overwritten`, 'app crashed: SoftDevice damaged']));
  });
});

describe('UF2 drive discovery and writing', () => {
  it('finds drives by INFO_UF2.TXT in any case, not by label, and reads Board-ID and SoftDevice', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'flashdeck-drives-'));
    defer(() => rm(base, { recursive: true, force: true }));
    await mkdir(path.join(base, 'user', 'NO NAME'), { recursive: true });
    await writeFile(path.join(base, 'user', 'NO NAME', 'info_uf2.txt'), 'UF2 Bootloader 0.6.0\nModel: X\nBoard-ID: nRF52840-Test\nSoftDevice: not found\n');
    await mkdir(path.join(base, 'user', 'FTHR840BOOT'), { recursive: true }); // label only, no info file
    const drives = await findUf2Drives({ roots: [base] });
    expect(drives).toHaveLength(1);
    expect(drives[0]).toMatchObject({ root: path.join(base, 'user', 'NO NAME'), boardId: 'nRF52840-Test', softDevice: 'none', infoFileName: 'info_uf2.txt' });
  });

  it('parses /proc/mounts FAT entries and PowerShell drive lists', async () => {
    expect(fatMountsFromProcMounts('/dev/sda1 /media/me/FTHR840BOOT vfat rw 0 0\n/dev/sdb1 /run/media/me/NO\\040NAME vfat rw 0 0\n/dev/nvme0 / ext4 rw 0 0\n')).toEqual([
      '/media/me/FTHR840BOOT',
      '/run/media/me/NO NAME',
    ]);
    const scripts: string[] = [];
    const letters = await windowsRemovableDrives(async (script) => {
      scripts.push(script);
      if (script.startsWith('Get-CimInstance')) throw new Error('CIM unavailable');
      return 'E:\r\nf:\r\n';
    });
    expect(letters).toEqual(['E:\\', 'F:\\']);
    expect(scripts[0]).toMatch(/Get-CimInstance -ClassName Win32_LogicalDisk/);
    expect(scripts[1]).toMatch(/Get-Volume/);
    expect(scripts.join(' ')).not.toMatch(/wmic/i);
    expect(await defaultDriveRoots('darwin')).toEqual([{ path: '/Volumes', depth: 1 }]);
    expect(await defaultDriveRoots('win32', async () => 'G:\r\n')).toEqual([{ path: 'G:\\', depth: 0 }]);
    expect(await defaultDriveRoots('linux')).toEqual(
      expect.arrayContaining([
        { path: '/media', depth: 2 },
        { path: '/run/media', depth: 2 },
        { path: '/mnt', depth: 1 },
      ]),
    );
  });

  function fakeFile(failAt: { write?: number; sync?: boolean; code: string }): { open: () => Promise<WritableFile>; chunks: number[]; synced: () => boolean } {
    const chunks: number[] = [];
    let synced = false;
    return {
      chunks,
      synced: () => synced,
      open: async () => ({
        write: async (_buffer, _offset, length) => {
          if (failAt.write !== undefined && chunks.length === failAt.write) throw Object.assign(new Error('I/O error'), { code: failAt.code });
          chunks.push(length);
          return { bytesWritten: length };
        },
        sync: async () => {
          if (failAt.sync) throw Object.assign(new Error('I/O error'), { code: failAt.code });
          synced = true;
        },
        close: async () => {
          throw Object.assign(new Error('gone'), { code: 'EIO' });
        },
      }),
    };
  }

  it('writes in explicit chunks with fsync; the drive vanishing after the last byte is success', async () => {
    const bytes = new Uint8Array(100 * 1024);
    const ok = fakeFile({ code: 'EIO' });
    expect(await writeUf2File('/x/FLASH.UF2', bytes, { open: ok.open, chunkSize: 32 * 1024 })).toEqual({ bytesWritten: bytes.length, vanished: false });
    expect(ok.chunks).toEqual([32768, 32768, 32768, 4096]);
    expect(ok.synced()).toBe(true);
    const vanishing = fakeFile({ sync: true, code: 'EIO' });
    expect(await writeUf2File('/x/FLASH.UF2', bytes, { open: vanishing.open })).toEqual({ bytesWritten: bytes.length, vanished: true });
  });

  it('a drive vanishing before all bytes were written is a failure', async () => {
    const early = fakeFile({ write: 2, code: 'ENOENT' });
    await expectFlashError(
      writeUf2File('/x/FLASH.UF2', new Uint8Array(100 * 1024), { open: early.open, chunkSize: 32 * 1024 }),
      'NRF_UF2_WRITE_FAILED',
      /after 65536 of 102400 bytes/,
    );
    await expectFlashError(writeUf2File('/nonexistent-dir/FLASH.UF2', new Uint8Array(10)), 'NRF_UF2_WRITE_FAILED', /Could not create/);
  });
});
