import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../../electron/services/store/database';
import { FlashLog } from '../../../electron/services/store/flash-log';
import { SizeHistory } from '../../../electron/services/store/size-history';
import { TelemetrySessionStore } from '../../../electron/services/store/telemetry-sessions';
import { TelemetryRecorder } from '../../../electron/services/telemetry/telemetry-recorder';
import { HistoryService } from '../../../electron/services/history/history-service';
import { artifactSha256 } from '../../../electron/services/store/artifact-hash';
import type { VerificationMethod } from '../../../electron/contract-values';

const sizes = { format: 'full' as const, code: 9000, rodata: 1000, data: 200, bss: 3896, flash: 10_200, ram: 4096, packages: [] };
const build = (db: Db, program: string, bytes: Uint8Array, startedAt: number) =>
  new SizeHistory(db).record({
    boardId: 'b1',
    target: 'esp32-coreboard-v2',
    program,
    startedAt,
    durationMs: 10,
    ok: true,
    tinygoVersion: '0.34.0',
    flags: {},
    sizes,
    overflowRegion: null,
    overflowBytes: null,
    error: null,
    artifactSha256: artifactSha256(bytes),
  });
const flash = (db: Db, bytes: Uint8Array, verifiedBy: VerificationMethod | null, ok = true) =>
  new FlashLog(db).record({
    boardId: 'b1',
    startedAt: 5_000,
    method: 'esp-serial',
    fileName: 'app.bin',
    bytes: bytes.length,
    artifactSha256: artifactSha256(bytes),
    durationMs: 1,
    ok,
    verifiedBy,
  });

/** heap-telemetry's Teleplot form: one field per line, so one field per row of the batch. */
function teleplotBatch(t0: number, samples: { uptime: number; inuse: number; idle: number }[]) {
  const t: number[] = [];
  const series: Record<string, (number | null)[]> = { uptime_ms: [], heap_inuse: [], heap_idle: [] };
  samples.forEach((sample, i) => {
    for (const [name, value] of [
      ['uptime_ms', sample.uptime],
      ['heap_inuse', sample.inuse],
      ['heap_idle', sample.idle],
    ] as const) {
      t.push(t0 + i * 100);
      for (const column of Object.keys(series)) series[column].push(column === name ? value : null);
    }
  });
  return { t, series };
}

afterEach(() => vi.useRealTimers());

