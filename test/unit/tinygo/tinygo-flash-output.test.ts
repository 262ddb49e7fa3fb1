import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDiagnostics } from '../../../electron/services/toolchain/diagnostics';
import { parseTinygoFlashLine, parseTinygoFlashOutput } from '../../../electron/services/toolchain/flash-output';
import { runTool } from '../../../electron/services/toolchain/tool-runner';

describe('tinygo flash output (reference 7.4)', () => {
  it('the native espflasher run of espflasher issue #60, with \\r-redrawn progress bars', () => {
    const bar = (p: number) => `\r[${'#'.repeat(Math.round(p / 2)).padEnd(50)}] ${p.toFixed(1).padStart(5)}%`;
    const text = `tinygo flash -target=xiao-esp32c3 -monitor ./step1
Connecting to /dev/ttyACM0...
Connected.
Detected chip: ESP32-C3
Loading stub loader...
Stub running.
Erasing flash...
${bar(40)}${bar(100)}
Flash erased.
Attaching SPI flash...
Configuring flash size...
Auto-detected flash size: 4MB
Flash params set to 0x022F
SHA digest in image updated
Attaching SPI flash...
Switching to 460800 baud...
Running at 460800 baud.
Compressed 70496 bytes to 51289 (73%)
Flash begin: 51289 bytes at 0x00000000 (4 compressed blocks)
${bar(50)}${bar(100)}
Flash complete. Verifying...
MD5 verified: c98b40b1f7fd7c7e4cf42d59235cdccd

Device reset.
Connected to /dev/ttyACM0. Press Ctrl-C to exit.
`;
    const events = parseTinygoFlashOutput(text);
    const stages = events.filter((e) => e.kind === 'stage').map((e) => (e as { stage: string }).stage);
    expect(stages).toEqual([
      'connecting',
      'detecting',
      'uploading-stub',
      'uploading-stub',
      'erasing',
      'erasing',
      'configuring',
      'configuring',
      'configuring',
      'configuring',
      'configuring',
      'changing-baud',
      'verifying',
      'resetting',
    ]);
    const progress = events.filter((e) => e.kind === 'progress');
    expect(progress).toEqual([
      { kind: 'progress', stage: 'erasing', percent: 40 },
      { kind: 'progress', stage: 'erasing', percent: 100 },
      { kind: 'progress', stage: 'writing', percent: 50 },
      { kind: 'progress', stage: 'writing', percent: 100 },
    ]);
    const facts = Object.fromEntries(events.filter((e) => e.kind === 'fact').map((e) => [(e as { key: string }).key, (e as { value: string }).value]));
    expect(facts).toEqual({ chip: 'ESP32-C3', flashSize: '4MB', baud: '460800', compressed: '70496→51289', address: '0x00000000', md5: 'c98b40b1f7fd7c7e4cf42d59235cdccd' });
    expect(events.at(-1)).toEqual({ kind: 'monitor', port: '/dev/ttyACM0' });
  });

  it('the intermediate PR #5229 form', () => {
    expect(parseTinygoFlashLine('Connected to ESP32-S3')).toMatchObject({ kind: 'fact', key: 'chip', value: 'ESP32-S3' });
    expect(parseTinygoFlashLine('Flashing: 3776/3776 bytes (100%)')).toEqual({ kind: 'progress', stage: 'writing', percent: 100, bytesDone: 3776, bytesTotal: 3776 });
  });

  it('the old esptool wrong-chip failure of issue #4212', () => {
    const events = parseTinygoFlashOutput(
      'esptool.py v4.7.0\nSerial port /dev/cu.usbmodem1101\nConnecting...\nA fatal error occurred: This chip is ESP32-C3 not ESP32. Wrong --chip argument?\n',
    );
    expect(events).toEqual([
      { kind: 'error', message: 'This chip is ESP32-C3 not ESP32. Wrong --chip argument?', hint: expect.stringContaining('pick a target for the ESP32-C3') },
    ]);
  });

  it('flash-tool exit status, with and without error: (reference 4.4)', () => {
    expect(parseTinygoFlashLine('failed to flash /tmp/tinygo1/main.bin: exit status 2')).toMatchObject({
      kind: 'error',
      message: 'failed to flash /tmp/tinygo1/main.bin: exit status 2',
    });
    expect(parseTinygoFlashLine('error: failed to flash /var/folders/.../T/tinygo4172958918/main.bin: exit status 2')).toMatchObject({ kind: 'error' });
    expect(parseTinygoFlashLine('something else')).toBeNull();
  });
});

describe('tinygo flash through the stand-in', () => {
  const FAKE_TINYGO = path.resolve(__dirname, '../../fixtures/tinygo/tinygo');
  const BLINK = path.resolve(__dirname, '../../../resources/programs/blink');

  it('0.41 ESP32-C3 flash output parses into stages, progress and the MD5', async () => {
    const result = await runTool(FAKE_TINYGO, ['flash', '-target=xiao-esp32c3', '-port=/dev/ttyACM1', '-monitor', '.'], {
      cwd: BLINK,
      env: { ...process.env, FAKE_TINYGO_VERSION: '0.41.1', FAKE_TINYGO_DELAY_MS: '1' },
    });
    expect(result.exitCode).toBe(0);
    const events = parseTinygoFlashOutput(result.stdout);
    expect(events.filter((e) => e.kind === 'progress').map((e) => (e as { stage: string; percent: number }).stage + ':' + (e as { percent: number }).percent)).toEqual([
      'erasing:50',
      'erasing:100',
      'writing:50',
      'writing:100',
    ]);
    expect(events.find((e) => e.kind === 'fact' && e.key === 'md5')).toMatchObject({ value: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(events.find((e) => e.kind === 'fact' && e.key === 'chip')).toMatchObject({ value: 'ESP32-C3' });
    expect(events.at(-1)).toEqual({ kind: 'monitor', port: '/dev/ttyACM1' });
  });

  it('a failing flash tool gives the 4.4 line, with error: before 0.33', async () => {
    for (const [version, prefix] of [
      ['0.33.0', ''],
      ['0.32.0', 'error: '],
    ]) {
      const result = await runTool(FAKE_TINYGO, ['flash', '-target=esp32-coreboard-v2', '.'], {
        cwd: BLINK,
        env: { ...process.env, FAKE_TINYGO_VERSION: version, FAKE_TINYGO_SCENARIO: 'flash-fail', FAKE_TINYGO_DELAY_MS: '1' },
      });
      expect(result.exitCode).toBe(1);
      expect(result.stderr.startsWith(`${prefix}failed to flash `)).toBe(true);
      expect(parseTinygoFlashOutput(result.stderr)[0]).toMatchObject({ kind: 'error', message: expect.stringMatching(/main\.bin: exit status 2$/) });
      expect(parseDiagnostics(result.stderr)[0].kind).toBe('flash-tool');
    }
  });
});
