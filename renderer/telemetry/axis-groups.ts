/**
 * Which series share an axis in the generic view: series with the same Teleplot unit share one;
 * the rest are grouped by magnitude, so a series in the hundreds of thousands never flattens one
 * in the tens. Sorted by largest |value|, a series joins the current group while it is within
 * MAX_RATIO of the group's smallest.
 */

const MAX_RATIO = 20;

export interface AxisGroup {
  /** Stable identity (rebuild charts only when it changes). */
  key: string;
  /** Axis label: the unit, or the range of magnitudes. */
  label: string;
  names: string[];
}

export function groupByAxis(names: string[], unitOf: (name: string) => string | undefined, absMaxOf: (name: string) => number): AxisGroup[] {
  const groups: AxisGroup[] = [];
  const byUnit = new Map<string, string[]>();
  const unitless: string[] = [];
  for (const name of names) {
    const unit = unitOf(name);
    if (unit) byUnit.set(unit, [...(byUnit.get(unit) ?? []), name]);
    else unitless.push(name);
  }
  for (const [unit, members] of byUnit) groups.push({ key: `unit:${unit}:${members.join('|')}`, label: unit, names: members });
  const sorted = unitless.map((name) => ({ name, max: Math.max(absMaxOf(name), 1e-12) })).sort((a, b) => a.max - b.max || a.name.localeCompare(b.name));
  let current: { names: string[]; smallest: number } | null = null;
  const flush = () => {
    if (!current) return;
    const decade = Math.floor(Math.log10(current.smallest));
    groups.push({ key: `scale:${current.names.join('|')}`, label: decade >= 3 ? `values ~10^${decade}` : 'values', names: current.names });
  };
  for (const { name, max } of sorted) {
    if (current && max <= current.smallest * MAX_RATIO) current.names.push(name);
    else {
      flush();
      current = { names: [name], smallest: max };
    }
  }
  flush();
  return groups;
}
