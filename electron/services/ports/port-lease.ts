/**
 * A port lent to a flash job: the session has closed it; `release` hands it back once (a second
 * call is a no-op) and waits, at most `timeoutMs`, for the board to be reopened.
 */
export interface PortLease {
  /** The path the driver opens (the session has closed it). */
  path: string;
  /** Hands the port back: the session waits for the board (same path, same identity or one of `usbIds`) and reopens it. */
  release(options?: { expectReturn?: ReturnExpectation }): Promise<void>;
}

export interface ReturnExpectation {
  /** USB ids the board may come back as (the flashed program's). */
  usbIds?: string[];
  /** Where the flash job saw the board come back: that port and no other (a second board of the model may be plugged in). */
  path?: string;
  timeoutMs?: number;
}

/** `giveBack` reopens the board; the lease waits for it no longer than the expectation's (or `defaultTimeoutMs`) time. */
export function createLease(path: string, defaultTimeoutMs: number, giveBack: (expect: ReturnExpectation | undefined) => Promise<void> | undefined): PortLease {
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
  };
}
