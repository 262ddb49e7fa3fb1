/**
 * Happy paths: TinyGo-style images into the simulator through a real pty (socat) and through
 * the in-process binding (DTR/RTS reset). Every test checks the bytes in simulated flash.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlashProgress } from '../../drivers/common/flash-job';
import { flashEsp32 } from '../../drivers/esp32/flash-esp32';
import { type DriverClock, wallClock } from '../../drivers/common/clock';
import { cancelledError } from '../../drivers/common/errors';
import { resetEsp32 } from '../../drivers/esp32/reset';
import { Op } from '../../drivers/esp32/protocol';
import { tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';
import { FAST, type Rig, openRig, sameBytes } from './esp32-rig';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
let rig: Rig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});
const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe('ESP32 flashing over a real pty (socat)', () => {
  it('writes a TinyGo ESP32 image at 0x1000 with the stub, verified by MD5', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty' });
    const image = tinygoStyleImage(0, 40 * 1024, 11);
    const marker = Uint8Array.from([1, 2, 3, 4]);
    rig.sim.flash.program(0x20000, marker, { sectorEraseMs: 0, blockEraseMs: 0, chipEraseMsPerMb: 0, pageProgramMs: 0, md5MsPerMb: 0 });
    const stages: string[] = [];
    const outcome = await flashEsp32(rig.link, image, { onProgress: (p) => stages.push(p.stage) });

    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
    expect(outcome).toMatchObject({ bytesWritten: image.length, verifiedBy: 'md5' });
    expect(outcome.details).toMatchObject({ chip: 'ESP32', address: '0x00001000', md5: md5(image), loader: 'stub', baud: '921600', flashSize: '4 MiB' });
    // Only the sectors written were erased: data elsewhere survives, the byte before 0x1000 too.
    expect([...rig.sim.flash.read(0x20000, 4)]).toEqual([1, 2, 3, 4]);
    expect(rig.sim.flash.sectorsErased + rig.sim.flash.blocksErased * 16).toBe(Math.ceil(image.length / 4096));
    expect(new Set(stages)).toEqual(new Set(['validating', 'connecting', 'syncing', 'detecting', 'uploading-stub', 'writing', 'verifying', 'resetting', 'done']));
    expect(rig.sim.device.commandLog).toContain(Op.SPI_FLASH_MD5);
  });

  it('writes a TinyGo ESP32-C3 image at 0x0', async () => {
    rig = await openRig({ chip: 'esp32c3', transport: 'pty' });
    const image = tinygoStyleImage(5, 30 * 1024, 12);
    const outcome = await flashEsp32(rig.link, image, {});
    expect(sameBytes(rig.sim.flash.read(0, image.length), image)).toBe(true);
    expect(outcome.details).toMatchObject({ chip: 'ESP32-C3', address: '0x00000000', md5: md5(image) });
    // C3 is identified by GET_SECURITY_INFO, not the magic register.
    expect(rig.sim.device.commandLog).toContain(Op.GET_SECURITY_INFO);
  });

  it('ROM-only path: 1 KiB blocks, 8-byte SPI_ATTACH, hex MD5 (ESP32-S3 at 0x0)', async () => {
    rig = await openRig({ chip: 'esp32s3', transport: 'pty' });
    const image = tinygoStyleImage(9, 20 * 1024, 13);
    const outcome = await flashEsp32(rig.link, image, { useStub: false });
    expect(sameBytes(rig.sim.flash.read(0, image.length), image)).toBe(true);
    expect(outcome.details).toMatchObject({ chip: 'ESP32-S3', loader: 'rom', md5: md5(image) });
    expect(rig.sim.device.stubUploads).toBe(0);
    const blocks = rig.sim.device.commandLog.filter((op) => op === Op.FLASH_DEFL_DATA).length;
    expect(blocks).toBeGreaterThanOrEqual(Math.ceil((image.length * 0.4) / 1024));
  });

  it('ROM-only uncompressed write at 115200 (FLASH_BEGIN/FLASH_DATA, 0xFF padded last block)', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty' });
    const image = tinygoStyleImage(0, 5000, 14);
    const outcome = await flashEsp32(rig.link, image, { useStub: false, compress: false, baud: 115200 });
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
    expect(outcome.details.baud).toBe('115200');
    expect(rig.sim.device.commandLog.filter((op) => op === Op.FLASH_DATA)).toHaveLength(Math.ceil(image.length / 1024));
    // The padding stays erased (0xFF) after the image.
    expect([...rig.sim.flash.read(0x1000 + image.length, 8)]).toEqual(new Array(8).fill(0xff));
  });

  it('eraseAll erases the whole chip first', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty' });
    rig.sim.flash.bytes.fill(0x00, 0x300000, 0x300010);
    const image = tinygoStyleImage(0, 8 * 1024, 15);
    await flashEsp32(rig.link, image, { eraseAll: true });
    expect(rig.sim.flash.chipErases).toBe(1);
    expect([...rig.sim.flash.read(0x300000, 4)]).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
  });

  it('reports progress with bytes, rate and ETA, at most ~10 events per second', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty', throttle: true });
    const image = tinygoStyleImage(0, 256 * 1024, 16);
    const events: (FlashProgress & { at: number })[] = [];
    await flashEsp32(rig.link, image, { onProgress: (p) => events.push({ ...p, at: performance.now() }) });
    const writing = events.filter((e) => e.stage === 'writing' && e.bytesTotal > 0);
    expect(writing.length).toBeGreaterThan(1);
    expect(writing.at(-1)).toMatchObject({ bytesDone: image.length, bytesTotal: image.length });
    expect(writing.some((e) => e.bytesPerSecond > 0 && e.etaSeconds !== null)).toBe(true);
    const plain = writing.filter((e) => !e.message && e.bytesDone < e.bytesTotal);
    for (let i = 1; i < plain.length; i++) expect(plain[i].at - plain[i - 1].at).toBeGreaterThanOrEqual(95);
  });
});

describe('ESP32 flashing through the in-process binding (DTR/RTS)', () => {
  it('resets a running board into download mode, flashes, and hard-resets it into the new app', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'binding' });
    expect(rig.sim.device.state).toBe('app');
    const image = tinygoStyleImage(0, 40 * 1024, 21);
    const outcome = await flashEsp32(rig.link, image, { clock: FAST.clock });
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
    expect(outcome.details).toMatchObject({ reset: 'hard reset', md5: md5(image) });
    await settle();
    expect(rig.sim.device.boots.map((b) => b.mode)).toEqual(['spi', 'download', 'spi']);
    expect(rig.sim.device.boots.at(-1)!.appFound).toBe(true);
    expect(rig.sim.device.state).toBe('app');
  });

  it('uses the USB-Serial-JTAG reset for a 303a:1001 ESP32-C3', async () => {
    rig = await openRig({ chip: 'esp32c3', transport: 'binding', usbJtag: true });
    const image = tinygoStyleImage(5, 16 * 1024, 22);
    await flashEsp32(rig.link, image, { usbJtag: true, clock: FAST.clock });
    expect(sameBytes(rig.sim.flash.read(0, image.length), image)).toBe(true);
    await settle(80);
    expect(rig.sim.device.boots.map((b) => b.mode)).toEqual(['spi', 'download', 'spi']);
  });

  it('the classic sequences do not reach download mode on a USB-Serial-JTAG chip (so the right one matters)', async () => {
    rig = await openRig({ chip: 'esp32c3', transport: 'binding', usbJtag: true });
    const error = await flashEsp32(rig.link, tinygoStyleImage(5, 4096), { ...FAST, usbJtag: false }).catch((e) => e);
    expect(error.code).toBe('ESP_WRONG_BOOT_MODE');
  });

  it('resetEsp32 (console button): hard reset restarts the app, classic enters the loader', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'binding' });
    await resetEsp32(rig.link, 'hard');
    await settle();
    expect(rig.sim.device.boots.at(-1)!.mode).toBe('spi');
    await resetEsp32(rig.link, 'classic');
    await settle();
    expect(rig.sim.device.boots.at(-1)!.mode).toBe('download');
    expect(rig.sim.device.state).toBe('download');
  });

  it('falls back to manual boot mode when the port rejects DTR/RTS, keeps syncing, and starts the new firmware with a soft reset', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'binding', bootMode: 'download' });
    const link = rig.link;
    const noLines = {
      ...link,
      get path() {
        return link.path;
      },
      get baudRate() {
        return link.baudRate;
      },
      get signals() {
        return link.signals;
      },
      setSignals: () => Promise.reject(Object.assign(new Error('Inappropriate ioctl for device'), { code: 'ENOTTY' })),
    };
    const messages: string[] = [];
    const image = tinygoStyleImage(0, 8 * 1024, 23);
    const outcome = await flashEsp32(noLines, image, { onProgress: (p) => p.message && messages.push(p.message) });
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
    expect(messages.join('\n')).toMatch(/cannot set DTR\/RTS.*hold BOOT, tap EN \(RESET\), release BOOT/s);
    expect(outcome.details.reset).toBe('soft reset (run user code)');
    // The stub jumped to the application: the chip booted from SPI flash and found the image.
    await expect.poll(() => rig!.sim.device.boots.at(-1)).toEqual({ mode: 'spi', appFound: true });
  });
});

describe('the reset', () => {
  it('ends its boot wait at the ROM\'s "waiting for download": a boot wait that would never end by itself does not hold the flash up', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'binding' });
    const image = tinygoStyleImage(0, 8 * 1024, 5);
    // The 50 ms boot wait of the reset sequence lasts until cancelled: only the banner can end it.
    const clock: DriverClock = {
      ...wallClock,
      sleep: (ms, signal, stage) =>
        stage === 'connecting' && ms === 50
          ? new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(cancelledError('connecting')), { once: true }))
          : wallClock.sleep(ms, signal, stage),
    };
    const outcome = await flashEsp32(rig.link, image, { clock, after: 'no-reset' });
    expect(outcome.details.md5).toBe(md5(image));
    expect(rig.sim.device.boots.at(-1)).toMatchObject({ mode: 'download' });
  });
});

describe('other chips the simulator models', () => {
  it.each([
    ['esp32s2', 2, 0x1000, 'ESP32-S2'],
    ['esp32c6', 13, 0x0, 'ESP32-C6'],
  ] as const)('%s: image at its bootloader offset, chip detected, MD5 verified', async (chip, chipId, offset, name) => {
    rig = await openRig({ chip, transport: 'pty' });
    const image = tinygoStyleImage(chipId, 12 * 1024, 50 + chipId);
    const outcome = await flashEsp32(rig.link, image, {});
    expect(outcome.details).toMatchObject({ chip: name, address: `0x${offset.toString(16).padStart(8, '0')}`, md5: md5(image) });
    expect(sameBytes(rig.sim.flash.read(offset, image.length), image)).toBe(true);
  });
});

describe('raw data', () => {
  it('writes a non-ESP file at the address the user chose, and refuses it without one before connecting', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty' });
    const data = new Uint8Array(9000).map((_, i) => (i * 13) & 0xff);
    const missing = await flashEsp32(rig.link, data, { fileName: 'spiffs.bin' }).catch((e) => e);
    expect(missing).toMatchObject({ code: 'ESP_OFFSET_REQUIRED', stage: 'validating' });
    expect(rig.sim.device.commandLog).toEqual([]);
    const outcome = await flashEsp32(rig.link, data, { offset: 0x290000 });
    expect(outcome.details).toMatchObject({ address: '0x00290000', imageKind: 'raw', md5: md5(data) });
    expect(sameBytes(rig.sim.flash.read(0x290000, data.length), data)).toBe(true);
  });
});

describe('what the simulated flash makes the host wait for (bench:esp32 sets it aside)', () => {
  it('counts replies held by their own flash work (MD5 reading the flash, the ROM erasing before it answers), not the stub programming after its ack', async () => {
    // Datasheet flash timings (timeScale 1), no line pacing: only the flash takes time.
    const image = tinygoStyleImage(5, 256 * 1024, 21);
    const md5Ms = (100 * image.length) / 1048576; // the stub hashes 100 ms per MiB
    rig = await openRig({ chip: 'esp32c3', transport: 'binding', throttle: false, timeScale: 1 });
    await flashEsp32(rig.link, image, { after: 'no-reset' });
    const stub = rig.sim.device;
    const programMs = (0.4 * image.length) / 256;
    expect(stub.flashHeldMs).toBeGreaterThanOrEqual(md5Ms * 0.9);
    // Programming (about 400 ms here) happens after each ack: at most one 64 KiB erase in flight is added.
    expect(stub.flashHeldMs).toBeLessThan(md5Ms + 150 + 50);
    await rig.close();

    rig = await openRig({ chip: 'esp32c3', transport: 'binding', throttle: false, timeScale: 1 });
    await flashEsp32(rig.link, image, { after: 'no-reset', useStub: false });
    // The ROM erases the 256 KiB (four 64 KiB blocks at 150 ms) inside FLASH_BEGIN, programs each block before
    // answering it, and hashes at a third of the stub's speed: all of it held replies.
    expect(rig.sim.device.flashHeldMs).toBeGreaterThanOrEqual((4 * 150 + programMs + 3 * md5Ms) * 0.9);
  });
});
