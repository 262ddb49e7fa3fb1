import { describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { SerialPortStream } from '@serialport/stream';
import { attachToPty } from '../../simulators/common/pty-transport';
import { SimBinding } from '../../simulators/common/sim-binding';
import type { SimDevice, SimSignals, SimSink } from '../../simulators/common/sim-device';

/** Upper-cases what it hears and remembers control lines: enough to see a transport work. */
class ShoutingDevice implements SimDevice {
  sink!: SimSink;
  signals: SimSignals[] = [];
  bauds: number[] = [];
  attach(sink: SimSink) {
    this.sink = sink;
  }
  receive(bytes: Uint8Array) {
    this.sink.emit(new TextEncoder().encode(new TextDecoder().decode(bytes).toUpperCase()));
  }
  setSignals(signals: SimSignals) {
    this.signals.push(signals);
  }
  hostBaudChanged(baud: number) {
    this.bauds.push(baud);
  }
}

function collect(port: { on(event: 'data', cb: (b: Buffer) => void): unknown }, until: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    port.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.length >= until) resolve(text);
    });
  });
}

describe('simulator transports', () => {
  it('serves a device over a real pseudo-terminal, paced at the baud', async () => {
    const device = new ShoutingDevice();
    const pty = await attachToPty(device, { baud: 9600 });
    const port = new SerialPort({ path: pty.hostPath, baudRate: 9600 });
    const message = 'hello flashdeck '.repeat(12); // 192 bytes ≈ 200 ms each way at 9600
    const received = collect(port, message.length);
    const started = performance.now();
    port.write(message);
    expect(await received).toBe(message.toUpperCase());
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThan(300); // both directions at 10 bits/byte
    await new Promise<void>((resolve) => port.close(() => resolve()));
    await pty.close();
  });

  it('carries DTR/RTS and baud changes through the in-process binding, and unplugs', async () => {
    const binding = new SimBinding();
    const device = new ShoutingDevice();
    binding.register('/dev/ttySIM0', device, { throttle: false, info: { vendorId: '10c4', productId: 'ea60' } });
    expect(await binding.list()).toMatchObject([{ path: '/dev/ttySIM0', vendorId: '10c4' }]);
    const port = new SerialPortStream({ binding, path: '/dev/ttySIM0', baudRate: 115200 });
    await new Promise((resolve) => port.on('open', resolve));
    await new Promise<void>((resolve, reject) => port.set({ dtr: false, rts: true }, (e) => (e ? reject(e) : resolve())));
    expect(device.signals.at(-1)).toEqual({ dtr: false, rts: true });
    await new Promise<void>((resolve, reject) => port.update({ baudRate: 1200 }, (e) => (e ? reject(e) : resolve())));
    expect(device.bauds).toEqual([115200, 1200]);
    port.on('data', () => {}); // a reader is pending, as in any app that listens
    const closed = new Promise<unknown>((resolve) => port.on('close', resolve));
    binding.unplug('/dev/ttySIM0');
    const reason = (await closed) as { disconnected?: boolean } | null;
    expect(reason?.disconnected).toBe(true);
    expect(await binding.list()).toEqual([]);
  });
});
