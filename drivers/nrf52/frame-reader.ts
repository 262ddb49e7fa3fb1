/**
 * Turns a ByteLink's byte stream into SLIP frames a driver can await one at a time, with a timeout,
 * cancellation, and the port vanishing under it reported as LinkClosedError — whether the port
 * says so with its close event or a write fails first (EIO on an unplugged USB CDC device).
 */
import type { Stage } from '../../electron/contract-values';
import type { ByteLink } from '../common/byte-link';
import { cancelledError } from '../common/errors';
import { SlipDecoder } from '../common/slip';
import { EndTerminatedSlipDecoder } from './end-terminated-slip';

export class LinkClosedError extends Error {
  constructor(readonly portError?: Error | null) {
    super('The serial port closed (the board disconnected or reset).');
  }
}

export interface FrameReaderOptions {
  /** Secure DFU: frames are only terminated by 0xC0. Legacy DFU: C0 … C0. */
  endTerminated: boolean;
  /** Bytes outside frames (an application's output, line noise). */
  onNoise?: (bytes: Uint8Array) => void;
}

interface Waiter {
  resolve(frame: Uint8Array | undefined): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  cleanup(): void;
}

export class FrameReader {
  private readonly frames: Uint8Array[] = [];
  private waiter: Waiter | null = null;
  private closed: LinkClosedError | null = null;
  private readonly closeListeners = new Set<() => void>();
  private readonly unsubscribe: Array<() => void>;
  private readonly decoder: { push(bytes: Uint8Array): void; reset(): void };

  constructor(
    private readonly link: ByteLink,
    options: FrameReaderOptions,
  ) {
    const handlers = { onFrame: (frame: Uint8Array) => this.deliver(frame), onNoise: options.onNoise };
    this.decoder = options.endTerminated ? new EndTerminatedSlipDecoder(handlers) : new SlipDecoder(handlers);
    this.unsubscribe = [link.onData((bytes) => this.decoder.push(bytes)), link.onClose((error) => this.markClosed(error))];
  }

  get path(): string {
    return this.link.path;
  }

  /** Writes through the link. A write that fails means the port is gone: LinkClosedError. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw this.closed;
    try {
      await this.link.write(bytes);
    } catch (error) {
      throw this.markClosed(error as Error);
    }
  }

  private markClosed(error: Error | null): LinkClosedError {
    if (this.closed) return this.closed;
    const closed = new LinkClosedError(error);
    this.closed = closed;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.cleanup();
    waiter?.reject(closed);
    for (const listener of this.closeListeners) listener();
    return closed;
  }

  get isClosed(): boolean {
    return this.closed !== null;
  }

  /** Resolves when the link closes (immediately if it already has). */
  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const listener = () => {
        this.closeListeners.delete(listener);
        resolve();
      };
      this.closeListeners.add(listener);
    });
  }

  /** Drops frames received so far (stale replies). */
  discard(): void {
    this.frames.length = 0;
  }

  /** The next frame, or undefined after `timeoutMs`. Throws LinkClosedError or CANCELLED. */
  next(timeoutMs: number, signal?: AbortSignal, stage: Stage = 'waiting'): Promise<Uint8Array | undefined> {
    if (this.frames.length) return Promise.resolve(this.frames.shift());
    if (this.closed) return Promise.reject(this.closed);
    if (signal?.aborted) return Promise.reject(cancelledError(stage));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiter = null;
        clearTimeout(timer);
        reject(cancelledError(stage));
      };
      const timer = setTimeout(() => {
        this.waiter = null;
        signal?.removeEventListener('abort', onAbort);
        resolve(undefined);
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = {
        resolve,
        reject,
        timer,
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
    });
  }

  dispose(): void {
    for (const off of this.unsubscribe) off();
    const waiter = this.waiter;
    this.waiter = null;
    if (waiter) {
      waiter.cleanup();
      waiter.resolve(undefined);
    }
  }

  private deliver(frame: Uint8Array): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = null;
      waiter.cleanup();
      waiter.resolve(frame);
    } else {
      this.frames.push(frame);
      if (this.frames.length > 256) this.frames.shift();
    }
  }
}
