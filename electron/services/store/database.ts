/**
 * The embedded store: one SQLite file in the app's data directory. WAL journal with
 * synchronous=FULL, and every write in a transaction, so a crash or power cut never leaves a
 * half-written row or a corrupt history. Schema changes are numbered migrations.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

const MIGRATIONS: string[] = [
  // 1: settings, boards the user named or added, build size history, flash log.
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE boards (
    id TEXT PRIMARY KEY,
    name TEXT,
    target TEXT,
    manual_path TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE builds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    board_id TEXT NOT NULL,
    target TEXT NOT NULL,
    program TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    tinygo_version TEXT,
    flags TEXT NOT NULL,
    code INTEGER, rodata INTEGER, data INTEGER, bss INTEGER, flash INTEGER, ram INTEGER,
    overflow_region TEXT, overflow_bytes INTEGER,
    packages TEXT,
    error TEXT
  );
  CREATE INDEX builds_by_board ON builds (board_id, started_at);
  CREATE TABLE flashes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    board_id TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    method TEXT NOT NULL,
    file_name TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    verified_by TEXT,
    error_code TEXT,
    error_message TEXT
  );
  CREATE INDEX flashes_by_board ON flashes (board_id, started_at);
  `,
  // 2: console settings per board (baud, framing, line ending, timestamps), send history, log folder.
  `
  CREATE TABLE console_boards (
    board_id TEXT PRIMARY KEY,
    settings TEXT NOT NULL DEFAULT '{}',
    history TEXT NOT NULL DEFAULT '[]',
    log_directory TEXT
  );
  `,
  // 3: a flash attempt is written when it starts and completed when it ends, so one cut short by a
  // crash or a power cut is still in the log (marked interrupted once its process is gone).
  `
  ALTER TABLE flashes ADD COLUMN finished INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE flashes ADD COLUMN owner_pid INTEGER;
  `,
  // 4: the artifact's SHA-256 on builds and flashes, so a flash is traced back to its build.
  migrateArtifactHashes(),
  // 5: telemetry sessions: one row per session (board, start, last written sample, the build that
  // produced the running firmware, the heap figures budgets check) and its samples in compressed
  // chunks of about a second each (never a row per sample).
  `
  CREATE TABLE telemetry_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    board_id TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0,
    build_id INTEGER REFERENCES builds (id) ON DELETE SET NULL,
    artifact_sha256 TEXT,
    samples INTEGER NOT NULL DEFAULT 0,
    heap_capacity INTEGER,
    peak_heap_inuse INTEGER,
    min_free_heap INTEGER
  );
  CREATE INDEX telemetry_sessions_by_board ON telemetry_sessions (board_id, started_at);
  CREATE TABLE telemetry_chunks (
    session_id INTEGER NOT NULL REFERENCES telemetry_sessions (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    first_t INTEGER NOT NULL,
    last_t INTEGER NOT NULL,
    samples INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (session_id, seq)
  );
  `,
];

/**
 * Step 4 as this branch needs it (the two columns only). The size-history work brings its own
 * step 4 with these columns and more; at merge, that one replaces this function.
 */
function migrateArtifactHashes(): string {
  return `
  ALTER TABLE builds ADD COLUMN artifact_sha256 TEXT;
  ALTER TABLE flashes ADD COLUMN artifact_sha256 TEXT;
  `;
}

export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 2000');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
