/** Per-board console settings (baud, framing, line ending, timestamps, hex view), send history and log folder. */
import type { ConsoleSettings } from '../../contract';
import type { Db } from './database';

export interface ConsoleBoardRecord {
  settings: Partial<ConsoleSettings>;
  history: string[];
  logDirectory: string | null;
}

export const HISTORY_LIMIT = 200;

export class ConsoleSettingsStore {
  constructor(private readonly db: Db) {}

  get(boardId: string): ConsoleBoardRecord {
    const row = this.db.prepare('SELECT settings, history, log_directory AS logDirectory FROM console_boards WHERE board_id = ?').get(boardId) as
      { settings: string; history: string; logDirectory: string | null } | undefined;
    if (!row) return { settings: {}, history: [], logDirectory: null };
    return { settings: parseJson(row.settings, {}), history: parseJson(row.history, []), logDirectory: row.logDirectory };
  }

  save(boardId: string, changes: Partial<ConsoleBoardRecord>): ConsoleBoardRecord {
    return this.db.transaction(() => {
      const current = this.get(boardId);
      const next: ConsoleBoardRecord = {
        settings: changes.settings ? { ...current.settings, ...changes.settings } : current.settings,
        history: changes.history ?? current.history,
        logDirectory: changes.logDirectory !== undefined ? changes.logDirectory : current.logDirectory,
      };
      this.db
        .prepare(
          `INSERT INTO console_boards (board_id, settings, history, log_directory) VALUES (?, ?, ?, ?)
           ON CONFLICT(board_id) DO UPDATE SET settings = excluded.settings, history = excluded.history, log_directory = excluded.log_directory`,
        )
        .run(boardId, JSON.stringify(next.settings), JSON.stringify(next.history), next.logDirectory);
      return next;
    })();
  }

  /** Appends a sent line (moving a repeat to the end), keeping the newest HISTORY_LIMIT. */
  addHistory(boardId: string, entry: string): string[] {
    const history = this.get(boardId).history.filter((line) => line !== entry);
    history.push(entry);
    return this.save(boardId, { history: history.slice(-HISTORY_LIMIT) }).history;
  }
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
