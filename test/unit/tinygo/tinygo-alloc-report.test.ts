import { describe, expect, it } from 'vitest';
import { describeAllocation, parseAllocReport } from '../../../electron/services/toolchain/alloc-report';

describe('parseAllocReport (reference 3)', () => {
  it('parses the golden reason lines of transform/testdata/allocs2.out.reason', () => {
    const text = `testdata/allocs2.go:24:15: object allocated on the heap: size is not constant
testdata/allocs2.go:26:12: object allocated on the heap: object size 300 exceeds maximum stack allocation size 256
testdata/allocs2.go:29:12: object allocated on the heap: escapes at line 30
testdata/allocs2.go:128:2: object allocated on the heap: escapes at unknown line
`;
    expect(parseAllocReport(text)).toEqual([
      { file: 'testdata/allocs2.go', line: 24, column: 15, reason: 'size-not-constant', detail: 'size is not constant', format: 'reason' },
      {
        file: 'testdata/allocs2.go',
        line: 26,
        column: 12,
        reason: 'too-large',
        detail: 'object size 300 exceeds maximum stack allocation size 256',
        objectSize: 300,
        maxStackAllocation: 256,
        format: 'reason',
      },
      { file: 'testdata/allocs2.go', line: 29, column: 12, reason: 'escapes', detail: 'escapes at line 30', escapesAtLine: 30, format: 'reason' },
      { file: 'testdata/allocs2.go', line: 128, column: 2, reason: 'escapes', detail: 'escapes at unknown line', format: 'reason' },
    ]);
  });

  it('real runs print absolute paths, Windows ones included, and "-" without location', () => {
    const text = [
      '/home/u/blink/main.go:12:9: object allocated on the heap: escapes at line 13',
      'C:\\Users\\u\\blink\\main.go:7:14: object allocated on the heap: object size 2048 exceeds maximum stack allocation size 1024',
      '-: object allocated on the heap: size is not constant',
    ].join('\r\n');
    const allocs = parseAllocReport(text);
    expect(allocs[0]).toMatchObject({ file: '/home/u/blink/main.go', line: 12, column: 9, escapesAtLine: 13 });
    expect(allocs[1]).toMatchObject({ file: 'C:\\Users\\u\\blink\\main.go', line: 7, column: 14, reason: 'too-large', objectSize: 2048, maxStackAllocation: 1024 });
    expect(allocs[2]).toEqual({ file: null, reason: 'size-not-constant', detail: 'size is not constant', format: 'reason' });
  });

  it('parses the 0.41 / -print-allocs-cover format (golden allocs2.out.cover), skipping a mode header', () => {
    const allocs = parseAllocReport('mode: set\ntestdata/allocs2.go:24.1,24.43 1 0\n');
    expect(allocs).toEqual([{ file: 'testdata/allocs2.go', line: 24, column: 1, endLine: 24, endColumn: 43, reason: 'unspecified', detail: '', format: 'cover' }]);
  });

  it('keeps unknown future reasons (PR #5504 style) as "other" or too-large', () => {
    const [a, b] = parseAllocReport(
      '/x/main.go:3:4: object allocated on the heap: makeslice4 size 300 exceeds maximum stack allocation size 256\n/x/main.go:5:1: object allocated on the heap: something new\n',
    );
    expect(a).toMatchObject({ reason: 'too-large', objectSize: 300, maxStackAllocation: 256 });
    expect(b).toMatchObject({ reason: 'other', detail: 'something new' });
  });

  it('ignores diagnostics and size tables mixed into stderr', () => {
    expect(parseAllocReport('# command-line-arguments\nmain.go:4:6: declared and not used: a\n   code    data     bss |   flash     ram\n')).toEqual([]);
  });

  it('describes each reason in words', () => {
    const [notConst, large, escapes, unknown] = parseAllocReport(`a.go:1:1: object allocated on the heap: size is not constant
a.go:2:1: object allocated on the heap: object size 300 exceeds maximum stack allocation size 256
a.go:3:1: object allocated on the heap: escapes at line 30
a.go:4:1: object allocated on the heap: escapes at unknown line`);
    expect(describeAllocation(notConst)).toBe('size is only known at run time');
    expect(describeAllocation(large)).toBe('300 bytes is larger than the 256-byte stack allocation limit');
    expect(describeAllocation(escapes)).toBe('escapes to the heap at line 30');
    expect(describeAllocation(unknown)).toBe('escapes to the heap (line unknown)');
  });
});
