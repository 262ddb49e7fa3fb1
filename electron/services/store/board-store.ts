/** What the user told us about boards (names, pinned targets, ports added by path) and the chip a flash read from each. */
import type { Db } from './database';

/** The chip a flash (the ESP ROM loader) read from the board. */
export interface DetectedChip {
  /** Catalogue chip name: "ESP32", "ESP32-C3". */
  chip: string;
  /** The loader's words for it: "ESP32 (revision v3.1)". */
  description: string;
  /** When it was read (ms since epoch). */
  at: number;
}

export interface BoardRecord {
  id: string;
  name: string | null;
  target: string | null;
  manualPath: string | null;
  detected: DetectedChip | null;
}

interface BoardRow {
  id: string;
  name: string | null;
  target: string | null;
  manualPath: string | null;
  detectedChip: string | null;
  detectedChipText: string | null;
  detectedAt: number | null;
}

const COLUMNS = 'id, name, target, manual_path AS manualPath, detected_chip AS detectedChip, detected_chip_text AS detectedChipText, detected_at AS detectedAt';

function toRecord(row: BoardRow): BoardRecord {
  const detected = row.detectedChip ? { chip: row.detectedChip, description: row.detectedChipText ?? row.detectedChip, at: row.detectedAt ?? 0 } : null;
  return { id: row.id, name: row.name, target: row.target, manualPath: row.manualPath, detected };
}

export class BoardStore {
  constructor(private readonly db: Db) {}

  all(): BoardRecord[] {
    return (this.db.prepare(`SELECT ${COLUMNS} FROM boards ORDER BY created_at`).all() as BoardRow[]).map(toRecord);
  }

  get(id: string): BoardRecord | undefined {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM boards WHERE id = ?`).get(id) as BoardRow | undefined;
    return row && toRecord(row);
  }

  /** Create or change a record; fields left undefined keep their stored value. */
  save(id: string, changes: Partial<Omit<BoardRecord, 'id'>>): BoardRecord {
    return this.db.transaction(() => {
      const existing = this.get(id) ?? { id, name: null, target: null, manualPath: null, detected: null };
      const next: BoardRecord = {
        id,
        name: changes.name !== undefined ? changes.name : existing.name,
        target: changes.target !== undefined ? changes.target : existing.target,
        manualPath: changes.manualPath !== undefined ? changes.manualPath : existing.manualPath,
        detected: changes.detected !== undefined ? changes.detected : existing.detected,
      };
      this.db
        .prepare(
          `INSERT INTO boards (id, name, target, manual_path, detected_chip, detected_chip_text, detected_at, created_at)
           VALUES (@id, @name, @target, @manualPath, @detectedChip, @detectedChipText, @detectedAt, @now)
           ON CONFLICT(id) DO UPDATE SET name = @name, target = @target, manual_path = @manualPath,
             detected_chip = @detectedChip, detected_chip_text = @detectedChipText, detected_at = @detectedAt`,
        )
        .run({
          id,
          name: next.name,
          target: next.target,
          manualPath: next.manualPath,
          detectedChip: next.detected?.chip ?? null,
          detectedChipText: next.detected?.description ?? null,
          detectedAt: next.detected?.at ?? null,
          now: Date.now(),
        });
      return next;
    })();
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM boards WHERE id = ?').run(id);
  }
}
