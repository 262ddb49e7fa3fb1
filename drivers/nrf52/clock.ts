/** Time as the nRF52 drivers see it, injectable so tests and benches control waits. */
import { cancelledError } from '../common/errors';

export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects with CANCELLED when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal, stage?: string): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep(ms, signal, stage = 'waiting') {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(cancelledError(stage));
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(timer);
        reject(cancelledError(stage));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
