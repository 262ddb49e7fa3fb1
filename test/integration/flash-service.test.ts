import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAppServices, type AppServices } from '../../electron/services/app-services';
import { requestCaller } from './request-caller';
import { findPortHolders } from '../../electron/services/ports/port-open-errors';
import { startEsp32Sim, type Esp32Sim } from '../../simulators/esp32/start-sim';
import { tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';

const root = resolve(import.meta.dirname, '..', '..');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(): Promise<{ services: AppServices; sim: Esp32Sim; call: (name: string, args: unknown) => Promise<any>; finished: () => Promise<any> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'flashdeck-flash-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const sim = await startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200, timeScale: 0 });
  cleanups.push(() => sim.close());
  const services = await createAppServices({ dataDir, mode: 'serve', version: 'test', programsDir: join(root, 'resources', 'programs'), lister: async () => [], log: () => {} });
  cleanups.push(() => services.close());
  const call = requestCaller(services.handlers);
  const finished = () =>
    new Promise<any>((done) => {
      const stop = services.hub.subscribe((name, payload) => {
        if (name === 'flash.finished') {
          stop();
          done(payload);
        }
      });
    });
  return { services, sim, call, finished };
}

const image = () => ({ name: 'app.bin', dataBase64: Buffer.from(tinygoStyleImage(0, 12 * 1024, 3)).toString('base64') });

describe('flash jobs', () => {
  it('refuses a text file unless the user insists it is raw data, then writes it where asked; an address for a file that carries its own is refused', async () => {
    const { sim, call, finished } = await setUp();
    const board = await call('boards.addByPath', { path: sim.hostPath });
    await call('boards.update', { boardId: board.id, target: 'esp32-coreboard-v2' });
    const notes = Buffer.from('WIFI_SSID=bench\nWIFI_PASS=secret\n');
    const file = { name: 'notes.txt', dataBase64: notes.toString('base64') };
    const summary = await call('flash.inspect', { boardId: board.id, file });
    expect(summary.problems.map((p: any) => p.code)).toContain('TEXT_FILE');
    expect(summary.overridable).toBe(true);
    await expect(call('flash.start', { boardId: board.id, file, offset: 0x200000 })).rejects.toMatchObject({ code: 'TEXT_FILE' });
    expect(sim.flash.read(0x200000, notes.length).every((b) => b === 0xff)).toBe(true);

    const done = finished();
    await call('flash.start', { boardId: board.id, file, offset: 0x200000, force: true });
    expect(await done).toMatchObject({ ok: true, outcome: { verifiedBy: 'md5' } });
    expect(Buffer.from(sim.flash.read(0x200000, notes.length)).equals(notes)).toBe(true);

    await call('boards.update', { boardId: board.id, target: 'feather-nrf52840' });
    const hex = { name: 'blink.hex', dataBase64: Buffer.from(':0400000500001000E7\n:00000001FF\n').toString('base64') };
    await expect(call('flash.start', { boardId: board.id, file: hex, offset: 0x30000 })).rejects.toMatchObject({
      code: 'ADDRESS_NOT_APPLICABLE',
      message: /carries its own addresses/,
    });
  });
  it('the chip a flash reads names a port without USB identity (even when the flash then fails), and the overview shows the last flash', async () => {
    const { sim, call, finished } = await setUp();
    const board = await call('boards.addByPath', { path: sim.hostPath });
    expect(board.guess).toMatchObject({ label: 'Unknown board', targets: [] });
    expect(await call('boards.overview', {})).toEqual([{ boardId: board.id, lastFlash: null, latestBuild: null, capacity: null }]);

    // An image for the ESP32-C3 on this ESP32: refused by the driver after it read the chip, so it is known all the same.
    sim.device.pressBootAndTapEn();
    let done = finished();
    const c3 = { name: 'c3.bin', dataBase64: Buffer.from(tinygoStyleImage(5, 12 * 1024, 4)).toString('base64') };
    await call('flash.start', { boardId: board.id, file: c3 });
    expect(await done).toMatchObject({ ok: false, error: { code: 'ESP_CHIP_MISMATCH' } });
    let listed = (await call('boards.list', {})).find((b: any) => b.id === board.id);
    expect(listed.detected).toMatchObject({ chip: 'ESP32', description: expect.stringMatching(/^ESP32 \(revision v\d+\.\d+\)$/) });
    expect(listed.guess).toMatchObject({ label: 'ESP32 board', confidence: 'chip', family: 'esp32' });

    sim.device.pressBootAndTapEn();
    done = finished();
    await call('flash.start', { boardId: board.id, file: image() });
    expect(await done).toMatchObject({ ok: true });
    listed = (await call('boards.list', {})).find((b: any) => b.id === board.id);
    expect(listed.guess.targets).toContain('esp32-coreboard-v2');
    const [overview] = await call('boards.overview', {});
    expect(overview.lastFlash).toMatchObject({ fileName: 'app.bin', ok: true, verifiedBy: 'md5', bytes: 12 * 1024 });
  });

  it('names the program holding a busy port, records the failure, and flashes once it lets go', async () => {
    const { sim, call, finished } = await setUp();
    const board = await call('boards.addByPath', { path: sim.hostPath });
    await call('boards.update', { boardId: board.id, target: 'esp32-coreboard-v2' });
    const holder: ChildProcess = spawn('flock', ['--exclusive', sim.hostPath, 'sleep', '30'], { stdio: 'ignore', detached: true });
    const stopHolder = () => {
      try {
        process.kill(-holder.pid!, 'SIGTERM');
      } catch {
        // gone already
      }
    };
    cleanups.push(stopHolder);
    await expect.poll(() => findPortHolders(sim.hostPath).some((h) => h.locks), { timeout: 5000 }).toBe(true);

    let done = finished();
    await call('flash.start', { boardId: board.id, file: image() });
    const failed = await done;
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatchObject({ code: 'PORT_BUSY', stage: 'connecting' });
    expect(failed.error.message).toContain(`held by flock (pid ${holder.pid})`);
    expect(failed.error.hint).toMatch(/Close flock .* then try again/);

    const exited = new Promise((r) => holder.once('exit', r));
    stopHolder();
    await exited;
    done = finished();
    await call('flash.start', { boardId: board.id, file: image() });
    expect(await done).toMatchObject({ ok: true, outcome: { verifiedBy: 'md5' } });
    const log = await call('flash.history', { boardId: board.id });
    expect(log.map((entry: any) => [entry.ok, entry.errorCode])).toEqual([
      [true, null],
      [false, 'PORT_BUSY'],
    ]);
  });

  it('cancels a running flash: the job ends as cancelled, never as success', async () => {
    const { sim, services, call, finished } = await setUp();
    const board = await call('boards.addByPath', { path: sim.hostPath });
    await call('boards.update', { boardId: board.id, target: 'esp32-coreboard-v2' });
    const done = finished();
    let whileRunning: any;
    const stopProgress = services.hub.subscribe((name, payload: any) => {
      if (name === 'flash.progress' && payload.progress.stage === 'writing') {
        stopProgress();
        // A window connecting now learns of the running job from flash.jobs.
        void call('flash.jobs', {}).then((jobs: any) => (whileRunning = jobs));
        void call('flash.cancel', { jobId: payload.jobId });
      }
    });
    const big = { name: 'big.bin', dataBase64: Buffer.from(tinygoStyleImage(0, 512 * 1024, 4)).toString('base64') };
    const { jobId } = await call('flash.start', { boardId: board.id, file: big });
    const result = await done;
    expect(result.ok).toBe(false);
    expect(result.error.code).toBe('CANCELLED');
    expect(whileRunning).toEqual([{ boardId: board.id, jobId, fileName: 'big.bin', running: true, finished: null }]);
    // …and one that missed flash.finished learns how it ended.
    const after = await call('flash.jobs', {});
    expect(after).toMatchObject([{ boardId: board.id, jobId, running: false, finished: { ok: false, error: { code: 'CANCELLED' } } }]);
  });
});
