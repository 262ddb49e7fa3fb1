/**
 * Two things a bench script meets: Ctrl-C in the middle of a flash (the job is cancelled, recorded as
 * cancelled, the port released for the next command) and a port another Flashdeck holds (the
 * command names the holder by program and pid, and exits 3 without touching the board).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEsp32Sim, type Esp32Sim } from '../../../simulators/esp32/start-sim';
import { tinygoStyleImage } from '../../../simulators/esp32/esp-image-builder';
import { openDatabase } from '../../../electron/services/store/database';
import { FlashLog } from '../../../electron/services/store/flash-log';
import { manualBoardId } from '../../../electron/services/ports/board-identity';
import { projectRoot, runCli, tempDataDir } from './run-cli';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(): Promise<{ sim: Esp32Sim; data: string; image: string }> {
  // Paced at 115200 baud: a 256 KiB image takes long enough to interrupt.
  const sim = await startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200 });
  cleanups.push(() => sim.close());
  const data = tempDataDir();
  cleanups.push(data.remove);
  const image = join(data.dir, 'big.bin');
  writeFileSync(image, tinygoStyleImage(0, 256 * 1024, 5));
  return { sim, data: data.dir, image };
}

describe('flashdeck and a bench', () => {
  it('Ctrl-C mid-flash cancels the job (exit 130), records it as cancelled and releases the port', async () => {
    const { sim, data, image } = await setUp();
    const run = await runCli(['flash', image, '--port', sim.hostPath, '--data-dir', data], {
      when: { stderrIncludes: ': writing', then: (child) => child.kill('SIGINT') },
      timeoutMs: 90_000,
    });
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toContain('Stopping: cancelling the running job');
    expect(run.stdout).toContain(`${sim.hostPath}: Cancelled by the user.`);
    const db = openDatabase(join(data, 'flashdeck.sqlite'));
    try {
      expect(new FlashLog(db).recent(manualBoardId(sim.hostPath)).map((entry) => [entry.fileName, entry.ok, entry.errorCode])).toEqual([['big.bin', false, 'CANCELLED']]);
    } finally {
      db.close();
    }
    // The port is free again: the next command opens it.
    const next = await runCli(['monitor', '--port', sim.hostPath, '--data-dir', data, '--timeout', '0.5']);
    expect(next.code, next.stderr).toBe(0);
  });

  it('names the flashdeck that holds the port (program and pid) and exits 3', async () => {
    const { sim, data, image } = await setUp();
    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', join(projectRoot, 'electron', 'cli', 'flashdeck.ts'), 'monitor', '--port', sim.hostPath, '--data-dir', data, '--timeout', '60'],
      {
        cwd: projectRoot,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    cleanups.push(() => holder.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: holder.stderr! }).on('line', (line) => line.startsWith('Monitoring') && resolve());
      holder.once('exit', (code) => reject(new Error(`the holding monitor exited with ${code}`)));
    });
    const run = await runCli(['flash', image, '--port', sim.hostPath, '--data-dir', data, '--json']);
    expect(run.code).toBe(3);
    const [board] = JSON.parse(run.stdout).boards;
    expect(board.error.code).toBe('PORT_BUSY');
    expect(board.error.message).toContain(`held by flashdeck (pid ${holder.pid})`);
    expect(board.error.hint).toMatch(/^Close flashdeck/);
  });
});
