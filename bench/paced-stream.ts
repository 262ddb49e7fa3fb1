/**
 * A simulated device that prints lines at a set pace (5 ms ticks) into a pty, for the console and
 * telemetry benches; and the percentile both report frame times with.
 */
import type { SimDevice, SimSink } from '../simulators/common/sim-device';

export abstract class PacedStreamer implements SimDevice {
  private sink: SimSink | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Lines sent so far. */
  sent = 0;
  bytes = 0;

  attach(sink: SimSink): void {
    this.sink = sink;
  }

  receive(): void {}

  /** The text due now, `elapsedMs` after the start and `tickMs` after the previous tick; it counts `sent` up. */
  protected abstract due(elapsedMs: number, tickMs: number): string;

  protected run(seconds: number): Promise<void> {
    const started = performance.now();
    let last = started;
    return new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        const text = this.due(now - started, now - last);
        last = now;
        if (text) {
          this.bytes += text.length;
          this.sink?.emit(Buffer.from(text, 'latin1'));
        }
        if (now - started >= seconds * 1000) {
          this.timer = null;
          resolve();
          return;
        }
        this.timer = setTimeout(tick, 5);
      };
      tick();
    });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
