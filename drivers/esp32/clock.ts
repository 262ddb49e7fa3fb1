/**
 * Time as the ESP32 driver sees it. Injected so tests can shrink waits and benchmarks can
 * measure; the default is the wall clock.
 */
import { cancelledError } from '../common/errors';

export interface EspClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Resolves after `ms`; rejects with CANCELLED (stage as given) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal, stage?: string): Promise<void>;
  /** Calls `run` after `ms`; returns a cancel function. */
  setTimer(run: () => void, ms: number): () => void;
}

export const wallClock: EspClock = {
  now: () => performance.now(),
  sleep(ms, signal, stage = 'connecting') {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(cancelledError(stage));
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
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
