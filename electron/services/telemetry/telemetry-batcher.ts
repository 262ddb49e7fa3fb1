/**
 * Collects plotter samples decoded from console lines and emits them as one column-aligned batch
 * per interval (≈75 ms): t[] in ms and, per series, one value or null for every t; Teleplot units
 * seen in the interval ride along.
 */
import type { TelemetryBatchData } from '../../contract';

export type TelemetryBatch = TelemetryBatchData;

export class TelemetryBatcher {
  private t: number[] = [];
  private series = new Map<string, (number | null)[]>();
  private units: Record<string, string> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly emit: (batch: TelemetryBatch) => void,
    private readonly intervalMs = 75,
  ) {}

  add(t: number, values: Record<string, number>, unit?: string): void {
    const index = this.t.length;
    this.t.push(t);
    for (const name in values) {
      let column = this.series.get(name);
      if (!column) {
        column = new Array<number | null>(index).fill(null);
        this.series.set(name, column);
      }
      column.push(values[name]);
      if (unit !== undefined) (this.units ??= {})[name] = unit;
    }
    for (const column of this.series.values()) if (column.length === index) column.push(null);
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.t.length === 0) return;
    const batch: TelemetryBatch = { t: this.t, series: Object.fromEntries(this.series) };
    if (this.units) batch.units = this.units;
    this.t = [];
    this.series = new Map();
    this.units = null;
    this.emit(batch);
  }
}
