import { describe, expect, it } from 'vitest';
import { ConsoleLineParser, type ConsoleLine } from '../../../renderer/console/console-line-parser';
import { ByteRing, LineRing } from '../../../renderer/console/console-buffer';

function parse(chunks: string[]): { lines: ConsoleLine[]; parser: ConsoleLineParser } {
  const parser = new ConsoleLineParser();
  const lines: ConsoleLine[] = [];
  chunks.forEach((chunk, i) => parser.feed(chunk, 1000 + i, (line) => lines.push(line)));
  return { lines, parser };
}

describe('console line parser', () => {
  it('ends lines on \\n and \\r\\n, also when \\r and \\n arrive in different chunks', () => {
    const { lines, parser } = parse(['one\ntwo\r\nthree\r', '\nfour']);
    expect(lines.map((l) => l.text)).toEqual(['one', 'two', 'three']);
    expect(parser.partial()?.text).toBe('four');
  });

  it('treats a lone \\r as return-to-column-0 and overwrites, like a terminal', () => {
    const { lines } = parse(['progress 10%\rprogress 55%\r', 'done      \n']);
    expect(lines.map((l) => l.text)).toEqual(['done      5%']);
    const again = parse(['abcdef\rXY\n']);
    expect(again.lines[0].text).toBe('XYcdef');
  });

  it('turns ESP-IDF colour codes into runs and strips them from the text, even split across chunks', () => {
    const { lines } = parse(['\x1b[0;32mI (312) wifi: connected\x1b[0m\r\n\x1b[0;3', '1mE (400) app: failed\x1b[0m\r\n']);
    expect(lines[0]).toMatchObject({ text: 'I (312) wifi: connected', runs: [{ from: 0, to: 23, classes: 'fg2' }] });
    expect(lines[1]).toMatchObject({ text: 'E (400) app: failed', runs: [{ from: 0, to: 19, classes: 'fg1' }] });
  });

  it('handles bold, 256-colour and RGB, erase-in-line and backspace', () => {
    const { lines } = parse(['\x1b[1;38;5;196mhot\x1b[0m \x1b[38;2;1;2;3mrgb\x1b[0m\n', 'abc\x08\x08X\n', 'keep\x1b[2Kgone\n']);
    expect(lines[0].runs).toEqual([
      { from: 0, to: 3, classes: 'bold', color: 'rgb(255, 0, 0)' },
      { from: 4, to: 7, classes: '', color: 'rgb(1, 2, 3)' },
    ]);
    expect(lines[1].text).toBe('aXc');
    expect(lines[2].text).toBe('gone');
  });

  it('gives the same colours to a repeated reset-and-set sequence whatever came before it', () => {
    const { lines } = parse(['\x1b[0;31mred\x1b[1mbold\x1b[0;31mred\x1b[0m plain\n', '\x1b[1m\x1b[0;31mred\n']);
    expect(lines[0].runs).toEqual([
      { from: 0, to: 3, classes: 'fg1' },
      { from: 3, to: 7, classes: 'fg1 bold' },
      { from: 7, to: 10, classes: 'fg1' },
    ]);
    expect(lines[1].runs).toEqual([{ from: 0, to: 3, classes: 'fg1' }]);
  });

  it('marks TinyGo panic lines and stamps each line with the time of its first byte', () => {
    const { lines } = parse(['ok\npanic: runtime error at 0x000012f4: ', 'index out of range\r\n']);
    expect(lines[1]).toMatchObject({ panic: true, t: 1000, text: 'panic: runtime error at 0x000012f4: index out of range' });
    expect(lines[0].panic).toBe(false);
    const later = parse(['a\n', 'b\n']);
    expect(later.lines.map((l) => l.t)).toEqual([1000, 1001]);
  });
});

describe('console rings', () => {
  it('keeps the newest lines up to the scrollback and counts every line', () => {
    const ring = new LineRing(3);
    for (let i = 1; i <= 5; i++) ring.push({ t: i, text: `seq ${i}`, runs: null, panic: false });
    expect(ring.total).toBe(5);
    expect(ring.count).toBe(3);
    expect(ring.first).toBe(2);
    expect([0, 1, 2].map((i) => ring.text(i))).toEqual(['seq 3', 'seq 4', 'seq 5']);
    ring.resize(2);
    expect([ring.text(0), ring.text(1), ring.count]).toEqual(['seq 4', 'seq 5', 2]);
  });

  it('keeps the newest bytes for the hex view at absolute offsets', () => {
    const ring = new ByteRing(32);
    ring.push(new Uint8Array(40).map((_, i) => i));
    expect(ring.total).toBe(40);
    expect(ring.first).toBe(16); // oldest held byte is 8, rows start on 16-byte boundaries
    expect([...ring.slice(16, 4)]).toEqual([16, 17, 18, 19]);
    expect([...ring.slice(36, 16)]).toEqual([36, 37, 38, 39]);
    ring.clear();
    ring.push(new Uint8Array([1, 2]));
    expect(ring.first).toBe(32);
  });
});
