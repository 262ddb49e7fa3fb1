import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleBatcher, type ConsoleChunk } from '../../../electron/services/console/console-batcher';
import { LineSplitter } from '../../../electron/services/console/line-splitter';
import { TelemetryBatcher, type TelemetryBatch } from '../../../electron/services/telemetry/telemetry-batcher';
import { ConsoleLogWriter } from '../../../electron/services/console/console-log-writer';
import { elfBeside, parsePanicLine, parseSymbolizerOutput, symbolizeAddress } from '../../../electron/services/console/panic-symbolizer';
import { explainOpenError } from '../../../electron/services/ports/port-open-errors';
import { classifyPortError } from '../../../drivers/common/port-errors';
import { matchesIdentity } from '../../../electron/services/ports/port-session';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

describe('main-process console data path', () => {
  it('batches reads into one message per interval and counts (not hides) bytes it had to drop', () => {
    vi.useFakeTimers();
    const batches: { chunks: ConsoleChunk[]; dropped: number }[] = [];
    const batcher = new ConsoleBatcher({ intervalMs: 16, maxPendingBytes: 10, emit: (chunks, dropped) => batches.push({ chunks, dropped }) });
    batcher.push(100, bytes('abc'));
    batcher.push(101, bytes('def')); // within 2 ms: merged
    batcher.push(110, bytes('gh'));
    batcher.push(111, bytes('overflow!')); // would exceed 10 pending bytes
    expect(batches).toHaveLength(0);
    vi.advanceTimersByTime(16);
    vi.useRealTimers();
    expect(batches).toHaveLength(1);
    expect(batches[0].chunks.map((c) => [c.t, Buffer.from(c.bytes).toString()])).toEqual([
      [100, 'abcdef'],
      [110, 'gh'],
    ]);
    expect(batches[0].dropped).toBe(9);
    expect(batcher.totalDropped).toBe(9);
  });

  it("splits lines across reads, drops \\r, and stamps each with its first byte's time", () => {
    const splitter = new LineSplitter(8);
    const lines: { t: number; text: string }[] = [];
    splitter.push(1, bytes('Heap:1'), (l) => lines.push(l));
    splitter.push(2, bytes('2\r\nnext\r\n0123456789'), (l) => lines.push(l));
    expect(lines).toEqual([
      { t: 1, text: 'Heap:12' },
      { t: 2, text: 'next' },
      { t: 2, text: '01234567' },
    ]);
  });

  it('aligns telemetry series by sample, null where a series was not in a line', () => {
    vi.useFakeTimers();
    const out: TelemetryBatch[] = [];
    const batcher = new TelemetryBatcher((batch) => out.push(batch), 75);
    batcher.add(1, { a: 1 });
    batcher.add(2, { b: 2 });
    batcher.add(3, { a: 3, b: 4 });
    vi.advanceTimersByTime(75);
    vi.useRealTimers();
    expect(out).toEqual([{ t: [1, 2, 3], series: { a: [1, null, 3], b: [null, 2, 4] } }]);
  });

  it('writes a rotating log with a timestamp at every line start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flashdeck-rotate-'));
    const writer = new ConsoleLogWriter({ directory: dir, stem: 'board', maxFileBytes: 100, maxFiles: 2 });
    for (let i = 0; i < 20; i++) writer.write(Date.UTC(2026, 0, 1) + i, bytes(`line ${i}\n`));
    writer.close();
    const files = readdirSync(dir).sort();
    expect(files.length).toBe(2); // older files pruned
    const text = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('');
    expect(text).toMatch(/^\[2026-01-01T00:00:00\.019Z\] line 19$/m);
  });

  it('finds TinyGo panics at line start and reads symbolizer output', async () => {
    expect(parsePanicLine('panic: runtime error at 0x000012f4: index out of range')).toEqual({ address: '0x000012f4', message: 'index out of range' });
    expect(parsePanicLine('\x1b[31mpanic: runtime error at 0x10: nil map writes')).toMatchObject({ address: '0x10' });
    expect(parsePanicLine('echo: panic: runtime error at 0x10: x')).toBeNull();
    expect(parseSymbolizerOutput('main.main\n/home/dev/blink/main.go:42:9\n\n')).toEqual({ function: 'main.main', file: '/home/dev/blink/main.go', line: 42 });
    expect(parseSymbolizerOutput('??\n??:0\n')).toBeNull();
    await expect(symbolizeAddress('/no/such.elf', '0x10')).resolves.toMatchObject({ resolved: null, note: expect.stringContaining('is gone') });
    // A flash image: the ELF beside it is used; without one, the note says so.
    const dir = mkdtempSync(join(tmpdir(), 'flashdeck-elf-beside-'));
    writeFileSync(join(dir, 'blink.uf2'), Buffer.from('UF2\nWQ]'));
    await expect(symbolizeAddress(join(dir, 'blink.uf2'), '0x10', null)).resolves.toMatchObject({ note: expect.stringContaining('not an ELF') });
    writeFileSync(join(dir, 'blink.elf'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]));
    expect(elfBeside(join(dir, 'blink.uf2'))).toBe(join(dir, 'blink.elf'));
    await expect(symbolizeAddress(join(dir, 'blink.uf2'), '0x10', null)).resolves.toMatchObject({ note: expect.stringContaining('Install llvm-symbolizer') });
  });

  it('calls out ModemManager for ttyACM and brltty for CH340 when a port is busy', () => {
    const busy = Object.assign(new Error('Error Resource temporarily unavailable Cannot lock port'), {});
    expect(classifyPortError(busy)).toBe('busy');
    const acm = explainOpenError(busy, {
      path: '/dev/ttyACM0',
      vendorId: '239a',
      productId: '8029',
      holders: [{ pid: 812, name: 'ModemManager', command: '/usr/sbin/ModemManager', locks: false }],
    });
    expect(acm.message).toBe('/dev/ttyACM0 is busy. It is held by ModemManager (pid 812).');
    expect(acm.hint).toMatch(/ModemManager probes new ttyACM ports.*ID_MM_DEVICE_IGNORE/);
    const ch340 = explainOpenError(busy, { path: '/dev/ttyUSB0', vendorId: '1a86', productId: '7523', holders: [] });
    expect(ch340.hint).toMatch(/brltty/);
    const access = explainOpenError(Object.assign(new Error('Permission denied'), { code: 'EACCES' }), { path: '/dev/ttyUSB0', accessGroup: 'uucp' });
    expect(access.hint).toMatch(/usermod -aG uucp/);
    expect(explainOpenError(Object.assign(new Error('No such file or directory'), { code: 'ENOENT' }), { path: '/dev/ttyACM3' }).code).toBe('PORT_NOT_FOUND');
  });

  it('recognises the board coming back by serial number, else by its USB ids', () => {
    const bySerial = { path: '/dev/ttyACM0', serialNumber: 'ABC', usbIds: ['239a:8029'] };
    expect(matchesIdentity({ path: '/dev/ttyACM1', vendorId: '239a', productId: '8029', serialNumber: 'ABC' }, bySerial)).toBe(true);
    expect(matchesIdentity({ path: '/dev/ttyACM0', vendorId: '239a', productId: '8029', serialNumber: 'XYZ' }, bySerial)).toBe(false);
    const noSerial = { path: '/dev/ttyACM0', usbIds: ['239a:8029', '239a:0029'] };
    expect(matchesIdentity({ path: '/dev/ttyACM2', vendorId: '239a', productId: '0029' }, noSerial)).toBe(true);
    expect(matchesIdentity({ path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60' }, noSerial)).toBe(false);
    expect(matchesIdentity({ path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60' }, noSerial, ['10c4:ea60'])).toBe(true);
  });
});
