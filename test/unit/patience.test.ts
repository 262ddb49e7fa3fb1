/**
 * Patience (drivers/common/patience.ts) on a hand-driven clock: progress restarts the count, a
 * check that fires late (the host was not running) never uses up the limit by itself, and a port
 * that takes nothing while the host runs is given up on.
 */
import { describe, expect, it } from 'vitest';
import { startPatience } from '../../drivers/common/patience';
import { manualClock } from './manual-clock';

describe('patience', () => {
  it('gives up after the limit of observed silence, and not before', () => {
    const clock = manualClock();
    let exhausted = false;
    startPatience(clock, 3000, () => (exhausted = true));
    clock.advance(2900, 50);
    expect(exhausted).toBe(false);
    clock.advance(100, 50);
    expect(exhausted).toBe(true);
  });

  it('starts again whenever progress is seen, however long the whole wait lasts', () => {
    const clock = manualClock();
    let exhausted = false;
    const patience = startPatience(clock, 3000, () => (exhausted = true));
    for (let i = 0; i < 40; i++) {
      clock.advance(1000, 50);
      patience.progress();
    }
    expect(exhausted).toBe(false);
    patience.stop();
  });

  it('does not count a pause of the host as silence of the port', () => {
    const clock = manualClock();
    let exhausted = false;
    const patience = startPatience(clock, 3000, () => (exhausted = true));
    clock.advance(20_000); // one late check: the process was not running
    expect(exhausted).toBe(false);
    expect(patience.idleMs).toBeLessThan(3000);
    patience.progress(); // what completed meanwhile is read after the late check
    clock.advance(2000, 50);
    expect(exhausted).toBe(false);
    patience.stop();
  });

  it('still gives up on a host that only ever runs late, just later', () => {
    const clock = manualClock();
    let exhausted = false;
    startPatience(clock, 3000, () => (exhausted = true));
    clock.advance(40 * 1000, 1000); // every check a second late
    expect(exhausted).toBe(true);
  });

  it('a limit of zero is used up at once', () => {
    let exhausted = false;
    startPatience(manualClock(), 0, () => (exhausted = true));
    expect(exhausted).toBe(true);
  });
});
