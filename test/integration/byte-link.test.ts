import { afterEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { linkFromSerialPort } from '../../drivers/common/serial-port-link';
import { createPtyPair, type PtyPair } from '../sim/common/pty-transport';

let pair: PtyPair | null = null;
let port: SerialPort | null = null;
afterEach(async () => {
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
