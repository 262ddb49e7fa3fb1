/**
 * The heap view's input: every MemStats field name in both line formats, and the lines around
 * them (malformed, huge, NaN/Inf, unicode, console text, panics) decoded or ignored.
 */
import { describe, expect, it } from 'vitest';
import { decodePlotterLine } from '../../../electron/services/telemetry/plotter-line';
import { HEAP_FIELD_BY_SERIES, freeHeap, heapCapacity } from '../../../electron/contract-values';

const GO_NAMES = ['HeapAlloc', 'HeapInuse', 'HeapIdle', 'HeapSys', 'TotalAlloc', 'Mallocs', 'Frees', 'NumGC'];
const PROGRAM_NAMES = ['uptime_ms', 'heap_alloc', 'heap_inuse', 'heap_idle', 'heap_sys', 'total_alloc', 'mallocs', 'frees', 'num_gc'];

describe('heap fields in either line format', () => {
  it.each([...GO_NAMES, ...PROGRAM_NAMES])('%s: Arduino and Teleplot lines decode to a heap field', (name) => {
    expect(HEAP_FIELD_BY_SERIES[name]).toBeDefined();
    expect(decodePlotterLine(`${name}:4096\r\n`)?.series).toEqual({ [name]: 4096 });
    expect(decodePlotterLine(`>${name}:4096\r\n`)?.series).toEqual({ [name]: 4096 });
  });

  it("Go's names on one Arduino line map to the same fields as the program's labels", () => {
    const go = decodePlotterLine('HeapAlloc:1232,HeapInuse:1232,HeapIdle:240544,HeapSys:241776,TotalAlloc:1376,Mallocs:9,Frees:2,NumGC:3')!.series;
    const program = decodePlotterLine('heap_alloc:1232,heap_inuse:1232,heap_idle:240544,heap_sys:241776,total_alloc:1376,mallocs:9,frees:2,num_gc:3')!.series;
    const fields = (series: Record<string, number>) => Object.fromEntries(Object.entries(series).map(([k, v]) => [HEAP_FIELD_BY_SERIES[k], v]));
    expect(fields(go)).toEqual(fields(program));
  });

  it('capacity and free heap: HeapSys when printed, else in use + idle (Teleplot heap-telemetry has no heap_sys)', () => {
    expect(heapCapacity({ heapInuse: 1000, heapIdle: 9000, heapSys: 12_000 })).toBe(12_000);
    expect(heapCapacity({ heapInuse: 1000, heapIdle: 9000 })).toBe(10_000);
    expect(freeHeap({ heapInuse: 1000, heapIdle: 9000 })).toBe(9000);
    expect(freeHeap({ heapInuse: 1000 })).toBeUndefined();
  });
});

describe('lines around the heap samples', () => {
  it('NaN, Inf and out-of-range numbers are not samples', () => {
    for (const line of ['heap_inuse:NaN', 'heap_inuse:Inf', 'heap_inuse:-Infinity', '>heap_inuse:NaN', '>heap_inuse:inf', 'heap_inuse:1e999', '>heap_inuse:1e400', 'nan inf']) {
      expect(decodePlotterLine(line)).toBeNull();
    }
  });

  it('malformed lines: truncated, doubled separators inside values, a cut-off line joined to the next', () => {
    for (const line of [
      'heap_inuse:12,heap_idle',
      'heap_inuse:1-2',
      'heap_inuse:12heap_idle:5',
      'uptime_ms:1000,heap_inuse:12uptime_ms:2000',
      '>heap_inuse:',
      '>heap_inuse:12:',
      '>heap_inuse::12',
    ]) {
      expect(decodePlotterLine(line)).toBeNull();
    }
  });

  it('unicode labels and units decode as they are', () => {
    expect(decodePlotterLine('température:21.5,湿度:40')?.series).toEqual({ température: 21.5, 湿度: 40 });
    expect(decodePlotterLine('>mémoire:512§octets')).toEqual({ format: 'teleplot', series: { mémoire: 512 }, unit: 'octets' });
    expect(decodePlotterLine('>heap:1§µB😀')?.unit).toBe('µB😀');
  });

  it('huge lines: a megabyte of fields decodes (or is rejected) without throwing, in linear time', () => {
    const fields = Array.from({ length: 50_000 }, (_, i) => `s${i}:${i}`).join(',');
    expect(Object.keys(decodePlotterLine(fields)!.series)).toHaveLength(50_000);
    expect(decodePlotterLine('x'.repeat(1_000_000))).toBeNull();
    expect(decodePlotterLine('>' + 'n'.repeat(1_000_000) + ':1')?.series).toBeDefined();
    expect(decodePlotterLine('heap_inuse:' + '9'.repeat(500_000))).toBeNull(); // Infinity
  });

  it('console text and panics between samples are ignored, the samples on either side are kept', () => {
    const stream = [
      'uptime_ms:1000,heap_inuse:1232,heap_idle:240544,heap_sys:241776',
      'I (312) wifi: connected',
      'panic: runtime error at 0x000012f4: index out of range',
      '[tinygo: panic at /home/u/main.go:10:2]',
      "Guru Meditation Error: Core  0 panic'ed (LoadProhibited). Exception was unhandled.",
      'ets Jun  8 2016 00:22:57',
      '>heap_inuse:2048',
      'uptime_ms:2000,heap_inuse:1400,heap_idle:240376,heap_sys:241776',
    ];
    const decoded = stream.map((line) => decodePlotterLine(line + '\r\n'));
    expect(decoded.map((d) => d !== null)).toEqual([true, false, false, false, false, false, true, true]);
  });
});
