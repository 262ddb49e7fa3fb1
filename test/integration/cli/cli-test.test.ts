/**
 * `flashdeck test` end to end, as a CI job runs it: the CLI child process builds the selftest
 * fixture with the stand-in TinyGo, flashes it to a simulated ESP32 on a pty, watches the console
 * and exits with the firmware's verdict. The rig (the simulator's option) decides pass, fail or
 * panic, like a missing loopback wire on a bench; a silent board times out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEsp32Sim, type Esp32Sim } from '../../../simulators/esp32/start-sim';
import type { SelftestRig } from '../../../simulators/esp32/selftest-app';
import { projectRoot, runCli, tempDataDir } from './run-cli';

const SELFTEST = join(projectRoot, 'test', 'fixtures', 'programs', 'selftest');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function rig(selftest: SelftestRig = {}): Promise<{ sim: Esp32Sim; data: string }> {
  const sim = await startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200, timeScale: 0, app: { selftest } });
  cleanups.push(() => sim.close());
  const data = tempDataDir();
  cleanups.push(data.remove);
  return { sim, data: data.dir };
}

const testArgs = (sim: Esp32Sim, data: string, ...extra: string[]) => ['test', SELFTEST, '--target', 'esp32-coreboard-v2', '--port', sim.hostPath, '--data-dir', data, ...extra];

describe('flashdeck test', () => {
  it('passes with exit 0 when every check passes, and writes a JUnit report naming the board, the build and the output', async () => {
    const { sim, data } = await rig();
    const junit = join(data, 'results.xml');
    const run = await runCli(testArgs(sim, data, '--timeout', '20', '--junit', junit));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('--- PASS: TestUARTLoopback');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('PASS');
    expect(run.stderr).toMatch(/selftest on .*: PASSED — PASS/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuites name="flashdeck" tests="4" failures="0" errors="0"/);
    expect(xml).toContain(`<property name="port" value="${sim.hostPath}"/>`);
    expect(xml).toContain('<property name="target" value="esp32-coreboard-v2"/>');
    expect(xml).toMatch(/<property name="buildId" value="build-[0-9a-f]+"\/>/);
    expect(xml).toMatch(/<testcase name="TestHeapAlloc" classname="flashdeck\.[^"]+\.selftest"><\/testcase>/);
    // The captured output runs from the restart after the flash to the verdict: the flash job hands its open port to the
    // console with what the board printed since its reset, so the ROM's boot banner is there, whole, before the tests.
    expect(xml).toMatch(
      /<system-out><!\[CDATA\[ets Jun {2}8 2016 00:22:57\n\nrst:0x1 \(POWERON_RESET\),boot:0x13 [^]*\nentry 0x[0-9a-f]+\n=== RUN {3}TestTimerMonotonic\n[^]*\nPASS\]\]><\/system-out>/,
    );
  });

  it('fails with exit 1 on the FAIL line, and --json carries the verdict, the deciding line and the output', async () => {
    const { sim, data } = await rig({ failing: ['TestUARTLoopback'] });
    const junit = join(data, 'results.xml');
    const run = await runCli(testArgs(sim, data, '--timeout', '20', '--json', '--junit', junit));
    expect(run.code, run.stderr).toBe(1);
    const document = JSON.parse(run.stdout);
    expect(document).toMatchObject({ ok: false, exitCode: 1, verdict: 'fail', line: 'FAIL', build: { target: 'esp32-coreboard-v2' } });
    expect(document.output).toContain('--- FAIL: TestUARTLoopback ( 12 ms )');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/tests="4" failures="2"/);
    expect(xml).toContain('<testcase name="TestUARTLoopback" classname="');
    expect(xml).toContain('<failure type="fail" message="--- FAIL: TestUARTLoopback ( 12 ms )"/>');
  });

  it('exits 6 on a panic, and 5 when no verdict comes in time', async () => {
    const panicking = await rig({ panicIn: 'TestHeapAlloc' });
    const panicked = await runCli(testArgs(panicking.sim, panicking.data, '--timeout', '20', '--json'));
    expect(panicked.code, panicked.stderr).toBe(6);
    expect(JSON.parse(panicked.stdout)).toMatchObject({ verdict: 'panic', line: expect.stringMatching(/^panic: runtime error at 0x[0-9a-f]+: index out of range$/) });
    // The console's panic decoder reports it with where it happened, or why that is unknown (no symbolizer here).
    expect(panicked.stderr).toMatch(/^Panic at 0x400d[0-9a-f]+: index out of range (in \S+, \S+:\d+|\(.+\))$/m);

    // The image already on the board (no build, no flash) never prints "ALL GOOD": a timeout.
    const silent = await runCli(['test', '--no-flash', '--port', panicking.sim.hostPath, '--data-dir', panicking.data, '--pass', '^ALL GOOD$', '--timeout', '2']);
    expect(silent.code).toBe(5);
    expect(silent.stderr).toContain('TIMED OUT — No line matched /^ALL GOOD$/');
  });
});
