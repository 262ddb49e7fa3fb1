import { describe, expect, it } from 'vitest';
import { Output } from '../../../electron/cli/output';

const sink = (isTTY: boolean) => {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (text: string) => chunks.push(text) } };
};

describe('CLI output', () => {
  it('redraws one progress row per board on a terminal', () => {
    const out = sink(false);
    const err = sink(true);
    const output = new Output(false, out.stream, err.stream);
    output.progress('a', { stage: 'writing', bytesDone: 512, bytesTotal: 1024, bytesPerSecond: 2048 });
    output.progress('b', { stage: 'syncing', bytesDone: 0, bytesTotal: 1024, bytesPerSecond: 0 });
    output.progress('a', { stage: 'writing', bytesDone: 1024, bytesTotal: 1024, bytesPerSecond: 2048 });
    expect(err.chunks[0]).toBe('\r\x1b[2Ka  [############............]  50 % writing 2.0 KiB/s\n');
    // The third draw moves up over both rows and rewrites them, a's now full.
    expect(err.chunks[2]).toBe('\x1b[2A\r\x1b[2Ka  [########################] 100 % writing 2.0 KiB/s\n\r\x1b[2Kb  [........................]   0 % syncing\n');
    expect(out.chunks).toEqual([]);
  });

  it('prints plain lines when piped: each stage, then every quarter', () => {
    const err = sink(false);
    const output = new Output(false, sink(false).stream, err.stream);
    for (const done of [0, 100, 300, 600, 1000]) output.progress('/dev/ttyUSB0', { stage: 'writing', bytesDone: done, bytesTotal: 1000, bytesPerSecond: 1 });
    expect(err.chunks).toEqual([
      '/dev/ttyUSB0: writing 0 % of 1000 bytes\n',
      '/dev/ttyUSB0: writing 30 % of 1000 bytes\n',
      '/dev/ttyUSB0: writing 60 % of 1000 bytes\n',
      '/dev/ttyUSB0: writing 100 % of 1000 bytes\n',
    ]);
  });

  it('an error is a sentence, the next step and its code; with --json also the one document', () => {
    const out = sink(false);
    const err = sink(false);
    new Output(true, out.stream, err.stream).error({ code: 'PORT_BUSY', stage: 'connecting', message: '/dev/ttyUSB0 is busy.', hint: 'Close it.' }, 3);
    expect(err.chunks.join('')).toBe('Error: /dev/ttyUSB0 is busy.\nNext step: Close it.\n(PORT_BUSY, stage connecting; exit code 3)\n');
    expect(JSON.parse(out.chunks.join(''))).toEqual({
      ok: false,
      exitCode: 3,
      error: { code: 'PORT_BUSY', stage: 'connecting', message: '/dev/ttyUSB0 is busy.', hint: 'Close it.' },
    });
  });
});
