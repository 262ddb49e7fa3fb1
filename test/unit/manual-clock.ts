import type { DriverClock } from '../../drivers/common/clock';

export type ManualClock = DriverClock & { advance(ms: number, step?: number): void };

/** A clock whose time moves only when the test says; due timers fire in order as it moves. */
export function manualClock(): ManualClock {
  let now = 0;
  let timers: { at: number; run: () => void }[] = [];
  const fireDue = () => {
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (!next || next.at > now) return;
      timers.shift();
      next.run();
    }
  };
  return {
    now: () => now,
    sleep: async () => {},
    setTimer(run, ms) {
      const timer = { at: now + ms, run };
      timers.push(timer);
      return () => (timers = timers.filter((t) => t !== timer));
    },
    /** Moves time by `ms`, in steps of `step` (the host running) or in one jump (the host paused). */
    advance(ms, step = ms) {
      for (let moved = 0; moved < ms; moved += step) {
        now += Math.min(step, ms - moved);
        fireDue();
      }
    },
  };
}
