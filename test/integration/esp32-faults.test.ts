/**
 * Every failure a user can hit ends in the right FlashdeckError (code, stage, message, hint) or
 * in a successful retry — never in "success" with wrong bytes in flash.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FlashdeckError } from '../../drivers/common/errors';
import { type FlashEsp32Options, flashEsp32 } from '../../drivers/esp32/flash-esp32';
import { openSerialLink } from '../../drivers/common/serial-port-link';
import { Op } from '../../drivers/esp32/protocol';
import { tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';
import { startEsp32Sim } from '../../simulators/esp32/start-sim';
import { FAST, type Rig, openRig, sameBytes } from './esp32-rig';

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

async function flashError(r: Rig, image: Uint8Array, options: FlashEsp32Options = {}): Promise<FlashdeckError> {
  const result = await flashEsp32(r.link, image, { ...FAST, ...options }).then(
    () => null,
    (e) => e,
  );
  expect(result, 'flashing should have failed').toBeInstanceOf(FlashdeckError);
  expect((result as FlashdeckError).hint, `every error tells the user what to do: ${(result as FlashdeckError).code} ${(result as FlashdeckError).message}`).toBeTruthy();
  return result as FlashdeckError;
}

const esp32Image = (size = 16 * 1024, seed = 3) => tinygoStyleImage(0, size, seed);

describe('connecting', () => {
  it('wrong boot mode: the reset boots the app (boot:0x13) → hold BOOT, tap EN', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'binding', autoReset: 'en-only' });
    const e = await flashError(rig, esp32Image());
    expect(e).toMatchObject({ code: 'ESP_WRONG_BOOT_MODE', stage: 'syncing' });
    expect(e.message).toMatch(/Wrong boot mode detected \(0x13\)/);
    expect(e.hint).toMatch(/Hold BOOT, tap EN \(RESET\), release BOOT, then retry/);
    expect(rig.sim.device.boots.every((b) => b.mode === 'spi')).toBe(true);
  });

  it('no serial data at all → wrong port / charge-only cable / driver', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'binding', toHostFaults: { silent: true } });
    const e = await flashError(rig, esp32Image());
    expect(e).toMatchObject({ code: 'ESP_NO_DATA', stage: 'syncing' });
    expect(e.message).toMatch(/No serial data received/);
    expect(e.hint).toMatch(/right port.*charge-only.*driver/s);
  });

  it('download mode seen but no SYNC reply → the TX path is down', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'binding', toDeviceFaults: { silent: true } });
    const e = await flashError(rig, esp32Image());
    expect(e).toMatchObject({ code: 'ESP_NO_SYNC', stage: 'syncing' });
    expect(e.message).toMatch(/Download mode detected.*TX path/);
  });

  it('firmware output instead of packets → invalid head of packet (firmware running)', async () => {
    // A flashed app is running and printing; its boot banner went by before the port was opened.
    rig = await openRig({ chip: 'esp32', transport: 'pty', bootMode: 'spi', appOutputIntervalMs: 10, preload: [{ address: 0x1000, bytes: esp32Image() }] });
    const e = await flashError(rig, esp32Image(), { connectAttempts: 1, timeouts: { ...FAST.timeouts, syncMs: 30 } });
    expect(e.code).toBe('ESP_INVALID_HEAD');
    expect(e.message).toMatch(/Invalid head of packet \(0x[0-9a-f]{2}\).*Hello from TinyGo/);
    expect(e.hint).toMatch(/firmware is running.*hold BOOT, tap EN/);
  });

  it('a crashing app → firmware panic reported', async () => {
    rig = await openRig({
      chip: 'esp32',
      transport: 'pty',
      bootMode: 'spi',
      appOutputIntervalMs: 10,
      faults: { appPanics: true },
      preload: [{ address: 0x1000, bytes: esp32Image() }],
    });
    const e = await flashError(rig, esp32Image(), { connectAttempts: 1, timeouts: { ...FAST.timeouts, syncMs: 30 } });
    expect(e.code).toBe('ESP_FIRMWARE_PANIC');
    expect(e.message).toMatch(/Guru Meditation Error/);
  });

  it('port busy and permission denied are mapped from the open error', async () => {
    for (const [openError, code, hint] of [
      ['EBUSY', 'PORT_BUSY', /Close other serial monitors/],
      ['EACCES', 'PORT_EACCES', /dialout group/],
    ] as const) {
      const sim = await startEsp32Sim({ chip: 'esp32', transport: 'binding', openError });
      const e = await openSerialLink(sim.hostPath, { binding: sim.binding }).catch((err) => err);
      expect(e).toBeInstanceOf(FlashdeckError);
      expect(e.code).toBe(code);
      expect(e.hint).toMatch(hint);
      await sim.close();
    }
    // A second opener of a port that is already open gets "busy" too.
    rig = await openRig({ chip: 'esp32', transport: 'binding' });
    const again = await openSerialLink(rig.sim.hostPath, { binding: rig.sim.binding }).catch((err) => err);
    expect(again.code).toBe('PORT_BUSY');
  });
});

describe('detecting', () => {
  it('wrong chip: an ESP32 image on an ESP32-C3 is refused before anything is written', async () => {
    rig = await openRig({ chip: 'esp32c3', transport: 'pty' });
    const e = await flashError(rig, esp32Image(), { fileName: 'blinky.bin' });
    expect(e).toMatchObject({ code: 'ESP_CHIP_MISMATCH', stage: 'detecting' });
    expect(e.message).toBe('This image is for ESP32, the board is an ESP32-C3.');
    expect(rig.sim.flash.bytesProgrammed).toBe(0);
    expect(rig.sim.device.commandLog).not.toContain(Op.FLASH_DEFL_BEGIN);
  });

  it('allowChipMismatch writes it anyway (explicit override)', async () => {
    rig = await openRig({ chip: 'esp32c3', transport: 'pty' });
    const image = esp32Image();
    const out = await flashEsp32(rig.link, image, { allowChipMismatch: true, offset: 0 });
    expect(sameBytes(rig.sim.flash.read(0, image.length), image)).toBe(true);
    expect(out.details.log).toMatch(/ESP32 image to an ESP32-C3/);
  });

  it('a corrupted file is refused before connecting', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty' });
    const image = esp32Image();
    image[200] ^= 0x40;
    const e = await flashError(rig, image);
    expect(e).toMatchObject({ code: 'ESP_IMAGE_INVALID', stage: 'validating' });
    expect(rig.sim.device.commandLog).toEqual([]);
  });

  it('flash id all FF or all 00 → the flash chip does not answer', async () => {
    for (const flashId of [0xffffff, 0x000000]) {
      rig = await openRig({ chip: 'esp32', transport: 'pty', faults: { flashId } });
      const e = await flashError(rig, esp32Image());
      expect(e).toMatchObject({ code: 'ESP_FLASH_ID', stage: 'detecting' });
      expect(e.message).toMatch(/does not answer \(flash id 0x(ffffff|000000)\)/);
      expect(rig.sim.flash.bytesProgrammed).toBe(0);
      await rig.close();
      rig = null;
    }
  });

  it('an ESP32 is named by its magic register and never asked GET_SECURITY_INFO (its ROM rejects it); a C3 is asked', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty' });
    const image = esp32Image(4096);
    const out = await flashEsp32(rig.link, image, {});
    expect(out.details.chip).toBe('ESP32');
    expect(rig.sim.device.commandLog).not.toContain(Op.GET_SECURITY_INFO);
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
    await rig.close();

    rig = await openRig({ chip: 'esp32c3', transport: 'binding' });
    const c3Image = tinygoStyleImage(5, 4096, 3);
    const c3 = await flashEsp32(rig.link, c3Image, { ...FAST });
    expect(c3.details.chip).toBe('ESP32-C3');
    expect(rig.sim.device.commandLog.filter((op) => op === Op.GET_SECURITY_INFO)).toHaveLength(1);
  });
});

describe('stub and baud rate', () => {
  it('stub never says OHAI → reset and finish with the ROM loader', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'binding', faults: { stubNeverStarts: true } });
    const image = esp32Image();
    const out = await flashEsp32(rig.link, image, { ...FAST });
    expect(out.details.loader).toBe('rom');
    expect(out.details.log).toMatch(/did not start \(no OHAI\); continuing with the slower ROM loader/);
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
  });

  it('stub never says OHAI on a port without reset lines → ESP_STUB_FAILED with manual instructions', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty', faults: { stubNeverStarts: true } });
    const e = await flashError(rig, esp32Image(), { connectAttempts: 1, timeouts: { ...FAST.timeouts, syncMs: 30 } });
    expect(e).toMatchObject({ code: 'ESP_STUB_FAILED', stage: 'uploading-stub' });
    expect(e.hint).toMatch(/Hold BOOT, tap EN/);
  });

  it('baud switch that does not take → falls back to 115200 and still verifies', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'binding', faults: { baudSwitch: 'ignore' } });
    const image = esp32Image();
    const out = await flashEsp32(rig.link, image, { ...FAST, baud: 460800 });
    expect(out.details.baud).toBe('115200');
    expect(out.details.log).toMatch(/Could not switch to 460800 baud/);
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
  });

  it('a loader that changes rate late (after the first check gave up) is found at the new rate by a later check', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'binding', faults: { baudSwitch: 'late' } });
    const device = rig.sim.device;
    const image = esp32Image();
    const out = await flashEsp32(rig.link, image, { ...FAST, baud: 460800 });
    expect(out.details.baud).toBe('460800');
    expect(out.details.log ?? '').not.toMatch(/Could not switch/);
    // A READ_REG answered at the new rate came first after the switch, and the image crossed at 460800.
    const fromSwitch = device.commandLog.slice(device.commandLog.indexOf(Op.CHANGE_BAUDRATE) + 1);
    expect(fromSwitch[0]).toBe(Op.READ_REG);
    expect(device.wireLog.find((s) => s.baud === 460800)!.bytesIn).toBeGreaterThan(image.length / 3);
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
  });

  it('baud switch refused by the ROM but accepted by the stub → transfer at the requested rate', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'binding', faults: { baudSwitch: 'ignore' } });
    const device = rig.sim.device;
    const image = esp32Image();
    const out = await flashEsp32(rig.link, image, {
      ...FAST,
      baud: 460800,
      onProgress: (p) => {
        if (p.stage === 'uploading-stub') device.faults.baudSwitch = 'ok';
      },
    });
    expect(out.details).toMatchObject({ baud: '460800', loader: 'stub' });
    expect(out.details.log).toMatch(/Could not switch to 460800 baud/);
    // The image itself crossed the wire at 460800 (the board is back at 115200 after the hard reset).
    expect(device.wireLog.find((s) => s.baud === 460800)!.bytesIn).toBeGreaterThan(image.length / 3);
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
  });
});

describe('writing and verifying', () => {
  it('a block rejected twice with a checksum error is retried and the image verifies', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty', faults: { checksumErrorsOnSeq: { 1: 2 } } });
    const image = esp32Image(64 * 1024);
    const out = await flashEsp32(rig.link, image, { useStub: false });
    expect(out.details.log).toMatch(/Block 2\/\d+ failed .*retrying/);
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
  });

  it('a block that fails 3 times → ESP_WRITE_FAILED', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty', faults: { checksumErrorsOnSeq: { 1: 3 } } });
    const e = await flashError(rig, esp32Image(64 * 1024), { useStub: false });
    expect(e).toMatchObject({ code: 'ESP_WRITE_FAILED', stage: 'writing' });
    expect(e.message).toMatch(/block 2 of \d+ .* failed 3 times: FLASH_DEFL_DATA failed: invalid CRC/);
  });

  it('a board that stops answering data blocks → ESP_WRITE_FAILED after retries', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty', faults: { noReplyTo: [Op.FLASH_DEFL_DATA] } });
    const e = await flashError(rig, esp32Image(), { timeouts: { ...FAST.timeouts, defaultMs: 300, eraseWritePerMbMs: 5000 } });
    expect(e).toMatchObject({ code: 'ESP_WRITE_FAILED', stage: 'writing' });
    expect(e.message).toMatch(/stopped answering|stopped sending/);
  });

  it('MD5 mismatch (weak flash bits) → rewrite once, then ESP_MD5_MISMATCH', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty', faults: { weakFlashBits: [0x1000 + 777] } });
    const e = await flashError(rig, esp32Image());
    expect(e).toMatchObject({ code: 'ESP_MD5_MISMATCH', stage: 'verifying' });
    expect(e.message).toMatch(/MD5 of file does not match data in flash: flash [0-9a-f]{32}, file [0-9a-f]{32}/);
    expect(rig.sim.device.commandLog.filter((op) => op === Op.SPI_FLASH_MD5)).toHaveLength(2);
  });

  it('no reply to SPI_FLASH_MD5 → timeout in the verifying stage, never success', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty', faults: { noReplyTo: [Op.SPI_FLASH_MD5] } });
    const e = await flashError(rig, esp32Image());
    expect(e).toMatchObject({ code: 'ESP_TIMEOUT', stage: 'verifying' });
  });

  it('slow erase beyond the erase timeout → ESP_TIMEOUT while erasing (ROM erases in FLASH_BEGIN)', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty', timeScale: 1, faults: { slowEraseFactor: 40 } });
    const e = await flashError(rig, esp32Image(), { useStub: false, timeouts: { ...FAST.timeouts, defaultMs: 400, eraseRegionPerMbMs: 1000 } });
    expect(e).toMatchObject({ code: 'ESP_TIMEOUT', stage: 'erasing' });
  });

  it('the board vanishes at byte N → ESP_DISCONNECTED in the stage it happened', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'binding', toDeviceFaults: { disconnectAtByte: 20_000 } });
    const e = await flashError(rig, esp32Image(64 * 1024));
    expect(e.code).toBe('ESP_DISCONNECTED');
    expect(['uploading-stub', 'writing']).toContain(e.stage);
    expect(e.hint).toMatch(/unplugged/);
  });

  it('an unplug seen first by the control lines or the baud change → ESP_DISCONNECTED, not manual boot mode or an internal error', async () => {
    const eio = () => Promise.reject(Object.assign(new Error('Input/output error, cannot set'), { code: 'EIO' }));
    rig = await openRig({ chip: 'esp32', transport: 'binding' });
    const link = rig.link;
    const gone = Object.create(link, { setSignals: { value: eio } });
    const atReset = await flashError({ ...rig, link: gone }, esp32Image());
    expect(atReset).toMatchObject({ code: 'ESP_DISCONNECTED', stage: 'connecting' });
    expect(atReset.message).toMatch(/went away while resetting/);

    // The stub runs, then the port fails as it changes to the fast baud.
    const baudFails = Object.create(link, { setBaudRate: { value: (baud: number) => (baud === 115200 ? link.setBaudRate(baud) : eio()) } });
    const atBaud = await flashError({ ...rig, link: baudFails }, esp32Image(), { baud: 921600 });
    expect(atBaud.code).toBe('ESP_DISCONNECTED');
    expect(atBaud.message).toMatch(/failed while changing to 921600 baud/);

    // An adapter that refuses the rate (EINVAL) is not an unplug: the job goes on at 115200, verified.
    const refuses = Object.create(link, {
      setBaudRate: {
        value: (baud: number) => (baud === 115200 ? link.setBaudRate(baud) : Promise.reject(Object.assign(new Error('Invalid argument, cannot set'), { code: 'EINVAL' }))),
      },
    });
    const image = esp32Image();
    const outcome = await flashEsp32(refuses, image, { ...FAST, baud: 921600 });
    expect(outcome.details.baud).toBe('115200');
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
  });

  it('a board that stops taking data (the write never drains) → ESP_WRITE_FAILED, and Cancel works meanwhile', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'binding' });
    const link = rig.link;
    let writes = 0;
    // After the first few frames the port accepts nothing more, as USB-Serial-JTAG does when nobody reads it.
    const stuck = Object.create(link, { write: { value: (bytes: Uint8Array) => (++writes > 3 ? new Promise<void>(() => {}) : link.write(bytes)) } });
    const started = performance.now();
    const e = await flashError({ ...rig, link: stuck }, esp32Image());
    expect(e.code).toBe('ESP_WRITE_FAILED');
    expect(e.message).toMatch(/stopped taking data/);
    expect(performance.now() - started).toBeLessThan(10_000);

    writes = 0;
    const controller = new AbortController();
    const run = flashEsp32(stuck, esp32Image(), { ...FAST, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('cancellation via AbortSignal stops the job in the current stage', async () => {
    rig = await openRig({ chip: 'esp32', transport: 'pty', throttle: true });
    const controller = new AbortController();
    const image = esp32Image(256 * 1024);
    const run = flashEsp32(rig.link, image, {
      signal: controller.signal,
      baud: 460800,
      onProgress: (p) => {
        if (p.stage === 'writing' && p.bytesDone > 0) controller.abort();
      },
    });
    const e = await run.catch((err) => err);
    expect(e).toMatchObject({ code: 'CANCELLED', stage: 'writing' });
  });

  it('line noise and dropped bytes: every run ends verified or with an error, never with wrong bytes', async () => {
    const results: string[] = [];
    for (const [seed, plan] of [
      [1, { noiseRate: 2e-5 }],
      [2, { noiseRate: 2e-5 }],
      [3, { dropRate: 2e-5 }],
      [4, { dropRate: 2e-5 }],
      [5, { noiseRate: 1e-3 }],
    ] as const) {
      rig = await openRig({ chip: 'esp32', transport: 'binding', toDeviceFaults: { ...plan, seed } });
      const image = esp32Image(64 * 1024, seed);
      const outcome = await flashEsp32(rig.link, image, { ...FAST, timeouts: { ...FAST.timeouts, defaultMs: 300 } }).then(
        (o) => o,
        (e: FlashdeckError) => e,
      );
      if (outcome instanceof FlashdeckError) {
        results.push(outcome.code);
        expect(outcome.hint).toBeTruthy();
      } else {
        results.push(/retrying|writing again/.test(outcome.details.log ?? '') ? 'ok-after-retry' : 'ok');
        expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
      }
      await rig.close();
      rig = null;
    }
    console.log('noise/drop outcomes', results.join(' '));
    // Light noise is absorbed by block retries; heavy noise fails loudly.
    expect(results.filter((r) => r.startsWith('ok')).length).toBeGreaterThanOrEqual(2);
    expect(results).toContain('ok-after-retry');
    expect(results.at(-1)).not.toMatch(/^ok/);
  });
});
