/**
 * Every build per board with its size table, successful or not: the history the Size history tab
 * plots, the table pages through and the diff compares. A build and its per-package rows are
 * written in one transaction, so a crash leaves either the whole build or none of it.
 *
 * API for other adapters (the `flashdeck` command line reads the same store):
 * - record(entry) → id                       one build, with its packages
 * - series(boardId, limit)                   the chart's columns, oldest first
 * - list(boardId, limit)                     the same builds as whole rows
 * - page(filter, offset, limit)              the table, newest first, with its total
 * - get(id), packages(id)                    one build and its package rows
 * - latestSized(boardId)                     the newest build with sizes (the bench overview's headroom)
 * - findByArtifact(sha256)                   the build that produced an artifact (a flash records the same hash)
 * - exportRows(boardId)                      every build with its packages, oldest first
 * - noteFreeHeap(id, bytes)                  keeps the lowest free heap seen while the build ran
 */
import type { BuildFlagsDto, HistorySeries, SizeHistoryRow, SizePackageRow } from '../../contract';
import type { SizeReport } from '../toolchain/size-report';
import { buildFlagArgs } from '../toolchain/build-runner';
import { budgetBreaches } from '../history/budget-check';
import { BudgetStore } from './budgets';
import type { Db } from './database';
import { lastVerifiedFlash } from './flash-log';

export interface SizeHistoryEntry {
  boardId: string;
  target: string;
  program: string;
  /** Folder or file built (null for bundled programs that have no meaningful path). */
  programPath?: string | null;
  gitCommit?: string | null;
  gitDirty?: boolean | null;
  startedAt: number;
  durationMs: number;
  ok: boolean;
  tinygoVersion: string | null;
  flags: BuildFlagsDto;
  sizes: Pick<SizeReport, 'format' | 'code' | 'rodata' | 'data' | 'bss' | 'flash' | 'ram' | 'packages'> | null;
  artifactBytes?: number | null;
  artifactSha256?: string | null;
  overflowRegion: string | null;
  overflowBytes: number | null;
  /** The linker stopped at its error limit: overflowBytes is a lower bound. */
  overflowLowerBound?: boolean;
  error: string | null;
  experimentId?: number | null;
}

export interface HistoryFilter {
  boardId: string;
  program?: string;
  target?: string;
  /** Text the build's tinygo arguments must contain, e.g. "-gc=leaking". */
  flags?: string;
  /** true: failed only; false: successful only. */
  failed?: boolean;
  experimentId?: number;
}

/** A build with its packages, as exported. */
export type ExportedBuild = SizeHistoryRow & { packages: SizePackageRow[] };

const ROW_COLUMNS = `id, board_id AS boardId, started_at AS startedAt, program, program_path AS programPath, git_commit AS gitCommit, git_dirty AS gitDirty,
  target, ok, tinygo_version AS tinygoVersion, flags, size_format AS sizeFormat, code, rodata, data, bss, flash, ram,
  artifact_bytes AS artifactBytes, artifact_sha256 AS artifactSha256, overflow_region AS overflowRegion, overflow_bytes AS overflowBytes,
  overflow_lower_bound AS overflowLowerBound, error, experiment_id AS experimentId, min_free_heap AS minFreeHeap`;

type RawRow = Omit<SizeHistoryRow, 'ok' | 'gitDirty' | 'overflowLowerBound' | 'flagArgs' | 'overBudget'> & {
  boardId: string;
  ok: number;
  gitDirty: number | null;
  overflowLowerBound: number;
};

export class SizeHistory {
  private readonly budgets: BudgetStore;

  constructor(private readonly db: Db) {
    this.budgets = new BudgetStore(db);
  }

