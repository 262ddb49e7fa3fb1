/**
 * The app and the command line on one machine: with the app's console open on a board, `flashdeck
 * flash` on that port borrows it through the app's port broker — the app's console pauses for the
 * flash, naming the command and its pid, and resumes after it — instead of failing as busy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAppServices } from '../../../electron/services/app-services';
import type { EventPayload } from '../../../electron/contract';
import { startEsp32Sim } from '../../../simulators/esp32/start-sim';
import { tinygoStyleImage } from '../../../simulators/esp32/esp-image-builder';
import { projectRoot, runCli, tempDataDir } from './run-cli';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the app lends its console port to flashdeck', () => {
  it("pauses the app's console while the command flashes, then resumes it", async () => {
    const sim = await startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200, timeScale: 0 });
    cleanups.push(() => sim.close());
    const data = tempDataDir();
    cleanups.push(data.remove);
    const app = await createAppServices({
      dataDir: data.dir,
      mode: 'serve',
      version: 'test',
      programsDir: join(projectRoot, 'resources', 'programs'),
      lister: async () => [],
      log: () => {},
    });
    cleanups.push(() => app.close());
    const board = await app.registry.addByPath(sim.hostPath);
    const states: EventPayload<'console.state'>[] = [];
    app.hub.subscribe((name, payload) => name === 'console.state' && states.push(payload as EventPayload<'console.state'>));
    expect((await app.portSessions.open(board.id)).state).toBe('connected');

    const image = tinygoStyleImage(0, 24 * 1024, 51);
    const file = join(data.dir, 'lent.bin');
    writeFileSync(file, image);
    const run = await runCli(['flash', file, '--port', sim.hostPath, '--data-dir', data.dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(Buffer.from(sim.flash.read(0x1000, image.length)).equals(Buffer.from(image))).toBe(true);

    const paused = states.find((state) => state.state === 'paused-for-flash');
    expect(paused?.detail).toMatch(/^Flashing lent\.bin \(flashdeck, pid \d+\)$/);
    await expect.poll(() => app.portSessions.status(board.id).state, { timeout: 20_000 }).toBe('connected');
    expect(states.map((state) => state.state)).toEqual(expect.arrayContaining(['paused-for-flash', 'connected']));
    expect(states.findLastIndex((state) => state.state === 'connected')).toBeGreaterThan(states.indexOf(paused!));
  });

  it('lends the port for a whole flashdeck test (build, flash, verdict) and takes it back after', async () => {
    const sim = await startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200, timeScale: 0, app: { selftest: {} } });
    cleanups.push(() => sim.close());
    const data = tempDataDir();
    cleanups.push(data.remove);
    const app = await createAppServices({
      dataDir: data.dir,
      mode: 'serve',
      version: 'test',
      programsDir: join(projectRoot, 'resources', 'programs'),
      lister: async () => [],
      log: () => {},
    });
    cleanups.push(() => app.close());
    const board = await app.registry.addByPath(sim.hostPath);
    const details: string[] = [];
    app.hub.subscribe((name, payload) => {
      const state = payload as EventPayload<'console.state'>;
      if (name === 'console.state' && state.state === 'paused-for-flash') details.push(state.detail ?? '');
    });
    expect((await app.portSessions.open(board.id)).state).toBe('connected');

    const selftest = join(projectRoot, 'test', 'fixtures', 'programs', 'selftest');
    const run = await runCli(['test', selftest, '--target', 'esp32-coreboard-v2', '--port', sim.hostPath, '--data-dir', data.dir, '--timeout', '20']);
    expect(run.code, run.stderr).toBe(0);
    expect(details).toEqual([expect.stringMatching(/^Console in use by the command line \(flashdeck, pid \d+\)$/)]);
    await expect.poll(() => app.portSessions.status(board.id).state, { timeout: 20_000 }).toBe('connected');
  });
});
