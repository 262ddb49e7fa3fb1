import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS, SCHEMA_VERSION, openDatabase } from '../../../electron/services/store/database';
import { SizeHistory } from '../../../electron/services/store/size-history';
import { FlashLog } from '../../../electron/services/store/flash-log';
import { BoardStore } from '../../../electron/services/store/board-store';
import { HistoryService } from '../../../electron/services/history/history-service';

const pkg = (name: string, kind: string, code: number, rodata = 0, data = 0, bss = 0) => ({ name, kind, code, rodata, data, bss, flash: code + rodata + data, ram: data + bss });

describe('schema migrations', () => {
  it('is one ordered list numbered 1, 2, 3… that each step continues', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    for (const step of MIGRATIONS) expect(step.purpose.length).toBeGreaterThan(10);
  });

  it('upgrades a database written by schema 3 in place: every build is there with its packages out of the JSON column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flashdeck-migrate-'));
    try {
      const file = join(dir, 'flashdeck.sqlite');
      const old = openDatabase(file, { schemaVersion: 3 });
      expect(old.pragma('user_version', { simple: true })).toBe(3);
      // Rows exactly as the schema-3 SizeHistory wrote them (packages as a JSON column).
      const insert = old.prepare(
        `INSERT INTO builds (board_id, target, program, started_at, duration_ms, ok, tinygo_version, flags, code, rodata, data, bss, flash, ram,
                             overflow_region, overflow_bytes, packages, error)
         VALUES (@board, @target, @program, @at, 900, @ok, '0.33.0', @flags, @code, @rodata, @data, @bss, @flash, @ram, @region, @over, @packages, @error)`,
      );
      const full = [pkg('(padding)', 'padding', 0, 111, 7, 14), pkg('C picolibc', 'c', 1536, 4256), pkg('machine', 'go', 2100, 300, 12, 40), pkg('main', 'go', 420, 64)];
      const sums = full.reduce((a, p) => ({ code: a.code + p.code, rodata: a.rodata + p.rodata, data: a.data + p.data, bss: a.bss + p.bss }), {
        code: 0,
        rodata: 0,
        data: 0,
        bss: 0,
      });
      const base = { board: 'b1', target: 'xiao-esp32c3', program: 'blink', flags: '{"opt":"s"}', region: null, over: null, error: null, ok: 1 };
      insert.run({ ...base, at: 1000, ...sums, flash: sums.code + sums.rodata + sums.data, ram: sums.data + sums.bss, packages: JSON.stringify(full) });
      // A short table: no packages.
      insert.run({ ...base, at: 2000, code: 6248, rodata: null, data: 0, bss: 9378, flash: 6248, ram: 9378, packages: '[]' });
      // A name printed twice (sums), and a failed build without sizes.
      insert.run({ ...base, at: 3000, code: 30, rodata: 0, data: 0, bss: 0, flash: 30, ram: 0, packages: JSON.stringify([pkg('main', 'go', 10), pkg('main', 'go', 20)]) });
      insert.run({
        ...base,
        at: 4000,
        ok: 0,
        code: null,
        rodata: null,
        data: null,
        bss: null,
        flash: null,
        ram: null,
        region: 'FLASH_TEXT',
        over: 9052,
        packages: null,
        error: 'LINK: too large',
      });
      old
        .prepare(
          `INSERT INTO flashes (board_id, started_at, duration_ms, ok, method, file_name, bytes, verified_by, finished, owner_pid)
           VALUES ('b1', 5000, 3000, 1, 'esp-serial', 'blink.bin', 70496, 'md5', 1, NULL)`,
        )
        .run();
      old.close();

      const db = openDatabase(file);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const history = new SizeHistory(db);
      const rows = history.list('b1', 100);
      expect(rows.map((r) => [r.startedAt, r.ok, r.flash, r.sizeFormat])).toEqual([
        [1000, true, sums.code + sums.rodata + sums.data, 'full'],
        [2000, true, 6248, 'short'],
        [3000, true, 30, 'full'],
        [4000, false, null, null],
      ]);
      expect(rows[0].flagArgs).toEqual(['-opt=s']);
      expect(rows[3]).toMatchObject({ overflowRegion: 'FLASH_TEXT', overflowBytes: 9052, overflowLowerBound: false, error: 'LINK: too large' });
      expect(history.packages(rows[0].id)).toEqual(full);
      expect(history.packages(rows[1].id)).toEqual([]);
      expect(history.packages(rows[2].id)).toEqual([pkg('main', 'go', 30)]);
      // The JSON column is gone: packages have one home now.
      expect((db.prepare(`SELECT name FROM pragma_table_info('builds')`).all() as { name: string }[]).map((c) => c.name)).not.toContain('packages');
      // The old flash is still in the log, without a hash (it was not recorded then).
      expect(new FlashLog(db).recent('b1')).toMatchObject([{ fileName: 'blink.bin', artifactSha256: null }]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('links a board to its running build: last verified flash → artifact SHA-256 → build', () => {
    const db = openDatabase(':memory:');
    const service = new HistoryService({ db, targetOf: () => 'xiao-esp32c3', capacitySources: async () => ({ tinygoRoot: null, linkerScript: null }) });
    const sha = 'ab'.repeat(32);
    const entry = {
      boardId: 'b1',
      target: 'xiao-esp32c3',
      program: 'heap-telemetry',
      startedAt: 1,
      durationMs: 1,
      ok: true,
      tinygoVersion: '0.33.0',
      flags: {},
      overflowRegion: null,
      overflowBytes: null,
      error: null,
    };
    const sizes = { format: 'short' as const, code: 100, rodata: null, data: 4, bss: 200, flash: 104, ram: 204, packages: [] };
    service.sizes.record({ ...entry, sizes, artifactSha256: 'cd'.repeat(32) });
    const built = service.sizes.record({ ...entry, startedAt: 2, sizes, artifactSha256: sha });
    const log = new FlashLog(db);
    // A flash that failed verification does not count; the verified one does.
    log.record({ boardId: 'b1', startedAt: 3, method: 'esp-serial', fileName: 'x.bin', bytes: 1, artifactSha256: sha, durationMs: 1, ok: true, verifiedBy: 'md5' });
    log.record({ boardId: 'b1', startedAt: 4, method: 'esp-serial', fileName: 'y.bin', bytes: 1, artifactSha256: 'cd'.repeat(32), durationMs: 1, ok: false, errorCode: 'X' });
    expect(service.runningBuild('b1')?.id).toBe(built);
    expect(service.sizes.findByArtifact(sha.toUpperCase())?.id).toBe(built);

    expect(service.checkHeapBudget('b1', 30_000)).toMatchObject({ build: { id: built, minFreeHeap: 30_000 }, budgetBytes: null, breach: null });
    service.setBudget('b1', 'heap-telemetry', 'heap', 40_000);
    const verdict = service.checkHeapBudget('b1', 35_000);
    expect(verdict.breach).toMatchObject({ kind: 'heap', limitBytes: 40_000, actualBytes: 35_000, overBytes: 5_000 });
    // The session is judged on its own figure; the build keeps the lowest of all its sessions, and its row shows the breach.
    expect(service.sizes.get(built)).toMatchObject({ minFreeHeap: 30_000, overBudget: [{ kind: 'heap', actualBytes: 30_000, overBytes: 10_000 }] });
    expect(service.checkHeapBudget('other-board', 1)).toEqual({ build: null, budgetBytes: null, breach: null });
  });

  it('upgrades a schema-5 database to 6: boards keep their names and targets and have no detected chip until a flash reads one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flashdeck-migrate-'));
    try {
      const file = join(dir, 'flashdeck.sqlite');
      const old = openDatabase(file, { schemaVersion: 5 });
      old.prepare(`INSERT INTO boards (id, name, target, manual_path, created_at) VALUES ('port:/dev/pts/3', 'Bench ESP', NULL, '/dev/pts/3', 1)`).run();
      old.close();
      const db = openDatabase(file);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const store = new BoardStore(db);
      expect(store.get('port:/dev/pts/3')).toEqual({ id: 'port:/dev/pts/3', name: 'Bench ESP', target: null, manualPath: '/dev/pts/3', detected: null });
      store.save('port:/dev/pts/3', { detected: { chip: 'ESP32', description: 'ESP32 (revision v3.1)', at: 42 } });
      // Saving another field keeps the chip; the name stays.
      store.save('port:/dev/pts/3', { target: 'esp32-coreboard-v2' });
      expect(store.get('port:/dev/pts/3')).toMatchObject({
        name: 'Bench ESP',
        target: 'esp32-coreboard-v2',
        detected: { chip: 'ESP32', description: 'ESP32 (revision v3.1)', at: 42 },
      });
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('upgrades a schema-6 database to 7: earlier flashes keep their file size and have no known footprint; new ones record the data they write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flashdeck-migrate-'));
    try {
      const file = join(dir, 'flashdeck.sqlite');
      const old = openDatabase(file, { schemaVersion: 6 });
      old
        .prepare(
          `INSERT INTO flashes (board_id, started_at, duration_ms, ok, method, file_name, bytes, verified_by, finished) VALUES ('b1', 1, 10, 1, 'uf2', 'blink.uf2', 81920, 're-enumerated', 1)`,
        )
        .run();
      old.close();
      const db = openDatabase(file);
      const log = new FlashLog(db);
      log.record({ boardId: 'b1', startedAt: 2, method: 'uf2', fileName: 'blink.hex', bytes: 112_640, flashBytes: 40_960, durationMs: 10, ok: true, verifiedBy: 're-enumerated' });
      expect(log.recent('b1').map(({ fileName, bytes, flashBytes }) => ({ fileName, bytes, flashBytes }))).toEqual([
        { fileName: 'blink.hex', bytes: 112_640, flashBytes: 40_960 },
        { fileName: 'blink.uf2', bytes: 81_920, flashBytes: null },
      ]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
