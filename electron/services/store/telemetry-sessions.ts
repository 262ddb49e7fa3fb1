/**
 * Recorded telemetry sessions: one row per session and its samples in deflated chunks (about a
 * second each), every chunk written with the session's figures in one transaction, so a crash
 * keeps everything up to the last chunk written and never half a chunk.
 */
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import type { TelemetryBatchData, TelemetrySessionInfo } from '../../contract';
import type { Db } from './database';
import { SizeHistory } from './size-history';
import { SESSION_SAMPLES_SHOWN, thinBatch } from '../telemetry/thin-batch';

export interface SessionHeapFigures {
  heapCapacity: number | null;
  peakHeapInuse: number | null;
  minFreeHeap: number | null;
}

export class TelemetrySessionStore {
  constructor(private readonly db: Db) {}

  /** A session of what the board runs now: the build its last verified flash wrote, when Flashdeck built it. */
  begin(boardId: string, startedAt: number): number {
    const build = new SizeHistory(this.db).running(boardId);
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

  /**
   * A session's samples as one column-aligned batch, thinned to at most `maxSamples` (thin-batch.ts),
   * with the count it had when thinned; null when there is no such session.
   */
  read(sessionId: number, maxSamples = SESSION_SAMPLES_SHOWN): { session: TelemetrySessionInfo; batch: TelemetryBatchData; thinnedFrom: number | null } | null {
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
    const batch = concatBatches(chunks.map(({ data }) => JSON.parse(strFromU8(inflateSync(data))) as TelemetryBatchData));
    const shown = thinBatch(batch, maxSamples);
    return { session: toInfo(row), batch: shown, thinnedFrom: shown === batch ? null : batch.t.length };
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
