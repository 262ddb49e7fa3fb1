/**
 * A `flashdeck test` run as JUnit XML, the format CI systems show as test results: one suite named
 * for the board, its properties (board, port, target, build, artifact hash, TinyGo version), the
 * run's verdict as a test case with the captured console output, and a case for each Go-test-style
 * result line the firmware printed (`--- PASS: TestX`, `--- FAIL: TestY`).
 */
import type { VerdictKind } from './verdict';

export interface JunitRun {
  /** The program or image that ran ("selftest", "app.bin"). */
  program: string;
  boardLabel: string;
  properties: Record<string, string | null | undefined>;
  outcome: VerdictKind | 'timeout' | 'error';
  /** The line that decided, or why it did not (timeout, flash error). */
  detail: string;
  durationMs: number;
  startedAt: Date;
  output: string[];
}

const RESULT_LINE = /^--- (PASS|FAIL|SKIP): (\S+)/;

export function junitXml(run: JunitRun): string {
  const subcases = run.output.flatMap((line) => {
    const match = RESULT_LINE.exec(line);
    return match ? [{ name: match[2], result: match[1] as 'PASS' | 'FAIL' | 'SKIP', line }] : [];
  });
  const failures = (run.outcome === 'fail' || run.outcome === 'panic' ? 1 : 0) + subcases.filter((c) => c.result === 'FAIL').length;
  const errors = run.outcome === 'timeout' || run.outcome === 'error' ? 1 : 0;
  const skipped = subcases.filter((c) => c.result === 'SKIP').length;
  const tests = 1 + subcases.length;
  const seconds = (run.durationMs / 1000).toFixed(3);
  const classname = `flashdeck.${run.boardLabel}`;
  const verdictBody =
    run.outcome === 'pass'
      ? ''
      : run.outcome === 'fail' || run.outcome === 'panic'
        ? `      <failure type="${run.outcome}" message="${attr(run.detail)}"/>\n`
        : `      <error type="${run.outcome}" message="${attr(run.detail)}"/>\n`;
  const properties = Object.entries(run.properties)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([name, value]) => `      <property name="${attr(name)}" value="${attr(String(value))}"/>\n`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="flashdeck" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds}">\n` +
    `  <testsuite name="${attr(`${run.program} on ${run.boardLabel}`)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds}" timestamp="${run.startedAt.toISOString()}">\n` +
    `    <properties>\n${properties}    </properties>\n` +
    `    <testcase name="${attr(run.program)}" classname="${attr(classname)}" time="${seconds}">\n` +
    verdictBody +
    `      <system-out>${cdata(run.output.join('\n'))}</system-out>\n` +
    '    </testcase>\n' +
    subcases
      .map(
        (c) =>
          `    <testcase name="${attr(c.name)}" classname="${attr(`${classname}.${run.program}`)}">` +
          (c.result === 'FAIL' ? `<failure type="fail" message="${attr(c.line)}"/>` : c.result === 'SKIP' ? '<skipped/>' : '') +
          '</testcase>\n',
      )
      .join('') +
    '  </testsuite>\n' +
    '</testsuites>\n'
  );
}

/** Characters XML 1.0 cannot carry at all (device noise: NUL, other control bytes) become U+FFFD. */
function xmlText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd');
}

function attr(text: string): string {
  return xmlText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}

function cdata(text: string): string {
  return `<![CDATA[${xmlText(text).replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}
