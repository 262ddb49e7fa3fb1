/**
 * A Web-Serial-shaped port over node-serialport, just enough for esptool-js 0.7.0's Transport
 * (reference §15.5): open/close, readable/writable web streams, getInfo, setSignals as a
 * *partial* update (DTR/RTS state is tracked and resent, because node-serialport's set() would
 * reset omitted lines to true), and setBaudRate for an in-place rate change.
 * Used to drive esptool-js against the simulator as an independent second client.
 */
import type { BindingInterface } from '@serialport/bindings-interface';
import { SerialPortStream } from '@serialport/stream';

export interface WebSerialAdapterOptions {
  binding?: BindingInterface;
  usbVendorId?: number;
  usbProductId?: number;
}

export class NodeWebSerialPort {
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  private port: SerialPortStream | null = null;
  private lines = { dtr: false, rts: false };

  constructor(
    readonly path: string,
    private readonly options: WebSerialAdapterOptions = {},
  ) {}

  getInfo(): { usbVendorId?: number; usbProductId?: number } {
    return { usbVendorId: this.options.usbVendorId, usbProductId: this.options.usbProductId };
  }

  async open(options: { baudRate: number }): Promise<void> {
    const binding = this.options.binding ?? (await import('@serialport/bindings-cpp')).autoDetect();
    const port = new SerialPortStream({ binding, path: this.path, baudRate: options.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    this.port = port;
    this.lines = { dtr: true, rts: true }; // what opening a tty does
    let closed = false;
    this.readable = new ReadableStream<Uint8Array>({
      start(controller) {
        port.on('data', (chunk: Buffer) => {
          if (!closed) controller.enqueue(new Uint8Array(chunk));
        });
        port.on('close', () => {
          if (closed) return;
          closed = true;
          try {
            controller.close();
          } catch {
            // already cancelled
          }
        });
      },
      cancel() {
        closed = true;
      },
    });
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) =>
        new Promise<void>((resolve, reject) => {
          port.write(Buffer.from(chunk), (err) => (err ? reject(err) : port.drain((e) => (e ? reject(e) : resolve()))));
        }),
    });
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = null;
    this.readable = null;
    this.writable = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  async setSignals(signals: { dataTerminalReady?: boolean; requestToSend?: boolean; break?: boolean }): Promise<void> {
    if (signals.dataTerminalReady !== undefined) this.lines.dtr = signals.dataTerminalReady;
    if (signals.requestToSend !== undefined) this.lines.rts = signals.requestToSend;
    const port = this.port;
    if (!port) throw new Error('port is not open');
    await new Promise<void>((resolve, reject) => port.set({ dtr: this.lines.dtr, rts: this.lines.rts }, (err) => (err ? reject(err) : resolve())));
  }

  async setBaudRate(baud: number): Promise<void> {
    const port = this.port;
    if (!port) throw new Error('port is not open');
    await new Promise<void>((resolve, reject) => port.update({ baudRate: baud }, (err) => (err ? reject(err) : resolve())));
  }
}
