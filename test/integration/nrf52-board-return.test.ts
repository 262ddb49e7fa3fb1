/**
 * After an nRF52 DFU, the board that comes back is the one that was flashed: a second board of the
 * same model that was there all along (running its app, or in its bootloader) is never taken for
 * it, the flashed board's serial number wins, and a USB-UART board whose identity never changes
 * (Feather nRF52832, CP2104) is judged by its bootloader's own evidence.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSerialLink } from '../../drivers/common/serial-port-link';
import { flashNrf52 } from '../../drivers/nrf52/flash-nrf52';
import { startSecureDfuSim } from '../../simulators/nrf52/secure-dfu-sim';
import { startLegacyDfuSim } from '../../simulators/nrf52/legacy-dfu-sim';
import { SimPortWatch } from '../../simulators/nrf52/sim-port-watch';
import { Uf2DriveSim } from '../../simulators/nrf52/uf2-drive-sim';
import { appFiles, tinygoApp } from '../../simulators/nrf52/fixtures';
import { cleanupAfterEach, FEATHER_APP, DONGLE_APP, DONGLE_BOOT } from './nrf52-rig';

const defer = cleanupAfterEach();

/** Two PCA10059 dongles: B runs its app on ttyACM0, A (the one flashed) waits in its bootloader on ttyACM1. */
async function flashDongleA(afterActivation: (watch: SimPortWatch) => void) {
  const app = tinygoApp(16 * 1024, 0x1000, 5);
  const watch = new SimPortWatch([
    { path: '/dev/ttyACM0', ...DONGLE_APP, serialNumber: 'B0B0B0B0' },
    { path: '/dev/ttyACM1', ...DONGLE_BOOT, serialNumber: 'A1A1A1A1' },
  ]);
  const dongle = await startSecureDfuSim({
    baud: 1_000_000,
    timing: { timeScale: 0.05 },
    activationMs: 100,
    onActivated: () => {
      watch.remove('/dev/ttyACM1');
      afterActivation(watch);
    },
  });
  defer(dongle.close);
  const outcome = await flashNrf52({
    target: 'pca10059',
    image: appFiles(app, 0x1000).hex,
    fileName: 'blinky.hex',
    portWatch: watch,
    openLink: (path) => (path === '/dev/ttyACM1' ? openSerialLink(dongle.hostPath) : Promise.reject(new Error(`flashed the wrong port ${path}`))),
    secureTiming: { responseTimeoutMs: 300, disconnectTimeoutMs: 1000, reenumerateTimeoutMs: 3000 },
  });
  expect(dongle.sim.appBytes(app.length)).toEqual(app);
  return outcome;
}

describe('the board coming back after a DFU', () => {
  it('Secure DFU: the other dongle, running all along, is not taken for the flashed one', async () => {
    const outcome = await flashDongleA((watch) => setTimeout(() => watch.add({ path: '/dev/ttyACM2', ...DONGLE_APP, serialNumber: 'A1A1A1A1' }), 150));
    expect(outcome.details.appPort).toBe('/dev/ttyACM2');
  });

  it('Secure DFU: of two new ports of the same model, the one with the flashed board serial number wins', async () => {
    const outcome = await flashDongleA((watch) => {
      // Someone plugs in a third dongle just as ours restarts; ours shows a moment later.
      setTimeout(() => watch.add({ path: '/dev/ttyACM3', ...DONGLE_APP, serialNumber: 'C3C3C3C3' }), 50);
      setTimeout(() => watch.add({ path: '/dev/ttyACM2', ...DONGLE_APP, serialNumber: 'A1A1A1A1' }), 300);
    });
    expect(outcome.details.appPort).toBe('/dev/ttyACM2');
  });

  it("Feather nRF52832 (CP2104): a second Feather's port proves nothing; the bootloader's own answer decides", async () => {
    const APP_BASE = 0x26000;
    const app = tinygoApp(16 * 1024, APP_BASE, 9);
    const CP2104 = { vendorId: '10c4', productId: 'ea60' };
    // B runs its app on ttyUSB1 and is listed first; A, the one flashed, is in its bootloader on ttyUSB0.
    const watch = new SimPortWatch([
      { path: '/dev/ttyUSB1', ...CP2104, serialNumber: '01B2C3D4' },
      { path: '/dev/ttyUSB0', ...CP2104, serialNumber: '01A2A3A4' },
    ]);
    const board = await startLegacyDfuSim({ baud: 1_000_000, timing: { timeScale: 0.05 }, activationMs: 100, link: 'uart', appEnd: 0x6d000 });
    defer(board.close);
    const outcome = await flashNrf52({
      target: 'pca10040-s132v6',
      image: appFiles(app, APP_BASE).hex,
      fileName: 'blinky.hex',
      portWatch: watch,
      appPortPath: '/dev/ttyUSB0',
      openLink: (path) => (path === '/dev/ttyUSB0' ? openSerialLink(board.hostPath) : Promise.reject(new Error(`flashed the wrong port ${path}`))),
      legacyTiming: { ackTimeoutMs: 250, erasePageMs: 85 * 0.05 + 0.5, activationTimeoutMs: 600, reenumerateTimeoutMs: 1500 },
    });
    expect(board.sim.appBytes(app.length)).toEqual(app);
    expect(outcome.verifiedBy).toBe('bootloader-silent');
    expect(outcome.details.appPort).toBe('/dev/ttyUSB0');
  });

  it('UF2: a second Feather nRF52840 running all along is not taken for the flashed one', async () => {
    const app = tinygoApp(16 * 1024, 0x26000, 6);
    const base = await mkdtemp(path.join(tmpdir(), 'flashdeck-return-'));
    // B runs on ttyACM0 and is listed first; A, the one flashed, runs on ttyACM1 and comes back there.
    const watch = new SimPortWatch([{ path: '/dev/ttyACM0', ...FEATHER_APP }]);
    const sim = new Uf2DriveSim({ mountRoot: path.join(base, 'media', 'me'), startInBootloader: false, portWatch: watch, appPort: { path: '/dev/ttyACM1', ...FEATHER_APP } });
    await sim.start();
    defer(async () => {
      await sim.stop();
      await rm(base, { recursive: true, force: true });
    });
    const outcome = await flashNrf52({
      target: 'feather-nrf52840',
      image: appFiles(app, 0x26000).hex,
      fileName: 'blinky.hex',
      portWatch: watch,
      openLink: () => Promise.reject(new Error('UF2 needs no serial link')),
      appPortPath: '/dev/ttyACM1',
      touchPort: () => sim.touch(),
      driveRoots: [path.join(base, 'media')],
      uf2Timeouts: { driveAppearMs: 2000, drivePollMs: 25, reenumerateMs: 3000 },
    });
    expect(sim.appBytes(0x26000, app.length)).toEqual(app);
    expect(outcome.details.appPort).toBe('/dev/ttyACM1');
  });
});
