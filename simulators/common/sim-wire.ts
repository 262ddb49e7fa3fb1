/**
 * One direction of a simulated UART: bytes leave at the rate the line allows (10 bits per byte:
 * start + 8 data + stop), with faults applied on the way. Delivery is in chunks, each at the
 * moment its last byte would have arrived, so throughput matches the baud without a timer per byte.
 */
import { FaultInjector, type FaultPlan } from './faults';

export interface SimWireOptions {
  baud: number;
  /** Pace bytes to the baud (default true). False delivers at once: for fast unit tests. */
  throttle?: boolean;
  faults?: FaultPlan;
  /** Largest chunk delivered at once; smaller chunks give smoother timing. */
  maxChunk?: number;
}

export class SimWire {
  baud: number;
  throttle: boolean;
  readonly faults: FaultInjector;
  private readonly maxChunk: number;
  /** When (performance.now() ms) the line is free again. */
  private lineFreeAt = 0;
  private closed = false;
  private pending = new Set<NodeJS.Timeout>();
  /** Bytes that crossed (after faults), for benchmarks. */
  bytesCarried = 0;

  constructor(
    options: SimWireOptions,
    private readonly deliver: (bytes: Uint8Array) => void,
    private readonly onDisconnect: () => void,
  ) {
    this.baud = options.baud;
    this.throttle = options.throttle ?? true;
    this.faults = new FaultInjector(options.faults);
    this.maxChunk = options.maxChunk ?? 512;
  }

  /** Seconds one byte occupies the line. */
  byteTime(): number {
    return 10 / this.baud;
  }

  send(input: Uint8Array): void {
    if (this.closed || input.length === 0) return;
    const { bytes, disconnect } = this.faults.apply(input);
    if (!this.throttle) {
      if (bytes.length) {
        this.bytesCarried += bytes.length;
        this.deliver(bytes);
      }
      if (disconnect) this.disconnectNow();
      return;
    }
    const now = performance.now();
    let at = Math.max(now, this.lineFreeAt);
    for (let offset = 0; offset < bytes.length; offset += this.maxChunk) {
      const chunk = bytes.slice(offset, offset + this.maxChunk);
      at += (chunk.length * 10 * 1000) / this.baud;
      this.schedule(at - now, () => {
        this.bytesCarried += chunk.length;
        this.deliver(chunk);
      });
    }
    this.lineFreeAt = at;
    if (disconnect) this.schedule(at - now, () => this.disconnectNow());
  }

  /** Milliseconds until everything queued has been delivered. */
  backlogMs(): number {
    return Math.max(0, this.lineFreeAt - performance.now());
  }

  close(): void {
    this.closed = true;
    this.deliveries.length = 0;
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }

  private disconnectNow(): void {
    if (this.closed) return;
    this.close();
    this.onDisconnect();
  }

  /**
   * Node truncates timer delays to whole milliseconds, so two chunks due less than 1 ms apart but
   * scheduled from different send() calls can fire in the wrong order. Deliveries therefore go
   * through one FIFO (already sorted by due time): whichever timer fires delivers every chunk that
   * is due, in order.
   */
  private readonly deliveries: Array<{ due: number; run: () => void }> = [];

  private schedule(delayMs: number, run: () => void): void {
    this.deliveries.push({ due: performance.now() + Math.max(0, delayMs), run });
    const timer = setTimeout(
      () => {
        this.pending.delete(timer);
        this.deliverDue();
      },
      Math.max(0, delayMs),
    );
    this.pending.add(timer);
  }

  private deliverDue(): void {
    const now = performance.now() + 2;
    while (!this.closed && this.deliveries.length && this.deliveries[0].due <= now) this.deliveries.shift()!.run();
  }
}
