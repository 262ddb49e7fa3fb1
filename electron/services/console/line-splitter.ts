/**
 * Turns a byte stream into text lines for the decoders that work per line (plotter telemetry,
 * panic detection). Splits on \n, drops a trailing \r, and cuts runaway lines at `maxLineLength`
 * so a stream without newlines cannot grow memory. Each line carries the host time of its first byte.
 */

export interface SplitLine {
  t: number;
  text: string;
}

export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private partial = '';
  private partialT = 0;

  constructor(private readonly maxLineLength = 4096) {}

  push(t: number, bytes: Uint8Array, onLine: (line: SplitLine) => void): void {
    const text = this.decoder.decode(bytes, { stream: true });
    let start = 0;
    while (start < text.length) {
      const newline = text.indexOf('\n', start);
      if (this.partial.length === 0) this.partialT = t;
      if (newline < 0) {
        this.partial += text.slice(start);
        if (this.partial.length > this.maxLineLength) {
          onLine({ t: this.partialT, text: this.partial.slice(0, this.maxLineLength) });
          this.partial = '';
        }
        return;
      }
      let line = this.partial + text.slice(start, newline);
      this.partial = '';
      if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      if (line.length > this.maxLineLength) line = line.slice(0, this.maxLineLength);
      onLine({ t: this.partialT, text: line });
      start = newline + 1;
    }
  }

  reset(): void {
    this.partial = '';
  }
}
