import { describe, expect, it } from 'vitest';
import { HeapAnalysis, leakOf } from '../../../renderer/telemetry/heap-analysis';
import { Decimator } from '../../../renderer/telemetry/decimate';
import { decodePlotterLine } from '../../../electron/services/telemetry/plotter-line';

/** Feeds console lines through the decoder, one row each, as the port session batches them. */
function feed(heap: HeapAnalysis, lines: string[], t0 = 1_000_000, stepMs = 10) {
  const t: number[] = [];
  const series: Record<string, (number | null)[]> = {};
  lines.forEach((line, i) => {
    const sample = decodePlotterLine(line);
    if (!sample) return;
    const row = t.length;
    t.push(t0 + i * stepMs);
    for (const name in sample.series) (series[name] ??= new Array<number | null>(row).fill(null)).push(sample.series[name]);
    for (const name in series) if (series[name].length === row) series[name].push(null);
  });
  heap.append(t, series);
}

const held = (heap: HeapAnalysis, ring: 'x' | 'inuse' | 'top' | 'live' | 'rate') => Array.from(heap[ring].data.subarray(heap.offset, heap.offset + heap.held));
const arduino = (uptime: number, inuse: number, extra = '') => `uptime_ms:${uptime},heap_alloc:${inuse},heap_inuse:${inuse},heap_idle:${10_000 - inuse},heap_sys:10000${extra}`;

describe('heap analysis', () => {
  it('an Arduino line is one sample; time is device uptime; figures, live objects and allocation rate', () => {
    const heap = new HeapAnalysis(64);
    feed(heap, [`${arduino(1000, 1000)},total_alloc:5000,mallocs:10,frees:2`, 'I (1) some console text', `${arduino(2000, 3000)},total_alloc:7000,mallocs:20,frees:4`]);
    expect(heap.clock).toBe('device');
    expect(held(heap, 'x')).toEqual([1, 2]);
    expect(held(heap, 'inuse')).toEqual([1000, 3000]);
    expect(held(heap, 'top')).toEqual([10_000, 10_000]);
    expect(held(heap, 'live')).toEqual([8, 16]);
    expect(held(heap, 'rate')[1]).toBe(2000);
    expect(heap.figures).toMatchObject({ capacity: 10_000, peakInuse: 3000, minFree: 7000, free: 7000, allocRate: 2000, gcCount: 0 });
    expect(heap.heapSeries.has('uptime_ms')).toBe(true);
  });

  it('Teleplot (one field per line) is grouped into the same samples', () => {
    const heap = new HeapAnalysis(64);
    const lines: string[] = [];
    for (const [uptime, inuse] of [
      [1000, 1000],
      [2000, 3000],
      [3000, 500],
    ]) {
      lines.push(`>uptime_ms:${uptime}`, `>heap_alloc:${inuse}`, `>heap_inuse:${inuse}`, `>heap_idle:${10_000 - inuse}`, `>mallocs:5`, `>frees:1`);
    }
    feed(heap, lines);
    expect(held(heap, 'x')).toEqual([1, 2, 3]);
    expect(held(heap, 'inuse')).toEqual([1000, 3000, 500]);
    expect(heap.figures).toMatchObject({ capacity: 10_000, minFree: 7000, gcCount: 1, gcSource: 'heap drop' });
  });

  it('GC events from NumGC increments when NumGC moves; from a drop in heap in use when it does not', () => {
    const byCount = new HeapAnalysis(64);
    feed(byCount, [arduino(0, 1000, ',num_gc:0'), arduino(100, 900, ',num_gc:0'), arduino(200, 2000, ',num_gc:2'), arduino(300, 1500, ',num_gc:2')]);
    // The first drop (900) counted before NumGC was known to move; then only NumGC counts.
    expect(byCount.figures.gcCount).toBe(3);
    expect(byCount.figures.gcSource).toBe('NumGC');
    expect(byCount.gcs.map((g) => g.x)).toEqual([0.1, 0.2]);

    const stuck = new HeapAnalysis(64); // TinyGo leaves NumGC at 0 for some collectors
    feed(stuck, [arduino(0, 1000, ',num_gc:0'), arduino(100, 4000, ',num_gc:0'), arduino(200, 1200, ',num_gc:0')]);
    expect(stuck.gcs).toEqual([{ x: 0.2, inuseAfter: 1200 }]);
  });

  it('a reboot (uptime restarts) starts a new segment with a break, never a line back in time', () => {
    const heap = new HeapAnalysis(64);
    feed(heap, [arduino(5000, 1000), arduino(6000, 2000), arduino(0, 500), arduino(1000, 600)], 1_000_000, 1000);
    const x = held(heap, 'x');
    for (let i = 1; i < x.length; i++) expect(x[i]).toBeGreaterThan(x[i - 1]);
    expect(held(heap, 'inuse').map((v) => (Number.isNaN(v) ? null : v))).toEqual([1000, 2000, null, 500, 600]);
    expect(heap.figures.reboots).toBe(1);
    expect(heap.figures.gcCount).toBe(0); // the restart is not a GC
  });

  it('leak watch: heap in use after each GC keeps rising → the rate and when the heap runs out', () => {
    const heap = new HeapAnalysis(256);
    const lines: string[] = [];
    let uptime = 0;
    for (let cycle = 0; cycle < 8; cycle++) {
      const floor = 1000 + cycle * 200; // +200 B per cycle of 4 s
      for (const inuse of [floor, floor + 2000, floor + 4000, floor + 6000]) lines.push(arduino((uptime += 1000), inuse));
    }
    feed(heap, lines);
    expect(heap.leak).not.toBeNull();
    expect(heap.leak!.bytesPerSecond).toBeCloseTo(50, 5);
    // Last floor 2400 B of 10000 at 50 B/s: 152 s.
    expect(heap.leak!.secondsLeft).toBeCloseTo((10_000 - 2400) / 50, 3);

    const steady = new HeapAnalysis(256);
    feed(
      steady,
      Array.from({ length: 32 }, (_, i) => arduino(i * 1000, 1000 + (i % 4) * 2000)),
    );
    expect(steady.figures.gcCount).toBe(7);
    expect(steady.leak).toBeNull();
  });

  it('leakOf needs six GCs and a rise of the lowest floors above 1 % of the heap; noise above the floor is no leak', () => {
    const floors = (values: number[]) => values.map((inuseAfter, x) => ({ x, inuseAfter }));
    expect(leakOf(floors([100, 200, 300, 400, 500]), 10_000)).toBeNull();
    expect(leakOf(floors([1000, 1010, 1020, 1030, 1040, 1050]), 10_000)).toBeNull();
    expect(leakOf(floors([1000, 1100, 1200, 1300, 1400, 1500]), 10_000)).toMatchObject({ bytesPerSecond: 100, secondsLeft: 85 });
    // GCs forced mid-work (live data on top of the floor) go up and down: not a leak.
    expect(leakOf(floors([1000, 9000, 1000, 5000, 1000, 8000, 1000]), 10_000)).toBeNull();
  });

  it('a host clock when the stream has no uptime', () => {
    const heap = new HeapAnalysis(16);
    feed(heap, ['HeapInuse:100,HeapIdle:900', 'HeapInuse:200,HeapIdle:800'], 5_000, 500);
    expect(heap.clock).toBe('host');
    expect(held(heap, 'x')).toEqual([5, 5.5]);
  });
});

