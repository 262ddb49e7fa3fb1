/**
 * The heap view's reading of a telemetry stream: which series are TinyGo MemStats fields, one heap
 * sample per program report (an Arduino line carries all fields; Teleplot sends one per line), the
 * time axis (device uptime when printed, host time otherwise; a reboot starts a new segment), the
 * derived series (free heap, live objects, allocation rate), GC events and the leak watch.
 * Everything is computed once per sample as it arrives; the view only reads.
 */
import { HEAP_FIELD_BY_SERIES, freeHeap, heapCapacity, isHeapSample, type HeapField, type HeapValues } from '../../electron/contract-values';

export const HEAP_CAPACITY = 65_536;
/** Post-GC heap-in-use values the leak watch looks back on. */
const LEAK_WINDOW = 16;
const LEAK_MIN_GCS = 6;

/** Fixed-size ring written twice (at i and i + capacity) so the newest samples are one contiguous subarray. */
class Ring {
  readonly data: Float64Array;
  constructor(private readonly capacity: number) {
    this.data = new Float64Array(capacity * 2).fill(NaN);
  }
  set(slot: number, value: number): void {
    this.data[slot] = this.data[slot + this.capacity] = value;
  }
}

export interface GcEvent {
  /** Chart time (s). */
  x: number;
  /** Heap in use right after it (bytes). */
  inuseAfter: number;
}

export interface LeakNotice {
  /** Growth of heap in use after each GC (bytes per second). */
  bytesPerSecond: number;
  gcs: number;
  /** Seconds until the heap is full at that rate. */
  secondsLeft: number;
}

export interface HeapFigures {
  capacity: number | null;
  inuse: number | null;
  free: number | null;
  peakInuse: number | null;
  minFree: number | null;
  /** Bytes allocated per second over the last report interval (needs total_alloc). */
  allocRate: number | null;
  gcCount: number;
  /** How GCs are known: NumGC increments, or drops of heap in use when NumGC does not move. */
  gcSource: 'NumGC' | 'heap drop' | null;
  reboots: number;
}

export class HeapAnalysis {
  readonly capacity: number;
  /** Samples ever committed (gap rows included). */
  total = 0;
  version = 0;
  clock: 'device' | 'host' | null = null;
  /** Series names that are heap fields (not drawn in the generic view). */
  readonly heapSeries = new Set<string>();
  readonly x: Ring;
  readonly inuse: Ring;
  /** In use + idle: the top of the stacked band (the heap's size). */
  readonly top: Ring;
  readonly live: Ring;
  readonly rate: Ring;
  readonly gcs: GcEvent[] = [];
  readonly figures: HeapFigures = { capacity: null, inuse: null, free: null, peakInuse: null, minFree: null, allocRate: null, gcCount: 0, gcSource: null, reboots: 0 };
  leak: LeakNotice | null = null;

  private pending: HeapValues = {};
  private pendingFields = 0;
  private lastFields = 0;
  private pendingT = 0;
  private previous: (HeapValues & { x: number; t: number }) | null = null;
  private segmentBase = 0;
  private numGcMoves = false;
  private floors: GcEvent[] = [];

  constructor(capacity = HEAP_CAPACITY) {
    this.capacity = capacity;
    this.x = new Ring(capacity);
    this.inuse = new Ring(capacity);
    this.top = new Ring(capacity);
    this.live = new Ring(capacity);
    this.rate = new Ring(capacity);
  }

  /** Whether the stream carries heap samples (the heap view shows). */
  get active(): boolean {
    return this.clock !== null;
  }

  get held(): number {
    return Math.min(this.total, this.capacity);
  }

  /** Start (into the rings' data) of the held samples. */
  get offset(): number {
    return (this.total - this.held) % this.capacity;
  }

  append(t: number[], series: Record<string, (number | null)[]>): void {
    const fields: [(number | null)[], HeapField][] = [];
    for (const name in series) {
      const field = HEAP_FIELD_BY_SERIES[name];
      if (!field) continue;
      fields.push([series[name], field]);
      this.heapSeries.add(name);
    }
    if (fields.length === 0) return;
    for (let i = 0; i < t.length; i++) {
      let inRow = 0;
      for (const [column, field] of fields) {
        const value = column[i];
        if (value === null || value === undefined) continue;
        // A field already waiting means a new report began (Teleplot: one field per line).
        if (this.pending[field] !== undefined) this.commit();
        if (this.pendingFields === 0) this.pendingT = t[i];
        this.pending[field] = value;
        this.pendingFields++;
        inRow++;
      }
      // An Arduino line is a whole report; a Teleplot report is whole when it has as many fields as the last.
      if (inRow > 1 || (this.lastFields > 0 && this.pendingFields >= this.lastFields)) this.commit();
    }
    this.version++;
  }

