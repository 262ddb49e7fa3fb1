/**
 * Boards with native USB re-enumerate when their chip resets: the port goes away in the middle
 * of the reset sequence and comes back a moment later. Like esptool, the job reopens the port
 * (same path, or the same USB identity) and plays the reset again, up to three times, instead of
 * ending with "disconnected". In-process through the app's ESP flasher (the simulated USB device
 * drops during the DTR/RTS sequence), and over a real pty (socat torn down mid-reset, back at the
 * same path).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Board } from '../../electron/contract';
import { espFlasher } from '../../electron/services/flash/esp-flasher';
import { openPortForFlashing } from '../../electron/services/flash/open-port';
import { openReturningBoard } from '../../electron/services/flash/reopen-port';
import type { ByteLink } from '../../drivers/common/byte-link';
import type { PortWatch } from '../../drivers/common/port-watch';
import { FlashdeckError } from '../../drivers/common/errors';
import { flashEsp32 } from '../../drivers/esp32/flash-esp32';
import { SimBinding } from '../../simulators/common/sim-binding';
import { startEsp32Sim } from '../../simulators/esp32/start-sim';
import { tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';
import { FAST, openRig, sameBytes } from './esp32-rig';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function boardAt(path: string, usb: Partial<Board> = {}): Board {
  return {
    id: randomUUID(),
    name: null,
    path,
    present: true,
    manual: !usb.vendorId,
    target: 'esp32-coreboard-v2',
    detected: null,
    guess: { confidence: 'exact', mode: 'application', targets: ['esp32-coreboard-v2'], label: 'ESP32', chip: 'ESP32', family: 'esp32' },
    ...usb,
  };
}

/** The ports a simulator binding lists now (only list() is needed to find a board again). */
function watchOf(binding: SimBinding): PortWatch {
  return {
    list: () => binding.list(),
    waitFor: () => Promise.reject(new Error('not used')),
  };
}

async function flashThroughApp(binding: SimBinding, path: string, image: Uint8Array, board: Board, messages: string[] = []) {
  const outcome = await espFlasher.flash({
    board,
    model: undefined,
    fileName: 'app.bin',
    bytes: image,
    force: false,
    eraseAll: false,
    path,
    espFlashBaud: 921600,
    portWatch: watchOf(binding),
    signal: new AbortController().signal,
    onProgress: (p) => p.message && messages.push(p.message),
    binding,
  });
  return { outcome, messages };
}

