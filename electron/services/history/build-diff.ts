/**
 * Two builds compared package by package: every package of either build with its change, the
 * largest absolute change first ("fmt +9,412 B code"), packages that appear or disappear marked,
 * totals, and what else differs between the builds (TinyGo version, flags, commit, target).
 */
import type { BuildDiff, SizeHistoryRow, SizePackageRow } from '../../contract';

const FIELDS = ['code', 'rodata', 'data', 'bss', 'flash', 'ram'] as const;
type Sizes = Record<(typeof FIELDS)[number], number>;

const sizesOf = (p: SizePackageRow): Sizes => ({ code: p.code, rodata: p.rodata, data: p.data, bss: p.bss, flash: p.flash, ram: p.ram });
const zero: Sizes = { code: 0, rodata: 0, data: 0, bss: 0, flash: 0, ram: 0 };
const minus = (a: Sizes, b: Sizes): Sizes => Object.fromEntries(FIELDS.map((f) => [f, a[f] - b[f]])) as Sizes;
/** Bytes moved in any section: what "largest change" ranks by (flash+ram would count data twice). */
const magnitude = (d: Sizes) => Math.abs(d.code) + Math.abs(d.rodata) + Math.abs(d.data) + Math.abs(d.bss);

export function diffBuilds(from: SizeHistoryRow, fromPackages: SizePackageRow[], to: SizeHistoryRow, toPackages: SizePackageRow[]): BuildDiff {
  const before = new Map(fromPackages.map((p) => [p.name, p]));
  const after = new Map(toPackages.map((p) => [p.name, p]));
  const names = [...new Set([...before.keys(), ...after.keys()])];
  const packages = names.map((name) => {
    const a = before.get(name);
    const b = after.get(name);
    const delta = minus(b ? sizesOf(b) : zero, a ? sizesOf(a) : zero);
    const status = !a ? ('added' as const) : !b ? ('removed' as const) : magnitude(delta) === 0 ? ('same' as const) : ('changed' as const);
    return { name, kind: (b ?? a)!.kind, status, from: a ? sizesOf(a) : null, to: b ? sizesOf(b) : null, delta };
  });
  packages.sort((x, y) => magnitude(y.delta) - magnitude(x.delta) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));

  const totalsOf = (row: SizeHistoryRow) => Object.fromEntries(FIELDS.filter((f) => row[f] !== null).map((f) => [f, row[f] as number])) as Partial<Sizes>;
  const fromTotals = totalsOf(from);
  const toTotals = totalsOf(to);
  const delta = Object.fromEntries(FIELDS.filter((f) => fromTotals[f] !== undefined && toTotals[f] !== undefined).map((f) => [f, toTotals[f]! - fromTotals[f]!])) as Partial<Sizes>;

  const note =
    fromPackages.length === 0 || toPackages.length === 0
      ? `${fromPackages.length === 0 ? `Build #${from.id}` : `Build #${to.id}`} has no per-package sizes (${[from, to].some((r) => !r.ok) ? 'a failed build' : 'built with -size=short'}); only the totals compare.`
      : null;
  return { from, to, packages, totals: { from: fromTotals, to: toTotals, delta }, otherDifferences: otherDifferences(from, to), note };
}

/** What besides the code changed between two builds, one sentence each. */
export function otherDifferences(from: SizeHistoryRow, to: SizeHistoryRow): string[] {
  const lines: string[] = [];
  if (from.tinygoVersion !== to.tinygoVersion) lines.push(`TinyGo ${from.tinygoVersion ?? 'unknown'} → ${to.tinygoVersion ?? 'unknown'}: sizes change between TinyGo versions.`);
  const flagsFrom = from.flagArgs.join(' ');
  const flagsTo = to.flagArgs.join(' ');
  if (flagsFrom !== flagsTo) lines.push(`Flags ${flagsFrom || '(target defaults)'} → ${flagsTo || '(target defaults)'}.`);
  if (from.target !== to.target) lines.push(`Target ${from.target} → ${to.target}.`);
  if (from.program !== to.program || (from.programPath ?? '') !== (to.programPath ?? '')) lines.push(`Program ${from.program} → ${to.program}.`);
  const commit = (row: SizeHistoryRow) => (row.gitCommit ? `${row.gitCommit.slice(0, 10)}${row.gitDirty ? ' (with uncommitted changes)' : ''}` : 'not in git');
  if (from.gitCommit !== to.gitCommit || from.gitDirty !== to.gitDirty) lines.push(`Commit ${commit(from)} → ${commit(to)}.`);
  return lines;
}
