/**
 * A port lent to a flash job: the session has closed it; `release` hands it back once (a second
 * call is a no-op) and waits, at most `timeoutMs`, for the board to be reopened. A job that ends
 * with the port still open may hand it over instead (`handOver`): the console reads on from there.
 */
import type { OpenedLink } from '../../../drivers/common/serial-port-link';

export interface PortLease {
  /** The path the driver opens (the session has closed it). */
  path: string;
  /** Hands the port back: the session waits for the board (same path, same identity or one of `usbIds`) and reopens it. */
  release(options?: { expectReturn?: ReturnExpectation }): Promise<void>;
  /**
   * Gives the console the job's open port, with the bytes the board sent since it restarted, so
   * nothing it prints falls between a close and a reopen. True if taken (the lease is then
   * released); false if the console wants its own open (closed meanwhile, other line settings).
   */
  handOver?(opened: OpenedLink, received: Uint8Array): boolean;
}

export interface ReturnExpectation {
  /** USB ids the board may come back as (the flashed program's). */
  usbIds?: string[];
  /** Where the flash job saw the board come back: that port and no other (a second board of the model may be plugged in). */
  path?: string;
  timeoutMs?: number;
}

/**
 * `giveBack` reopens the board; the lease waits for it no longer than the expectation's (or
 * `defaultTimeoutMs`) time. `adopt` takes a port handed over, or refuses it.
 */
export function createLease(
  path: string,
  defaultTimeoutMs: number,
  giveBack: (expect: ReturnExpectation | undefined) => Promise<void> | undefined,
  adopt: (opened: OpenedLink, received: Uint8Array) => boolean,
): PortLease {
  let released = false;
  return {
    path,
    async release(options) {
      if (released) return;
      released = true;
      const expect = options?.expectReturn;
      const waiting = giveBack(expect);
      if (!waiting) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, expect?.timeoutMs ?? defaultTimeoutMs)));
      try {
        await Promise.race([waiting, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    handOver(opened, received) {
      if (released || !adopt(opened, received)) return false;
      released = true;
      return true;
    },
  };
}
