/** Every flash attempt per board, successful or not: the "nothing lost" record of what was written. */
import type { FlashRecord } from '../../contract';
import type { Db } from './database';

export interface FlashLogEntry {
  boardId: string;
  startedAt: number;
  durationMs: number;
  ok: boolean;
  method: string;
  fileName: string;
  bytes: number;
  verifiedBy?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
}

export class FlashLog {
  constructor(private readonly db: Db) {}

  record(entry: FlashLogEntry): void {
    this.db
      .prepare(
        `INSERT INTO flashes (board_id, started_at, duration_ms, ok, method, file_name, bytes, verified_by, error_code, error_message)
         VALUES (@boardId, @startedAt, @durationMs, @ok, @method, @fileName, @bytes, @verifiedBy, @errorCode, @errorMessage)`,
      )
      .run({ ...entry, ok: entry.ok ? 1 : 0, verifiedBy: entry.verifiedBy ?? null, errorCode: entry.errorCode ?? null, errorMessage: entry.errorMessage ?? null });
  }

  recent(boardId: string, limit = 50): FlashRecord[] {
    const rows = this.db
      .prepare(
        `SELECT id, started_at AS startedAt, duration_ms AS durationMs, ok, method, file_name AS fileName, bytes,
                verified_by AS verifiedBy, error_code AS errorCode, error_message AS errorMessage
         FROM flashes WHERE board_id = ? ORDER BY started_at DESC, id DESC LIMIT ?`,
      )
      .all(boardId, limit) as (Omit<FlashRecord, 'ok'> & { ok: number })[];
    return rows.map((row) => ({ ...row, ok: row.ok === 1 }));
  }
}
