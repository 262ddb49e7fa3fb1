/** Memory budgets per board and program (flash bytes, static RAM bytes, minimum free heap). */
import { BUDGET_KINDS, type BudgetKind, type Budgets } from '../../contract';
import type { Db } from './database';

export class BudgetStore {
  constructor(private readonly db: Db) {}

  /** The board's budgets for the program; a kind without one is null. */
  get(boardId: string, program: string): Budgets {
    const rows = this.db.prepare(`SELECT kind, bytes FROM budgets WHERE board_id = ? AND program = ?`).all(boardId, program) as { kind: BudgetKind; bytes: number }[];
    const budgets: Budgets = { flash: null, ram: null, heap: null };
    for (const { kind, bytes } of rows) if (BUDGET_KINDS.includes(kind)) budgets[kind] = bytes;
    return budgets;
  }

  /** Sets one budget (null removes it) and returns all of the program's budgets on the board. */
  set(boardId: string, program: string, kind: BudgetKind, bytes: number | null, now = Date.now()): Budgets {
    if (bytes === null) this.db.prepare(`DELETE FROM budgets WHERE board_id = ? AND program = ? AND kind = ?`).run(boardId, program, kind);
    else
      this.db
        .prepare(
          `INSERT INTO budgets (board_id, program, kind, bytes, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (board_id, program, kind) DO UPDATE SET bytes = excluded.bytes, updated_at = excluded.updated_at`,
        )
        .run(boardId, program, kind, Math.round(bytes), now);
    return this.get(boardId, program);
  }
}
