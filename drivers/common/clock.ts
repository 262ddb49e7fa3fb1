/**
 * Time as the drivers see it. Injected so tests shrink waits and benchmarks measure; the default
 * is the wall clock. Sleeps reject with CANCELLED (in the caller's stage) when their signal aborts.
 */
import { cancelledError } from './errors';
import type { Stage } from '../../electron/contract-values';

export interface DriverClock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number, signal?: AbortSignal, stage?: Stage): Promise<void>;
  /** Calls `run` after `ms`; returns a cancel function. */
  setTimer(run: () => void, ms: number): () => void;
}

export const wallClock: DriverClock = {
  now: () => performance.now(),
  sleep(ms, signal, stage = 'waiting') {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(cancelledError(stage));
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      const onAbort = () => {
        clearTimeout(timer);
        reject(cancelledError(stage));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
  setTimer(run, ms) {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};
