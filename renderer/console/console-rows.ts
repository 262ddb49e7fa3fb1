/**
 * How one console row looks: optional timestamp, the text with its ANSI colours, search matches
 * highlighted, panics marked; and hex rows (offset, 16 bytes, printable text). Built with DOM
 * calls and textContent only (console text is untrusted), colours via classes.
 */
import type { ConsoleLine } from './console-line-parser';

export type TimestampMode = 'off' | 'relative' | 'absolute';

export function formatTimestamp(t: number, mode: TimestampMode, origin: number | null): string {
  if (mode === 'absolute') {
    const d = new Date(t);
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  }
  const seconds = (t - (origin ?? t)) / 1000;
  return `+${seconds.toFixed(3).padStart(9, ' ')}`;
}

/** Fills a row element with a console line. `search` is lower-case, or '' for none. */
export function renderLine(element: HTMLElement, line: ConsoleLine, timestamps: TimestampMode, origin: number | null, search: string, current: boolean): void {
  element.className = `vr-row line${line.panic ? ' panic' : ''}${line.sent ? ' sent' : ''}${current ? ' current-match' : ''}`;
  element.textContent = '';
  if (timestamps !== 'off') {
    const stamp = document.createElement('span');
    stamp.className = 'ts';
    stamp.textContent = formatTimestamp(line.t, timestamps, origin);
    element.append(stamp);
  }
  if (line.sent) {
    const marker = document.createElement('span');
    marker.className = 'dir';
    marker.textContent = SENT_MARKER;
    marker.title = 'Sent from this window';
    element.append(marker);
  }
  const body = document.createElement('span');
  body.className = 'tx';
  const { text } = line;
  const hit = search ? text.toLowerCase().indexOf(search) : -1;
  if (hit >= 0) {
    const lower = text.toLowerCase();
    let at = 0;
    let index = hit;
    while (index >= 0) {
      if (index > at) body.append(text.slice(at, index));
      const mark = document.createElement('mark');
      mark.textContent = text.slice(index, index + search.length);
      body.append(mark);
      at = index + search.length;
      index = lower.indexOf(search, at);
    }
    if (at < text.length) body.append(text.slice(at));
  } else if (line.runs) {
    let at = 0;
    for (const run of line.runs) {
      if (run.from > at) body.append(text.slice(at, run.from));
      const span = document.createElement('span');
      span.className = run.classes;
      if (run.color) span.style.color = run.color;
      if (run.background) span.style.backgroundColor = run.background;
      span.textContent = text.slice(run.from, run.to);
      body.append(span);
      at = run.to;
    }
    if (at < text.length) body.append(text.slice(at));
  } else {
    body.textContent = text;
  }
  element.append(body);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** "0000a0f0  65 63 68 6f 3a 20 68 69  0d 0a 73 65 71 20 31 0d  |echo: hi..seq 1.|" */
export function formatHexRow(offset: number, bytes: Uint8Array): string {
  let hex = '';
  let ascii = '';
  for (let i = 0; i < 16; i++) {
    if (i === 8) hex += ' ';
    if (i < bytes.length) {
      hex += `${HEX[bytes[i]]} `;
      ascii += bytes[i] >= 32 && bytes[i] < 127 ? String.fromCharCode(bytes[i]) : '.';
    } else {
      hex += '   ';
    }
  }
  return `${offset.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`;
}

/** What marks a TX line, on screen and in copied text. */
export const SENT_MARKER = 'TX ›';

/** The scrollback as text for the clipboard: each line with its timestamp when they are shown, the unfinished line last. */
export function scrollbackText(
  lines: { readonly count: number; text(at: number): string; time(at: number): number; isSent(at: number): boolean },
  partial: { text: string } | null,
  mode: TimestampMode,
  origin: number | null,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.count; i++) {
    const text = lines.isSent(i) ? `${SENT_MARKER} ${lines.text(i)}` : lines.text(i);
    out.push(mode === 'off' ? text : `${formatTimestamp(lines.time(i), mode, origin)} ${text}`);
  }
  if (partial) out.push(partial.text);
  return out;
}