describe('a port lost in the middle of the reset', () => {
  it('in-process: the app reopens the port at the same path, resets again, and the image verifies', async () => {
    const sim = await startEsp32Sim({ chip: 'esp32', transport: 'binding', timeScale: 0 });
    cleanups.push(() => sim.close());
    const image = tinygoStyleImage(0, 24 * 1024, 5);
    // Gone after the third DTR/RTS change of the first reset, back 400 ms later.
    sim.binding!.dropDuringReset(sim.hostPath, { afterSignalChanges: 3, goneMs: 400 });

    const { outcome, messages } = await flashThroughApp(sim.binding!, sim.hostPath, image, boardAt(sim.hostPath, { vendorId: '10c4', productId: 'ea60' }));

    expect(outcome).toMatchObject({ verifiedBy: 'md5', bytesWritten: image.length });
    expect(sameBytes(sim.flash.read(0x1000, image.length), image)).toBe(true);
    expect(messages.filter((m) => /went away during the reset/.test(m))).toHaveLength(1);
    expect(outcome.details.reset).toBe('hard reset');
  });

  it('in-process: a board that keeps vanishing is given up after three reopens, as ESP_DISCONNECTED', async () => {
    const sim = await startEsp32Sim({ chip: 'esp32', transport: 'binding', timeScale: 0 });
    cleanups.push(() => sim.close());
    const binding = sim.binding!;
    // Every reset loses the port again.
    binding.dropDuringReset(sim.hostPath, { afterSignalChanges: 2, goneMs: 100, times: 10 });
    const messages: string[] = [];
    const error = await flashThroughApp(binding, sim.hostPath, tinygoStyleImage(0, 8 * 1024, 6), boardAt(sim.hostPath, { vendorId: '10c4', productId: 'ea60' }), messages).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FlashdeckError);
    expect(error).toMatchObject({ code: 'ESP_DISCONNECTED', stage: 'connecting' });
    expect(messages.filter((m) => /went away during the reset/.test(m))).toHaveLength(3);
    expect(sim.flash.read(0x1000, 4)).toEqual(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
  });

  it('in-process: a board that comes back on another path with the same serial number is found there', async () => {
    const binding = new SimBinding();
    const serial = { vendorId: '303a', productId: '1001', serialNumber: 'F4:12:FA:00:11:22' };
    const sim = await startEsp32Sim({ chip: 'esp32c3', transport: 'binding', binding, path: '/dev/ttySIM-acm0', usbJtag: true, info: serial, timeScale: 0 });
    cleanups.push(() => sim.close());
    const board = boardAt('/dev/ttySIM-acm0', serial);
    // The board drops off and is re-registered by the OS as ttySIM-acm1.
    let moved = false;
    const link = await openPortForFlashing('/dev/ttySIM-acm0', board, 115200, binding);
    let current = link;
    cleanups.push(() => current.close());
    const dropping: ByteLink = Object.create(link.link, {
      setSignals: {
        value: async (signals: Parameters<ByteLink['setSignals']>[0]) => {
          if (!moved) {
            moved = true;
            binding.unplug('/dev/ttySIM-acm0');
            setTimeout(() => binding.register('/dev/ttySIM-acm1', sim.device, { info: serial }), 300);
          }
          return link.link.setSignals(signals);
        },
      },
    });
    const image = tinygoStyleImage(5, 16 * 1024, 7);
    const outcome = await flashEsp32(dropping, image, {
      usbJtag: true,
      reopen: async () => {
        await current.close();
        current = await openReturningBoard({
          board,
          lastPath: '/dev/ttySIM-acm0',
          portWatch: watchOf(binding),
          open: (path) => openPortForFlashing(path, board, 115200, binding),
          signal: new AbortController().signal,
        });
        return current.link;
      },
    });
    expect(current.link.path).toBe('/dev/ttySIM-acm1');
    expect(outcome).toMatchObject({ verifiedBy: 'md5' });
    expect(sameBytes(sim.flash.read(0, image.length), image)).toBe(true);
  });

  it('a board that re-enumerates as the final hard reset starts its new firmware has been flashed: success, not "disconnected"', async () => {
    const rig = await openRig({ chip: 'esp32', transport: 'binding' });
    cleanups.push(() => rig.close());
    const image = tinygoStyleImage(0, 8 * 1024, 9);
    const outcome = await flashEsp32(rig.link, image, {
      onProgress: (p) => p.stage === 'resetting' && rig.sim.binding!.dropDuringReset(rig.sim.hostPath, { afterSignalChanges: 1, goneMs: 100 }),
    });
    expect(outcome).toMatchObject({ verifiedBy: 'md5', details: { reset: 'hard reset (the board re-enumerated)' } });
    expect(sameBytes(rig.sim.flash.read(0x1000, image.length), image)).toBe(true);
  });

  it('over a pty: the port dies under the reset, comes back at the same path, and the image verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flashdeck-reenum-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const sim = await startEsp32Sim({ chip: 'esp32', transport: 'pty', path: join(dir, 'ttyACM0'), timeScale: 0 });
    cleanups.push(() => sim.close());
    const board = boardAt(sim.hostPath);
    let current = await openPortForFlashing(sim.hostPath, board);
    cleanups.push(() => current.close());
    // The first reset step finds the pty's other end gone (socat torn down, back 300 ms later);
    // the error the OS gives for it is the real one.
    let gone: Promise<void> | null = null;
    const original = current.link;
    const dying: ByteLink = Object.create(original, {
      setSignals: {
        value: async (signals: Parameters<ByteLink['setSignals']>[0]) => {
          gone ??= sim.reenumerate(300);
          while (existsSync(sim.hostPath)) await new Promise((resolve) => setTimeout(resolve, 10)); // socat exited and took its symlink along
          return original.setSignals(signals);
        },
      },
    });
    const image = tinygoStyleImage(0, 16 * 1024, 8);
    const messages: string[] = [];
    const outcome = await flashEsp32(dying, image, {
      ...FAST,
      connectAttempts: 3,
      onProgress: (p) => p.message && messages.push(p.message),
      reopen: async () => {
        await current.close();
        current = await openReturningBoard({
          board,
          lastPath: sim.hostPath,
          portWatch: { list: async () => [], waitFor: () => Promise.reject(new Error('not used')) },
          open: (path) => openPortForFlashing(path, board),
          signal: new AbortController().signal,
        });
        return current.link;
      },
    });
    await gone;
    expect(current.link).not.toBe(original);
    expect(messages.some((m) => /went away during the reset/.test(m))).toBe(true);
    expect(outcome).toMatchObject({ verifiedBy: 'md5' });
    expect(sameBytes(sim.flash.read(0x1000, image.length), image)).toBe(true);
  });
});
