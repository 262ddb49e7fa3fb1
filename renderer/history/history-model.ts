/**
 * What the Size history tab draws and says, computed from contract rows: the stacked series of the
 * chart, the markers where something besides the code changed, headroom against the board's
 * capacity, and the words for sizes and deltas. Pure functions, no DOM.
 */
import type { BoardCapacity, HistorySeries, SizeHistoryRow } from '../../electron/contract';

/** "98,304 B". */
export function bytes(n: number): string {
  return `${n.toLocaleString('en-US')} B`;
}

/** "+9,412 B", "−1,024 B", "±0 B". */
export function signedBytes(n: number): string {
  if (n === 0) return '±0 B';
  return `${n > 0 ? '+' : '−'}${Math.abs(n).toLocaleString('en-US')} B`;
}

/** The overflow figure as the history shows it: "FLASH_TEXT overflowed by at least 3,399 B". */
export function overflowText(row: Pick<SizeHistoryRow, 'overflowRegion' | 'overflowBytes' | 'overflowLowerBound'>): string | null {
  if (row.overflowBytes === null) return null;
  return `${row.overflowRegion ?? 'a region'} overflowed by ${row.overflowLowerBound ? 'at least ' : ''}${bytes(row.overflowBytes)}`;
}

/** The build's options as the window shows them: tinygo arguments, or "target defaults". */
export function flagsText(args: readonly string[] | string): string {
  const text = typeof args === 'string' ? args : args.join(' ');
  return text || 'target defaults';
}

/** Whether build `i` of the series has a size table (a successful build). */
export function hasSizes(s: HistorySeries, i: number): boolean {
  return s.ok[i] && s.code[i] !== null;
}

export interface StackedSeries {
  /** Build sequence number (x). */
  x: Float64Array;
  /** Cumulative tops: code, code+rodata, +data, +bss (NaN for failed builds). */
  code: Float64Array;
  rodata: Float64Array;
  data: Float64Array;
  bss: Float64Array;
}

/**
 * Stacked bands over builds, one x per build (failed builds leave a gap). In short tables TinyGo
 * folds rodata into code, so rodata adds nothing there.
 */
export function stackedSeries(s: HistorySeries): StackedSeries {
  const n = s.ids.length;
  const out: StackedSeries = { x: new Float64Array(n), code: new Float64Array(n), rodata: new Float64Array(n), data: new Float64Array(n), bss: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    out.x[i] = i;
    if (!hasSizes(s, i)) {
      out.code[i] = out.rodata[i] = out.data[i] = out.bss[i] = NaN;
      continue;
    }
    const code = s.code[i]!;
    const rodata = code + (s.rodata[i] ?? 0);
    const data = rodata + (s.data[i] ?? 0);
    out.code[i] = code;
    out.rodata[i] = rodata;
    out.data[i] = data;
    out.bss[i] = data + (s.bss[i] ?? 0);
  }
  return out;
}

export interface ChangeMarker {
  /** Index of the first build after the change. */
  index: number;
  /** Its build id. */
  buildId: number;
  /** What changed, e.g. ["TinyGo 0.33.0 → 0.34.0", "flags -opt=z → -opt=s"]. */
  changes: string[];
  kinds: ('tinygo' | 'flags' | 'program')[];
}

/** Where the TinyGo version, the flags or the program changed from one build to the next. */
export function changeMarkers(s: HistorySeries): ChangeMarker[] {
  const markers: ChangeMarker[] = [];
  for (let i = 1; i < s.ids.length; i++) {
    const changes: string[] = [];
    const kinds: ChangeMarker['kinds'] = [];
    if (s.tinygo[i] !== s.tinygo[i - 1]) {
      changes.push(`TinyGo ${s.tinygoVersions[s.tinygo[i - 1]] ?? '?'} → ${s.tinygoVersions[s.tinygo[i]] ?? '?'}`);
      kinds.push('tinygo');
    }
    if (s.flags[i] !== s.flags[i - 1]) {
      changes.push(`flags ${flagsText(s.flagTexts[s.flags[i - 1]])} → ${flagsText(s.flagTexts[s.flags[i]])}`);
      kinds.push('flags');
    }
    if (s.program[i] !== s.program[i - 1]) {
      changes.push(`program ${s.programs[s.program[i - 1]].name} → ${s.programs[s.program[i]].name}`);
      kinds.push('program');
    }
    if (changes.length) markers.push({ index: i, buildId: s.ids[i], changes, kinds });
  }
  return markers;
}

/** Index of the newest build with sizes, then the one before it (-1 when there is none). */
export function latestWithSizes(s: HistorySeries): { latest: number; previous: number } {
  let latest = -1;
  let previous = -1;
  for (let i = s.ids.length - 1; i >= 0; i--) {
    if (!hasSizes(s, i)) continue;
    if (latest < 0) latest = i;
    else {
      previous = i;
      break;
    }
  }
  return { latest, previous };
}

export type HeadroomLevel = 'ok' | 'warn' | 'bad';

export interface Headroom {
  used: number;
  capacity: number;
  free: number;
  /** Used share of the capacity, 0–100+ (one decimal). */
  percent: number;
  level: HeadroomLevel;
  /** "Flash: 98,304 B of 815,104 B used (12.1 %), 716,800 B free". */
  text: string;
}

/** Colour thresholds: warn from 80 %, bad from 95 % (and over 100 %). */
export const HEADROOM_WARN_PERCENT = 80;
export const HEADROOM_BAD_PERCENT = 95;

export function headroom(label: string, used: number, capacity: number): Headroom {
  const percent = Math.round((used / capacity) * 1000) / 10;
  const level: HeadroomLevel = percent >= HEADROOM_BAD_PERCENT ? 'bad' : percent >= HEADROOM_WARN_PERCENT ? 'warn' : 'ok';
  const free = capacity - used;
  const tail = free >= 0 ? `${bytes(free)} free` : `${bytes(-free)} over`;
  return { used, capacity, free, percent, level, text: `${label}: ${bytes(used)} of ${bytes(capacity)} used (${percent.toFixed(1)} %), ${tail}` };
}

/** Headroom of the latest successful build, when the board's capacity is known. */
export function latestHeadroom(s: HistorySeries, capacity: BoardCapacity | null): { flash: Headroom; ram: Headroom } | null {
  const { latest } = latestWithSizes(s);
  if (latest < 0 || !capacity || s.flash[latest] === null || s.ram[latest] === null) return null;
  return { flash: headroom('Flash', s.flash[latest]!, capacity.flash.bytes), ram: headroom('Static RAM', s.ram[latest]!, capacity.ram.bytes) };
}
