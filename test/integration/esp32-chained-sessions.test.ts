/**
 * Chained sessions, as scripts run esptool: one invocation writes with the stub and leaves the chip
 * in the loader (`--after no-reset`), the next opens the port again without a reset
 * (`--before no-reset`) and verifies. A board with the two-transistor auto-reset circuit is reset
 * only by the DTR/RTS sequence, so closing and reopening the port must leave the stub running,
 * at the baud it was switched to. Checked with esptool-js and with our own driver, on both transports.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ESPLoader, Transport } from 'esptool-js';
import { SerialPortStream } from '@serialport/stream';
import { flashEsp32 } from '../../drivers/esp32/flash-esp32';
import { EspRomLoader, loaderOn } from '../../drivers/esp32/loader';
import { openSerialLink } from '../../drivers/common/serial-port-link';
import { tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';
import { type Esp32Sim, startEsp32Sim } from '../../simulators/esp32/start-sim';
import { NodeWebSerialPort } from '../../simulators/esp32/web-serial-adapter';
import { scaledClock, sameBytes } from './esp32-rig';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const quiet = { clean() {}, writeLine() {}, write() {} };
const FAST_BAUD = 921600;
const settle = (ms = 50) => new Promise((r) => setTimeout(r, ms));

let sim: Esp32Sim | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

function esptoolJs(target: Esp32Sim, romBaudrate: number): { loader: ESPLoader; transport: Transport } {
  const port = new NodeWebSerialPort(target.hostPath, { binding: target.binding, usbVendorId: 0x10c4, usbProductId: 0xea60 });
  const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
  return { transport, loader: new ESPLoader({ transport, baudrate: FAST_BAUD, romBaudrate, terminal: quiet }) };
}

/**
 * esptool-js writes with the stub at 921600 and leaves the chip in it. Its 'no_reset' would try to
 * soft-reset the stub back to the ROM, which it supports only on the ESP8266; 'no_reset_stub' is
 * esptool's `--after no-reset-stub`, the loader as the write left it.
 */
async function writeWithEsptoolJs(target: Esp32Sim, image: Uint8Array, before: 'default_reset' | 'no_reset'): Promise<void> {
  const { loader, transport } = esptoolJs(target, 115200);
  try {
    await loader.main(before);
    expect(loader.IS_STUB).toBe(true);
    await loader.writeFlash({
      fileArray: [{ data: image, address: 0x1000 }],
      flashMode: 'keep',
      flashFreq: 'keep',
      flashSize: 'keep',
      eraseAll: false,
      compress: true,
      calculateMD5Hash: (bytes: Uint8Array) => md5(bytes),
    });
    await loader.after('no_reset_stub');
  } finally {
    await transport.disconnect().catch(() => {});
  }
}

/** esptool-js opens the port again without a reset, at the stub's baud, and reads back the MD5. */
async function verifyWithEsptoolJs(target: Esp32Sim, image: Uint8Array): Promise<void> {
  const { loader, transport } = esptoolJs(target, FAST_BAUD);
  try {
    await loader.main('no_reset');
    // SYNC answered with 0 by every reply: the stub was still running, nothing re-uploaded.
    expect(loader.IS_STUB).toBe(true);
    expect(await loader.flashMd5sum(0x1000, image.length)).toBe(md5(image));
  } finally {
    await transport.disconnect().catch(() => {});
  }
}

/** Our driver writes with the stub at 921600 and stays in the loader (after: 'no-reset'). */
async function writeWithDriver(target: Esp32Sim, image: Uint8Array, reset: 'auto' | 'none'): Promise<void> {
  const { link, close } = await openSerialLink(target.hostPath, { binding: target.binding });
  try {
    const outcome = await flashEsp32(link, image, { reset, after: 'no-reset', baud: FAST_BAUD, clock: scaledClock(0.3) });
    expect(outcome.details).toMatchObject({ loader: 'stub', md5: md5(image) });
  } finally {
    await close();
  }
}

/** Our loader opens the port again without a reset, syncs at the stub's baud and reads the MD5. */
async function verifyWithDriver(target: Esp32Sim, image: Uint8Array): Promise<void> {
  const { link, close } = await openSerialLink(target.hostPath, { binding: target.binding, baudRate: FAST_BAUD });
  const rom = new EspRomLoader(link);
  let loader = rom as ReturnType<typeof loaderOn>;
  try {
    expect(await rom.sync()).toEqual({ stubRunning: true });
    loader = loaderOn(rom.channel, true);
    expect(Buffer.from(await loader.flashMd5(0x1000, image.length)).toString('hex')).toBe(md5(image));
  } finally {
    loader.dispose();
    await close();
  }
}

