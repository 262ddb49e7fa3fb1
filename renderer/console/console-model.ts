/**
 * One board's console as the renderer holds it: batches from main are queued as they arrive and
 * parsed on the next animation frame (never per byte or per line) into the bounded line ring and
 * the byte ring for the hex view. Counts everything it receives, for the status bar and tests.
 */
import type { PanicReport } from '../../electron/contract';
import { ByteRing, LineRing } from './console-buffer';
import { ConsoleLineParser, type ConsoleLine } from './console-line-parser';

export const HEX_BYTES_KEPT = 4 * 1024 * 1024;

interface QueuedChunk {
  t: number;
  dataBase64: string;
}

type Base64Decoder = (text: string) => Uint8Array;
const fromBase64: Base64Decoder =
  typeof (Uint8Array as unknown as { fromBase64?: Base64Decoder }).fromBase64 === 'function'
    ? (text) => (Uint8Array as unknown as { fromBase64: Base64Decoder }).fromBase64(text)
    : (text) => {
        const binary = atob(text);
        const out = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
        return out;
      };

export class ConsoleModel {
  readonly lines: LineRing;
  readonly bytes = new ByteRing(HEX_BYTES_KEPT);
  private readonly parser = new ConsoleLineParser();
  private decoder = new TextDecoder('utf-8');
  private queue: QueuedChunk[] = [];
  bytesReceived = 0;
  droppedBytes = 0;
  batches = 0;
  /** Relative timestamps count from here (first line after open or clear). */
  origin: number | null = null;
  /** Bumped whenever what the view shows changed. */
  version = 0;
  /** How many times the view was cleared (row contents at the same numbers changed). */
  clears = 0;
  readonly panics: PanicReport[] = [];
  private readonly pushLine = (line: ConsoleLine) => {
    this.origin ??= line.t;
    this.lines.push(line);
  };

  constructor(scrollbackLines: number) {
    this.lines = new LineRing(scrollbackLines);
  }

  /** Lines this window sent, shown as TX lines among the received ones. */
  private sentLines = 0;

  /** Lines completed since the console was created (the count benchmarks compare with lines sent). */
  get linesReceived(): number {
    return this.lines.total - this.sentLines;
  }

  /** A TX line: what this window sent, at `t`, among the board's lines (after any line still arriving). */
  addSent(text: string, t: number): void {
    this.origin ??= t;
    this.lines.push({ t, text, runs: null, panic: false, sent: true });
    this.sentLines++;
    this.version++;
  }

  get pending(): boolean {
    return this.queue.length > 0;
  }

  enqueue(chunks: QueuedChunk[], droppedBytes: number): void {
    this.batches++;
    this.droppedBytes += droppedBytes;
    for (const chunk of chunks) this.queue.push(chunk);
  }

  /** Parses everything queued; true when something changed. */
  process(): boolean {
    if (this.queue.length === 0) return false;
    const queue = this.queue;
    this.queue = [];
    for (const chunk of queue) {
      const bytes = fromBase64(chunk.dataBase64);
      this.bytesReceived += bytes.length;
      this.bytes.push(bytes);
      this.parser.feed(this.decoder.decode(bytes, { stream: true }), chunk.t, this.pushLine);
    }
    this.version++;
    return true;
  }

  /** The line still being received, shown as the last row. */
  partial(): ConsoleLine | null {
    return this.parser.partial();
  }

  addPanic(report: PanicReport): void {
    this.panics.push(report);
    if (this.panics.length > 20) this.panics.shift();
    this.version++;
  }

  clear(): void {
    this.lines.clear();
    this.bytes.clear();
    this.parser.reset();
    this.origin = null;
    this.panics.length = 0;
    this.clears++;
    this.version++;
  }

  setScrollback(lines: number): void {
    this.lines.resize(lines);
    this.version++;
  }
}
