/**
 * Decodes one console line as plotter data (reference 11):
 *   Arduino Serial Plotter  `label:value,label:value` (separators: comma, space, tab), or
 *                           unlabeled values `1 2 3` → series "value 1", "value 2", …
 *   Teleplot                `>name:value`, `>name:timestamp_ms:value`, `>name,widget:…`,
 *                           `…§unit`, `…|flags`; several `;`-separated points keep the last.
 * Anything else (boot ROM chatter, panics, log text) → null. Accepts what the reference's regexes
 * accept, except values that are not whole numbers (`1.2.3`, `1e`, `--`):
 *   Arduino:  ^(?:[^\s,:]+:-?[\d.eE+-]+[ ,\t]*)+\r?$
 *   Teleplot: ^>([^:|,]+)(?:,[^:]*)?:(?:(\d+):)?(-?[\d.eE+-]+)(?:§[^|]*)?(?:\|.*)?\r?$
 * It runs on every console line (up to 2 Mbaud), so it is a single char-code scan: no regex, no
 * split, and the only allocations are the result and its key strings.
 */

export interface PlotterSample {
  format: 'arduino' | 'arduino-values' | 'teleplot';
  /** Series name → value. */
  series: Record<string, number>;
  /** Teleplot `>name:timestamp:value` timestamp (ms), when given. */
  timestampMs?: number;
  /** Teleplot `§unit`, when given. */
  unit?: string;
}

const COMMA = 44;
const SPACE = 32;
const TAB = 9;
const COLON = 58;
const CR = 13;
const LF = 10;
const GT = 62;
const PIPE = 124;
const SEMICOLON = 59;
const SECTION = 0xa7; // §
/** Teleplot flags that make a line something other than a numeric time series (text, xy). */
const NON_SERIES_FLAGS = /(?:^|,)(?:t|xy)(?:,|$)/;

function isSeparator(c: number): boolean {
  return c === COMMA || c === SPACE || c === TAB;
}

/** [\d.eE+-] */
function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45;
}

/**
 * Parses text already checked to be [\d.eE+-]+. Stricter than Arduino's parseFloat on purpose:
 * the whole field must be a number, so `ip:192.168.1.10` or `v:1.2.3` is not plotted as 192.168.
 */
function toNumber(text: string): number {
  const n = Number(text);
  return Number.isFinite(n) ? n : NaN;
}

/** Line end without a trailing CR/LF. */
function contentEnd(line: string): number {
  let end = line.length;
  while (end > 0) {
    const c = line.charCodeAt(end - 1);
    if (c === CR || c === LF) end--;
    else break;
  }
  return end;
}

export function decodePlotterLine(line: string): PlotterSample | null {
  const end = contentEnd(line);
  if (end === 0) return null;
  if (line.charCodeAt(0) === GT) return decodeTeleplot(line, end);
  // Arduino decides by a ':' after index 0; we do the same, then require every field to fit.
  for (let i = 1; i < end; i++) if (line.charCodeAt(i) === COLON) return decodeArduinoLabelled(line, end);
  return decodeArduinoValues(line, end);
}

function decodeArduinoLabelled(line: string, end: number): PlotterSample | null {
  const series: Record<string, number> = {};
  let i = 0;
  let fields = 0;
  while (i < end) {
    // label: one or more chars other than whitespace, comma and colon
    const labelStart = i;
    while (i < end) {
      const c = line.charCodeAt(i);
      if (c === COLON || c === COMMA || c === SPACE || c === TAB || c === CR) break;
      i++;
    }
    if (i === labelStart || i >= end || line.charCodeAt(i) !== COLON) return null;
    const label = line.slice(labelStart, i);
    i++; // ':'
    const valueStart = i;
    if (i < end && line.charCodeAt(i) === 45) i++; // optional '-'
    while (i < end && isNumberChar(line.charCodeAt(i))) i++;
    if (i === valueStart) return null;
    const value = toNumber(line.slice(valueStart, i));
    if (Number.isNaN(value)) return null;
    series[label] = value;
    fields++;
    // separators until the next field (or the end)
    if (i < end && !isSeparator(line.charCodeAt(i))) return null;
    while (i < end && isSeparator(line.charCodeAt(i))) i++;
  }
  return fields > 0 ? { format: 'arduino', series } : null;
}