describe.each(['binding', 'pty'] as const)('ESP32 chained sessions over the %s transport', (transport) => {
  // The binding board runs its app until reset into the loader by DTR/RTS; the pty board has no
  // reset lines and sits in the ROM loader it was strapped into.
  const before = transport === 'binding' ? 'default_reset' : 'no_reset';

  it('esptool-js: write with the stub, no reset after, close; reopen with no reset before and verify the MD5', async () => {
    sim = await startEsp32Sim({ chip: 'esp32', transport, timeScale: 0, appOutputIntervalMs: 20 });
    const image = tinygoStyleImage(0, 32 * 1024, 41);
    await writeWithEsptoolJs(sim, image, before);
    const boots = sim.device.boots.length;
    await settle(); // a rebooted chip would have run from flash by now
    await verifyWithEsptoolJs(sim, image);
    expect(sim.device.boots.length).toBe(boots);
    expect(sim.device.stubUploads).toBe(1);
    expect(sameBytes(sim.flash.read(0x1000, image.length), image)).toBe(true);
  });

  it('our driver: write with the stub, no reset after, close; reopen with no reset before and verify, then esptool-js verifies too', async () => {
    sim = await startEsp32Sim({ chip: 'esp32', transport, timeScale: 0, appOutputIntervalMs: 20 });
    const image = tinygoStyleImage(0, 24 * 1024, 42);
    await writeWithDriver(sim, image, transport === 'binding' ? 'auto' : 'none');
    const boots = sim.device.boots.length;
    await settle();
    await verifyWithDriver(sim, image);
    await verifyWithEsptoolJs(sim, image);
    expect(sim.device.boots.length).toBe(boots);
    expect(sim.device.stubUploads).toBe(1);
  });

  it('esptool-js writes, our driver continues on the running stub (no reset, no second upload) and writes a second image', async () => {
    sim = await startEsp32Sim({ chip: 'esp32', transport, timeScale: 0, appOutputIntervalMs: 20 });
    const first = tinygoStyleImage(0, 16 * 1024, 43);
    const second = tinygoStyleImage(0, 20 * 1024, 44);
    await writeWithEsptoolJs(sim, first, before);
    await settle();
    const { link, close } = await openSerialLink(sim.hostPath, { binding: sim.binding });
    try {
      const outcome = await flashEsp32(link, second, { reset: 'none', romBaud: FAST_BAUD, baud: FAST_BAUD, after: 'no-reset', clock: scaledClock(0.3) });
      expect(outcome.details.md5).toBe(md5(second));
    } finally {
      await close();
    }
    expect(sim.device.stubUploads).toBe(1);
    expect(sameBytes(sim.flash.read(0x1000, second.length), second)).toBe(true);
  });
});

describe('the auto-reset circuit, not the port, resets the chip (binding)', () => {
  /** Opens the port, optionally drives DTR/RTS through node-serialport's set(), and closes it (hupcl drops both lines together). */
  async function session(target: Esp32Sim, lines: { dtr: boolean; rts: boolean }[] = []): Promise<void> {
    const port = new SerialPortStream({ binding: target.binding!, path: target.hostPath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    for (const level of lines) {
      await new Promise<void>((resolve, reject) => port.set(level, (err) => (err ? reject(err) : resolve())));
      await settle(20);
    }
    await new Promise<void>((resolve) => port.close(() => resolve()));
    await settle();
  }

  it('opening and closing leaves the app and the ROM loader as they were; only a DTR/RTS pulse resets', async () => {
    sim = await startEsp32Sim({ chip: 'esp32', transport: 'binding', timeScale: 0, appOutputIntervalMs: 20 });
    for (let i = 0; i < 3; i++) await session(sim);
    expect(sim.device.boots.map((b) => b.mode)).toEqual(['spi']);
    expect(sim.device.state).toBe('app');

    // esptool's classic reset: EN low (RTS), then GPIO0 low (DTR) as EN rises, then both released.
    await session(sim, [
      { dtr: false, rts: true },
      { dtr: true, rts: false },
      { dtr: false, rts: false },
    ]);
    expect(sim.device.boots.map((b) => b.mode)).toEqual(['spi', 'download']);
    for (let i = 0; i < 3; i++) await session(sim);
    expect(sim.device.state).toBe('download');
    expect(sim.device.boots).toHaveLength(2);

    // EN pulsed alone (esptool's hard reset) boots the app again.
    await session(sim, [
      { dtr: false, rts: true },
      { dtr: false, rts: false },
    ]);
    expect(sim.device.boots.map((b) => b.mode)).toEqual(['spi', 'download', 'spi']);
  });
});
