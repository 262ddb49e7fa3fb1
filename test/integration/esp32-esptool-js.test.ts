/**
 * Cross-check with an independent client: esptool-js 0.7.0 (Espressif's TypeScript loader),
 * driven through a Web-Serial adapter over node-serialport, flashes the simulator; the MD5 it
 * reads back, the simulator's flash and our own driver all agree.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ESPLoader, Transport } from 'esptool-js';
import { flashEsp32 } from '../../drivers/esp32/flash-esp32';
import { openSerialLink } from '../../drivers/common/serial-port-link';
import { tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';
import { type Esp32Sim, startEsp32Sim } from '../../simulators/esp32/start-sim';
import { NodeWebSerialPort } from '../../simulators/esp32/web-serial-adapter';
import { scaledClock, sameBytes } from './esp32-rig';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const quiet = { clean() {}, writeLine() {}, write() {} };
let sim: Esp32Sim | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

describe('esptool-js 0.7.0 against the simulator', () => {
  it('detects the ESP32, uploads the stub, writes a TinyGo image at 0x1000 and reads back the same MD5 (DTR/RTS reset)', async () => {
    sim = await startEsp32Sim({ chip: 'esp32', transport: 'binding', timeScale: 0 });
    const port = new NodeWebSerialPort(sim.hostPath, { binding: sim.binding, usbVendorId: 0x10c4, usbProductId: 0xea60 });
    const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
    const loader = new ESPLoader({ transport, baudrate: 921600, romBaudrate: 115200, terminal: quiet });
    const image = tinygoStyleImage(0, 48 * 1024, 31);
    try {
      const chip = await loader.main('default_reset');
      expect(chip).toMatch(/ESP32/);
      await loader.writeFlash({
        fileArray: [{ data: image, address: 0x1000 }],
        flashMode: 'keep',
        flashFreq: 'keep',
        flashSize: 'keep',
        eraseAll: false,
        compress: true,
        calculateMD5Hash: (data: Uint8Array) => createHash('md5').update(data).digest('hex'),
      });
      const readBack = await loader.flashMd5sum(0x1000, image.length);
      expect(readBack).toBe(md5(image));
      expect(sameBytes(sim.flash.read(0x1000, image.length), image)).toBe(true);
      expect(sim.device.stubUploads).toBe(1);
      expect(sim.device.boots.map((b) => b.mode)).toContain('download');
    } finally {
      await transport.disconnect().catch(() => {});
    }

    // Our driver then rewrites the same image over the same simulated board and agrees on the MD5.
    const { link, close } = await openSerialLink(sim.hostPath, { binding: sim.binding });
    try {
      const outcome = await flashEsp32(link, image, { clock: scaledClock(0.3) });
      expect(outcome.details.md5).toBe(md5(image));
    } finally {
      await close();
    }
  });

  it('flashes an ESP32-C3 over a real pty (no reset lines: no_reset) and reads back the same MD5', async () => {
    sim = await startEsp32Sim({ chip: 'esp32c3', transport: 'pty', timeScale: 0 });
    const port = new NodeWebSerialPort(sim.hostPath);
    const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
    const loader = new ESPLoader({ transport, baudrate: 460800, romBaudrate: 115200, terminal: quiet });
    const image = tinygoStyleImage(5, 24 * 1024, 32);
    try {
      expect(await loader.main('no_reset')).toMatch(/ESP32-C3/);
      await loader.writeFlash({
        fileArray: [{ data: image, address: 0x0 }],
        flashMode: 'keep',
        flashFreq: 'keep',
        flashSize: 'keep',
        eraseAll: false,
        compress: true,
        calculateMD5Hash: (data: Uint8Array) => createHash('md5').update(data).digest('hex'),
      });
      expect(await loader.flashMd5sum(0, image.length)).toBe(md5(image));
      expect(sameBytes(sim.flash.read(0, image.length), image)).toBe(true);
    } finally {
      await transport.disconnect().catch(() => {});
    }
  });

  it('writes uncompressed through the stub (compress: false) for lengths that end in a partial block, and reads back the same MD5', async () => {
    sim = await startEsp32Sim({ chip: 'esp32', transport: 'binding', timeScale: 0 });
    const port = new NodeWebSerialPort(sim.hostPath, { binding: sim.binding, usbVendorId: 0x10c4, usbProductId: 0xea60 });
    const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
    const loader = new ESPLoader({ transport, baudrate: 921600, romBaudrate: 115200, terminal: quiet });
    // 20,000 bytes stalled the simulated stub before: its padded last block ran past the erased region.
    const files = [1, 4095, 20_000, 30_000, 65_537].map((length, i) => ({ data: new Uint8Array(randomBytes(length)), address: 0x100000 + i * 0x20000 }));
    try {
      await loader.main('default_reset');
      await loader.writeFlash({
        fileArray: files,
        flashMode: 'keep',
        flashFreq: 'keep',
        flashSize: 'keep',
        eraseAll: false,
        compress: false,
        calculateMD5Hash: (data: Uint8Array) => createHash('md5').update(data).digest('hex'),
      });
      for (const { data, address } of files) {
        expect(await loader.flashMd5sum(address, data.length)).toBe(md5(data));
        expect(sameBytes(sim.flash.read(address, data.length), data)).toBe(true);
      }
      expect(sim.device.stubUploads).toBe(1);
    } finally {
      await transport.disconnect().catch(() => {});
    }
  });
});