  record(entry: SizeHistoryEntry): number {
    const insertBuild = this.db.prepare(
      `INSERT INTO builds (board_id, target, program, program_path, git_commit, git_dirty, started_at, duration_ms, ok, tinygo_version, flags,
                           size_format, code, rodata, data, bss, flash, ram, artifact_bytes, artifact_sha256,
                           overflow_region, overflow_bytes, overflow_lower_bound, error, experiment_id)
       VALUES (@boardId, @target, @program, @programPath, @gitCommit, @gitDirty, @startedAt, @durationMs, @ok, @tinygoVersion, @flags,
               @sizeFormat, @code, @rodata, @data, @bss, @flash, @ram, @artifactBytes, @artifactSha256,
               @overflowRegion, @overflowBytes, @overflowLowerBound, @error, @experimentId)`,
    );
    const insertPackage = this.db.prepare(
      `INSERT INTO build_packages (build_id, package, kind, code, rodata, data, bss, flash, ram)
       VALUES (@buildId, @name, @kind, @code, @rodata, @data, @bss, @flash, @ram)
       ON CONFLICT (build_id, package) DO UPDATE SET code = code + excluded.code, rodata = rodata + excluded.rodata, data = data + excluded.data,
         bss = bss + excluded.bss, flash = flash + excluded.flash, ram = ram + excluded.ram`,
    );
    const { sizes } = entry;
    return this.db.transaction(() => {
      const result = insertBuild.run({
        boardId: entry.boardId,
        target: entry.target,
        program: entry.program,
        programPath: entry.programPath ?? null,
        gitCommit: entry.gitCommit ?? null,
        gitDirty: entry.gitDirty === undefined || entry.gitDirty === null ? null : entry.gitDirty ? 1 : 0,
        startedAt: entry.startedAt,
        durationMs: entry.durationMs,
        ok: entry.ok ? 1 : 0,
        tinygoVersion: entry.tinygoVersion,
        flags: JSON.stringify(entry.flags),
        sizeFormat: sizes?.format ?? null,
        code: sizes?.code ?? null,
        rodata: sizes?.rodata ?? null,
        data: sizes?.data ?? null,
        bss: sizes?.bss ?? null,
        flash: sizes?.flash ?? null,
        ram: sizes?.ram ?? null,
        artifactBytes: entry.artifactBytes ?? null,
        artifactSha256: entry.artifactSha256 ?? null,
        overflowRegion: entry.overflowRegion,
        overflowBytes: entry.overflowBytes,
        overflowLowerBound: entry.overflowLowerBound ? 1 : 0,
        error: entry.error,
        experimentId: entry.experimentId ?? null,
      });
      const buildId = Number(result.lastInsertRowid);
      for (const p of sizes?.packages ?? [])
        insertPackage.run({ buildId, name: p.name, kind: p.kind, code: p.code, rodata: p.rodata, data: p.data, bss: p.bss, flash: p.flash, ram: p.ram });
      return buildId;
    })();
  }

  /** Oldest first, the board's last `limit` builds (the chart). */
  list(boardId: string, limit = 500): SizeHistoryRow[] {
    const rows = this.db
      .prepare(`SELECT * FROM (SELECT ${ROW_COLUMNS} FROM builds WHERE board_id = ? ORDER BY started_at DESC, id DESC LIMIT ?) ORDER BY startedAt ASC, id ASC`)
      .all(boardId, limit) as RawRow[];
    return this.toRows(rows);
  }

  /**
   * The chart's columns for the board's last `limit` builds, oldest first. Read as raw arrays
   * (no row objects) so 10,000 builds load in a few milliseconds.
   */
  series(boardId: string, limit = 10_000): HistorySeries {
    const rows = this.db
      .prepare(
        `SELECT id, started_at, ok, code, rodata, data, bss, flash, ram, program, program_path, tinygo_version, flags
         FROM builds WHERE board_id = ? ORDER BY started_at DESC, id DESC LIMIT ?`,
      )
      .raw(true)
      .all(boardId, limit) as [number, number, number, ...(number | null)[]][];
    const n = rows.length;
    const s: HistorySeries = {
      ids: new Array(n),
      startedAt: new Array(n),
      ok: new Array(n),
      code: new Array(n),
      rodata: new Array(n),
      data: new Array(n),
      bss: new Array(n),
      flash: new Array(n),
      ram: new Array(n),
      program: new Array(n),
      programs: [],
      tinygo: new Array(n),
      tinygoVersions: [],
      flags: new Array(n),
      flagTexts: [],
    };
    const programIndex = new Map<string, number>();
    const versionIndex = new Map<string | null, number>();
    const flagsIndex = new Map<string, number>();
    const indexOf = <K>(map: Map<K, number>, key: K, add: () => void) => {
      let i = map.get(key);
      if (i === undefined) {
        i = map.size;
        map.set(key, i);
        add();
      }
      return i;
    };
    for (let r = 0; r < n; r++) {
      const [id, startedAt, ok, code, rodata, data, bss, flash, ram, program, path, version, flags] = rows[n - 1 - r] as unknown as [
        number,
        number,
        number,
        number | null,
        number | null,
        number | null,
        number | null,
        number | null,
        number | null,
        string,
        string | null,
        string | null,
        string,
      ];
      s.ids[r] = id;
      s.startedAt[r] = startedAt;
      s.ok[r] = ok === 1;
      s.code[r] = code;
      s.rodata[r] = rodata;
      s.data[r] = data;
      s.bss[r] = bss;
      s.flash[r] = flash;
      s.ram[r] = ram;
      s.program[r] = indexOf(programIndex, `${program}\0${path ?? ''}`, () => s.programs.push({ name: program, path }));
      s.tinygo[r] = indexOf(versionIndex, version, () => s.tinygoVersions.push(version));
      s.flags[r] = indexOf(flagsIndex, flags, () => s.flagTexts.push(flagArgsOf(flags).join(' ')));
    }
    return s;
  }

