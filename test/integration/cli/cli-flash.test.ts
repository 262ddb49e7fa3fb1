/**
 * `flashdeck` as a child process against simulated ESP32 boards on pseudo-terminals: help and usage
 * errors, flashing one board (the bytes land in simulated flash, verified by MD5), several boards in
 * parallel (each holds exactly its image; one bad board fails alone), --json shapes, exit codes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEsp32Sim, type Esp32Sim } from '../../../simulators/esp32/start-sim';
import { tinygoStyleImage } from '../../../simulators/esp32/esp-image-builder';
import { openDatabase } from '../../../electron/services/store/database';
import { FlashLog } from '../../../electron/services/store/flash-log';
import { manualBoardId } from '../../../electron/services/ports/board-identity';
import { runCli, tempDataDir } from './run-cli';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dataDir(): string {
  const data = tempDataDir();
  cleanups.push(data.remove);
  return data.dir;
}

async function esp32Board(): Promise<Esp32Sim> {
  const sim = await startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200, timeScale: 0 });
  cleanups.push(() => sim.close());
  return sim;
}

function imageFile(dir: string, name: string, seed: number): { path: string; bytes: Uint8Array } {
  const bytes = tinygoStyleImage(0, 24 * 1024, seed);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

/** What the simulated chip holds where an ESP32 image goes (the bootloader offset, 0x1000). */
const flashedAt = (sim: Esp32Sim, length: number) => Buffer.from(sim.flash.bytes.subarray(0x1000, 0x1000 + length));

describe('flashdeck command line', () => {
  it('lists its commands and exit codes, and explains a usage error with exit code 2', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/flash\s+Flashes an image/);
    expect(help.stdout).toMatch(/5 {2}timeout/);

    const bad = await runCli(['flash', '--bogus', 'x.bin']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Error: Unknown option '--bogus'");
    expect(bad.stderr).toContain('Next step: Usage: flashdeck flash FILE');

    const missing = await runCli(['flash', '/nonexistent/app.bin', '--json', '--data-dir', dataDir()]);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false, exitCode: 2, error: { code: 'CLI_USAGE', stage: 'usage', message: 'There is no file /nonexistent/app.bin.' } });
  });

  it('flashes one board: the image is in its flash, verified by MD5, exit 0; --json names the board and chip', async () => {
    const sim = await esp32Board();
    const data = dataDir();
    const image = imageFile(data, 'app.bin', 11);
    const run = await runCli(['flash', image.path, '--port', sim.hostPath, '--data-dir', data, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(flashedAt(sim, image.bytes.length).equals(Buffer.from(image.bytes))).toBe(true);
    const document = JSON.parse(run.stdout);
    expect(document).toMatchObject({ ok: true, exitCode: 0, boards: [{ port: sim.hostPath, ok: true, verifiedBy: 'md5', details: { chip: 'ESP32' }, error: null }] });
    // Progress goes to stderr as plain lines when not on a terminal.
    expect(run.stderr).toMatch(/writing \d+ % of 24576 bytes/);

    // The port added by path is a board Flashdeck now knows (shared with the window's list).
    const boards = await runCli(['boards', '--json', '--data-dir', data]);
    expect(boards.code).toBe(0);
    expect(JSON.parse(boards.stdout).boards).toEqual([expect.objectContaining({ id: `port:${sim.hostPath}`, port: sim.hostPath, present: true, manual: true, usbId: null })]);
  });

  it('flashes three boards at once, each holding exactly its image, and fails a board with a dead line alone (exit 3), every attempt in its board flash log', async () => {
    const sims = [await esp32Board(), await esp32Board(), await esp32Board()];
    const data = dataDir();
    const image = imageFile(data, 'app.bin', 21);
    const run = await runCli(['flash', image.path, ...sims.flatMap((sim) => ['--port', sim.hostPath]), '--data-dir', data]);
    expect(run.code, run.stderr).toBe(0);
    for (const sim of sims) expect(flashedAt(sim, image.bytes.length).equals(Buffer.from(image.bytes))).toBe(true);
    expect(run.stdout).toMatch(/BOARD\s+RESULT\s+TIME\s+VERIFIED/);
    expect(run.stdout).toContain('All 3 boards were flashed and verified.');

    // A second image; one board's line is dead (its simulator frozen): the other two still finish.
    // These pty boards have no auto-reset: the bench operator holds BOOT and taps EN on each.
    const second = imageFile(data, 'second.bin', 22);
    for (const sim of sims) sim.device.pressBootAndTapEn();
    sims[1].freeze();
    const partial = await runCli(['flash', second.path, ...sims.flatMap((sim) => ['--port', sim.hostPath]), '--data-dir', data, '--json'], { timeoutMs: 90_000 });
    sims[1].thaw();
    expect(partial.code).toBe(3);
    const document = JSON.parse(partial.stdout);
    expect(document.ok).toBe(false);
    expect(document.boards.map((board: { ok: boolean }) => board.ok)).toEqual([true, false, true]);
    expect(document.boards[1].error.code).toMatch(/^ESP_|^PORT_/);
    for (const index of [0, 2]) expect(flashedAt(sims[index], second.bytes.length).equals(Buffer.from(second.bytes))).toBe(true);
    expect(flashedAt(sims[1], second.bytes.length).equals(Buffer.from(second.bytes))).toBe(false);

    const db = openDatabase(join(data, 'flashdeck.sqlite'));
    try {
      const log = new FlashLog(db);
      const attempts = sims.map((sim) => log.recent(manualBoardId(sim.hostPath)).map((record) => [record.fileName, record.ok]));
      expect(attempts).toEqual([
        [
          ['second.bin', true],
          ['app.bin', true],
        ],
        [
          ['second.bin', false],
          ['app.bin', true],
        ],
        [
          ['second.bin', true],
          ['app.bin', true],
        ],
      ]);
    } finally {
      db.close();
    }
  }, 180_000);
});
