/**
 * Where a console's incoming bytes go (line dispatch):
 *
 *   port bytes → console batches (≈16 ms) → 'console.data'
 *              → log file (when logging)
 *              → line splitter → plotter decoder → telemetry batches (≈75 ms)
 *                              → panic detector → symbolizer → 'console.panic'
 */
import { decodePlotterLine } from '../telemetry/plotter-line';
import { TelemetryBatcher, type TelemetryBatch } from '../telemetry/telemetry-batcher';
import { ConsoleBatcher, type ConsoleChunk } from '../console/console-batcher';
import { LineSplitter, type SplitLine } from '../console/line-splitter';
import { parsePanicLine, symbolizeAddress, type ResolvedAddress } from '../console/panic-symbolizer';

export interface PanicReport {
  t: number;
  line: string;
  address: string;
  message: string;
  resolved: ResolvedAddress | null;
  note: string;
}

export interface DispatchEvents {
  data(chunks: ConsoleChunk[], droppedBytes: number): void;
  telemetry(batch: TelemetryBatch): void;
  panic(report: PanicReport): void;
}

export interface DispatchOptions {
  events: DispatchEvents;
  /** The ELF a panic address is looked up in (it changes when the user builds another program). */
  elfPath(): string | null;
  /** Where received bytes are also written (the log file, when logging). */
  log(t: number, bytes: Uint8Array): void;
  batchIntervalMs?: number;
  telemetryIntervalMs?: number;
}

export class ConsoleDispatch {
  private readonly batcher: ConsoleBatcher;
  private readonly splitter = new LineSplitter();
  private readonly telemetry: TelemetryBatcher;

  constructor(private readonly options: DispatchOptions) {
    this.batcher = new ConsoleBatcher({ intervalMs: options.batchIntervalMs, emit: (chunks, dropped) => options.events.data(chunks, dropped) });
    this.telemetry = new TelemetryBatcher((batch) => options.events.telemetry(batch), options.telemetryIntervalMs);
  }

  get bytesReceived(): number {
    return this.batcher.totalBytes;
  }

  receive(bytes: Uint8Array): void {
    const t = Date.now();
    this.batcher.push(t, bytes);
    this.options.log(t, bytes);
    this.splitter.push(t, bytes, this.onLine);
  }

  /** Sends what is batched and forgets a half line (the port closed: the next bytes start afresh). */
  flush(): void {
    this.batcher.flush();
    this.telemetry.flush();
    this.splitter.reset();
  }

  dispose(): void {
    this.batcher.dispose();
    this.telemetry.flush();
  }

  private readonly onLine = (line: SplitLine): void => {
    const sample = decodePlotterLine(line.text);
    if (sample) {
      this.telemetry.add(line.t, sample.series, sample.unit);
      return;
    }
    const panic = parsePanicLine(line.text);
    if (!panic) return;
    const report = (resolved: ResolvedAddress | null, note: string) =>
      this.options.events.panic({ t: line.t, line: line.text, address: panic.address, message: panic.message, resolved, note });
    symbolizeAddress(this.options.elfPath(), panic.address)
      .then(({ resolved, note }) => report(resolved, note))
      .catch((error: unknown) => report(null, `Could not resolve the address: ${(error as Error).message}`));
  };
}
