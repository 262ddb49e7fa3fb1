/**
 * The node-serialport adapter behind ByteLink: the one way Flashdeck opens a serial port, for
 * flashing drivers (any family), the 1200-baud touch and the console alike. Open errors leave as
 * PortErrors (drivers/common/port-errors.ts), classified once.
 */
import type { Stage } from '../../electron/contract-values';
import { existsSync } from 'node:fs';
import type { BindingInterface, OpenOptions } from '@serialport/bindings-interface';
import { SerialPortStream } from '@serialport/stream';
import type { ByteLink, ControlSignals } from './byte-link';
import { portError, type PortErrorContext } from './port-errors';

export interface SerialLinkOptions {
  /** Whether a device node exists (tests inject it for in-process simulators). */
  pathExists?: (path: string) => boolean;
  /** How often to look for the device node; 0 turns the check off. */
  vanishCheckMs?: number;
}

/** Line settings besides the baud rate (the console lets the user pick them), in node-serialport's terms. */
export type Framing = Partial<Pick<OpenOptions, 'dataBits' | 'parity' | 'stopBits' | 'rtscts' | 'xon' | 'xoff'>>;

/** Whether two framings set the line the same way (a field left out is node-serialport's default: 8N1, no flow control). */
export function sameFraming(a: Framing, b: Framing): boolean {
  const settled = (f: Framing) => [f.dataBits ?? 8, f.parity ?? 'none', f.stopBits ?? 1, Boolean(f.rtscts), Boolean(f.xon), Boolean(f.xoff)].join();
  return settled(a) === settled(b);
}

/**
 * How far a port's stream reads ahead: the console reads in bulk (1 MB/s without loss), and a
 * flash job's port may be handed to the console when the job ends, so both open with it.
 */
export const PORT_READ_AHEAD_BYTES = 256 * 1024;

export interface OpenLinkOptions extends SerialLinkOptions {
  baudRate?: number;
  framing?: Framing;
  /** Bytes the stream buffers before it stops reading (the console reads in bulk). */
  highWaterMark?: number;
  /** node-serialport binding; defaults to the native one (@serialport/bindings-cpp). */
  binding?: BindingInterface;
  /** Where an open error is reported, and what the caller knows about the board (for its words). */
  errorContext?: Omit<PortErrorContext, 'path'>;
}

export interface OpenedLink {
  link: ByteLink;
  /** The line settings it was opened with (set only by an open). */
  framing: Framing;
  close(): Promise<void>;
}

/**
 * The one way Flashdeck makes a node-serialport stream: with its `error` event handled from birth
 * to garbage. Every operation we start reports its own failure through its callback; what the
 * stream emits besides is a write the port cancelled when it was closed under it (a stalled
 * flash, an unplug), which is an expected end, or the same failure a second time. Unhandled,
 * either one would end the process.
 */
export function createSerialStream(options: Omit<ConstructorParameters<typeof SerialPortStream>[0], 'autoOpen'>): SerialPortStream {
  const port = new SerialPortStream({ ...options, autoOpen: false });
  port.on('error', () => {});
  return port;
}

/** Opens `path` and returns a ByteLink plus a close function; a refused open rejects with a PortError. */
export async function openSerialLink(path: string, options: OpenLinkOptions = {}): Promise<OpenedLink> {
  const binding = options.binding ?? (await import('@serialport/bindings-cpp')).autoDetect();
  const port = createSerialStream({
    binding,
    path,
    baudRate: options.baudRate ?? 115200,
    ...options.framing,
    ...(options.highWaterMark ? { highWaterMark: options.highWaterMark } : {}),
  });
  const context = { stage: 'connecting' as Stage, ...options.errorContext, path };
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(portError(err, context)) : resolve())));
  return {
    link: linkFromSerialPort(port, options),
    framing: { ...options.framing },
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

/** Adapts an open node-serialport stream to a ByteLink. */
export function linkFromSerialPort(port: SerialPortStream, options: SerialLinkOptions = {}): ByteLink {
  closeWhenDeviceNodeVanishes(port, options.pathExists ?? existsSync, options.vanishCheckMs ?? 250);
  let signals: ControlSignals = { dtr: true, rts: true };
  let accepted = 0;
  const link: ByteLink = {
    get path() {
      return port.path;
    },
    get baudRate() {
      return port.baudRate;
    },
    get signals() {
      return { ...signals };
    },
    get bytesAccepted() {
      return accepted;
    },
    write(bytes) {
      // Handed over in slices of about 20 ms of wire time, one after the other (queued slices the
      // stream would merge into one OS write): each slice the OS takes is progress a driver can see.
      const slice = Math.max(64, Math.round(port.baudRate / 10 / 50));
      return new Promise((resolve, reject) => {
        const writeFrom = (start: number) => {
          if (start >= bytes.length) return port.drain((drainErr) => (drainErr ? reject(drainErr) : resolve()));
          const part = bytes.subarray(start, Math.min(bytes.length, start + slice));
          port.write(Buffer.from(part.buffer, part.byteOffset, part.byteLength), (err) => {
            if (err) return reject(err);
            accepted += part.length;
            writeFrom(start + part.length);
          });
        };
        writeFrom(0);
      });
    },
    onData(listener) {
      const handler = (chunk: Buffer) => listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      port.on('data', handler);
      return () => port.off('data', handler);
    },
    onClose(listener) {
      const handler = (err: Error | null) => listener(err ?? null);
      port.on('close', handler);
      return () => port.off('close', handler);
    },
    setBaudRate(baud) {
      return new Promise((resolve, reject) => port.update({ baudRate: baud }, (err) => (err ? reject(err) : resolve())));
    },
    setSignals(next) {
      const wanted = { ...signals, ...next };
      return new Promise((resolve, reject) =>
        port.set({ dtr: wanted.dtr, rts: wanted.rts }, (err) => {
          if (err) return reject(err);
          signals = wanted;
          resolve();
        }),
      );
    },
    flushInput() {
      return new Promise((resolve, reject) => port.flush((err) => (err ? reject(err) : resolve())));
    },
  };
  return link;
}

/**
 * Some USB serial drivers, and pseudo-terminals whose other end went away, never fail the pending
 * read after an unplug, so the port never says it closed and a driver would wait out its timeout
 * (or a console stay "connected"). Where the port has a device node (not Windows COM ports, not an
 * in-process binding), close the port as soon as that node is gone: the usual close event follows.
 */
function closeWhenDeviceNodeVanishes(port: SerialPortStream, exists: (path: string) => boolean, everyMs: number): void {
  const path = port.path;
  if (everyMs <= 0 || !exists(path)) return;
  const timer = setInterval(() => {
    if (port.isOpen && !exists(path)) port.close(() => {});
  }, everyMs);
  timer.unref?.();
  port.once('close', () => clearInterval(timer));
}
