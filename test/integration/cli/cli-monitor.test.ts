/**
 * `flashdeck flash --baud` and `flashdeck monitor` against a simulated ESP32 on a pty: the flash
 * runs at the baud asked for; the monitor prints the running program's lines with timestamps, logs
 * the raw bytes to a file, stops at an --until match (exit 0) or times out without one (exit 5).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { findOnPath } from '../../../electron/services/ports/port-lister';
import { findSymbolizer } from '../../../electron/services/console/panic-symbolizer';
import { join } from 'node:path';
import { startEsp32Sim } from '../../../simulators/esp32/start-sim';
import { tinygoStyleImage } from '../../../simulators/esp32/esp-image-builder';
import { projectRoot, runCli, tempDataDir } from './run-cli';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('flashdeck monitor', () => {
  it('flashes at --baud, then prints, timestamps and logs what the program prints until --until matches', async () => {
    const sim = await startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200, timeScale: 0 });
    cleanups.push(() => sim.close());
    const data = tempDataDir();
    cleanups.push(data.remove);
    const image = join(data.dir, 'hello.bin');
    writeFileSync(image, tinygoStyleImage(0, 16 * 1024, 41));

    const flashed = await runCli(['flash', image, '--port', sim.hostPath, '--baud', '460800', '--data-dir', data.dir, '--json']);
    expect(flashed.code, flashed.stderr).toBe(0);
    expect(JSON.parse(flashed.stdout).boards[0].details.baud).toBe('460800');

    const log = join(data.dir, 'console.log');
    const run = await runCli([
      'monitor',
      '--port',
      sim.hostPath,
      '--data-dir',
      data.dir,
      '--timestamps',
      '--log',
      log,
      '--until',
      'Hello from TinyGo on ESP32 \\(\\d+\\)',
      '--timeout',
      '20',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\[ +\d+\.\d{3}\] Hello from TinyGo on ESP32 \(\d+\)$/m);
    expect(readFileSync(log, 'latin1')).toMatch(/Hello from TinyGo on ESP32 \(\d+\)\r\n/);

    const silent = await runCli(['monitor', '--port', sim.hostPath, '--data-dir', data.dir, '--until', '^never printed$', '--timeout', '1', '--json']);
    expect(silent.code).toBe(5);
    expect(JSON.parse(silent.stdout)).toMatchObject({ ok: false, exitCode: 5, matched: null, lines: expect.arrayContaining([expect.stringMatching(/^Hello from TinyGo/)]) });
  });

  // A host ELF with debug info whose checkHeap spans the address the simulated panic prints (gcc places it).
  const gcc = findOnPath('gcc');
  const symbolizer = findSymbolizer();
  it.skipIf(!gcc || !symbolizer)('resolves a TinyGo panic to function and file:line with --elf', async () => {
    const sim = await startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200, timeScale: 0, app: { selftest: { panicIn: 'TestHeapAlloc' } } });
    cleanups.push(() => sim.close());
    const data = tempDataDir();
    cleanups.push(data.remove);
    const source = join(data.dir, 'checks.c');
    writeFileSync(
      source,
      'volatile int sink;\nvoid checkHeap(void) {\n  for (int i = 0; i < 64; i++) {\n    sink += i * 3;\n    sink ^= i;\n    sink -= i / 3;\n    sink += sink * 7;\n  }\n}\nvoid _start(void) { checkHeap(); for (;;); }\n',
    );
    const elf = join(data.dir, 'checks.elf');
    execFileSync(gcc!, ['-g', '-O0', '-nostdlib', '-static', '-Wl,-Ttext=0x400d1000', source, '-o', elf]);

    const selftest = join(projectRoot, 'test', 'fixtures', 'programs', 'selftest');
    const flashed = await runCli(['flash', selftest, '--target', 'esp32-coreboard-v2', '--port', sim.hostPath, '--data-dir', data.dir]);
    expect(flashed.code, flashed.stderr).toBe(0);
    // The monitor is listening: the board restarts (a watchdog, say) and runs its checks again.
    const run = await runCli(['monitor', '--port', sim.hostPath, '--data-dir', data.dir, '--elf', elf, '--until', '^panic: ', '--timeout', '20'], {
      when: { stderrIncludes: 'Monitoring', then: () => sim.device.softReset() },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^panic: runtime error at 0x400d1040: index out of range$/m);
    await expect.poll(() => run.stderr).toMatch(new RegExp(`^Panic at 0x400d1040: index out of range in checkHeap, ${source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+$`, 'm'));
  });
});
