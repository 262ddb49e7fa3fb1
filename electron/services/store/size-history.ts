/**
 * Every build per board with its size table, successful or not (a link overflow records its
 * region and bytes): the history the Size history tab plots. One row per build, written in one
 * transaction, so a crash leaves either the whole row or none.
 */
import type { SizeHistoryRow } from '../../contract';
import type { Db } from './database';

export interface SizeHistoryEntry {
  boardId: string;
  target: string;
  program: string;
  startedAt: number;
  durationMs: number;
  ok: boolean;
  tinygoVersion: string | null;
  flags: string;
  sizes: { code: number; rodata: number | null; data: number; bss: number; flash: number; ram: number; packages: unknown[] } | null;
  overflowRegion: string | null;
  overflowBytes: number | null;
  error: string | null;
  /** SHA-256 of the artifact a successful build produced. */
  artifactSha256?: string | null;
}

export class SizeHistory {
  constructor(private readonly db: Db) {}

  record(entry: SizeHistoryEntry): number {
    const result = this.db
      .prepare(
        `INSERT INTO builds (board_id, target, program, started_at, duration_ms, ok, tinygo_version, flags,
                             code, rodata, data, bss, flash, ram, overflow_region, overflow_bytes, packages, error, artifact_sha256)
         VALUES (@boardId, @target, @program, @startedAt, @durationMs, @ok, @tinygoVersion, @flags,
                 @code, @rodata, @data, @bss, @flash, @ram, @overflowRegion, @overflowBytes, @packages, @error, @artifactSha256)`,
      )
      .run({
        boardId: entry.boardId,
        target: entry.target,
        program: entry.program,
        startedAt: entry.startedAt,
        durationMs: entry.durationMs,
        ok: entry.ok ? 1 : 0,
        tinygoVersion: entry.tinygoVersion,
        flags: entry.flags,
        code: entry.sizes?.code ?? null,
        rodata: entry.sizes?.rodata ?? null,
        data: entry.sizes?.data ?? null,
        bss: entry.sizes?.bss ?? null,
        flash: entry.sizes?.flash ?? null,
        ram: entry.sizes?.ram ?? null,
        overflowRegion: entry.overflowRegion,
        overflowBytes: entry.overflowBytes,
        packages: entry.sizes ? JSON.stringify(entry.sizes.packages) : null,
        error: entry.error,
        artifactSha256: entry.artifactSha256 ?? null,
      });
    return Number(result.lastInsertRowid);
  }

  /** Oldest first, the last `limit` builds. */
  list(boardId: string, limit = 500): SizeHistoryRow[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM (
           SELECT id, started_at AS startedAt, program, target, ok, tinygo_version AS tinygoVersion, flags,
                  code, rodata, data, bss, flash, ram, overflow_region AS overflowRegion, overflow_bytes AS overflowBytes, error
           FROM builds WHERE board_id = ? ORDER BY started_at DESC, id DESC LIMIT ?
         ) ORDER BY startedAt ASC, id ASC`,
      )
      .all(boardId, limit) as (Omit<SizeHistoryRow, 'ok'> & { ok: number })[];
    return rows.map((row) => ({ ...row, ok: row.ok === 1 }));
  }
}
