/**
 * Log to file: every byte the board sends, with a host timestamp at the start of each line,
 * written to a rotating file in a folder the user picked. Independent of the view's scrollback,
 * so nothing is lost when the view trims. Files: <board>-<yyyymmdd-hhmmss>.log, a new one after
 * `maxFileBytes`; the oldest are deleted beyond `maxFiles`.
 *
 * Line format: `[2026-11-28T10:40:00.123Z] ` + the raw bytes of the line (newline included).
 */
import { closeSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface ConsoleLogWriterOptions {
  directory: string;
  /** Safe file-name stem for this board. */
  stem: string;
  maxFileBytes?: number;
  maxFiles?: number;
  /**
   * The folder stopped taking the log (disk full, removed, unmounted): the writer has closed and
   * writes nothing more. Called once; the console itself goes on.
   */
  onFailure?: (error: Error) => void;
}

export function fileStemForBoard(boardId: string): string {
  return (
    boardId
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 80) || 'board'
  );
}

export class ConsoleLogWriter {
  private fd: number | null = null;
  private written = 0;
  private atLineStart = true;
  private sequence = 0;
  file: string | null = null;
  private readonly maxFileBytes: number;
  private readonly maxFiles: number;

  constructor(private readonly options: ConsoleLogWriterOptions) {
    this.maxFileBytes = options.maxFileBytes ?? 64 * 1024 * 1024;
    this.maxFiles = options.maxFiles ?? 50;
    mkdirSync(options.directory, { recursive: true });
    this.rotate();
  }

  /** Appends the bytes, stamping every line start with `t`. Synchronous: a crash loses nothing written before it. */
  write(t: number, bytes: Uint8Array): void {
    if (this.fd === null) return;
    this.guard(() => this.append(t, bytes));
  }

  private append(t: number, bytes: Uint8Array): void {
    const stamp = Buffer.from(`[${new Date(t).toISOString()}] `, 'latin1');
    const parts: Uint8Array[] = [];
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (this.atLineStart) {
        parts.push(stamp);
        this.atLineStart = false;
      }
      if (bytes[i] === 10) {
        parts.push(bytes.subarray(start, i + 1));
        start = i + 1;
        this.atLineStart = true;
      }
    }
    if (start < bytes.length) parts.push(bytes.subarray(start));
    const out = Buffer.concat(parts);
    writeSync(this.fd!, out);
    this.written += out.length;
    if (this.written >= this.maxFileBytes && this.atLineStart) this.rotate();
  }

  /** A marker line (connected, reconnected, paused for flashing). */
  note(t: number, text: string): void {
    if (this.fd === null) return;
    this.guard(() => {
      const out = Buffer.from(`${this.atLineStart ? '' : '\n'}[${new Date(t).toISOString()}] -- ${text} --\n`, 'utf8');
      this.atLineStart = true;
      writeSync(this.fd!, out);
      this.written += out.length;
    });
  }

  /** A write the file system refused ends logging (once, reported); it never reaches the port's reader. */
  private guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      try {
        this.close();
      } catch {
        this.fd = null;
      }
      this.options.onFailure?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private rotate(): void {
    this.close();
    const now = new Date();
    const pad = (n: number) => String(n).padStart(2, '0');
    const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
    const suffix = this.sequence++ ? `-${this.sequence}` : '';
    this.file = join(this.options.directory, `${this.options.stem}-${stamp}${suffix}.log`);
    this.fd = openSync(this.file, 'a');
    this.written = 0;
    this.atLineStart = true;
    this.prune();
  }

  private prune(): void {
    const prefix = `${this.options.stem}-`;
    let files: { name: string; mtime: number }[];
    try {
      files = readdirSync(this.options.directory)
        .filter((name) => name.startsWith(prefix) && name.endsWith('.log'))
        .map((name) => ({ name, mtime: statSync(join(this.options.directory, name)).mtimeMs }));
    } catch {
      return;
    }
    files.sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name));
    while (files.length > this.maxFiles) {
      const oldest = files.shift()!;
      if (join(this.options.directory, oldest.name) === this.file) continue;
      try {
        unlinkSync(join(this.options.directory, oldest.name));
      } catch {
        // already gone
      }
    }
  }
}
