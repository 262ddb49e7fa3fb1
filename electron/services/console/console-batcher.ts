/**
 * Collects port bytes and hands them on in one batch per interval (≈16 ms), so the renderer gets
 * one message per batch instead of one per read. Bytes are only dropped when the consumer cannot
 * keep up beyond `maxPendingBytes`; the count travels with the next batch (and must stay 0).
 */

export interface ConsoleChunk {
  /** Host time the bytes arrived, ms since epoch. */
  t: number;
  bytes: Uint8Array;
}

export interface ConsoleBatcherOptions {
  intervalMs?: number;
  maxPendingBytes?: number;
  /** Reads closer together than this are merged into one chunk (they share a timestamp). */
  mergeWithinMs?: number;
  emit(chunks: ConsoleChunk[], droppedBytes: number): void;
}

export class ConsoleBatcher {
  private chunks: ConsoleChunk[] = [];
  private pendingBytes = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  private readonly maxPendingBytes: number;
  private readonly mergeWithinMs: number;
  /** Totals since creation, for status and benchmarks. */
  totalBytes = 0;
  totalDropped = 0;

  constructor(private readonly options: ConsoleBatcherOptions) {
    this.intervalMs = options.intervalMs ?? 16;
    this.maxPendingBytes = options.maxPendingBytes ?? 32 * 1024 * 1024;
    this.mergeWithinMs = options.mergeWithinMs ?? 2;
  }

  push(t: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.pendingBytes + bytes.length > this.maxPendingBytes) {
      this.dropped += bytes.length;
      this.totalDropped += bytes.length;
      return;
    }
    this.totalBytes += bytes.length;
    this.pendingBytes += bytes.length;
    const last = this.chunks[this.chunks.length - 1];
    if (last && t - last.t <= this.mergeWithinMs) {
      const merged = new Uint8Array(last.bytes.length + bytes.length);
      merged.set(last.bytes, 0);
      merged.set(bytes, last.bytes.length);
      last.bytes = merged;
    } else {
      // The reader may reuse its buffer: keep our own copy.
      this.chunks.push({ t, bytes: bytes.slice() });
    }
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.chunks.length === 0 && this.dropped === 0) return;
    const chunks = this.chunks;
    const dropped = this.dropped;
    this.chunks = [];
    this.pendingBytes = 0;
    this.dropped = 0;
    this.options.emit(chunks, dropped);
  }

  dispose(): void {
    this.flush();
  }
}
