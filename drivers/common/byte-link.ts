/**
 * ByteLink: the one seam every flashing driver talks through.
 *
 * A driver never sees a SerialPort, a pty or a simulator; it sees bytes in, bytes out and two
 * control lines. `linkFromSerialPort` adapts a node-serialport stream (real board, pty, or the
 * in-process simulator binding), so the same driver code runs against all three.
 */
import { existsSync } from 'node:fs';
import type { SerialPortStream } from '@serialport/stream';

export interface ControlSignals {
  dtr: boolean;
  rts: boolean;
}

export interface ByteLink {
  /** Human-readable port path, for error messages. */
  readonly path: string;
  /** Write bytes; resolves once they are handed to the OS (drained). */
  write(bytes: Uint8Array): Promise<void>;
  /** Subscribe to incoming bytes. Returns the unsubscribe function. */
  onData(listener: (bytes: Uint8Array) => void): () => void;
  /** Subscribe to the port closing under us (unplug). Returns the unsubscribe function. */
  onClose(listener: (error: Error | null) => void): () => void;
  setBaudRate(baud: number): Promise<void>;
  readonly baudRate: number;
  /**
   * Set DTR/RTS. Fields left out keep their current state (node-serialport's `set()` would reset
   * them, so the state is tracked here). Rejects with code 'ENOTTY' or 'EINVAL' where the port has
   * no control lines (pseudo-terminals, some adapters).
   */
  setSignals(signals: Partial<ControlSignals>): Promise<void>;
  readonly signals: ControlSignals;
  /** Discard bytes the OS has buffered but nobody has read yet. */
  flushInput(): Promise<void>;
}

/** Whether an error from a port operation means the device is gone (unplugged), rather than refused the request. */
export function isPortGoneError(error: unknown): boolean {
  const err = error as { code?: string; message?: string } | null;
  return /EIO|ENXIO|ENODEV|EBADF|Input\/output error|No such device|Port is not open|Bad file descriptor/i.test(`${err?.code ?? ''} ${err?.message ?? String(error)}`);
}

export interface SerialLinkOptions {
  /** Whether a device node exists (tests inject it for in-process simulators). */
  pathExists?: (path: string) => boolean;
  /** How often to look for the device node; 0 turns the check off. */
  vanishCheckMs?: number;
}

export function linkFromSerialPort(port: SerialPortStream, options: SerialLinkOptions = {}): ByteLink {
  closeWhenDeviceNodeVanishes(port, options.pathExists ?? existsSync, options.vanishCheckMs ?? 250);
  let signals: ControlSignals = { dtr: true, rts: true };
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
    write(bytes) {
      return new Promise((resolve, reject) => {
        port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err) => {
          if (err) return reject(err);
          port.drain((drainErr) => (drainErr ? reject(drainErr) : resolve()));
        });
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
