/** Every flash attempt per board, successful or not: the "nothing lost" record of what was written. */
import type { FlashRecord } from '../../contract';
import { FLASH_METHODS, VERIFICATION_METHODS, keysOf, type FlashMethod, type VerificationMethod } from '../../contract-values';
import type { Db } from './database';

export interface FlashAttempt {
  boardId: string;
  startedAt: number;
  /** Null when no method was known (the column keeps NO_METHOD). */
  method: FlashMethod | null;
  fileName: string;
  bytes: number;
  /** Bytes of flash the image occupies (its data, not the file: a HEX or UF2 file is larger); null when not known. */
  flashBytes?: number | null;
  /** SHA-256 (hex) of the image written; the size history finds the build that made it. Null when not known (`tinygo flash`). */
  artifactSha256?: string | null;
}

export interface FlashResult {
  durationMs: number;
  ok: boolean;
  verifiedBy?: VerificationMethod | null;
  errorCode?: string | null;
  errorMessage?: string | null;
}

export type FlashLogEntry = FlashAttempt & FlashResult;

/** What an attempt that never finished says in the log (the process was killed or the machine lost power). */
export const INTERRUPTED = {
  code: 'FLASH_INTERRUPTED',
  message: 'Flashdeck stopped while this flash was running; the board may hold a partly written image. Flash it again.',
} as const;

export class FlashLog {
  constructor(
    private readonly db: Db,
    /** Whether a process runs: another Flashdeck (the app, the command line) may share this database. */
    private readonly processAlive: (pid: number) => boolean = isProcessAlive,
  ) {}

  /** Writes the attempt as it starts; `finish` completes it. Returns its id. */
  begin(attempt: FlashAttempt): number {
    const result = this.db
      .prepare(
        `INSERT INTO flashes (board_id, started_at, duration_ms, ok, method, file_name, bytes, flash_bytes, finished, owner_pid, artifact_sha256)
         VALUES (@boardId, @startedAt, 0, 0, @method, @fileName, @bytes, @flashBytes, 0, @pid, @sha)`,
      )
      .run({
        boardId: attempt.boardId,
        startedAt: attempt.startedAt,
        method: attempt.method ?? NO_METHOD,
        fileName: attempt.fileName,
        bytes: attempt.bytes,
        flashBytes: attempt.flashBytes ?? null,
        pid: process.pid,
        sha: attempt.artifactSha256?.toLowerCase() ?? null,
      });
    return Number(result.lastInsertRowid);
  }

  finish(id: number, result: FlashResult): void {
    this.db
      .prepare(
        `UPDATE flashes SET duration_ms = @durationMs, ok = @ok, verified_by = @verifiedBy, error_code = @errorCode,
                error_message = @errorMessage, finished = 1 WHERE id = @id`,
      )
      .run({
        id,
        durationMs: result.durationMs,
        ok: result.ok ? 1 : 0,
        verifiedBy: result.verifiedBy ?? null,
        errorCode: result.errorCode ?? null,
        errorMessage: result.errorMessage ?? null,
      });
  }

  /** A whole attempt at once (one that ended before it could be begun). */
  record(entry: FlashLogEntry): void {
    this.finish(this.begin(entry), entry);
  }

  /** At start-up: attempts whose process is gone without finishing them were cut short by its end. */
  markInterrupted(): number {
    const open = this.db.prepare(`SELECT id, owner_pid AS pid FROM flashes WHERE finished = 0`).all() as { id: number; pid: number | null }[];
    const orphaned = open.filter(({ pid }) => pid === null || pid === process.pid || !this.processAlive(pid));
    const mark = this.db.prepare(`UPDATE flashes SET ok = 0, error_code = @code, error_message = @message, finished = 1 WHERE id = @id`);
    this.db.transaction(() => orphaned.forEach(({ id }) => mark.run({ ...INTERRUPTED, id })))();
    return orphaned.length;
  }

  recent(boardId: string, limit = 50): FlashRecord[] {
    const rows = this.db
      .prepare(
        `SELECT id, started_at AS startedAt, duration_ms AS durationMs, ok, method, file_name AS fileName, bytes, flash_bytes AS flashBytes,
                verified_by AS verifiedBy, error_code AS errorCode, error_message AS errorMessage, artifact_sha256 AS artifactSha256
         FROM flashes WHERE board_id = ? AND finished = 1 ORDER BY started_at DESC, id DESC LIMIT ?`,
      )
      .all(boardId, limit) as (Omit<FlashRecord, 'ok'> & { ok: number })[];
    // A check this version does not know (a record written by a newer Flashdeck) reads as unknown, not as a broken history.
    return rows.map((row) => ({ ...row, ok: row.ok === 1, method: knownMethod(row.method), verifiedBy: knownVerification(row.verifiedBy) }));
  }
}

/**
 * The board's last successful, verified flash: what runs on it now (as far as Flashdeck knows).
 * With its artifact's SHA-256 the size history finds the build (SizeHistory.findByArtifact).
 */
export function lastVerifiedFlash(db: Db, boardId: string): { id: number; startedAt: number; fileName: string; artifactSha256: string | null } | undefined {
  return db
    .prepare(
      `SELECT id, started_at AS startedAt, file_name AS fileName, artifact_sha256 AS artifactSha256 FROM flashes
       WHERE board_id = ? AND finished = 1 AND ok = 1 AND verified_by IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT 1`,
    )
    .get(boardId) as { id: number; startedAt: number; fileName: string; artifactSha256: string | null } | undefined;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What the method column holds for an attempt no method was known for. */
const NO_METHOD = 'unknown';

/** A stored word read back as one of `values`, or null: an older (or newer) Flashdeck may have written another. */
function oneOf<T extends string>(values: readonly T[]): (value: string | null) => T | null {
  const known: ReadonlySet<string> = new Set(values);
  return (value) => (value !== null && known.has(value) ? (value as T) : null);
}
const knownVerification = oneOf<VerificationMethod>(VERIFICATION_METHODS);
const knownMethod = oneOf<FlashMethod>(keysOf(FLASH_METHODS));
