/**
 * Recorded telemetry sessions: one row per session and its samples in deflated chunks (about a
 * second each), every chunk written with the session's figures in one transaction, so a crash
 * keeps everything up to the last chunk written and never half a chunk.
 */
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import type { TelemetryBatchData, TelemetrySessionInfo } from '../../contract';
import type { Db } from './database';

export interface SessionHeapFigures {
  heapCapacity: number | null;
  peakHeapInuse: number | null;
  minFreeHeap: number | null;
}

/** The build that produced the firmware a board runs, found through its last verified flash. */
export interface RunningBuild {
  id: number;
  program: string;
  startedAt: number;
  /** Static RAM (data + bss) from its size table. */
  ram: number | null;
  artifactSha256: string;
}

/**
 * The board's last verified flash → its artifact hash → the newest successful build with that
 * hash (this board's first). Kept in one function: the size-history work brings the same lookup.
 */
export function buildOfLastVerifiedFlash(db: Db, boardId: string): RunningBuild | null {
  const row = db
    .prepare(
      `SELECT b.id, b.program, b.started_at AS startedAt, b.ram, f.artifact_sha256 AS artifactSha256
       FROM (SELECT artifact_sha256 FROM flashes
             WHERE board_id = ? AND ok = 1 AND finished = 1 AND verified_by IS NOT NULL AND artifact_sha256 IS NOT NULL
             ORDER BY started_at DESC, id DESC LIMIT 1) f
       JOIN builds b ON b.artifact_sha256 = f.artifact_sha256 AND b.ok = 1
       ORDER BY (b.board_id = ?) DESC, b.started_at DESC, b.id DESC LIMIT 1`,
    )
    .get(boardId, boardId) as RunningBuild | undefined;
  return row ?? null;
}

export class TelemetrySessionStore {
  constructor(private readonly db: Db) {}

  begin(boardId: string, startedAt: number): number {
    const build = buildOfLastVerifiedFlash(this.db, boardId);
    const result = this.db
      .prepare(`INSERT INTO telemetry_sessions (board_id, started_at, ended_at, build_id, artifact_sha256) VALUES (?, ?, ?, ?, ?)`)
      .run(boardId, startedAt, startedAt, build?.id ?? null, build?.artifactSha256 ?? null);
    return Number(result.lastInsertRowid);
  }

  /** One chunk of samples and the session's figures so far, atomically. */
  appendChunk(sessionId: number, seq: number, batch: TelemetryBatchData, figures: SessionHeapFigures): void {
    if (batch.t.length === 0) return;
    const data = deflateSync(strToU8(JSON.stringify(batch)), { level: 6 });
    const first = batch.t[0];
    const last = batch.t[batch.t.length - 1];
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO telemetry_chunks (session_id, seq, first_t, last_t, samples, data) VALUES (?, ?, ?, ?, ?, ?)`)
        .run(sessionId, seq, first, last, batch.t.length, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      this.db
        .prepare(
          `UPDATE telemetry_sessions SET ended_at = MAX(ended_at, @last), samples = samples + @count,
                  heap_capacity = @heapCapacity, peak_heap_inuse = @peakHeapInuse, min_free_heap = @minFreeHeap WHERE id = @id`,
        )
        .run({ id: sessionId, last, count: batch.t.length, ...figures });
    })();
  }

  close(sessionId: number): void {
    this.db.prepare(`UPDATE telemetry_sessions SET closed = 1 WHERE id = ?`).run(sessionId);
  }

  /** Newest first, with the build that was running (program, when, its static RAM). */
  list(boardId: string, limit = 100): TelemetrySessionInfo[] {
    const rows = this.db
      .prepare(
        `SELECT s.id, s.board_id AS boardId, s.started_at AS startedAt, s.ended_at AS endedAt, s.closed, s.samples,
                s.heap_capacity AS heapCapacity, s.peak_heap_inuse AS peakHeapInuse, s.min_free_heap AS minFreeHeap,
                b.id AS buildId, b.program AS buildProgram, b.started_at AS buildStartedAt, b.ram AS buildRam
         FROM telemetry_sessions s LEFT JOIN builds b ON b.id = s.build_id
         WHERE s.board_id = ? AND s.samples > 0 ORDER BY s.started_at DESC, s.id DESC LIMIT ?`,
      )
      .all(boardId, limit) as SessionRow[];
    return rows.map(toInfo);
  }

  /** The session's minimum free heap (bytes), what the size-history budgets check; null when unknown. */
  minFreeHeap(sessionId: number): number | null {
    const row = this.db.prepare(`SELECT min_free_heap AS minFreeHeap FROM telemetry_sessions WHERE id = ?`).get(sessionId) as { minFreeHeap: number | null } | undefined;
    return row?.minFreeHeap ?? null;
  }

  /** The lowest free heap any recorded session of this build saw (bytes), for the size-history budget check; null when none was measured. */
  minFreeHeapOfBuild(buildId: number): number | null {
    const row = this.db.prepare(`SELECT MIN(min_free_heap) AS minFreeHeap FROM telemetry_sessions WHERE build_id = ?`).get(buildId) as { minFreeHeap: number | null };
    return row.minFreeHeap;
  }

  /** A session with all its samples as one column-aligned batch; null when there is no such session. */
  read(sessionId: number): { session: TelemetrySessionInfo; batch: TelemetryBatchData } | null {
    const row = this.db
      .prepare(
        `SELECT s.id, s.board_id AS boardId, s.started_at AS startedAt, s.ended_at AS endedAt, s.closed, s.samples,
                s.heap_capacity AS heapCapacity, s.peak_heap_inuse AS peakHeapInuse, s.min_free_heap AS minFreeHeap,
                b.id AS buildId, b.program AS buildProgram, b.started_at AS buildStartedAt, b.ram AS buildRam
         FROM telemetry_sessions s LEFT JOIN builds b ON b.id = s.build_id WHERE s.id = ?`,
      )
      .get(sessionId) as SessionRow | undefined;
    if (!row) return null;
    const chunks = this.db.prepare(`SELECT data FROM telemetry_chunks WHERE session_id = ? ORDER BY seq`).all(sessionId) as { data: Buffer }[];
    return { session: toInfo(row), batch: concatBatches(chunks.map(({ data }) => JSON.parse(strFromU8(inflateSync(data))) as TelemetryBatchData)) };
  }
}

interface SessionRow extends Omit<TelemetrySessionInfo, 'closed' | 'build'> {
  closed: number;
  buildId: number | null;
  buildProgram: string | null;
  buildStartedAt: number | null;
  buildRam: number | null;
}

function toInfo({ closed, buildId, buildProgram, buildStartedAt, buildRam, ...row }: SessionRow): TelemetrySessionInfo {
  return {
    ...row,
    closed: closed === 1,
    build: buildId === null ? null : { id: buildId, program: buildProgram ?? '', startedAt: buildStartedAt ?? 0, ram: buildRam },
  };
}

/** Chunks one after another; a series a chunk lacks is null there. */
export function concatBatches(batches: TelemetryBatchData[]): TelemetryBatchData {
  const t: number[] = [];
  const series: Record<string, (number | null)[]> = {};
  const units: Record<string, string> = {};
  for (const batch of batches) {
    const offset = t.length;
    for (const name in batch.series) series[name] ??= new Array<number | null>(offset).fill(null);
    for (const name in series) {
      const column = batch.series[name];
      for (let i = 0; i < batch.t.length; i++) series[name].push(column?.[i] ?? null);
    }
    for (const value of batch.t) t.push(value);
    Object.assign(units, batch.units);
  }
  return Object.keys(units).length ? { t, series, units } : { t, series };
}
