/**
 * Display decimation: at most two points (the min and the max) per bucket of samples, so a chart
 * draws a few thousand points whatever the window holds, and spikes still show. NaN (a gap: a
 * reboot, a series not yet started) becomes null, which uPlot draws as a break in the line.
 * Output arrays are reused between calls of one Decimator (no garbage per frame).
 */

export interface DecimatedData {
  x: Float64Array;
  ys: (number | null)[][];
  length: number;
}

export class Decimator {
  private x = new Float64Array(0);
  private ys: (number | null)[][] = [];

  /**
   * `x` and `ys` are read from `start` for `count` samples; with more than `budget` samples, each
   * of budget/2 buckets contributes its first and last time with each series' min and max.
   */
  run(x: Float64Array, ys: Float64Array[], start: number, count: number, budget: number): DecimatedData {
    const buckets = count > budget ? Math.max(1, budget >> 1) : 0;
    const length = buckets ? buckets * 2 : count;
    if (this.x.length !== length) this.x = new Float64Array(length);
    while (this.ys.length < ys.length) this.ys.push([]);
    this.ys.length = ys.length;
    for (const out of this.ys) out.length = length;
    const outX = this.x;
    if (!buckets) {
      for (let i = 0; i < count; i++) outX[i] = x[start + i];
      for (let s = 0; s < ys.length; s++) {
        const y = ys[s];
        const out = this.ys[s];
        for (let i = 0; i < count; i++) {
          const v = y[start + i];
          out[i] = v === v ? v : null;
        }
      }
      return { x: outX, ys: this.ys, length };
    }
    const per = count / buckets;
    for (let b = 0; b < buckets; b++) {
      const from = start + Math.floor(b * per);
      const to = start + Math.max(Math.floor((b + 1) * per), Math.floor(b * per) + 1); // exclusive
      outX[2 * b] = x[from];
      outX[2 * b + 1] = x[to - 1];
      for (let s = 0; s < ys.length; s++) {
        const y = ys[s];
        let min = Infinity;
        let max = -Infinity;
        let gap = false;
        for (let i = from; i < to; i++) {
          const v = y[i];
          if (v !== v) gap = true;
          else {
            if (v < min) min = v;
            if (v > max) max = v;
          }
        }
        const out = this.ys[s];
        // A bucket with a gap keeps it visible: its first point breaks the line.
        out[2 * b] = gap || min === Infinity ? null : min;
        out[2 * b + 1] = max === -Infinity ? null : max;
      }
    }
    return { x: outX, ys: this.ys, length };
  }
}

/** First index in x[start, start+count) whose value is ≥ from (binary search; x ascending). */
export function lowerBound(x: Float64Array, start: number, count: number, from: number): number {
  let lo = start;
  let hi = start + count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
