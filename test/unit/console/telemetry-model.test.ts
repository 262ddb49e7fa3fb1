import { describe, expect, it } from 'vitest';
import { TelemetryModel } from '../../../renderer/telemetry/telemetry-model';

describe('telemetry model (renderer)', () => {
  it('gives uPlot one contiguous typed-array window, repeats missing values and leaves a series empty before its first value', () => {
    const model = new TelemetryModel(4);
    model.append([1000, 2000], { HeapInuse: [10, 20], temp: [null, null] });
    model.append([3000], { temp: [21.5] });
    model.append([4000, 5000, 6000], { HeapInuse: [40, null, 60], temp: [22, 23, 24] });
    expect(model.total).toBe(6);
    const [x, heap, temp] = model.chartData(['HeapInuse', 'temp']);
    expect(x).toBeInstanceOf(Float64Array);
    expect([...x]).toEqual([3, 4, 5, 6]);
    expect(heap).toBeInstanceOf(Float64Array);
    expect([...heap]).toEqual([20, 40, 40, 60]);
    expect([...temp]).toEqual([21.5, 22, 23, 24]);
    expect(model.stats('HeapInuse')).toEqual({ min: 20, max: 60, last: 60 });
  });

  it('uses null for a series before its first value, limits to the time window, and exports CSV', () => {
    const model = new TelemetryModel(16);
    model.append([0, 60_000, 120_000], { a: [1, 2, 3], b: [null, 5, 6] });
    const [x, a, b] = model.chartData(['a', 'b']);
    expect([...x]).toEqual([0, 60, 120]);
    expect([...a]).toEqual([1, 2, 3]);
    expect(b).toEqual([null, 5, 6]);
    const [recent] = model.chartData(['a'], 60_000);
    expect([...recent]).toEqual([60, 120]);
    expect(model.toCsv().split('\n')).toEqual(['time,t_ms,a,b', '1970-01-01T00:00:00.000Z,0,1,', '1970-01-01T00:01:00.000Z,60000,2,5', '1970-01-01T00:02:00.000Z,120000,3,6', '']);
  });
});
