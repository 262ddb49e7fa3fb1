import { describe, expect, it } from 'vitest';
import { thinBatch } from '../../electron/services/telemetry/thin-batch';
import type { TelemetryBatchData } from '../../electron/contract';

/** A night of heap telemetry: a GC sawtooth, one spike and one dip, and a series that starts late. */
function night(samples: number): TelemetryBatchData {
  const t = Array.from({ length: samples }, (_, i) => 1_000_000 + i * 100);
  const inuse = t.map((_, i) => 4096 + (i % 400) * 100);
  inuse[123_457] = 250_000; // the peak a user must see
  const free = inuse.map((v) => 300_000 - v);
  free[400_001] = 12; // the lowest free heap of the night
  const temp = t.map((_, i) => (i < 1000 ? null : 20 + (i % 7)));
  return { t, series: { heap_inuse: inuse, heap_free: free, temp }, units: { temp: '°C' } };
}

describe('thinning a recorded session', () => {
  it('leaves a session that fits as it is', () => {
    const batch = night(1_000);
    expect(thinBatch(batch, 1_000)).toBe(batch);
  });

  it('keeps at most the limit, in time order and aligned, and never loses a peak, a minimum or where a series starts', () => {
    const batch = night(500_000);
    const thin = thinBatch(batch, 60_000);
    expect(thin.t.length).toBeLessThanOrEqual(60_000);
    // Each of the 60,000 / 7 stretches keeps its first sample and each series' extremes (often the same rows).
    expect(thin.t.length).toBeGreaterThan((2 * 60_000) / 7);
    expect(thin.t.every((v, i) => i === 0 || v > thin.t[i - 1])).toBe(true);
    for (const name of Object.keys(batch.series)) expect(thin.series[name]).toHaveLength(thin.t.length);
    const inuse = thin.series.heap_inuse as number[];
    const free = thin.series.heap_free as number[];
    expect(Math.max(...inuse)).toBe(250_000);
    expect(thin.t[inuse.indexOf(250_000)]).toBe(batch.t[123_457]);
    expect(Math.min(...free)).toBe(12);
    expect(Math.min(...(thin.series.temp.filter((v) => v !== null) as number[]))).toBe(20);
    expect(thin.t[0]).toBe(batch.t[0]);
    expect(thin.units).toEqual({ temp: '°C' });
    // Every value kept is the value at its time: rows are whole samples, not mixed.
    for (const k of [0, 1_234, 40_000]) {
      const i = batch.t.indexOf(thin.t[k]);
      expect(thin.series.heap_inuse[k]).toBe(batch.series.heap_inuse[i]);
      expect(thin.series.temp[k]).toBe(batch.series.temp[i]);
    }
  });
});
