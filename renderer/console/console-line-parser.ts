/**
 * Streaming terminal-text parser for the console: turns decoded text into finished lines with
 * ANSI SGR colour runs (ESP-IDF logs colour every line), handling \n, \r\n and a lone \r (return
 * to column 0 and overwrite, as progress output expects), backspace, erase-in-line, and skipping
 * other escape sequences. Escape sequences and \r\n split across chunks are carried over.
 */

/** A coloured stretch of a line: [from, to) with CSS classes and, for 256-colour/RGB, explicit colours. */
export interface StyleRun {
  from: number;
  to: number;
  classes: string;
  color?: string;
  background?: string;
}

export interface ConsoleLine {
  /** Host time (ms since epoch) of the line's first byte. */
  t: number;
  text: string;
  runs: StyleRun[] | null;
  /** A TinyGo / Go panic line. */
  panic: boolean;
  /** Sent by this window (a TX line), not received from the board. */
  sent?: boolean;
}

interface SgrState {
  fg: number | string | null;
  bg: number | string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

const SGR_CACHE = new Map<string, { state: SgrState; style: { classes: string; color?: string; background?: string } | null }>();
const PLAIN: SgrState = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };
export const PANIC_LINE = /^\s*(panic: |fatal error: |\[tinygo: panic)/;
const MAX_LINE = 16 * 1024;

export class ConsoleLineParser {
  private text = '';
  private runs: StyleRun[] = [];
  private col = 0;
  private lineT = 0;
  private lineStarted = false;
  private sgr: SgrState = { ...PLAIN };
  private styleKey: { classes: string; color?: string; background?: string } | null = null;
  private pendingCr = false;
  private pendingEscape = '';

  /** Feeds text received at time t; calls onLine for every finished line. */
  feed(input: string, t: number, onLine: (line: ConsoleLine) => void): void {
    let text = input;
    if (this.pendingEscape) {
      text = this.pendingEscape + text;
      this.pendingEscape = '';
    }
    if (text.length === 0) return;
    if (!this.lineStarted) {
      this.lineStarted = true;
      this.lineT = t;
    }
    if (this.pendingCr) {
      this.pendingCr = false;
      if (text.charCodeAt(0) !== 10) this.col = 0;
    }
    const length = text.length;
    let segmentStart = 0;
    let i = 0;
    while (i < length) {
      const c = text.charCodeAt(i);
      if (c >= 32 || c === 9) {
        i++;
        continue;
      }
      if (i > segmentStart) this.write(text.slice(segmentStart, i));
      if (c === 10) {
        this.finish(onLine);
        this.lineT = t;
        this.lineStarted = i + 1 < length;
        i++;
      } else if (c === 13) {
        if (i + 1 >= length) {
          this.pendingCr = true;
          i++;
        } else if (text.charCodeAt(i + 1) === 10) {
          i++; // \r\n: the \n finishes the line
        } else {
          this.col = 0;
          i++;
        }
      } else if (c === 8) {
        if (this.col > 0) this.col--;
        i++;
      } else if (c === 27) {
        const end = this.escape(text, i);
        if (end < 0) {
          this.pendingEscape = text.slice(i);
          if (this.pendingEscape.length > 64) this.pendingEscape = ''; // not an escape sequence after all
          return;
        }
        i = end;
      } else {
        i++; // other control characters are not shown
      }
      segmentStart = i;
      if (!this.lineStarted && i < length) {
        this.lineStarted = true;
        this.lineT = t;
      }
    }
    if (segmentStart < length) this.write(text.slice(segmentStart));
    if (this.text.length > MAX_LINE) this.finish(onLine);
  }

  /** The line being received (no newline yet), for display as the last row. */
  partial(): ConsoleLine | null {
    if (this.text.length === 0) return null;
    return { t: this.lineT, text: this.text, runs: this.runs.length ? this.runs : null, panic: PANIC_LINE.test(this.text) };
  }

  reset(): void {
    this.text = '';
    this.runs = [];
    this.col = 0;
    this.lineStarted = false;
  }

  private finish(onLine: (line: ConsoleLine) => void): void {
    const text = this.text;
    onLine({ t: this.lineT, text, runs: this.runs.length ? this.runs : null, panic: text.length > 6 && PANIC_LINE.test(text) });
    this.text = '';
    this.runs = [];
    this.col = 0;
  }

  private write(segment: string): void {
    const from = this.col;
    const to = from + segment.length;
    if (from === this.text.length) {
      this.text += segment;
    } else {
      this.text = this.text.slice(0, from) + segment + this.text.slice(to);
      if (this.runs.length) this.runs = this.runs.filter((run) => run.to <= from || run.from >= to);
    }
    this.col = to;
    const style = this.styleKey;
    if (!style) return;
    const last = this.runs[this.runs.length - 1];
    if (last && last.to === from && last.classes === style.classes && last.color === style.color && last.background === style.background) last.to = to;
    else this.runs.push(style.color || style.background ? { from, to, ...style } : { from, to, classes: style.classes });
  }

  /** Handles an escape sequence starting at `start`; returns the index after it, or -1 when incomplete. */
  private escape(text: string, start: number): number {
    if (start + 1 >= text.length) return -1;
    const kind = text.charCodeAt(start + 1);
    if (kind === 91) {
      // CSI: ESC [ params final(0x40–0x7e)
      let i = start + 2;
      while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c >= 0x40 && c <= 0x7e) {
          const params = text.slice(start + 2, i);
          if (c === 109) this.applySgr(params);
          else if (c === 75) this.eraseInLine(params);
          return i + 1;
        }
        i++;
      }
      return -1;
    }
    if (kind === 93) {
      // OSC: ESC ] … BEL or ESC \
      for (let i = start + 2; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 7) return i + 1;
        if (c === 27 && text.charCodeAt(i + 1) === 92) return i + 2;
      }
      return -1;
    }
    return start + 2; // two-character escape (ESC c, ESC 7, …): ignore
  }

  private eraseInLine(params: string): void {
    const mode = params === '' ? 0 : Number(params);
    if (mode === 0) {
      this.text = this.text.slice(0, this.col);
      this.runs = this.runs.filter((run) => run.from < this.col).map((run) => ({ ...run, to: Math.min(run.to, this.col) }));
    } else if (mode === 2) {
      this.text = '';
      this.runs = [];
      this.col = 0;
    }
  }

  private applySgr(params: string): void {
    // Sequences that start with a reset ("0;32", "0", "") give the same state whatever came
    // before: ESP-IDF prints two of them per line, so they are parsed once and reused.
    const absolute = params === '' || params === '0' || params.startsWith('0;');
    if (absolute) {
      const cached = SGR_CACHE.get(params);
      if (cached) {
        Object.assign(this.sgr, cached.state);
        this.styleKey = cached.style;
        return;
      }
    }
    this.parseSgr(params);
    if (absolute && SGR_CACHE.size < 256) SGR_CACHE.set(params, { state: { ...this.sgr }, style: this.styleKey });
  }

  private parseSgr(params: string): void {
    const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
    const s = this.sgr;
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i];
      if (code === 0) Object.assign(s, PLAIN);
      else if (code === 1) s.bold = true;
      else if (code === 2) s.dim = true;
      else if (code === 3) s.italic = true;
      else if (code === 4) s.underline = true;
      else if (code === 7) s.inverse = true;
      else if (code === 22) s.bold = s.dim = false;
      else if (code === 23) s.italic = false;
      else if (code === 24) s.underline = false;
      else if (code === 27) s.inverse = false;
      else if (code >= 30 && code <= 37) s.fg = code - 30;
      else if (code >= 90 && code <= 97) s.fg = code - 90 + 8;
      else if (code === 39) s.fg = null;
      else if (code >= 40 && code <= 47) s.bg = code - 40;
      else if (code >= 100 && code <= 107) s.bg = code - 100 + 8;
      else if (code === 49) s.bg = null;
      else if (code === 38 || code === 48) {
        let color: number | string | null = null;
        if (codes[i + 1] === 5) {
          color = xterm256(codes[i + 2] ?? 0);
          i += 2;
        } else if (codes[i + 1] === 2) {
          color = `rgb(${codes[i + 2] ?? 0}, ${codes[i + 3] ?? 0}, ${codes[i + 4] ?? 0})`;
          i += 4;
        }
        if (code === 38) s.fg = color;
        else s.bg = color;
      }
    }
    this.styleKey = styleOf(s);
  }
}

