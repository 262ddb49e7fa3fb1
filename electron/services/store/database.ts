/**
 * The embedded store: one SQLite file in the app's data directory. WAL journal with
 * synchronous=FULL, and every write in a transaction, so a crash or power cut never leaves a
 * half-written row or a corrupt history. Schema changes are numbered migrations.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

/** One schema step. `version` is the `user_version` the database has once the step ran. */
export interface Migration {
  version: number;
  /** What the step adds, in a sentence (shown nowhere; for the next person adding a step). */
  purpose: string;
  sql: string;
}

/**
 * Every schema step in order, each run once in its own transaction. Append only: a released step
 * is never edited, a later one changes what it made. The test in test/unit/store/migrations.test.ts
 * upgrades a database written by the schema before the newest steps.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    purpose: 'settings, boards the user named or added, build size history, flash log',
    sql: `
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
  },
  {
    version: 2,
    purpose: 'console settings per board (baud, framing, line ending, timestamps), send history, log folder',
    sql: `
  CREATE TABLE console_boards (
    board_id TEXT PRIMARY KEY,
    settings TEXT NOT NULL DEFAULT '{}',
    history TEXT NOT NULL DEFAULT '[]',
    log_directory TEXT
  );
  `,
  },
  {
    version: 3,
    // One cut short by a crash or a power cut is still in the log (marked interrupted once its process is gone).
    purpose: 'a flash attempt is written when it starts and completed when it ends',
    sql: `
  ALTER TABLE flashes ADD COLUMN finished INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE flashes ADD COLUMN owner_pid INTEGER;
  `,
  },
  {
    version: 4,
    purpose:
      'size history: per-package rows in their own table (moved out of the JSON column), what each build came from (program path, git commit), ' +
      'its artifact (bytes, SHA-256, also recorded per flash so a running board leads back to its build), flag experiments and budgets',
    sql: `
  CREATE TABLE experiments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    board_id TEXT NOT NULL,
    target TEXT NOT NULL,
    program TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- JSON: the flag sets the user picked, in build order.
    variants TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'done', 'cancelled', 'failed'))
  );
  CREATE INDEX experiments_by_board ON experiments (board_id, created_at);

  ALTER TABLE builds ADD COLUMN program_path TEXT;
  ALTER TABLE builds ADD COLUMN git_commit TEXT;
  ALTER TABLE builds ADD COLUMN git_dirty INTEGER;
  ALTER TABLE builds ADD COLUMN artifact_bytes INTEGER;
  ALTER TABLE builds ADD COLUMN artifact_sha256 TEXT;
  ALTER TABLE builds ADD COLUMN size_format TEXT;
  ALTER TABLE builds ADD COLUMN overflow_lower_bound INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE builds ADD COLUMN experiment_id INTEGER REFERENCES experiments (id);
  ALTER TABLE builds ADD COLUMN min_free_heap INTEGER;
  CREATE INDEX builds_by_artifact ON builds (artifact_sha256);
  CREATE INDEX builds_by_experiment ON builds (experiment_id);
  CREATE INDEX builds_by_board_program ON builds (board_id, program, started_at);

  CREATE TABLE build_packages (
    build_id INTEGER NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
    package TEXT NOT NULL,
    kind TEXT NOT NULL,
    code INTEGER NOT NULL, rodata INTEGER NOT NULL, data INTEGER NOT NULL, bss INTEGER NOT NULL,
    flash INTEGER NOT NULL, ram INTEGER NOT NULL,
    PRIMARY KEY (build_id, package)
  ) WITHOUT ROWID;
  CREATE INDEX build_packages_by_package ON build_packages (package, build_id);
  -- The old JSON column's rows move over (a name printed twice is summed); then the column goes.
  INSERT INTO build_packages (build_id, package, kind, code, rodata, data, bss, flash, ram)
    SELECT b.id, json_extract(p.value, '$.name'), coalesce(max(json_extract(p.value, '$.kind')), 'go'),
           sum(coalesce(json_extract(p.value, '$.code'), 0)), sum(coalesce(json_extract(p.value, '$.rodata'), 0)),
           sum(coalesce(json_extract(p.value, '$.data'), 0)), sum(coalesce(json_extract(p.value, '$.bss'), 0)),
           sum(coalesce(json_extract(p.value, '$.flash'), 0)), sum(coalesce(json_extract(p.value, '$.ram'), 0))
    FROM builds b, json_each(b.packages) p
    WHERE b.packages IS NOT NULL AND json_valid(b.packages) AND json_type(b.packages) = 'array'
      AND json_type(p.value, '$.name') = 'text'
    GROUP BY b.id, json_extract(p.value, '$.name');
  UPDATE builds SET size_format = CASE WHEN packages IS NOT NULL AND json_valid(packages) AND json_array_length(packages) > 0 THEN 'full' ELSE 'short' END
    WHERE ok = 1 AND flash IS NOT NULL;
  ALTER TABLE builds DROP COLUMN packages;

  ALTER TABLE flashes ADD COLUMN artifact_sha256 TEXT;
  CREATE INDEX flashes_by_artifact ON flashes (artifact_sha256);

  CREATE TABLE budgets (
    board_id TEXT NOT NULL,
    program TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('flash', 'ram', 'heap')),
    bytes INTEGER NOT NULL CHECK (bytes >= 0),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (board_id, program, kind)
  );
  `,
  },
  {
    version: 5,
    purpose:
      'telemetry sessions: one row per session (board, start, last written sample, the build that produced the running firmware, ' +
      'the heap figures budgets check) and its samples in compressed chunks of about a second each (never a row per sample)',
    sql: `
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
  },
  {
    version: 6,
    // A port without USB identity is otherwise "Unknown board" forever; the chip a flash read names it and narrows its targets.
    purpose: "the chip a flash read from each board (its name, the loader's words for it, and when)",
    sql: `
  ALTER TABLE boards ADD COLUMN detected_chip TEXT;
  ALTER TABLE boards ADD COLUMN detected_chip_text TEXT;
  ALTER TABLE boards ADD COLUMN detected_at INTEGER;
  `,
  },
  {
    version: 7,
    // A .hex or .uf2 file is two to three times the data it writes: the size history's flashed images need the data.
    purpose: 'the bytes of flash each attempt writes (the image data, not the file), where known',
    sql: `
  ALTER TABLE flashes ADD COLUMN flash_bytes INTEGER;
  `,
  },
];

export function openDatabase(file: string, options: { schemaVersion?: number } = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 2000');
  migrate(db, options.schemaVersion);
  return db;
}

/** Runs every step newer than the database's `user_version`, up to `upTo` (tests stop early to write an older schema). */
export function migrate(db: Db, upTo = MIGRATIONS.length): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const step of MIGRATIONS) {
    if (step.version <= current || step.version > upTo) continue;
    db.transaction(() => {
      db.exec(step.sql);
      db.pragma(`user_version = ${step.version}`);
    })();
  }
}

/** The schema version this build of Flashdeck writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
