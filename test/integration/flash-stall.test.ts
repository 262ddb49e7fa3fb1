/**
 * A line that freezes mid-flash (a hung USB-serial adapter, a board that browns out): the job ends
 * with a clear error instead of taking the process down, the attempt is in the flash log, and once
 * the line thaws the same board flashes and verifies. Over a real pty (socat stopped with SIGSTOP)
 * through the app's services, and over the in-process binding through the driver.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import type { ByteLink } from '../../drivers/common/byte-link';
import { createAppServices } from '../../electron/services/app-services';
import { requestCaller } from './request-caller';
import type { EventName, EventPayload } from '../../electron/contract';
import { flashEsp32 } from '../../drivers/esp32/flash-esp32';
import { FlashdeckError } from '../../drivers/common/errors';
import { startEsp32Sim } from '../../simulators/esp32/start-sim';
import { incompressibleImage } from '../../simulators/esp32/esp-image-builder';
import { FAST, openRig, sameBytes, type Rig } from './esp32-rig';

const root = resolve(import.meta.dirname, '..', '..');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a line that freezes mid-flash', () => {
  it('over a pty in the app: the job fails clearly, is logged, and the board flashes again after the thaw', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'flashdeck-stall-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const sim = await startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200, timeScale: 0 });
    cleanups.push(() => sim.close());
    const services = await createAppServices({ dataDir, mode: 'serve', version: 'test', programsDir: join(root, 'resources', 'programs'), lister: async () => [], log: () => {} });
    cleanups.push(() => services.close());
    const call = requestCaller(services.handlers);
    const next = <E extends EventName>(name: E, match: (payload: EventPayload<E>) => boolean = () => true) =>
      new Promise<EventPayload<E>>((done) => {
        const stop = services.hub.subscribe((event, payload) => {
          if (event === name && match(payload as EventPayload<E>)) {
            stop();
            done(payload as EventPayload<E>);
          }
        });
      });

    const board = await call('boards.addByPath', { path: sim.hostPath });
    await call('boards.update', { boardId: board.id, target: 'esp32-coreboard-v2' });
    const image = incompressibleImage(256);
    const file = { name: 'app.bin', dataBase64: Buffer.from(image).toString('base64') };

    const writing = next('flash.progress', (p) => p.progress.stage === 'writing' && p.progress.bytesDone > 0);
    let finished = next('flash.finished');
    await call('flash.start', { boardId: board.id, file });
    await writing;
    sim.freeze();
    const failed = await finished;
    expect(failed.ok).toBe(false);
    expect(failed.error?.code).toMatch(/^ESP_(WRITE_FAILED|TIMEOUT|DISCONNECTED)$/);
    expect(failed.error?.message.length).toBeGreaterThan(20);
    expect(failed.error?.hint).toBeTruthy();
    sim.thaw();

    // A pty has no reset lines: the user holds BOOT and taps EN, then flashes the same image again.
    sim.device.pressBootAndTapEn();
    finished = next('flash.finished');
    await call('flash.start', { boardId: board.id, file });
    expect(await finished).toMatchObject({ ok: true, outcome: { verifiedBy: 'md5' } });
    expect(sameBytes(sim.flash.read(0x1000, image.length), image)).toBe(true);

    const log = await call('flash.history', { boardId: board.id });
    expect(log.map((entry: any) => [entry.ok, entry.errorCode])).toEqual([
      [true, null],
      [false, failed.error?.code],
    ]);
  }, 90_000);

  it('over the in-process binding: the job fails clearly, and the board flashes again after the thaw', async () => {
    const rig: Rig = await openRig({ chip: 'esp32', transport: 'binding' });
    cleanups.push(() => rig.close());
    const image = incompressibleImage(128);
    let frozen = false;
    const run = flashEsp32(rig.link, image, {
      ...FAST,
      onProgress: (progress) => {
        if (!frozen && progress.stage === 'writing' && progress.bytesDone > 0) {
          frozen = true;
          rig.sim.freeze();
        }
      },
    });
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(frozen).toBe(true);
    expect(error).toBeInstanceOf(FlashdeckError);
    expect((error as FlashdeckError).code).toMatch(/^ESP_(WRITE_FAILED|TIMEOUT)$/);
    rig.sim.thaw();

    await flashEsp32(rig.link, image, FAST);
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
  }, 90_000);
});

/** The link's writes handed over `bytesPerTick` at a time every 100 ms: a port that takes data slowly but steadily. */
function slowLink(link: ByteLink, bytesPerTick: number): ByteLink {
  let accepted = 0;
  return Object.create(link, {
    bytesAccepted: { get: () => accepted },
    write: {
      value: async (bytes: Uint8Array) => {
        for (let start = 0; start < bytes.length; start += bytesPerTick) {
          if (start > 0) await new Promise((done) => setTimeout(done, 100));
          const part = bytes.subarray(start, start + bytesPerTick);
          await link.write(part);
          accepted += part.length;
        }
      },
    },
  }) as ByteLink;
}

describe('a busy host or a slow port is not a stalled board', () => {
  it('a port that takes a frame over several seconds, steadily, flashes and verifies (progress at the wire, not the clock)', async () => {
    const rig: Rig = await openRig({ chip: 'esp32', transport: 'binding' });
    cleanups.push(() => rig.close());
    const image = incompressibleImage(24);
    // ~2.5 KB/s: one 16 KB data frame takes ~6 s to hand over, twice the 3 s "accepted nothing" limit.
    await flashEsp32(slowLink(rig.link, 256), image, { ...FAST, baud: 115200 });
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
  }, 120_000);

  it('a host that stops running Flashdeck for 5 s mid-write (a saturated machine) does not fail the flash', async () => {
    // Over a pty a write completes as I/O: after the pause the timers run first, as they would on a starved host.
    const rig: Rig = await openRig({ chip: 'esp32', transport: 'pty', throttle: true });
    cleanups.push(() => rig.close());
    rig.sim.device.pressBootAndTapEn();
    const image = incompressibleImage(256);
    let writes = 0;
    let paused = false;
    const pausing = Object.create(rig.link, {
      write: {
        value: (bytes: Uint8Array) => {
          const written = rig.link.write(bytes);
          // A data frame (16 KiB) in flight: the event loop is blocked as a process starved of CPU would be.
          if (bytes.length > 8192 && ++writes === 3) {
            paused = true;
            setImmediate(() => {
              const until = performance.now() + 5000;
              while (performance.now() < until);
            });
          }
          return written;
        },
      },
    }) as ByteLink;
    const outcome = await flashEsp32(pausing, image, { ...FAST, baud: 921600, timeouts: { ...FAST.timeouts, defaultMs: 10_000 } });
    expect(paused).toBe(true);
    expect(outcome.details.log ?? '').not.toMatch(/Block \d+\/\d+ failed/); // not even a retried block
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
  }, 120_000);

  it('over a pty with every core saturated by other processes, a 512 KiB flash at 921600 baud verifies', async () => {
    const busy = Array.from({ length: 4 }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
    for (const child of busy) child.on('error', () => {});
    cleanups.push(() => busy.forEach((child) => child.kill('SIGKILL')));
    const rig: Rig = await openRig({ chip: 'esp32', transport: 'pty', throttle: true });
    cleanups.push(() => rig.close());
    const image = incompressibleImage(512);
    rig.sim.device.pressBootAndTapEn();
    const outcome = await flashEsp32(rig.link, image, { ...FAST, baud: 921600 });
    expect(outcome.verifiedBy).toBe('md5');
    expect(outcome.details.log ?? '').not.toMatch(/Block \d+\/\d+ failed/);
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
  }, 180_000);
});
