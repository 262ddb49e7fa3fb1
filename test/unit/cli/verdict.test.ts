import { describe, expect, it } from 'vitest';
import { DEFAULT_FAIL, DEFAULT_PASS, isPanicLine, judgeLine } from '../../../electron/cli/verdict';
import { parsePanicLine } from '../../../electron/services/console/panic-symbolizer';

describe('the firmware verdict', () => {
  it('calls a panic what the console symbolizes as one: at the start of a line, after colour codes or spaces', () => {
    const lines = [
      'panic: runtime error at 0x000012f4: index out of range',
      '\x1b[31mpanic: runtime error at 0x000012f4: nil pointer dereference',
      '  panic: runtime error at 0x2000: x',
    ];
    for (const line of lines) {
      expect(isPanicLine(line), line).toBe(true);
      expect(parsePanicLine(line), line).not.toBeNull();
    }
    const told = 'log: the word panic: appears mid-line';
    expect(isPanicLine(told)).toBe(false);
    expect(parsePanicLine(told)).toBeNull();
  });

  it('decides panic before fail before pass, and a panic line never passes', () => {
    const patterns = { pass: DEFAULT_PASS, fail: DEFAULT_FAIL };
    expect(judgeLine('panic: user panic: PASS', { pass: /PASS/, fail: DEFAULT_FAIL })).toMatchObject({ kind: 'panic' });
    expect(judgeLine("Guru Meditation Error: Core  0 panic'ed (LoadProhibited)", patterns)).toMatchObject({ kind: 'panic' });
    expect(judgeLine('FAIL', patterns)).toMatchObject({ kind: 'fail' });
    expect(judgeLine('PASS', patterns)).toMatchObject({ kind: 'pass' });
    expect(judgeLine('--- PASS: TestBlink', patterns)).toBeNull();
  });
});