function styleOf(s: SgrState): { classes: string; color?: string; background?: string } | null {
  const classes: string[] = [];
  let color: string | undefined;
  let background: string | undefined;
  let fg = s.fg;
  let bg = s.bg;
  if (s.inverse) {
    [fg, bg] = [bg ?? 'inverse-fg', fg ?? 'inverse-bg'];
  }
  if (typeof fg === 'number') classes.push(`fg${fg}`);
  else if (fg === 'inverse-fg') classes.push('fg-inverse');
  else if (typeof fg === 'string') color = fg;
  if (typeof bg === 'number') classes.push(`bg${bg}`);
  else if (bg === 'inverse-bg') classes.push('bg-inverse');
  else if (typeof bg === 'string') background = bg;
  if (s.bold) classes.push('bold');
  if (s.dim) classes.push('dim');
  if (s.italic) classes.push('italic');
  if (s.underline) classes.push('underline');
  if (!classes.length && !color && !background) return null;
  return { classes: classes.join(' '), ...(color ? { color } : {}), ...(background ? { background } : {}) };
}

/** xterm 256-colour index → a class index (0–15) or an rgb() string. */
function xterm256(index: number): number | string {
  if (index < 16) return index;
  if (index < 232) {
    const n = index - 16;
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    return `rgb(${level(Math.floor(n / 36))}, ${level(Math.floor(n / 6) % 6)}, ${level(n % 6)})`;
  }
  const gray = 8 + (index - 232) * 10;
  return `rgb(${gray}, ${gray}, ${gray})`;
}
