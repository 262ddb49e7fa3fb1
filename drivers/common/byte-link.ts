/**
 * ByteLink: the one seam every flashing driver and the console talk through.
 *
 * A driver never sees a SerialPort, a pty or a simulator; it sees bytes in, bytes out and two
 * control lines. `serial-port-link.ts` adapts a node-serialport stream (real board, pty, or the
 * in-process simulator binding) to it, so the same driver code runs against all three.
 */

export interface ControlSignals {
  dtr: boolean;
  rts: boolean;
}

export interface ByteLink {
  /** Human-readable port path, for error messages. */
  readonly path: string;
  /** Write bytes; resolves once they are handed to the OS (drained). */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Bytes the OS has taken from this link's writes so far. It advances while a long write drains,
   * so a driver can tell a board that takes data slowly from one that takes none. Absent where the
   * transport cannot tell (then only a finished write counts as progress).
   */
  readonly bytesAccepted?: number;
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
export { isPortGone as isPortGoneError } from './port-errors';