  private commit(): void {
    const values = this.pending;
    const count = this.pendingFields;
    this.pending = {};
    this.pendingFields = 0;
    if (count === 0) return;
    this.lastFields = count;
    if (!isHeapSample(values)) return;
    const t = this.pendingT;
    this.clock ??= values.uptimeMs !== undefined ? 'device' : 'host';
    const previous = this.previous;

    let x: number;
    let reboot = false;
    if (this.clock === 'device' && values.uptimeMs !== undefined) {
      if (previous?.uptimeMs !== undefined && values.uptimeMs < previous.uptimeMs) {
        // The board restarted: continue the axis after the host-measured pause, with a break.
        reboot = true;
        this.segmentBase = previous.x + Math.max(0.001, (t - previous.t) / 1000) - values.uptimeMs / 1000;
      }
      x = this.segmentBase + values.uptimeMs / 1000;
    } else x = t / 1000;
    if (previous && x <= previous.x) x = previous.x + 1e-6;
    if (reboot && previous) {
      this.figures.reboots++;
      this.pushRow((previous.x + x) / 2, NaN, NaN, NaN, NaN);
    }

    const inuse = values.heapInuse!;
    const capacity = heapCapacity(values)!;
    const free = freeHeap(values)!;
    const fig = this.figures;
    fig.capacity = capacity;
    fig.inuse = inuse;
    fig.free = free;
    fig.peakInuse = Math.max(fig.peakInuse ?? -Infinity, inuse);
    fig.minFree = Math.min(fig.minFree ?? Infinity, free);

    const sameRun = previous !== null && !reboot;
    let rate = NaN;
    if (sameRun && values.totalAlloc !== undefined && previous.totalAlloc !== undefined && x > previous.x) rate = (values.totalAlloc - previous.totalAlloc) / (x - previous.x);
    fig.allocRate = Number.isNaN(rate) ? (sameRun ? fig.allocRate : null) : rate;

    if (sameRun) {
      if (values.numGC !== undefined && previous.numGC !== undefined && values.numGC > previous.numGC) this.numGcMoves = true;
      const gcByCount = this.numGcMoves && values.numGC !== undefined && previous.numGC !== undefined && values.numGC > previous.numGC;
      const gcByDrop = !this.numGcMoves && previous.heapInuse !== undefined && inuse < previous.heapInuse;
      if (gcByCount || gcByDrop) this.gc({ x, inuseAfter: inuse }, gcByCount ? values.numGC! - previous.numGC! : 1, capacity);
    } else if (reboot) this.floors = [];

    const live = values.mallocs !== undefined && values.frees !== undefined ? values.mallocs - values.frees : NaN;
    this.pushRow(x, inuse, capacity, live, rate);
    this.previous = { ...values, x, t };
  }

  private gc(event: GcEvent, count: number, capacity: number): void {
    this.figures.gcCount += count;
    this.figures.gcSource = this.numGcMoves ? 'NumGC' : 'heap drop';
    this.gcs.push(event);
    if (this.gcs.length > 4096) this.gcs.splice(0, 1024);
    this.floors.push(event);
    if (this.floors.length > LEAK_WINDOW) this.floors.shift();
    this.leak = leakOf(this.floors, capacity);
  }

  private pushRow(x: number, inuse: number, top: number, live: number, rate: number): void {
    const slot = this.total % this.capacity;
    this.x.set(slot, x);
    this.inuse.set(slot, inuse);
    this.top.set(slot, top);
    this.live.set(slot, live);
    this.rate.set(slot, rate);
    this.total++;
  }

  /** The newest x (s), or NaN. */
  get lastX(): number {
    return this.previous?.x ?? NaN;
  }
}

/**
 * A leak: the lower envelope of heap in use after each GC rises. A GC forced mid-work leaves live
 * data of the moment above the floor, so single floors are noisy; the lowest floor of the newer
 * half of the recent GCs must exceed the lowest of the older half by more than 1 % of the heap.
 * Rate: between those two lows; projection: when the floor, rising at that rate from the newer
 * low, reaches the heap's size.
 */
export function leakOf(floors: GcEvent[], capacity: number): LeakNotice | null {
  const n = floors.length;
  if (n < LEAK_MIN_GCS) return null;
  const half = n >> 1;
  const lowest = (from: number, to: number) => {
    let best = floors[from];
    for (let i = from + 1; i < to; i++) if (floors[i].inuseAfter < best.inuseAfter) best = floors[i];
    return best;
  };
  const older = lowest(0, half);
  const newer = lowest(half, n);
  const rise = newer.inuseAfter - older.inuseAfter;
  if (rise <= 0.01 * capacity || newer.x <= older.x) return null;
  const bytesPerSecond = rise / (newer.x - older.x);
  const floorNow = newer.inuseAfter + bytesPerSecond * (floors[n - 1].x - newer.x);
  return { bytesPerSecond, gcs: n, secondsLeft: Math.max(0, (capacity - floorNow) / bytesPerSecond) };
}
