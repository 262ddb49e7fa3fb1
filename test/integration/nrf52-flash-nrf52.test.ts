import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSerialLink } from '../../drivers/common/serial-port-link';
import { FlashdeckError } from '../../drivers/common/errors';
import { flashNrf52 } from '../../drivers/nrf52/flash-nrf52';
import { startSecureDfuSim } from '../../simulators/nrf52/secure-dfu-sim';
import { SimPortWatch } from '../../simulators/nrf52/sim-port-watch';
import { Uf2DriveSim } from '../../simulators/nrf52/uf2-drive-sim';
import { appFiles, tinygoApp } from '../../simulators/nrf52/fixtures';
import { cleanupAfterEach } from './nrf52-rig';

const defer = cleanupAfterEach();

describe('flashNrf52 routes by target', () => {
  it("pca10059: waits for the dongle bootloader port, converts TinyGo's legacy zip, flashes by Secure DFU", async () => {
    const app = tinygoApp(24 * 1024, 0x1000, 4);
    const watch = new SimPortWatch([{ path: '/dev/ttyACM0', vendorId: '1915', productId: 'cafe' }]);
    const dongle = await startSecureDfuSim({
      baud: 1_000_000,
      timing: { timeScale: 0.05 },
      activationMs: 200,
      onActivated: () => {
        watch.remove('/dev/ttyACM1');
        watch.add({ path: '/dev/ttyACM0', vendorId: '1915', productId: 'cafe' });
      },
    });
    defer(dongle.close);
    // The user presses the side button: the app port goes, the bootloader (1915:521F) comes.
    setTimeout(() => {
      watch.remove('/dev/ttyACM0');
      watch.add({ path: '/dev/ttyACM1', vendorId: '1915', productId: '521f' });
    }, 100);
    const messages: string[] = [];
    const outcome = await flashNrf52({
      target: 'pca10059',
      image: appFiles(app, 0x1000).legacyZip,
      fileName: 'pca10059.zip',
      portWatch: watch,
      openLink: (portPath) => openSerialLink(portPath === '/dev/ttyACM1' ? dongle.hostPath : portPath),
      bootloaderWaitMs: 2000,
      secureTiming: { responseTimeoutMs: 300, disconnectTimeoutMs: 1000, reenumerateTimeoutMs: 1500 },
      onProgress: (p) => p.message && messages.push(p.message),
    });
    expect(messages.some((m) => /side RESET button/.test(m))).toBe(true);
    expect(outcome).toMatchObject({ verifiedBy: 'crc32', details: { appPort: '/dev/ttyACM0' } });
    expect(dongle.sim.appBytes(app.length)).toEqual(app);
  });

  it('pca10059 on a port added by path (no USB identity, e.g. npm run sim on a pty): the picked port is the bootloader, verified by CRC-32', async () => {
    const app = tinygoApp(16 * 1024, 0x1000, 6);
    const dongle = await startSecureDfuSim({ baud: 1_000_000, timing: { timeScale: 0.05 }, activationMs: 100 });
    defer(dongle.close);
    // The OS lists no USB port at all: only the path the user typed exists.
    const watch = new SimPortWatch([]);
    const outcome = await flashNrf52({
      target: 'pca10059',
      image: appFiles(app, 0x1000).secureZip,
      fileName: 'dongle.zip',
      portWatch: watch,
      appPortPath: dongle.hostPath,
      portAddedByPath: true,
      openLink: (portPath) => openSerialLink(portPath),
      bootloaderWaitMs: 500,
      secureTiming: { responseTimeoutMs: 300, disconnectTimeoutMs: 1000, reenumerateTimeoutMs: 1500 },
    });
    expect(outcome).toMatchObject({ verifiedBy: 'crc32', details: { protocol: 'Nordic Secure DFU' } });
    expect(dongle.sim.appBytes(app.length)).toEqual(app);
  });

  it('feather-nrf52840: touches the app port and copies to the UF2 drive', async () => {
    const app = tinygoApp(16 * 1024, 0x26000, 6);
    const base = await mkdtemp(path.join(tmpdir(), 'flashdeck-route-'));
    const sim = new Uf2DriveSim({ mountRoot: path.join(base, 'media', 'me'), startInBootloader: false, appPort: { path: '/dev/ttyACM0', vendorId: '239a', productId: '802a' } });
    await sim.start();
    defer(async () => {
      await sim.stop();
      await rm(base, { recursive: true, force: true });
    });
    const touched: string[] = [];
    const outcome = await flashNrf52({
      target: 'feather-nrf52840',
      image: appFiles(app, 0x26000).hex,
      fileName: 'blinky.hex',
      portWatch: sim.portWatch,
      openLink: () => Promise.reject(new Error('UF2 needs no serial link')),
      appPortPath: '/dev/ttyACM0',
      touchPort: async (p) => {
        touched.push(p);
        await sim.touch();
      },
      driveRoots: [path.join(base, 'media')],
      uf2Timeouts: { driveAppearMs: 2000, drivePollMs: 25, reenumerateMs: 1500 },
    });
    expect(touched).toEqual(['/dev/ttyACM0']);
    expect(outcome.details.appPort).toBe('/dev/ttyACM0');
    expect(sim.appBytes(0x26000, app.length)).toEqual(app);
  });

  it('probe boards: names the missing tool, else hands over to tinygo flash', async () => {
    const common = { image: appFiles(tinygoApp(1024, 0), 0).hex, fileName: 'x.hex', portWatch: new SimPortWatch(), openLink: () => Promise.reject(new Error('unused')) };
    const missing = await flashNrf52({ ...common, target: 'pinetime', toolProbe: async () => false }).catch((e: unknown) => e);
    expect((missing as FlashdeckError).code).toBe('NRF_TOOL_MISSING');
    expect((missing as FlashdeckError).message).toMatch(/openocd/);
    const present = await flashNrf52({ ...common, target: 'pinetime', toolProbe: async () => true }).catch((e: unknown) => e);
    expect((present as FlashdeckError).code).toBe('NRF_NEEDS_TINYGO_FLASH');
  });
});
