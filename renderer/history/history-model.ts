/**
 * What the Size history tab draws and says, computed from contract rows: the stacked series of the
 * chart, the markers where something besides the code changed, headroom against the board's
 * capacity, and the words for sizes and deltas. Pure functions, no DOM.
 */
import type { BoardCapacity, SizeHistoryRow } from '../../electron/contract';

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

/** The build's options as the window shows them. */
export function flagsText(row: Pick<SizeHistoryRow, 'flagArgs'>): string {
  return row.flagArgs.length ? row.flagArgs.join(' ') : 'target defaults';
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
export function stackedSeries(rows: readonly SizeHistoryRow[]): StackedSeries {
  const n = rows.length;
  const s: StackedSeries = { x: new Float64Array(n), code: new Float64Array(n), rodata: new Float64Array(n), data: new Float64Array(n), bss: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    s.x[i] = i;
    if (!r.ok || r.code === null) {
      s.code[i] = s.rodata[i] = s.data[i] = s.bss[i] = NaN;
      continue;
    }
    const code = r.code;
    const rodata = code + (r.rodata ?? 0);
    const data = rodata + (r.data ?? 0);
    s.code[i] = code;
    s.rodata[i] = rodata;
    s.data[i] = data;
    s.bss[i] = data + (r.bss ?? 0);
  }
  return s;
}

export interface ChangeMarker {
  /** Index of the first build after the change. */
  index: number;
  /** What changed, e.g. ["TinyGo 0.33.0 → 0.34.0", "flags -opt=z → -opt=s"]. */
  changes: string[];
  kinds: ('tinygo' | 'flags' | 'program')[];
}

/** Where the TinyGo version, the flags or the program changed from one build to the next. */
export function changeMarkers(rows: readonly SizeHistoryRow[]): ChangeMarker[] {
  const markers: ChangeMarker[] = [];
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1];
    const b = rows[i];
    const changes: string[] = [];
    const kinds: ChangeMarker['kinds'] = [];
    if (a.tinygoVersion !== b.tinygoVersion) {
      changes.push(`TinyGo ${a.tinygoVersion ?? '?'} → ${b.tinygoVersion ?? '?'}`);
      kinds.push('tinygo');
    }
    const fa = flagsText(a);
    const fb = flagsText(b);
    if (fa !== fb) {
      changes.push(`flags ${fa} → ${fb}`);
      kinds.push('flags');
    }
    if (a.program !== b.program || (a.programPath ?? '') !== (b.programPath ?? '')) {
      changes.push(`program ${a.program} → ${b.program}`);
      kinds.push('program');
    }
    if (changes.length) markers.push({ index: i, changes, kinds });
  }
  return markers;
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
export function latestHeadroom(rows: readonly SizeHistoryRow[], capacity: BoardCapacity | null): { flash: Headroom; ram: Headroom } | null {
  const latest = [...rows].reverse().find((r) => r.ok && r.flash !== null && r.ram !== null);
  if (!latest || !capacity) return null;
  return { flash: headroom('Flash', latest.flash!, capacity.flash.bytes), ram: headroom('Static RAM', latest.ram!, capacity.ram.bytes) };
}
