/**
 * One board's telemetry samples in the renderer: a fixed-size ring of typed arrays written twice
 * (at i and i + capacity), so the newest N samples are always one contiguous subarray that uPlot
 * can draw without copying. A series missing from a sample repeats its last value; before its
 * first value it has none (null for the chart).
 */

/** Samples kept per board: 8 series × 131,072 ≈ 1 M points (16 MB of typed arrays), then the oldest go. */
export const TELEMETRY_CAPACITY = 131_072;
export const TELEMETRY_WINDOW_MS = 10 * 60 * 1000;

interface SeriesRing {
  values: Float64Array;
  /** Absolute sample number of the first real value. */
  firstSample: number;
  last: number;
  /** Largest |value| ever seen: what the generic view groups axes by. */
  absMax: number;
}

export interface SeriesStats {
  min: number;
  max: number;
  last: number;
}

export class TelemetryModel {
  readonly capacity: number;
  /** Host time (s) of each sample, ring written twice like the values. */
  readonly times: Float64Array;
  /** Teleplot units per series, where given. */
  readonly units = new Map<string, string>();
  private readonly rings = new Map<string, SeriesRing>();
  /** Samples ever received. */
  total = 0;
  /** Bumped when samples arrive. */
  version = 0;

  constructor(capacity = TELEMETRY_CAPACITY) {
    this.capacity = capacity;
    this.times = new Float64Array(capacity * 2);
  }

  get names(): string[] {
    return [...this.rings.keys()];
  }

  get held(): number {
    return Math.min(this.total, this.capacity);
  }

  append(t: number[], series: Record<string, (number | null)[]>, units?: Record<string, string>): void {
    const names = Object.keys(series);
    for (const name of names) {
      if (!this.rings.has(name)) this.rings.set(name, { values: new Float64Array(this.capacity * 2).fill(NaN), firstSample: Infinity, last: NaN, absMax: 0 });
    }
    for (const name in units) this.units.set(name, units[name]);
    for (let i = 0; i < t.length; i++) {
      const slot = this.total % this.capacity;
      this.times[slot] = this.times[slot + this.capacity] = t[i] / 1000;
      for (const [name, ring] of this.rings) {
        const value = series[name]?.[i];
        if (value !== null && value !== undefined) {
          if (ring.firstSample === Infinity) ring.firstSample = this.total;
          ring.last = value;
          const abs = value < 0 ? -value : value;
          if (abs > ring.absMax) ring.absMax = abs;
        }
        ring.values[slot] = ring.values[slot + this.capacity] = ring.last;
      }
      this.total++;
    }
    this.version++;
  }

  /** A series' values (NaN before its first), ring written twice; read with `windowStart`. */
  valuesOf(name: string): Float64Array | undefined {
    return this.rings.get(name)?.values;
  }

  absMax(name: string): number {
    return this.rings.get(name)?.absMax ?? 0;
  }

  /** First index (into the contiguous window) of samples within `windowMs` of the newest. */
  windowStart(windowMs: number): { offset: number; count: number; firstSample: number } {
    const count = this.held;
    const offset = (this.total - count) % this.capacity;
    if (count === 0) return { offset, count, firstSample: this.total };
    const newest = this.times[offset + count - 1];
    const from = newest - windowMs / 1000;
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[offset + mid] < from) lo = mid + 1;
      else hi = mid;
    }
    return { offset: offset + lo, count: count - lo, firstSample: this.total - count + lo };
  }

  /** uPlot's data: [x seconds, ...series] for the last `windowMs`. */
  chartData(names: string[], windowMs = TELEMETRY_WINDOW_MS): [Float64Array, ...(Float64Array | (number | null)[])[]] {
    const { offset, count, firstSample } = this.windowStart(windowMs);
    const x = this.times.subarray(offset, offset + count);
    const ys = names.map((name) => {
      const ring = this.rings.get(name);
      if (!ring) return new Array<number | null>(count).fill(null);
      const view = ring.values.subarray(offset, offset + count);
      if (ring.firstSample <= firstSample) return view;
      const gap = Math.min(count, ring.firstSample - firstSample);
      const out = new Array<number | null>(count);
      for (let i = 0; i < count; i++) out[i] = i < gap ? null : view[i];
      return out;
    });
    return [x, ...ys];
  }

  stats(name: string, windowMs = TELEMETRY_WINDOW_MS): SeriesStats | null {
    const ring = this.rings.get(name);
    if (!ring) return null;
    const { offset, count } = this.windowStart(windowMs);
    let min = Infinity;
    let max = -Infinity;
    for (let i = offset; i < offset + count; i++) {
      const v = ring.values[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return min === Infinity ? null : { min, max, last: ring.last };
  }

  /** Every held sample as CSV: time (ISO and ms) and one column per series. */
  toCsv(): string {
    const names = this.names;
    const count = this.held;
    const offset = (this.total - count) % this.capacity;
    const escape = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
    const out = [['time', 't_ms', ...names].map(escape).join(',')];
    for (let i = offset; i < offset + count; i++) {
      const ms = Math.round(this.times[i] * 1000);
      const cells = names.map((name) => {
        const v = this.rings.get(name)!.values[i];
        return Number.isNaN(v) ? '' : String(v);
      });
      out.push([new Date(ms).toISOString(), String(ms), ...cells].join(','));
    }
    return out.join('\n') + '\n';
  }

  clear(): void {
    this.rings.clear();
    this.units.clear();
    this.total = 0;
    this.version++;
  }
}
