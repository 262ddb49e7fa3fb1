/**
 * What the command prints. Text for people (results on stdout, progress and errors on stderr), or
 * with --json exactly one JSON document on stdout for scripts. Progress redraws one line per board
 * on a terminal and prints plain lines (each stage, every 25 %) when piped or logged by CI.
 */
import type { ErrorInfo } from '../../drivers/common/errors';
import type { Stage } from '../contract-values';

export interface Writable {
  write(text: string): unknown;
  isTTY?: boolean;
}

interface ProgressLike {
  stage: Stage;
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond: number;
}

export class Output {
  private readonly lastPlain = new Map<string, { stage: Stage; quarter: number }>();
  private readonly liveRows: string[] = [];
  private readonly liveText = new Map<string, string>();
  private liveDrawn = 0;

  constructor(
    readonly json: boolean,
    private readonly stdout: Writable = process.stdout,
    private readonly stderr: Writable = process.stderr,
  ) {}

  /** A result line for a person; nothing in --json mode (the document carries it). */
  line(text = ''): void {
    if (!this.json) this.write(this.stdout, text + '\n');
  }

  /** Raw device output (monitor, test): stdout in text mode, stderr with --json. */
  raw(text: string): void {
    this.write(this.json ? this.stderr : this.stdout, text);
  }

  /** A whole export (CSV, the window's JSON export) on stdout, in either mode. */
  export(text: string): void {
    this.write(this.stdout, text);
  }

  /** Something that happens on the way (building, flashing, waiting); stderr in both modes. */
  note(text: string): void {
    this.write(this.stderr, text + '\n');
  }

  /** The one JSON document of --json mode. */
  document(value: unknown): void {
    if (this.json) this.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  /** An error as a sentence and the next step (stderr); with --json also as the document. */
  error(error: ErrorInfo, exitCode: number): void {
    this.endProgress();
    const lines = [`Error: ${error.message}`];
    if (error.hint) lines.push(`Next step: ${error.hint}`);
    lines.push(`(${error.code}, stage ${error.stage}; exit code ${exitCode})`);
    this.write(this.stderr, lines.join('\n') + '\n');
    this.document({ ok: false, exitCode, error });
  }

  /** One board's flash progress: a redrawn row on a terminal, occasional plain lines otherwise. */
  progress(label: string, progress: ProgressLike): void {
    const percent = progress.bytesTotal > 0 ? Math.floor((100 * progress.bytesDone) / progress.bytesTotal) : 0;
    if (this.stderr.isTTY && !this.json) {
      const width = 24;
      const filled = Math.round((width * percent) / 100);
      const rate = progress.bytesPerSecond > 0 ? ` ${(progress.bytesPerSecond / 1024).toFixed(1)} KiB/s` : '';
      this.drawLive(label, `${label}  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)} % ${progress.stage}${rate}`);
      return;
    }
    const quarter = Math.floor(percent / 25);
    const last = this.lastPlain.get(label);
    if (last && last.stage === progress.stage && last.quarter === quarter) return;
    this.lastPlain.set(label, { stage: progress.stage, quarter });
    this.write(this.stderr, `${label}: ${progress.stage}${progress.bytesTotal > 0 ? ` ${percent} % of ${progress.bytesTotal} bytes` : ''}\n`);
  }

  /** Leaves the redrawn rows on screen and continues below them. */
  endProgress(): void {
    this.liveRows.length = 0;
    this.liveText.clear();
    this.liveDrawn = 0;
  }

  private drawLive(label: string, text: string): void {
    if (!this.liveText.has(label)) this.liveRows.push(label);
    this.liveText.set(label, text);
    const up = this.liveDrawn > 0 ? `\x1b[${this.liveDrawn}A` : '';
    const rows = this.liveRows.map((row) => `\r\x1b[2K${this.liveText.get(row)}\n`).join('');
    this.write(this.stderr, up + rows);
    this.liveDrawn = this.liveRows.length;
  }

  private write(stream: Writable, text: string): void {
    stream.write(text);
  }
}

/** A table with a header row, columns padded to their widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)].join('\n');
}