describe('display decimation', () => {
  it('keeps each bucket’s min and max (spikes survive) and turns NaN gaps into null breaks', () => {
    const x = Float64Array.from({ length: 1000 }, (_, i) => i);
    const y = Float64Array.from({ length: 1000 }, (_, i) => (i === 537 ? 99 : i % 2));
    y[800] = NaN;
    const out = new Decimator().run(x, [y], 0, 1000, 100);
    expect(out.length).toBe(100);
    expect(Math.max(...(out.ys[0].filter((v) => v !== null) as number[]))).toBe(99);
    expect(out.ys[0].filter((v) => v === null).length).toBeGreaterThan(0);
    const few = new Decimator().run(x, [y], 990, 10, 100);
    expect(Array.from(few.x)).toEqual([990, 991, 992, 993, 994, 995, 996, 997, 998, 999]);
  });
});

describe('generic view axes', () => {
  it('groups by Teleplot unit, else by magnitude', async () => {
    const { groupByAxis } = await import('../../../renderer/telemetry/axis-groups');
    const max: Record<string, number> = { temp: 21, hum: 55, pressure: 101_325, heap: 240_000, volts: 3.3 };
    const units: Record<string, string> = { volts: 'V' };
    const groups = groupByAxis(
      Object.keys(max),
      (n) => units[n],
      (n) => max[n],
    );
    expect(groups.map((g) => g.names)).toEqual([['volts'], ['temp', 'hum'], ['pressure', 'heap']]);
    expect(groups[0].label).toBe('V');
  });
});

describe('silences break the lines', () => {
  it('a pause ten times the usual interval (at least 2 s) is a silence', async () => {
    const { silenceThreshold } = await import('../../../renderer/telemetry/time-chart');
    const x = Float64Array.from({ length: 200 }, (_, i) => (i < 100 ? i : i + 60)); // 1 Hz, then silent for a minute
    expect(silenceThreshold(x, 0, 200)).toBe(10);
    expect(
      silenceThreshold(
        Float64Array.from({ length: 100 }, (_, i) => i * 0.01),
        0,
        100,
      ),
    ).toBe(2);
    expect(silenceThreshold(x, 0, 2)).toBe(Infinity);
  });
});
