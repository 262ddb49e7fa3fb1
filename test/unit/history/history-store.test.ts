import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../electron/services/store/database';
import { HistoryService } from '../../../electron/services/history/history-service';
import type { SizeHistoryEntry } from '../../../electron/services/store/size-history';

const pkg = (name: string, code: number, rodata = 0, data = 0, bss = 0, kind = 'go') => ({
  name,
  kind: kind as 'go',
  code,
  rodata,
  data,
  bss,
  flash: code + rodata + data,
  ram: data + bss,
});

function entry(at: number, packages: ReturnType<typeof pkg>[], extra: Partial<SizeHistoryEntry> = {}): SizeHistoryEntry {
  const sum = (k: 'code' | 'rodata' | 'data' | 'bss') => packages.reduce((s, p) => s + p[k], 0);
  return {
    boardId: 'b1',
    target: 'feather-nrf52840',
    program: 'blink',
    startedAt: at,
    durationMs: 10,
    ok: true,
    tinygoVersion: '0.33.0',
    flags: {},
    sizes: {
      format: 'full',
      code: sum('code'),
      rodata: sum('rodata'),
      data: sum('data'),
      bss: sum('bss'),
      flash: sum('code') + sum('rodata') + sum('data'),
      ram: sum('data') + sum('bss'),
      packages,
    },
    overflowRegion: null,
    overflowBytes: null,
    error: null,
    ...extra,
  };
}

function service() {
  return new HistoryService({ db: openDatabase(':memory:'), targetOf: () => 'feather-nrf52840', capacitySources: async () => ({ tinygoRoot: null, linkerScript: null }) });
}

describe('build diff', () => {
  it('lists every package by absolute change, marks new and removed ones, and says what else differs', () => {
    const h = service();
    const a = h.sizes.record(entry(1, [pkg('machine', 2000, 100), pkg('runtime', 5000, 300, 8, 40), pkg('strings', 800)]));
    const b = h.sizes.record(
      entry(2, [pkg('fmt', 9412, 201), pkg('machine', 1990, 100), pkg('runtime', 5100, 300, 8, 40)], {
        tinygoVersion: '0.34.0',
        flags: { opt: 's' },
        gitCommit: 'a'.repeat(40),
        gitDirty: true,
      }),
    );
    const diff = h.diff(a, b);
    expect(diff.packages.map((p) => [p.name, p.status])).toEqual([
      ['fmt', 'added'],
      ['strings', 'removed'],
      ['runtime', 'changed'],
      ['machine', 'changed'],
    ]);
    expect(diff.packages[0].delta).toMatchObject({ code: 9412, rodata: 201, flash: 9613 });
    expect(diff.totals.delta.flash).toBe(9613 - 800 + 100 - 10);
    expect(diff.otherDifferences).toEqual([
      'TinyGo 0.33.0 → 0.34.0: sizes change between TinyGo versions.',
      'Flags (target defaults) → -opt=s.',
      'Commit not in git → aaaaaaaaaa (with uncommitted changes).',
    ]);
    expect(diff.note).toBeNull();
    expect(() => h.diff(a, 999)).toThrow(/no build #999/);
  });

  it('says when a build has no package rows', () => {
    const h = service();
    const a = h.sizes.record({ ...entry(1, []), sizes: { format: 'short', code: 6248, rodata: null, data: 0, bss: 9378, flash: 6248, ram: 9378, packages: [] } });
    const b = h.sizes.record(entry(2, [pkg('main', 10)]));
    expect(h.diff(a, b).note).toMatch(/Build #\d+ has no per-package sizes \(built with -size=short\)/);
  });
});

describe('history table queries', () => {
  it('filters by program, target, flags and result, pages newest first and counts all matches', () => {
    const h = service();
    for (let i = 0; i < 30; i++) {
      h.sizes.record(
        entry(i, [pkg('main', 100 + i)], {
          program: i % 2 ? 'blink' : 'heap-telemetry',
          flags: i % 3 === 0 ? { gc: 'leaking' } : { opt: 's', noDebug: true },
          ok: i % 10 !== 9,
          ...(i % 10 === 9 ? { sizes: null, overflowRegion: 'FLASH_TEXT', overflowBytes: 12, overflowLowerBound: true, error: 'BUILD_OVERFLOW: too big' } : {}),
        }),
      );
    }
    const page = h.page({ boardId: 'b1', program: 'blink' }, 0, 5);
    expect(page.total).toBe(15);
    expect(page.rows.map((r) => r.startedAt)).toEqual([29, 27, 25, 23, 21]);
    expect(page.programs).toEqual(['blink', 'heap-telemetry']);
    expect(h.page({ boardId: 'b1', flags: '-gc=leaking' }).total).toBe(10);
    expect(h.page({ boardId: 'b1', flags: '-no-debug' }).total).toBe(20);
    const failed = h.page({ boardId: 'b1', failed: true });
    expect(failed.total).toBe(3);
    expect(failed.rows[0]).toMatchObject({ ok: false, overflowLowerBound: true, overflowBytes: 12 });
    expect(h.page({ boardId: 'b1' }, 25, 10).rows).toHaveLength(5);
  });

  it('exports builds with their packages as CSV (one row per package, formulas defused) and JSON', () => {
    const h = service();
    h.sizes.record(entry(Date.UTC(2026, 0, 2), [pkg('C picolibc', 1536, 4256, 0, 0, 'c'), pkg('main', 420, 64)], { program: '=cmd|evil', programPath: '/src/a,b' }));
    h.sizes.record({ ...entry(Date.UTC(2026, 0, 3), []), ok: false, sizes: null, error: 'BUILD_FAILED: main.go:4:6: "a" declared' });
    const csv = h.export('b1', 'csv');
    expect(csv.fileName).toMatch(/^flashdeck-size-history-b1-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0].split(',').slice(0, 3)).toEqual(['build_id', 'started_at', 'program']);
    expect(lines[1]).toContain(`'=cmd|evil,"/src/a,b"`);
    expect(lines[1]).toMatch(/,C picolibc,c,1536,4256,0,0,5792,0$/);
    expect(lines[3]).toContain('"BUILD_FAILED: main.go:4:6: ""a"" declared"');
    const json = JSON.parse(h.export('b1', 'json').text);
    expect(json.builds).toHaveLength(2);
    expect(json.builds[0].packages.map((p: { name: string }) => p.name)).toEqual(['C picolibc', 'main']);
    expect(json.builds[0].startedAt).toBe('2026-01-02T00:00:00.000Z');
  });
});
