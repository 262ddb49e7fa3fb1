/** What the user told us about boards: names, pinned targets, ports added by path. */
import type { Db } from './database';

export interface BoardRecord {
  id: string;
  name: string | null;
  target: string | null;
  manualPath: string | null;
}

export class BoardStore {
  constructor(private readonly db: Db) {}

  all(): BoardRecord[] {
    return (this.db.prepare('SELECT id, name, target, manual_path AS manualPath FROM boards ORDER BY created_at').all() as BoardRecord[]).map((row) => ({ ...row }));
  }

  get(id: string): BoardRecord | undefined {
    return this.db.prepare('SELECT id, name, target, manual_path AS manualPath FROM boards WHERE id = ?').get(id) as BoardRecord | undefined;
  }

  /** Create or change a record; fields left undefined keep their stored value. */
  save(id: string, changes: Partial<Omit<BoardRecord, 'id'>>): BoardRecord {
    return this.db.transaction(() => {
      const existing = this.get(id) ?? { id, name: null, target: null, manualPath: null };
      const next: BoardRecord = {
        id,
        name: changes.name !== undefined ? changes.name : existing.name,
        target: changes.target !== undefined ? changes.target : existing.target,
        manualPath: changes.manualPath !== undefined ? changes.manualPath : existing.manualPath,
      };
      this.db
        .prepare(
          `INSERT INTO boards (id, name, target, manual_path, created_at) VALUES (@id, @name, @target, @manualPath, @now)
           ON CONFLICT(id) DO UPDATE SET name = @name, target = @target, manual_path = @manualPath`,
        )
        .run({ ...next, now: Date.now() });
      return next;
    })();
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM boards WHERE id = ?').run(id);
  }
}
