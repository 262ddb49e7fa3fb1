/**
 * The `-size=short` / `-size=full` tables TinyGo prints on stdout after linking (reference 2).
 * Numbers are split on whitespace, never on columns (a 7-digit value has no leading space);
 * package names are everything after the second `| ` and may contain spaces or be Windows paths.
 */

export type SizePackageKind = 'go' | 'c' | 'padding' | 'unknown' | 'path';

export interface SizePackage {
  /** As printed: "machine", "C picolibc", "(padding)", "/home/u/go/src/crypto", "C:\\Users\\…". */
  name: string;
  kind: SizePackageKind;
  code: number;
  rodata: number;
  data: number;
  bss: number;
  flash: number;
  ram: number;
}

export interface SizeReport {
  format: 'short' | 'full';
  /** In short mode this is code+rodata (TinyGo folds them), and `rodata` is null. */
  code: number;
  rodata: number | null;
  data: number;
  bss: number;
  /** code + rodata + data: what occupies flash. */
  flash: number;
  /** data + bss: static RAM only (incl. the main C stack); the heap is what RAM remains. */
  ram: number;
  /** Rows of the full table in printed order, without the total row; empty for short. */
  packages: SizePackage[];
  /** `warning: data incomplete…` was printed (built with -no-debug). */
  incomplete: boolean;
}

const SHORT_HEADER = /^\s*code\s+data\s+bss\s+\|\s+flash\s+ram\s*$/;
const FULL_HEADER = /^\s*code\s+rodata\s+data\s+bss\s+\|\s+flash\s+ram\s+\|\s+package\s*$/;
const SHORT_ROW = /^[+-]?\s*(\d+)\s+(\d+)\s+(\d+)\s+\|\s+(\d+)\s+(\d+)\s*$/;
const FULL_ROW = /^[+-]?\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\|\s+(\d+)\s+(\d+)\s+\|\s(.+)$/;
const SEPARATOR = /^[+-]?\s*-+\s+\|\s+-+\s+\|\s+-+\s*$/;
const INCOMPLETE = /^warning: data incomplete, remove the -no-debug flag for more detail/;

/** Classifies a package name of the full table (reference 2.5). */
export function sizePackageKind(name: string): SizePackageKind {
  if (name === '(padding)' || name === '(alignment)') return 'padding';
  if (name === '(unknown)') return 'unknown';
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name) || name.startsWith('\\\\')) return 'path';
  if (name.startsWith('C ')) return 'c';
  return 'go';
}

/**
 * Finds and parses the last size table in `output` (any mix of other lines around it, CRLF or
 * LF). Returns null when no table is present (e.g. the link failed). Indentation is ignored, and
 * a leading `+`/`-` diff marker is tolerated so tables pasted from PR diffs (reference 2.7) parse.
 */
export function parseSizeReport(output: string): SizeReport | null {
  const lines = output.split(/\r?\n/);
  let report: SizeReport | null = null;
  let incomplete = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (INCOMPLETE.test(line)) {
      incomplete = true;
      continue;
    }
    if (SHORT_HEADER.test(line)) {
      const m = SHORT_ROW.exec(lines[i + 1] ?? '');
      if (!m) continue;
      const [code, data, bss, flash, ram] = m.slice(1, 6).map(Number);
      report = { format: 'short', code, rodata: null, data, bss, flash, ram, packages: [], incomplete };
      incomplete = false;
      i++;
      continue;
    }
    if (FULL_HEADER.test(line)) {
      const parsed = parseFullTable(lines, i + 1, incomplete);
      incomplete = false;
      if (parsed) {
        report = parsed.report;
        i = parsed.next - 1;
      }
    }
  }
  return report;
}

function parseFullTable(lines: string[], start: number, incomplete: boolean): { report: SizeReport; next: number } | null {
  let i = start;
  if (SEPARATOR.test(lines[i] ?? '')) i++;
  const packages: SizePackage[] = [];
  let total: SizePackage | null = null;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (SEPARATOR.test(line)) continue;
    const m = FULL_ROW.exec(line);
    if (!m) break;
    const name = m[7].trimEnd();
    const row: SizePackage = {
      name,
      kind: sizePackageKind(name),
      code: Number(m[1]),
      rodata: Number(m[2]),
      data: Number(m[3]),
      bss: Number(m[4]),
      flash: Number(m[5]),
      ram: Number(m[6]),
    };
    if (name === 'total') {
      total = row;
      i++;
      break;
    }
    packages.push(row);
  }
  if (packages.length === 0 && !total) return null;
  // A truncated table (no total row, as in published excerpts) still yields the package sum.
  const sum =
    total ??
    packages.reduce<SizePackage>(
      (acc, p) => ({
        ...acc,
        code: acc.code + p.code,
        rodata: acc.rodata + p.rodata,
        data: acc.data + p.data,
        bss: acc.bss + p.bss,
        flash: acc.flash + p.flash,
        ram: acc.ram + p.ram,
      }),
      { name: 'total', kind: 'go', code: 0, rodata: 0, data: 0, bss: 0, flash: 0, ram: 0 },
    );
  return {
    report: {
      format: 'full',
      code: sum.code,
      rodata: sum.rodata,
      data: sum.data,
      bss: sum.bss,
      flash: sum.flash,
      ram: sum.ram,
      packages,
      incomplete,
    },
    next: i,
  };
}

/** Formats a report back into TinyGo's layout (`%7d` columns); used by the stand-in and tests. */
export function formatSizeReport(report: Omit<SizeReport, 'format' | 'incomplete'>, format: 'short' | 'full'): string {
  const n = (v: number) => String(v).padStart(7);
  if (format === 'short') {
    const code = report.code + (report.rodata ?? 0);
    return `   code    data     bss |   flash     ram\n${n(code)} ${n(report.data)} ${n(report.bss)} | ${n(report.flash)} ${n(report.ram)}\n`;
  }
  const sep = '------------------------------- | --------------- | -------';
  const row = (p: Omit<SizePackage, 'kind'>) => `${n(p.code)} ${n(p.rodata)} ${n(p.data)} ${n(p.bss)} | ${n(p.flash)} ${n(p.ram)} | ${p.name}`;
  return [
    '   code  rodata    data     bss |   flash     ram | package',
    sep,
    ...report.packages.map(row),
    sep,
    row({ name: 'total', code: report.code, rodata: report.rodata ?? 0, data: report.data, bss: report.bss, flash: report.flash, ram: report.ram }),
    '',
  ].join('\n');
}
