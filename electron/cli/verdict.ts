/**
 * The firmware's verdict in its console output, for `flashdeck test`: the first line that is a
 * panic, matches --fail, or matches --pass decides, in that order (a panic line can never pass).
 */
import type { PanicReport } from '../contract';
import { TINYGO_PANIC_START } from '../services/console/panic-symbolizer';

/** Defaults follow Go's test output: its last line is `PASS`, or `FAIL` (after every `--- FAIL: TestX`, so all results are captured). */
export const DEFAULT_PASS = /^PASS$/;
export const DEFAULT_FAIL = /^FAIL\b/;

/** How a crash reads: TinyGo's runtime (`panic: …`, at the start of a line), ESP-IDF's ROM and panic handler, a Cortex-M fault. */
const PANIC_LINES = [TINYGO_PANIC_START, /Guru Meditation Error/, /^\s*(?:HardFault|\*\*\* HardFault)/];

export type VerdictKind = 'pass' | 'fail' | 'panic';

export interface Verdict {
  kind: VerdictKind;
  /** The line that decided. */
  line: string;
}

export function isPanicLine(text: string): boolean {
  return PANIC_LINES.some((pattern) => pattern.test(text));
}

export function judgeLine(text: string, patterns: { pass: RegExp; fail: RegExp }): Verdict | null {
  if (isPanicLine(text)) return { kind: 'panic', line: text };
  if (patterns.fail.test(text)) return { kind: 'fail', line: text };
  if (patterns.pass.test(text)) return { kind: 'pass', line: text };
  return null;
}

/** A resolved panic as one line: "panic at 0x… (index out of range) in main.run, main.go:12". */
export function describePanic(report: PanicReport): string {
  const where = report.resolved ? ` in ${report.resolved.function}, ${report.resolved.file}:${report.resolved.line}` : ` (${report.note})`;
  return `Panic at ${report.address}: ${report.message || 'no message'}${where}`;
}
