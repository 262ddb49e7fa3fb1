/** The flag matrix's variants (every combination of the picked values) and how its results read. */
import type { BuildFlagsDto, Experiment, SizeHistoryRow } from '../../electron/contract';

export interface MatrixAxes {
  opt: BuildFlagsDto['opt'][];
  gc: BuildFlagsDto['gc'][];
  scheduler: BuildFlagsDto['scheduler'][];
  panic: BuildFlagsDto['panic'][];
  noDebug: boolean[];
}

/** Every combination, -opt varying slowest. An axis with nothing picked yields no variants. */
export function flagVariants(axes: MatrixAxes): BuildFlagsDto[] {
  const out: BuildFlagsDto[] = [];
  for (const opt of axes.opt)
    for (const gc of axes.gc)
      for (const scheduler of axes.scheduler)
        for (const panic of axes.panic) for (const noDebug of axes.noDebug) out.push({ opt, gc, scheduler, panic, ...(noDebug ? { noDebug: true } : {}) });
  return out;
}

export interface MatrixRow {
  build: SizeHistoryRow;
  /** The build's tinygo arguments as main recorded them. */
  flags: string;
  /** Share of the largest flash / RAM among the successful builds (bar lengths). */
  flashShare: number;
  ramShare: number;
  smallestFlash: boolean;
  /** Why it failed, as recorded (the tool's message), or null. */
  reason: string | null;
}

export function matrixResults(experiment: Experiment): { rows: MatrixRow[]; failed: number } {
  const ok = experiment.builds.filter((b) => b.ok && b.flash !== null);
  const maxFlash = Math.max(1, ...ok.map((b) => b.flash!));
  const maxRam = Math.max(1, ...ok.map((b) => b.ram ?? 0));
  const smallest = ok.length ? Math.min(...ok.map((b) => b.flash!)) : null;
  const rows = experiment.builds.map((build) => ({
    build,
    flags: build.flagArgs.join(' ') || 'target defaults',
    flashShare: build.flash !== null && build.ok ? build.flash / maxFlash : 0,
    ramShare: build.ram !== null && build.ok ? build.ram / maxRam : 0,
    smallestFlash: build.ok && build.flash === smallest,
    reason: build.ok ? null : (build.error?.replace(/^[A-Z_]+: /, '') ?? 'failed'),
  }));
  return { rows, failed: rows.filter((r) => !r.build.ok).length };
}