  /** Newest first, one page of the builds the filter lets through, with how many there are in all. */
  page(filter: HistoryFilter, offset = 0, limit = 50): { rows: SizeHistoryRow[]; total: number } {
    const { where, params } = whereClause(filter);
    const total = (this.db.prepare(`SELECT count(*) AS n FROM builds WHERE ${where}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT ${ROW_COLUMNS} FROM builds WHERE ${where} ORDER BY started_at DESC, id DESC LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit, offset }) as RawRow[];
    return { rows: this.toRows(rows), total };
  }

  /** Programs and targets the board has builds of (the table's filter choices). */
  facets(boardId: string): { programs: string[]; targets: string[] } {
    const distinct = (column: 'program' | 'target') =>
      (this.db.prepare(`SELECT DISTINCT ${column} AS v FROM builds WHERE board_id = ? ORDER BY v`).all(boardId) as { v: string }[]).map((r) => r.v);
    return { programs: distinct('program'), targets: distinct('target') };
  }

  get(id: number): SizeHistoryRow | undefined {
    const row = this.db.prepare(`SELECT ${ROW_COLUMNS} FROM builds WHERE id = ?`).get(id) as RawRow | undefined;
    return row ? this.toRows([row])[0] : undefined;
  }

  /** The board's newest build that has sizes (a successful one): what its flash and RAM headroom are judged by. */
  latestSized(boardId: string): SizeHistoryRow | undefined {
    const row = this.db
      .prepare(`SELECT ${ROW_COLUMNS} FROM builds WHERE board_id = ? AND ok = 1 AND flash IS NOT NULL AND ram IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT 1`)
      .get(boardId) as RawRow | undefined;
    return row ? this.toRows([row])[0] : undefined;
  }

  /** The build's package rows in TinyGo's order (byte order of the names). */
  packages(buildId: number): SizePackageRow[] {
    return this.db
      .prepare(`SELECT package AS name, kind, code, rodata, data, bss, flash, ram FROM build_packages WHERE build_id = ? ORDER BY package`)
      .all(buildId) as SizePackageRow[];
  }

  /** The newest build whose artifact has this SHA-256 (what a verified flash wrote), if any. */
  findByArtifact(sha256: string): SizeHistoryRow | undefined {
    const row = this.db.prepare(`SELECT ${ROW_COLUMNS} FROM builds WHERE artifact_sha256 = ? ORDER BY started_at DESC, id DESC LIMIT 1`).get(sha256.toLowerCase()) as
      RawRow | undefined;
    return row ? this.toRows([row])[0] : undefined;
  }

  /** The build whose artifact the board's last verified flash wrote, if Flashdeck built it. */
  running(boardId: string): SizeHistoryRow | undefined {
    const flash = lastVerifiedFlash(this.db, boardId);
    return flash?.artifactSha256 ? this.findByArtifact(flash.artifactSha256) : undefined;
  }

  /** Every build of the board with its packages, oldest first (export). */
  exportRows(boardId: string): ExportedBuild[] {
    const rows = this.toRows(this.db.prepare(`SELECT ${ROW_COLUMNS} FROM builds WHERE board_id = ? ORDER BY started_at, id`).all(boardId) as RawRow[]);
    const byBuild = new Map<number, SizePackageRow[]>();
    const packages = this.db
      .prepare(
        `SELECT p.build_id AS buildId, p.package AS name, p.kind, p.code, p.rodata, p.data, p.bss, p.flash, p.ram
         FROM build_packages p JOIN builds b ON b.id = p.build_id WHERE b.board_id = ? ORDER BY p.build_id, p.package`,
      )
      .all(boardId) as (SizePackageRow & { buildId: number })[];
    for (const { buildId, ...p } of packages) {
      const list = byBuild.get(buildId) ?? [];
      list.push(p);
      byBuild.set(buildId, list);
    }
    return rows.map((row) => ({ ...row, packages: byBuild.get(row.id) ?? [] }));
  }

  /** Keeps the lowest free heap reported while this build ran (heap budgets are judged on it). */
  noteFreeHeap(buildId: number, freeBytes: number): void {
    this.db.prepare(`UPDATE builds SET min_free_heap = min(coalesce(min_free_heap, @free), @free) WHERE id = @id`).run({ id: buildId, free: Math.round(freeBytes) });
  }

  private toRows(rows: RawRow[]): SizeHistoryRow[] {
    // Budgets per board and program, and arguments per flags text: a few distinct values over thousands of rows.
    const budgetsOf = new Map<string, ReturnType<BudgetStore['get']>>();
    const argsOf = new Map<string, string[]>();
    return rows.map(({ boardId, ...row }) => {
      const key = `${boardId}\0${row.program}`;
      if (!budgetsOf.has(key)) budgetsOf.set(key, this.budgets.get(boardId, row.program));
      if (!argsOf.has(row.flags)) argsOf.set(row.flags, flagArgsOf(row.flags));
      const base = {
        ...row,
        ok: row.ok === 1,
        gitDirty: row.gitDirty === null ? null : row.gitDirty === 1,
        overflowLowerBound: row.overflowLowerBound === 1,
        flagArgs: [...argsOf.get(row.flags)!],
      };
      return { ...base, overBudget: budgetBreaches(budgetsOf.get(key)!, base) };
    });
  }
}

/** A stored flags JSON as tinygo arguments; a row written by a build older than the current options shows as recorded. */
function flagArgsOf(flags: string): string[] {
  try {
    return buildFlagArgs(JSON.parse(flags) as BuildFlagsDto);
  } catch {
    return flags && flags !== '{}' ? [flags] : [];
  }
}

function whereClause(filter: HistoryFilter): { where: string; params: Record<string, unknown> } {
  const parts = ['board_id = @boardId'];
  const params: Record<string, unknown> = { boardId: filter.boardId };
  if (filter.program) {
    parts.push('program = @program');
    params.program = filter.program;
  }
  if (filter.target) {
    parts.push('target = @target');
    params.target = filter.target;
  }
  if (filter.failed !== undefined) parts.push(filter.failed ? 'ok = 0' : 'ok = 1');
  if (filter.experimentId !== undefined) {
    parts.push('experiment_id = @experimentId');
    params.experimentId = filter.experimentId;
  }
  if (filter.flags) {
    // Flags are stored as the options' JSON; the user types tinygo arguments ("-gc=leaking"), matched as written.
    const { key, value } = flagFilterTerm(filter.flags);
    if (key) {
      parts.push(`json_extract(flags, '$.' || @flagKey) = @flagValue`);
      params.flagKey = key;
      params.flagValue = value;
    } else {
      parts.push(`instr(flags, @flagText) > 0`);
      params.flagText = filter.flags;
    }
  }
  return { where: parts.join(' AND '), params };
}

/** "-gc=leaking" → the options key and value it means; other text is matched literally. */
const FLAG_KEYS: Record<string, string> = { opt: 'opt', gc: 'gc', scheduler: 'scheduler', panic: 'panic', serial: 'serial', 'stack-size': 'stackSize', 'no-debug': 'noDebug' };
function flagFilterTerm(text: string): { key?: string; value?: string | number } {
  const m = /^\s*-{1,2}([a-z-]+)(?:=(\S+))?\s*$/.exec(text);
  const key = m ? FLAG_KEYS[m[1]] : undefined;
  if (!m || !key) return {};
  if (key === 'noDebug') return { key, value: 1 };
  return m[2] === undefined ? {} : { key, value: m[2] };
}
