/**
 * The console after a flash reopens the board that was flashed: where the flash job saw it come
 * back, not the first port of the same model (two Feathers without serial numbers look alike).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { attachToPty, type PtyAttachment } from '../../../simulators/common/pty-transport';
import { TinyGoAppSim } from '../../../simulators/app/tinygo-app-sim';
import { createConsoleHarness } from './console-harness';

const FEATHER = { vendorId: '239a', productId: '8029' };

let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function board(): Promise<PtyAttachment> {
  const sim = new TinyGoAppSim();
  const pty = await attachToPty(sim, { baud: 115200 });
  cleanups.push(() => {
    sim.stop();
    return pty.close();
  });
  return pty;
}

describe('the console after a flash', () => {
  it('reopens the port the flash job saw the board come back on, not another board of the same model', async () => {
    const flashed = await board();
    const other = await board();
    const h = await createConsoleHarness();
    cleanups.push(() => h.close());
    h.ports = [
      { path: flashed.hostPath, ...FEATHER },
      { path: other.hostPath, ...FEATHER },
    ];
    await h.registry.refresh();
    const boardId = `usb:239a:8029@${flashed.hostPath}`;
    await expect(h.sessions.open(boardId)).resolves.toMatchObject({ state: 'connected' });

    const lease = await h.sessions.lease(boardId, 'Flashing blink.uf2');
    // The flash resets the board: it leaves, and comes back on a new path; the other Feather stays.
    const back = await board();
    expect(back.hostPath).not.toBe(flashed.hostPath);
    await flashed.close();
    h.ports = [
      { path: other.hostPath, ...FEATHER },
      { path: back.hostPath, ...FEATHER },
    ];
    await lease.release({ expectReturn: { usbIds: ['239a:8029'], path: back.hostPath, timeoutMs: 10_000 } });
    // The board list shows it under its new (path-based) id; the console follows it there, and the other Feather is left alone.
    const newId = `usb:239a:8029@${back.hostPath}`;
    await h.waitForState(newId, 'connected');
    expect(h.sessions.status(newId)).toMatchObject({ state: 'connected', path: back.hostPath });
    expect(h.of('console.state').some((e) => e.path === other.hostPath)).toBe(false);
  });
});