function decodeArduinoValues(line: string, end: number): PlotterSample | null {
  const series: Record<string, number> = {};
  let i = 0;
  let index = 0;
  while (i < end && isSeparator(line.charCodeAt(i))) i++;
  while (i < end) {
    const start = i;
    while (i < end && isNumberChar(line.charCodeAt(i))) i++;
    if (i === start || (i < end && !isSeparator(line.charCodeAt(i)))) return null;
    const value = toNumber(line.slice(start, i));
    if (Number.isNaN(value)) return null;
    series[`value ${++index}`] = value;
    while (i < end && isSeparator(line.charCodeAt(i))) i++;
  }
  return index > 0 ? { format: 'arduino-values', series } : null;
}

function decodeTeleplot(line: string, end: number): PlotterSample | null {
  // name: [^:|,]+
  let i = 1;
  while (i < end) {
    const c = line.charCodeAt(i);
    if (c === COLON || c === PIPE || c === COMMA) break;
    i++;
  }
  if (i === 1 || i >= end) return null;
  const name = line.slice(1, i);
  if (line.charCodeAt(i) === PIPE) return null;
  if (line.charCodeAt(i) === COMMA) {
    // ,widget options up to the ':'
    while (i < end && line.charCodeAt(i) !== COLON) i++;
    if (i >= end) return null;
  }
  i++; // ':'

  // Flags after '|': text (t) and xy series are not time series of numbers.
  let dataEnd = end;
  for (let j = i; j < end; j++) {
    if (line.charCodeAt(j) === PIPE) {
      dataEnd = j;
      const flags = line.slice(j + 1, end);
      if (NON_SERIES_FLAGS.test(flags)) return null;
      break;
    }
  }
  let unit: string | undefined;
  for (let j = i; j < dataEnd; j++) {
    if (line.charCodeAt(j) === SECTION) {
      unit = line.slice(j + 1, dataEnd);
      dataEnd = j;
      break;
    }
  }

  // Points: [timestamp:]value, separated by ';'; the last one wins.
  let timestampMs: number | undefined;
  let value = NaN;
  while (i < dataEnd) {
    let pointEnd = i;
    while (pointEnd < dataEnd && line.charCodeAt(pointEnd) !== SEMICOLON) pointEnd++;
    let colon = -1;
    for (let j = i; j < pointEnd; j++) {
      if (line.charCodeAt(j) === COLON) {
        colon = j;
        break;
      }
    }
    let ts: number | undefined;
    let valueStart = i;
    if (colon >= 0) {
      if (colon === i) return null;
      for (let j = i; j < colon; j++) {
        const c = line.charCodeAt(j);
        if (c < 48 || c > 57) return null;
      }
      ts = Number(line.slice(i, colon));
      valueStart = colon + 1;
    }
    let j = valueStart;
    if (j < pointEnd && line.charCodeAt(j) === 45) j++;
    const digitsStart = j;
    while (j < pointEnd && isNumberChar(line.charCodeAt(j))) j++;
    if (j === digitsStart || j !== pointEnd) return null;
    value = toNumber(line.slice(valueStart, pointEnd));
    if (Number.isNaN(value)) return null;
    timestampMs = ts;
    i = pointEnd + 1;
  }
  if (Number.isNaN(value)) return null;
  const sample: PlotterSample = { format: 'teleplot', series: { [name]: value } };
  if (timestampMs !== undefined) sample.timestampMs = timestampMs;
  if (unit !== undefined && unit !== '') sample.unit = unit;
  return sample;
}
