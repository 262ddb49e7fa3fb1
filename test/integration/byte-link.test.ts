import { afterEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { linkFromSerialPort } from '../../drivers/common/serial-port-link';
import { createPtyPair, type PtyPair } from '../../simulators/common/pty-transport';

let pair: PtyPair | null = null;
let port: SerialPort | null = null;
const cleanupsAfter: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanupsAfter.splice(0).reverse()) await cleanup();
  if (port?.isOpen) await new Promise<void>((resolve) => port!.close(() => resolve()));
  await pair?.close();
  pair = null;
  port = null;
});

async function openHostEnd(): Promise<SerialPort> {
  pair = await createPtyPair();
  port = new SerialPort({ path: pair.hostPath, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port!.open((err) => (err ? reject(err) : resolve())));
  return port;
}

describe('ByteLink over a serial port', () => {
  it('closes the port once its device node is gone, even while reads never fail', async () => {
    const open = await openHostEnd();
    let nodePresent = true;
    const link = linkFromSerialPort(open, { pathExists: () => nodePresent, vanishCheckMs: 50 });
    const closed = new Promise<Error | null>((resolve) => link.onClose(resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(open.isOpen).toBe(true); // node still there: left alone
    nodePresent = false; // the pty's other end (socat) is still running, so no read error will come
    const started = performance.now();
    await closed;
    expect(performance.now() - started).toBeLessThan(500);
    expect(open.isOpen).toBe(false);
  });

  it('never closes a port that had no device node to begin with (COM ports, in-process bindings)', async () => {
    const open = await openHostEnd();
    let checks = 0;
    linkFromSerialPort(open, { pathExists: () => (checks++, false), vanishCheckMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(open.isOpen).toBe(true);
    expect(checks).toBe(1);
  });
});

describe('write progress', () => {
  it('counts the bytes the OS takes while a long write drains, slice by slice, not only at the end', async () => {
    const open = await openHostEnd();
    const device = new SerialPort({ path: pair!.devicePath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => device.open((err) => (err ? reject(err) : resolve())));
    cleanupsAfter.push(() => new Promise<void>((resolve) => (device.isOpen ? device.close(() => resolve()) : resolve())));
    // The reader takes 2 KiB every 20 ms: the host's write can only go as fast as that.
    device.pause();
    const reader = setInterval(() => device.read(2048), 20);
    cleanupsAfter.push(() => clearInterval(reader));
    const link = linkFromSerialPort(open, { vanishCheckMs: 0 });
    const seen = new Set<number>();
    const sampler = setInterval(() => seen.add(link.bytesAccepted ?? -1), 10);
    await link.write(new Uint8Array(256 * 1024).fill(0x55));
    clearInterval(sampler);
    expect(link.bytesAccepted).toBe(256 * 1024);
    // A write the stream merged into one OS write would show two values at most (its first slice, then all).
    expect(seen.size).toBeGreaterThan(10);
  });
});
