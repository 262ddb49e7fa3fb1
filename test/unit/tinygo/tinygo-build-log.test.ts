import { describe, expect, it } from 'vitest';
import { RetainedBuildLog } from '../../../electron/services/builds/build-log';

const line = (text: string) => ({ stream: 'stdout' as const, text, atMs: 0 });

describe('RetainedBuildLog (what a reconnecting window is replayed)', () => {
  it('numbers each batch by its first line and keeps every line while under the bound', () => {
    const log = new RetainedBuildLog(10);
    expect(log.append([line('a'), line('b')])).toBe(0);
    expect(log.append([line('c')])).toBe(2);
    expect(log.snapshot()).toEqual({ logFrom: 0, log: [line('a'), line('b'), line('c')] });
  });

  it('keeps only the last lines past the bound, and says how many came before them', () => {
    const log = new RetainedBuildLog(3);
    log.append([line('1'), line('2')]);
    log.append([line('3'), line('4')]);
    expect(log.append([line('5')])).toBe(4);
    expect(log.snapshot()).toEqual({ logFrom: 2, log: [line('3'), line('4'), line('5')] });
    expect(log.sent).toBe(5);
  });

  it('a snapshot is a copy: later lines do not change what was handed out', () => {
    const log = new RetainedBuildLog(5);
    log.append([line('x')]);
    const before = log.snapshot();
    log.append([line('y')]);
    expect(before.log).toEqual([line('x')]);
  });
});