describe('telemetry sessions', () => {
  it('ties a session to the build whose artifact the last verified flash wrote, and keeps its heap figures', () => {
    const db = openDatabase(':memory:');
    const image = new Uint8Array([1, 2, 3]);
    build(db, 'other', new Uint8Array([9]), 1_000);
    const buildId = build(db, 'heap-telemetry', image, 2_000);
    flash(db, image, 'md5');
    flash(db, new Uint8Array([7]), null, false); // a later failed flash does not change what runs
    const store = new TelemetrySessionStore(db);
    const history = new HistoryService({ db, targetOf: () => null, capacitySources: async () => ({ tinygoRoot: null, linkerScript: null }) });
    history.setBudget('b1', 'heap-telemetry', 'heap', 1000);
    const recorder = new TelemetryRecorder({ store, onMinFreeHeap: (boardId, bytes) => history.checkHeapBudget(boardId, bytes) });
    recorder.add(
      'b1',
      teleplotBatch(10_000, [
        { uptime: 0, inuse: 1000, idle: 9000 },
        { uptime: 1000, inuse: 4000, idle: 6000 },
        { uptime: 2000, inuse: 2000, idle: 8000 },
      ]),
    );
    recorder.end('b1');
    const [session] = store.list('b1');
    expect(session).toMatchObject({
      build: { id: buildId, program: 'heap-telemetry', ram: 4096 },
      heapCapacity: 10_000,
      peakHeapInuse: 4000,
      minFreeHeap: 6000,
      closed: true,
      samples: 9,
    });
    // The size history keeps the session's lowest free heap on the build, within its heap budget.
    expect(history.sizes.get(buildId)).toMatchObject({ minFreeHeap: 6000, overBudget: [] });
    // A second session of the same build dips lower, under the budget: the build's figure is the lowest of all and breaks it.
    recorder.add('b1', teleplotBatch(20_000, [{ uptime: 0, inuse: 9500, idle: 500 }]));
    recorder.end('b1');
    expect(history.sizes.get(buildId)?.minFreeHeap).toBe(500);
    expect(history.sizes.get(buildId)?.overBudget).toEqual([expect.objectContaining({ kind: 'heap' })]);
    const { batch } = store.read(session.id)!;
    expect(batch.series.heap_inuse.filter((v) => v !== null)).toEqual([1000, 4000, 2000]);
  });

  it('has no build when the last flash was not verified or its file was no build of ours', () => {
    const db = openDatabase(':memory:');
    build(db, 'heap-telemetry', new Uint8Array([1]), 1_000);
    flash(db, new Uint8Array([1]), null);
    const store = new TelemetrySessionStore(db);
    store.begin('b1', 1);
    flash(db, new Uint8Array([2]), 'md5');
    const second = store.begin('b1', 2);
    store.appendChunk(second, 0, { t: [2], series: { x: [1] } }, { heapCapacity: null, peakHeapInuse: null, minFreeHeap: null });
    expect(store.list('b1')).toMatchObject([{ id: second, build: null }]);
  });

  it('keeps a session up to the last second written when the app dies without ending it', () => {
    vi.useFakeTimers();
    const dir = mkdtempSync(join(tmpdir(), 'flashdeck-telemetry-'));
    try {
      const file = join(dir, 'flashdeck.sqlite');
      const db = openDatabase(file);
      const recorder = new TelemetryRecorder({ store: new TelemetrySessionStore(db), flushMs: 1000 });
      recorder.add('b1', { t: [1_000, 1_100], series: { heap_inuse: [100, 200], heap_sys: [1000, 1000] } });
      vi.advanceTimersByTime(1000);
      recorder.add('b1', { t: [2_000], series: { heap_inuse: [300], heap_sys: [1000] } });
      vi.advanceTimersByTime(1000);
      recorder.add('b1', { t: [3_000], series: { heap_inuse: [999], heap_sys: [1000] } }); // not yet written: lost with the crash
      // The crash: no end(), no close(); another process opens the file.
      const after = new TelemetrySessionStore(openDatabase(file));
      const [session] = after.list('b1');
      expect(session).toMatchObject({ startedAt: 1_000, endedAt: 2_000, samples: 3, closed: false, minFreeHeap: 700 });
      expect(after.read(session.id)!.batch).toEqual({ t: [1_000, 1_100, 2_000], series: { heap_inuse: [100, 200, 300], heap_sys: [1000, 1000, 1000] } });
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends a long session thinned, and says how many samples it has', () => {
    const db = openDatabase(':memory:');
    const store = new TelemetrySessionStore(db);
    const id = store.begin('b1', 0);
    const figures = { heapCapacity: null, peakHeapInuse: null, minFreeHeap: null };
    for (let seq = 0; seq < 10; seq++) {
      const t = Array.from({ length: 1000 }, (_, i) => seq * 1000 + i);
      store.appendChunk(id, seq, { t, series: { heap_inuse: t.map((v) => (v === 7_777 ? 99_999 : 1000 + (v % 50))) } }, figures);
    }
    const whole = store.read(id)!;
    expect(whole.thinnedFrom).toBeNull();
    expect(whole.batch.t).toHaveLength(10_000);
    const thin = store.read(id, 900)!;
    expect(thin.thinnedFrom).toBe(10_000);
    expect(thin.batch.t.length).toBeLessThanOrEqual(900);
    expect(Math.max(...(thin.batch.series.heap_inuse as number[]))).toBe(99_999);
    // An export asks for the session whole.
    expect(store.read(id, Infinity)!.batch.t).toHaveLength(10_000);
  });

  it('stores samples in compressed chunks, not a row per sample', () => {
    const db = openDatabase(':memory:');
    const store = new TelemetrySessionStore(db);
    const id = store.begin('b1', 0);
    const t = Array.from({ length: 1000 }, (_, i) => i * 10);
    store.appendChunk(id, 0, { t, series: { heap_inuse: t.map((v) => 1000 + (v % 500)) } }, { heapCapacity: null, peakHeapInuse: null, minFreeHeap: null });
    const rows = db.prepare('SELECT COUNT(*) AS n, SUM(LENGTH(data)) AS bytes FROM telemetry_chunks').get() as { n: number; bytes: number };
    expect(rows.n).toBe(1);
    expect(rows.bytes).toBeLessThan(1000 * 2); // under 2 bytes a sample
    expect(store.read(id)!.batch.series.heap_inuse).toHaveLength(1000);
  });
});

describe('telemetry sessions and flashes', () => {
  it('a flash ends the session; lines arriving until it is recorded are not recorded; the next session has the new build', () => {
    const db = openDatabase(':memory:');
    const oldImage = new Uint8Array([1]);
    const newImage = new Uint8Array([5, 6]);
    build(db, 'alloc-stress', oldImage, 1_000);
    const newBuild = build(db, 'heap-telemetry', newImage, 2_000);
    flash(db, oldImage, 'md5');
    const store = new TelemetrySessionStore(db);
    const recorder = new TelemetryRecorder({ store });
    recorder.add('b1', { t: [10], series: { heap_inuse: [1], heap_idle: [9] } });
    recorder.flashStarted('b1');
    recorder.add('b1', { t: [20], series: { heap_inuse: [2], heap_idle: [8] } }); // the old firmware's last line, late
    flash(db, newImage, 'md5');
    recorder.flashFinished('b1');
    recorder.add('b1', { t: [30], series: { heap_inuse: [3], heap_idle: [7] } });
    recorder.end('b1');
    expect(store.list('b1')).toMatchObject([
      { build: { id: newBuild }, samples: 1, minFreeHeap: 7 },
      { build: { program: 'alloc-stress' }, samples: 1, minFreeHeap: 9 },
    ]);
  });
});
