/**
 * Patience that a busy host cannot fool: "nothing happened for N ms" counted only in time this
 * process was running to see it.
 *
 * A plain timer measures the host as much as the board. When the process is descheduled on a
 * loaded machine, swapping, or blocked by a long synchronous task, its timers fire late, and on
 * waking Node runs expired timers before it reads the I/O that completed meanwhile: a write the
 * port took long ago, a reply already in the kernel. So the wait is counted in checks of
 * `checkEveryMs`: a check that arrives on time counts the time since the last one; a late check
 * (the host was not running) counts half its interval and lets the pending I/O be read before the
 * next one. Progress (bytes the port accepted) starts the count again.
 */
import type { DriverClock } from './clock';

export interface Patience {
  /** Something moved: the count starts again. */
  progress(): void;
  stop(): void;
  /** Milliseconds of observed inactivity so far. */
  readonly idleMs: number;
}

const CHECK_EVERY_MS = 250;
/** How far past its time a check may fire and still count as on time. */
const LATE_AFTER_MS = 20;

export interface PatienceOptions {
  /** A counter that moves with progress (ByteLink.bytesAccepted): a change seen at a check starts the count again. */
  progress?: () => number | undefined;
  checkEveryMs?: number;
}

/** Calls `onExhausted` once `limitMs` pass without progress while the host was running; a limit of 0 or less calls it at once. */
export function startPatience(clock: DriverClock, limitMs: number, onExhausted: () => void, options: PatienceOptions = {}): Patience {
  const slice = Math.max(1, Math.min(options.checkEveryMs ?? CHECK_EVERY_MS, limitMs));
  let idle = 0;
  let last = clock.now();
  let stopped = false;
  let cancel = () => {};
  let counter = options.progress?.();
  const check = () => {
    if (stopped) return;
    const now = clock.now();
    const elapsed = now - last;
    last = now;
    const moved = options.progress?.();
    if (moved !== counter) {
      counter = moved;
      idle = 0;
    } else {
      idle += elapsed > 2 * slice + LATE_AFTER_MS ? slice / 2 : elapsed;
    }
    if (idle >= limitMs) {
      stopped = true;
      onExhausted();
      return;
    }
    cancel = clock.setTimer(check, Math.min(slice, limitMs - idle));
  };
  if (limitMs <= 0) {
    stopped = true;
    onExhausted();
  } else {
    cancel = clock.setTimer(check, slice);
  }
  return {
    progress() {
      idle = 0;
      last = clock.now();
    },
    stop() {
      stopped = true;
      cancel();
    },
    get idleMs() {
      return idle;
    },
  };
}
