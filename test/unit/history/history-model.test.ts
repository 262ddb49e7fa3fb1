import { describe, expect, it } from 'vitest';
import { changeMarkers, headroom, latestHeadroom, latestWithSizes, overflowText, stackedSeries } from '../../../renderer/history/history-model';
import { flagVariants, matrixResults } from '../../../renderer/programs/flag-matrix';
import type { HistorySeries, SizeHistoryRow } from '../../../electron/contract';
import { openDatabase } from '../../../electron/services/store/database';
import { SizeHistory } from '../../../electron/services/store/size-history';

function row(id: number, extra: Partial<SizeHistoryRow> = {}): SizeHistoryRow {
  return {
    id,
    startedAt: id * 1000,
    program: 'blink',
    programPath: null,
    gitCommit: null,
    gitDirty: null,
    target: 'feather-nrf52840',
    ok: true,
    tinygoVersion: '0.33.0',
    flags: '{}',
    flagArgs: [],
    sizeFormat: 'full',
    code: 1000,
    rodata: 200,
    data: 10,
    bss: 300,
    flash: 1210,
    ram: 310,
    artifactBytes: null,
    artifactSha256: null,
    overflowRegion: null,
    overflowBytes: null,
    overflowLowerBound: false,
    error: null,
    experimentId: null,
    minFreeHeap: null,
    overBudget: [],
    ...extra,
  };
}

/** The chart's series as the store answers it, for builds described like rows. */
function series(rows: SizeHistoryRow[]): HistorySeries {
  const store = new SizeHistory(openDatabase(':memory:'));
  for (const r of rows) {
    store.record({
      boardId: 'b1',
      target: r.target,
      program: r.program,
      programPath: r.programPath,
      startedAt: r.startedAt,
      durationMs: 1,
      ok: r.ok,
      tinygoVersion: r.tinygoVersion,
      flags: JSON.parse(r.flags),
      sizes:
        r.ok && r.code !== null ? { format: r.sizeFormat ?? 'full', code: r.code, rodata: r.rodata, data: r.data!, bss: r.bss!, flash: r.flash!, ram: r.ram!, packages: [] } : null,
      overflowRegion: null,
      overflowBytes: null,
      error: null,
    });
  }
  return store.series('b1');
}

describe('size history model', () => {
  it('stacks code, rodata, data and bss per build and leaves failed builds as gaps', () => {
    const s = stackedSeries(series([row(1), row(2, { ok: false, code: null }), row(3, { rodata: null, sizeFormat: 'short' })]));
    expect([...s.code]).toEqual([1000, NaN, 1000]);
    expect([...s.rodata]).toEqual([1200, NaN, 1000]);
    expect([...s.bss]).toEqual([1510, NaN, 1310]);
  });

  it('marks where the TinyGo version, the flags or the program changed', () => {
    const markers = changeMarkers(series([row(1), row(2), row(3, { tinygoVersion: '0.34.0' }), row(4, { tinygoVersion: '0.34.0', flags: '{"opt":"s"}', program: 'heap' })]));
    expect(markers).toEqual([
      { index: 2, buildId: 3, kinds: ['tinygo'], changes: ['TinyGo 0.33.0 → 0.34.0'] },
      { index: 3, buildId: 4, kinds: ['flags', 'program'], changes: ['flags target defaults → -opt=s', 'program blink → heap'] },
    ]);
  });

  it('colours headroom by how near the limit it is, and names bytes and percent', () => {
    expect(headroom('Flash', 500, 1000)).toMatchObject({ level: 'ok', percent: 50, text: 'Flash: 500 B of 1,000 B used (50.0 %), 500 B free' });
    expect(headroom('Flash', 800, 1000).level).toBe('warn');
    expect(headroom('Flash', 950, 1000).level).toBe('bad');
    expect(headroom('Static RAM', 1100, 1000).text).toBe('Static RAM: 1,100 B of 1,000 B used (110.0 %), 100 B over');
    const capacity = {
      target: 't',
      source: 'catalogue' as const,
      sourceNote: '',
      flash: { region: 'FLASH_TEXT', origin: 0, bytes: 2420 },
      ram: { region: 'RAM', origin: 0, bytes: 1000 },
    };
    const twoBuilds = series([row(1), row(2, { ok: false, code: null, flash: null, ram: null })]);
    expect(latestHeadroom(twoBuilds, capacity)?.flash.percent).toBe(50);
    expect(latestWithSizes(twoBuilds)).toEqual({ latest: 0, previous: -1 });
    expect(latestHeadroom(twoBuilds, null)).toBeNull();
  });

  it('shows a lower-bound overflow as "at least"', () => {
    expect(overflowText({ overflowRegion: 'RAM', overflowBytes: 3399, overflowLowerBound: true })).toBe('RAM overflowed by at least 3,399 B');
    expect(overflowText({ overflowRegion: 'FLASH_TEXT', overflowBytes: 9052, overflowLowerBound: false })).toBe('FLASH_TEXT overflowed by 9,052 B');
  });
});

describe('flag matrix', () => {
  it('makes every combination of the picked values', () => {
    const variants = flagVariants({ opt: ['z', 's'], gc: ['conservative', 'none'], scheduler: ['tasks'], panic: ['print', 'trap'], noDebug: [false, true] });
    expect(variants).toHaveLength(16);
    expect(variants[0]).toEqual({ opt: 'z', gc: 'conservative', scheduler: 'tasks', panic: 'print' });
    expect(variants[1]).toEqual({ opt: 'z', gc: 'conservative', scheduler: 'tasks', panic: 'print', noDebug: true });
    expect(flagVariants({ opt: [], gc: ['none'], scheduler: ['tasks'], panic: ['print'], noDebug: [false] })).toEqual([]);
  });

  it('marks the smallest successful flash and keeps each failure’s recorded reason', () => {
    const results = matrixResults({
      id: 1,
      boardId: 'b',
      target: 't',
      program: 'p',
      createdAt: 0,
      state: 'done',
      variants: [],
      builds: [
        row(1, { flash: 2000, flagArgs: ['-opt=z'] }),
        row(2, { flash: 1500, flagArgs: ['-opt=s'] }),
        row(3, { ok: false, flash: null, ram: null, error: 'BUILD_FAILED: main.go:5: linker could not find symbol runtime.alloc' }),
      ],
    });
    expect(results.rows.map((r) => r.smallestFlash)).toEqual([false, true, false]);
    expect(results.rows[0].flashShare).toBe(1);
    expect(results.rows[2].reason).toBe('main.go:5: linker could not find symbol runtime.alloc');
    expect(results.failed).toBe(1);
  });
});
