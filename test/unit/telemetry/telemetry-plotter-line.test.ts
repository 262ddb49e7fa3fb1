import { describe, expect, it } from 'vitest';
import { decodePlotterLine } from '../../../electron/services/telemetry/plotter-line';

// The reference's regexes (tinygo-cli.md 11.3): the decoder must accept exactly these lines.
const ARDUINO = /^(?:[^\s,:]+:-?[\d.eE+-]+[ ,\t]*)+\r?$/;
const TELEPLOT = /^>([^:|,]+)(?:,[^:]*)?:(?:(\d+):)?(-?[\d.eE+-]+)(?:§[^|]*)?(?:\|.*)?\r?$/;

describe('decodePlotterLine: Arduino Serial Plotter (reference 11.1)', () => {
  it('the heap-telemetry example line of reference 10.4, with \\r\\n', () => {
    const line = 'uptime_ms:12000,heap_alloc:1232,heap_inuse:1232,heap_idle:240544,heap_sys:241776,total_alloc:1376,mallocs:9,frees:2\r\n';
    expect(decodePlotterLine(line)).toEqual({
      format: 'arduino',
      series: { uptime_ms: 12000, heap_alloc: 1232, heap_inuse: 1232, heap_idle: 240544, heap_sys: 241776, total_alloc: 1376, mallocs: 9, frees: 2 },
    });
  });

  it('space and tab separated label:value pairs, negatives and exponents', () => {
    expect(decodePlotterLine('temp:-4.5 hum:55\tpressure:1.0132e5')?.series).toEqual({ temp: -4.5, hum: 55, pressure: 101320 });
    expect(decodePlotterLine('a:1, b:2 ,\tc:3,')?.series).toEqual({ a: 1, b: 2, c: 3 });
  });

  it('unlabeled values are named "value 1", "value 2", … like the Arduino plotter', () => {
    expect(decodePlotterLine('1 2.5 -3\r')).toEqual({ format: 'arduino-values', series: { 'value 1': 1, 'value 2': 2.5, 'value 3': -3 } });
    expect(decodePlotterLine('10,20\t30')?.series).toEqual({ 'value 1': 10, 'value 2': 20, 'value 3': 30 });
  });

  it('a later value for the same label wins', () => {
    expect(decodePlotterLine('x:1,x:2')?.series).toEqual({ x: 2 });
  });
});

describe('decodePlotterLine: Teleplot (reference 11.2)', () => {
  it('>name:value and >name:timestamp:value', () => {
    expect(decodePlotterLine('>heap_alloc:1232\r\n')).toEqual({ format: 'teleplot', series: { heap_alloc: 1232 } });
    expect(decodePlotterLine('>myValue:1627551892437:1234')).toEqual({ format: 'teleplot', series: { myValue: 1234 }, timestampMs: 1627551892437 });
  });

  it('unit, flags, widget options and several points', () => {
    expect(decodePlotterLine('>temp:21.5§°C')).toEqual({ format: 'teleplot', series: { temp: 21.5 }, unit: '°C' });
    expect(decodePlotterLine('>temp:21.5§°C|np')).toEqual({ format: 'teleplot', series: { temp: 21.5 }, unit: '°C' });
    expect(decodePlotterLine('>heap,widget0:7')).toEqual({ format: 'teleplot', series: { heap: 7 } });
    expect(decodePlotterLine('>v:1:10;2:20;3:30')).toEqual({ format: 'teleplot', series: { v: 30 }, timestampMs: 3 });
  });

  it('text and xy lines are not numeric series', () => {
    expect(decodePlotterLine('>state:running|t')).toBeNull();
    expect(decodePlotterLine('>pos:1:2|xy')).toBeNull();
  });

  it('">a:1,b:2" is not two series (Teleplot takes "1,b" as a timestamp): rejected', () => {
    expect(decodePlotterLine('>a:1,b:2')).toBeNull();
  });
});

describe('decodePlotterLine: lines to ignore (reference 11.3)', () => {
  it.each([
    'ets Jun  8 2016 00:22:57',
    'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)',
    'ESP-ROM:esp32c3-api1-20210207',
    'panic: runtime error at 0x0000abcd: out of memory',
    '[tinygo: panic at /home/u/main.go:10:2]',
    'Connected to /dev/ttyACM0. Press Ctrl-C to exit.',
    'led-test: LED1 on',
    'hello world',
    '',
    '\r\n',
    ':5',
    'label:',
    'a:1,b',
    '>',
    '>:5',
    '>name',
    '>name:abc',
    '1 2 x',
    'value:1.2.3.4e',
    'ip:192.168.1.10',
  ])('%j → null', (line) => {
    expect(decodePlotterLine(line)).toBeNull();
  });
});

describe('decodePlotterLine agrees with the reference regexes', () => {
  const samples = [
    'a:1',
    'a:1,b:2',
    'a:-1 b:+2',
    'x:1e3\r',
    'a:1,,,b:2',
    'a b:1',
    'a:1 b',
    ' a:1',
    'a:1\tb:2\t',
    'a:--',
    'a:1e',
    '>n:1',
    '>n:12:3',
    '>n,w:4',
    '>n:5§u',
    '>n:6|np',
    '>n:x',
    '>n:1:2:3',
    '>:1',
    '>n,w',
    'plain',
    '12 13',
  ];
  it.each(samples)('%j', (line) => {
    const decoded = decodePlotterLine(line);
    const teleplot = line.startsWith('>');
    const regexAccepts = teleplot ? TELEPLOT.test(line) : ARDUINO.test(line);
    if (teleplot || line.includes(':')) {
      // Values like "--" match the character class but are not numbers: the decoder is stricter.
      const numeric = decoded !== null;
      expect(numeric ? regexAccepts : true).toBe(true);
      if (regexAccepts && !/(^|[:\s,])-?-|:1e(?!\d)/.test(line)) expect(numeric).toBe(true);
    }
  });
});

describe('decodePlotterLine throughput', () => {
  it('decodes 2 Mbaud worth of heap lines (≈ 1,800 lines/s) with a wide margin', () => {
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++) {
      lines.push(`uptime_ms:${i * 1000},heap_alloc:${1232 + i},heap_inuse:${1232 + i},heap_idle:240544,heap_sys:241776,total_alloc:${1376 + i},mallocs:${9 + i},frees:2\r\n`);
      lines.push(`>heap_alloc:${i}\r\n`);
      lines.push('I (123) wifi: some log text that is not plotted\r\n');
    }
    // Warm up, then time 60k lines (≈ 2 MB of console text, ~10 s of a 2 Mbaud stream).
    for (const l of lines) decodePlotterLine(l);
    const started = performance.now();
    let decoded = 0;
    for (let round = 0; round < 20; round++) for (const l of lines) if (decodePlotterLine(l)) decoded++;
    const ms = performance.now() - started;
    expect(decoded).toBe(40_000);
    // Budget: well under the 10 s of wall time those bytes take on the wire, on a shared CI core.
    expect(ms).toBeLessThan(1500);
  });
});
