/**
 * A long recorded session made small enough to send and plot: its time is cut into equal stretches
 * of samples, and each stretch keeps its first sample and the samples holding each series' lowest
 * and highest value, so a heap peak, a minimum of free heap or a GC drop is never thinned away.
 */
import type { TelemetryBatchData } from '../../contract';

/** Samples a recorded session sends to the window at most (a night at 10 Hz is 864,000). */
export const SESSION_SAMPLES_SHOWN = 60_000;

/** `batch` with at most `maxSamples` samples (unchanged when it already fits); rows stay in time order and aligned. */
export function thinBatch(batch: TelemetryBatchData, maxSamples = SESSION_SAMPLES_SHOWN): TelemetryBatchData {
  const total = batch.t.length;
  if (total <= maxSamples) return batch;
  const names = Object.keys(batch.series);
  const perStretch = 1 + 2 * names.length;
  const stretches = Math.max(1, Math.floor(maxSamples / perStretch));
  const stretchLength = Math.ceil(total / stretches);
  const keep: number[] = [];
  for (let start = 0; start < total; start += stretchLength) {
    const end = Math.min(total, start + stretchLength);
    const rows = new Set<number>([start]);
    for (const name of names) {
      const column = batch.series[name];
      let low = -1;
      let high = -1;
      for (let i = start; i < end; i++) {
        const value = column[i];
        if (value === null || value === undefined) continue;
        if (low < 0 || value < column[low]!) low = i;
        if (high < 0 || value > column[high]!) high = i;
      }
      if (low >= 0) rows.add(low);
      if (high >= 0) rows.add(high);
    }
    keep.push(...[...rows].sort((a, b) => a - b));
  }
  const series: Record<string, (number | null)[]> = {};
  for (const name of names) series[name] = keep.map((i) => batch.series[name][i] ?? null);
  const thinned: TelemetryBatchData = { t: keep.map((i) => batch.t[i]), series };
  if (batch.units) thinned.units = batch.units;
  return thinned;
}
