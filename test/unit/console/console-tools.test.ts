/** The console tab's tools as plain modules: search, copy, the send box, its history and file upload. */
import { describe, expect, it } from 'vitest';
import { LineRing } from '../../../renderer/console/console-buffer';
import { ConsoleModel } from '../../../renderer/console/console-model';
import { scrollbackText } from '../../../renderer/console/console-rows';
import { ConsoleSearch, MAX_MATCHES } from '../../../renderer/console/console-search';
import { composeSend, FILE_CHUNK_BYTES, sendInChunks, stepHistory, withHistoryEntry } from '../../../renderer/console/console-send';

function ring(texts: string[], capacity = 100): LineRing {
  const lines = new LineRing(capacity);
  texts.forEach((text, i) => lines.push({ t: 1000 + i * 250, text, runs: [], panic: false }));
  return lines;
}

describe('console search', () => {
  it('finds lines case-insensitively, starts at the newest and steps with wrap-around', () => {
    const lines = ring(['boot', 'Heap: 1024', 'tick', 'heap: 980', 'HEAP low']);
    const search = new ConsoleSearch();
    expect(search.run(lines, 'heap', 0)).toBe(4);
    expect(search.matches).toEqual([1, 3, 4]);
    expect(search.run(lines, 'heap', -1)).toBe(3);
    expect(search.run(lines, 'heap', 1)).toBe(4);
    expect(search.run(lines, 'heap', 1)).toBe(1); // past the newest: back to the oldest
    expect(search.isCurrent(1)).toBe(true);
    expect(search.run(lines, 'nothing', 1)).toBeNull();
    expect(search.current).toBe(-1);
  });

  it('names lines by absolute index once the ring has dropped the oldest', () => {
    const lines = ring(['a1', 'b', 'a2', 'c', 'a3'], 3); // keeps a2, c, a3 (indexes 2–4)
    expect(new ConsoleSearch().run(lines, 'a', 0)).toBe(4);
    const search = new ConsoleSearch();
    search.run(lines, 'a', 0);
    expect(search.matches).toEqual([2, 4]);
  });

  it('stops counting at MAX_MATCHES, and clearing forgets the matches', () => {
    const lines = { first: 0, count: MAX_MATCHES + 10, text: () => 'x' };
    const search = new ConsoleSearch();
    search.run(lines, 'x', 0);
    expect(search.matches).toHaveLength(MAX_MATCHES);
    search.forgetMatches();
    expect(search.run({ first: 0, count: 0, text: () => '' }, 'x', 1)).toBeNull();
  });
});

describe('copy', () => {
  it('copies every line, with the timestamps shown, and the unfinished line last', () => {
    const lines = ring(['one', 'two']);
    expect(scrollbackText(lines, { text: 'thr' }, 'off', null)).toEqual(['one', 'two', 'thr']);
    expect(scrollbackText(lines, null, 'relative', 1000)).toEqual(['+    0.000 one', '+    0.250 two']);
  });

  it('marks the lines this window sent (TX lines), and they survive a smaller scrollback with their mark', () => {
    const model = new ConsoleModel(10);
    model.addSent('status', 5000);
    model.lines.push({ t: 5010, text: 'ok: running', runs: null, panic: false });
    expect(scrollbackText(model.lines, null, 'off', null)).toEqual(['TX › status', 'ok: running']);
    expect(model.linesReceived).toBe(1);
    model.lines.push({ t: 5020, text: 'panic: boom', runs: null, panic: true });
    model.addSent('again', 5030);
    model.setScrollback(3);
    expect([0, 1, 2].map((i) => [model.lines.text(i), model.lines.isSent(i), model.lines.isPanic(i)])).toEqual([
      ['ok: running', false, false],
      ['panic: boom', false, true],
      ['again', true, false],
    ]);
  });
});

describe('send box', () => {
  it('appends the line ending to text and keeps it for the history; hex is sent as bytes and not kept', () => {
    expect(composeSend('AT', 'text', 'crlf')).toEqual({ bytes: new Uint8Array([0x41, 0x54, 13, 10]), historyEntry: 'AT' });
    expect(composeSend('AT', 'text', 'none').bytes).toEqual(new Uint8Array([0x41, 0x54]));
    expect(composeSend('de ad 0xBE,ef', 'hex', 'lf')).toEqual({ bytes: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) });
    expect(() => composeSend('xyz', 'hex', 'lf')).toThrow(/not hex bytes/);
  });

  it('a resent line moves to the end of the history, once', () => {
    expect(withHistoryEntry(['a', 'b', 'c'], 'a')).toEqual(['b', 'c', 'a']);
    expect(withHistoryEntry([], 'a')).toEqual(['a']);
  });

  it('walks the history like a shell: up to the oldest, down past the newest to an empty box', () => {
    const history = ['first', 'second', 'third'];
    let at = -1;
    const press = (key: 'ArrowUp' | 'ArrowDown') => {
      const step = stepHistory(history, at, key);
      at = step.index;
      return step.text;
    };
    expect([press('ArrowUp'), press('ArrowUp'), press('ArrowUp'), press('ArrowUp')]).toEqual(['third', 'second', 'first', 'first']);
    expect([press('ArrowDown'), press('ArrowDown'), press('ArrowDown'), press('ArrowDown')]).toEqual(['second', 'third', '', '']);
  });

  it('sends a file in order, one chunk per request, each after the previous was taken', async () => {
    const data = new Uint8Array(FILE_CHUNK_BYTES * 2 + 5).map((_, i) => i % 251);
    const received: Uint8Array[] = [];
    let inFlight = 0;
    const pieces = await sendInChunks(data, async (base64) => {
      expect(inFlight++).toBe(0);
      await new Promise((r) => setTimeout(r, 1));
      received.push(Uint8Array.from(Buffer.from(base64, 'base64')));
      inFlight--;
    });
    expect(pieces).toBe(3);
    expect(received.map((r) => r.length)).toEqual([FILE_CHUNK_BYTES, FILE_CHUNK_BYTES, 5]);
    expect(Buffer.concat(received).equals(Buffer.from(data))).toBe(true);
    expect(await sendInChunks(new Uint8Array(0), async () => {})).toBe(0);
  });
});
