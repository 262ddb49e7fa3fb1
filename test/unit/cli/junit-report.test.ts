import { describe, expect, it } from 'vitest';
import { junitXml } from '../../../electron/cli/junit-report';
import { DEFAULT_FAIL, DEFAULT_PASS, judgeLine } from '../../../electron/cli/verdict';

describe('flashdeck test verdicts and JUnit XML', () => {
  it('a panic decides before --fail and --pass; Go test output passes or fails on its last line', () => {
    const patterns = { pass: DEFAULT_PASS, fail: DEFAULT_FAIL };
    expect(judgeLine('--- FAIL: TestX (0.01s)', patterns)).toBeNull();
    expect(judgeLine('FAIL', patterns)).toEqual({ kind: 'fail', line: 'FAIL' });
    expect(judgeLine('PASS', patterns)).toEqual({ kind: 'pass', line: 'PASS' });
    expect(judgeLine('PASSWORD: hunter2', patterns)).toBeNull();
    expect(judgeLine('panic: PASS', patterns)?.kind).toBe('panic');
    expect(judgeLine("Guru Meditation Error: Core  0 panic'ed (LoadProhibited)", patterns)?.kind).toBe('panic');
  });

  it('keeps device noise from breaking the XML: control bytes, quotes in attributes, "]]>" in the output', () => {
    const xml = junitXml({
      program: 'selftest',
      boardLabel: 'Bench "A" <1>',
      properties: { port: '/dev/ttyUSB0', buildId: null },
      outcome: 'fail',
      detail: 'FAIL & "done"',
      durationMs: 1500,
      startedAt: new Date('2026-01-02T03:04:05Z'),
      output: ['\u0000\u001b[0mboot', 'x ]]> y', '--- FAIL: TestA (0.00s)', '--- SKIP: TestB', 'FAIL'],
    });
    expect(xml).toContain(
      '<testsuite name="selftest on Bench &quot;A&quot; &lt;1&gt;" tests="3" failures="2" errors="0" skipped="1" time="1.500" timestamp="2026-01-02T03:04:05.000Z">',
    );
    expect(xml).not.toContain('buildId');
    expect(xml).toContain('<failure type="fail" message="FAIL &amp; &quot;done&quot;"/>');
    expect(xml).toContain('<![CDATA[\ufffd\ufffd[0mboot\nx ]]]]><![CDATA[> y\n');
    expect(xml).toContain('<testcase name="TestB" classname="flashdeck.Bench &quot;A&quot; &lt;1&gt;.selftest"><skipped/></testcase>');
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u0000-\u0008]/);
  });
});
