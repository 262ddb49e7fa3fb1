/**
 * Bounded console memory: a ring of finished lines (scrollback, default 100,000) and a ring of
 * raw bytes for the hex view. Both count what ever passed through them, so the view can keep its
 * place by absolute line number / byte offset while old entries are trimmed.
 */
import type { ConsoleLine, StyleRun } from './console-line-parser';

const PANIC = 1;
const SENT = 2;

export class LineRing {
  private texts: string[];
  private times: Float64Array;
  private runs: (StyleRun[] | null)[];
  /** Per line: PANIC and SENT bits. */
  private flags: Uint8Array;
  private head = 0;
  /** Lines held now. */
  count = 0;
  /** Lines ever pushed (absolute number of the next line). */
  total = 0;

  constructor(public capacity: number) {
    this.texts = new Array<string>(capacity);
    this.times = new Float64Array(capacity);
    this.runs = new Array<StyleRun[] | null>(capacity).fill(null);
    this.flags = new Uint8Array(capacity);
  }

  /** Absolute number of the oldest line held. */
  get first(): number {
    return this.total - this.count;
  }

  push(line: ConsoleLine): void {
    const slot = (this.head + this.count) % this.capacity;
    this.texts[slot] = line.text;
    this.times[slot] = line.t;
    this.runs[slot] = line.runs;
    this.flags[slot] = (line.panic ? PANIC : 0) | (line.sent ? SENT : 0);
    if (this.count < this.capacity) this.count++;
    else this.head = (this.head + 1) % this.capacity;
    this.total++;
  }

  /** Line by index into what is held (0 = oldest). */
  text(index: number): string {
    return this.texts[(this.head + index) % this.capacity];
  }
  time(index: number): number {
    return this.times[(this.head + index) % this.capacity];
  }
  styleRuns(index: number): StyleRun[] | null {
    return this.runs[(this.head + index) % this.capacity];
  }
  isPanic(index: number): boolean {
    return (this.flags[(this.head + index) % this.capacity] & PANIC) !== 0;
  }
  isSent(index: number): boolean {
    return (this.flags[(this.head + index) % this.capacity] & SENT) !== 0;
  }

  clear(): void {
    this.texts = new Array<string>(this.capacity);
    this.runs = new Array<StyleRun[] | null>(this.capacity).fill(null);
    this.head = 0;
    this.count = 0;
  }

  /** Changes the scrollback size, keeping the newest lines. */
  resize(capacity: number): void {
    if (capacity === this.capacity) return;
    const keep = Math.min(this.count, capacity);
    const texts = new Array<string>(capacity);
    const times = new Float64Array(capacity);
    const runs = new Array<StyleRun[] | null>(capacity).fill(null);
    const flags = new Uint8Array(capacity);
    for (let i = 0; i < keep; i++) {
      const from = this.count - keep + i;
      texts[i] = this.text(from);
      times[i] = this.time(from);
      runs[i] = this.styleRuns(from);
      flags[i] = this.flags[(this.head + from) % this.capacity];
    }
    Object.assign(this, { texts, times, runs, flags, head: 0, count: keep, capacity });
  }
}

export class ByteRing {
  private bytes: Uint8Array;
  /** Bytes ever pushed (absolute offset of the next byte). */
  total = 0;

  constructor(readonly capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }

  /** Absolute offset of the oldest byte held, aligned down to a 16-byte row. */
  get first(): number {
    const oldest = Math.max(0, this.total - this.capacity);
    return Math.max(Math.ceil(oldest / 16) * 16, this.cleared - (this.cleared % 16));
  }

  push(data: Uint8Array): void {
    let source = data;
    if (source.length > this.capacity) {
      this.total += source.length - this.capacity;
      source = source.subarray(source.length - this.capacity);
    }
    const at = this.total % this.capacity;
    const firstPart = Math.min(source.length, this.capacity - at);
    this.bytes.set(source.subarray(0, firstPart), at);
    if (firstPart < source.length) this.bytes.set(source.subarray(firstPart), 0);
    this.total += source.length;
  }

  /** Bytes [offset, offset+length) that are still held (clipped). */
  slice(offset: number, length: number): Uint8Array {
    const from = Math.max(offset, this.first);
    const to = Math.min(offset + length, this.total);
    const out = new Uint8Array(Math.max(0, to - from));
    for (let i = 0; i < out.length; i++) out[i] = this.bytes[(from + i) % this.capacity];
    return out;
  }

  /** Offsets stay absolute; nothing before this point is shown any more. */
  private cleared = 0;

  clear(): void {
    this.cleared = this.total;
  }
}
