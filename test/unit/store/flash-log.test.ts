import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../electron/services/store/database';
import { FlashLog, INTERRUPTED, type FlashAttempt } from '../../../electron/services/store/flash-log';

const attempt: FlashAttempt = { boardId: 'b1', startedAt: 1_000, method: 'esp-serial', fileName: 'app.bin', bytes: 4096 };

describe('flash log', () => {
  it('keeps an attempt from its start; a finished one shows its outcome, a running one is not listed yet', () => {
    const log = new FlashLog(openDatabase(':memory:'));
    const first = log.begin(attempt);
    expect(log.recent('b1')).toEqual([]);
    log.finish(first, { durationMs: 1200, ok: true, verifiedBy: 'md5' });
    log.begin({ ...attempt, startedAt: 2_000 });
    expect(log.recent('b1')).toMatchObject([{ startedAt: 1_000, ok: true, verifiedBy: 'md5', durationMs: 1200 }]);
  });

  it('reads a check this version does not know (written by a newer Flashdeck) as unknown, and the rest of the history still lists', () => {
    const db = openDatabase(':memory:');
    const log = new FlashLog(db);
    log.finish(log.begin(attempt), { durationMs: 10, ok: true, verifiedBy: 'crc32' });
    const newer = log.begin({ ...attempt, startedAt: 2_000 });
    log.finish(newer, { durationMs: 10, ok: true, verifiedBy: 'md5' });
    db.prepare('UPDATE flashes SET verified_by = ? WHERE id = ?').run('sha256-readback', newer);
    expect(log.recent('b1')).toMatchObject([
      { startedAt: 2_000, verifiedBy: null },
      { startedAt: 1_000, verifiedBy: 'crc32' },
    ]);
  });

  it("keeps the method as one of the contract's, and reads one it does not know (older records said 'unknown') as none", () => {
    const db = openDatabase(':memory:');
    const log = new FlashLog(db);
    log.record({ ...attempt, method: null, durationMs: 10, ok: false, errorCode: 'X' });
    const other = log.begin({ ...attempt, startedAt: 2_000, method: 'uf2' });
    log.finish(other, { durationMs: 10, ok: true, verifiedBy: 're-enumerated' });
    log.record({ ...attempt, startedAt: 3_000, durationMs: 10, ok: true, verifiedBy: 'md5' });
    db.prepare('UPDATE flashes SET method = ? WHERE started_at = 3000').run('jtag-probe');
    expect(log.recent('b1').map((entry) => entry.method)).toEqual([null, 'uf2', null]);
  });

  it('marks an attempt whose process died unfinished as interrupted when the log is opened again, and leaves a live process its job', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flashdeck-log-'));
    try {
      const file = join(dir, 'flashdeck.db');
      const before = openDatabase(file);
      const id = new FlashLog(before).begin(attempt);
      before.prepare('UPDATE flashes SET owner_pid = 999999 WHERE id = ?').run(id);
      before.close();

      const after = openDatabase(file);
      const log = new FlashLog(after, () => false);
      expect(log.markInterrupted()).toBe(1);
      expect(log.markInterrupted()).toBe(0);
      expect(log.recent('b1')).toMatchObject([{ ok: false, errorCode: INTERRUPTED.code, errorMessage: INTERRUPTED.message }]);
      after.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not mark the running flash of another live Flashdeck (the app while the command line starts)', () => {
    const db = openDatabase(':memory:');
    const id = new FlashLog(db).begin(attempt);
    db.prepare('UPDATE flashes SET owner_pid = 4242 WHERE id = ?').run(id);
    const log = new FlashLog(db, (pid) => pid === 4242);
    expect(log.markInterrupted()).toBe(0);
    log.finish(id, { durationMs: 10, ok: false, errorCode: 'ESP_TIMEOUT', errorMessage: 'no answer' });
    expect(log.recent('b1')).toMatchObject([{ ok: false, errorCode: 'ESP_TIMEOUT' }]);
  });
});
