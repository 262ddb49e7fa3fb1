/** Device-side delays for the simulators, scaled so tests run fast and benches run at real speed. */
export interface SimTiming {
  /** Multiplies every device delay (1 = real hardware timing). */
  timeScale: number;
  /** nRF52840 page erase, up to about 85 ms (nrf52-flashing.md 7.10). */
  erasePageMs: number;
  /** nRF52840 word write, about 41 µs. */
  writeWordMs: number;
}

export const NRF52840_TIMING: SimTiming = { timeScale: 1, erasePageMs: 85, writeWordMs: 0.041 };

export function simDelay(timing: SimTiming, ms: number): Promise<void> {
  const scaled = ms * timing.timeScale;
  if (scaled < 1) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, scaled));
}
