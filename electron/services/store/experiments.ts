/** Flag experiments ("Compare flags"): which program on which board, the variants picked, and how far it got. */
import type { BuildFlagsDto, Experiment } from '../../contract';
import type { Db } from './database';

export type ExperimentState = Experiment['state'];
export type ExperimentRecord = Omit<Experiment, 'builds'>;

interface RawExperiment {
  id: number;
  boardId: string;
  target: string;
  program: string;
  createdAt: number;
  variants: string;
  state: ExperimentState;
}

const COLUMNS = `id, board_id AS boardId, target, program, created_at AS createdAt, variants, state`;

export class ExperimentStore {
  constructor(private readonly db: Db) {}

  create(entry: { boardId: string; target: string; program: string; variants: BuildFlagsDto[]; createdAt?: number }): number {
    const result = this.db
      .prepare(`INSERT INTO experiments (board_id, target, program, created_at, variants, state) VALUES (?, ?, ?, ?, ?, 'running')`)
      .run(entry.boardId, entry.target, entry.program, entry.createdAt ?? Date.now(), JSON.stringify(entry.variants));
    return Number(result.lastInsertRowid);
  }

  setState(id: number, state: ExperimentState): void {
    this.db.prepare(`UPDATE experiments SET state = ? WHERE id = ?`).run(state, id);
  }

  /** At start-up: an experiment still "running" was cut short when Flashdeck stopped. */
  markInterrupted(): number {
    return this.db.prepare(`UPDATE experiments SET state = 'cancelled' WHERE state = 'running'`).run().changes;
  }

  get(id: number): ExperimentRecord | undefined {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM experiments WHERE id = ?`).get(id) as RawExperiment | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Newest first, with how many builds each made. */
  list(boardId: string, limit = 50): (ExperimentRecord & { builds: number })[] {
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS}, (SELECT count(*) FROM builds b WHERE b.experiment_id = e.id) AS builds
         FROM experiments e WHERE board_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
      )
      .all(boardId, limit) as (RawExperiment & { builds: number })[];
    return rows.map((row) => ({ ...toRecord(row), builds: row.builds }));
  }
}

function toRecord(row: RawExperiment): ExperimentRecord {
  return { ...row, variants: JSON.parse(row.variants) as BuildFlagsDto[] };
}
