import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, removeDir, screenshot, startServeInProcess, watchPageErrors } from './harness';
import type { SerialPortInfo } from '../../drivers/common/port-watch';
import { Uf2DriveSim } from '../../simulators/nrf52/uf2-drive-sim';
import { startSecureDfuSim, type StartedSecureDfuSim } from '../../simulators/nrf52/secure-dfu-sim';
import { startLegacyDfuSim, type StartedLegacyDfuSim } from '../../simulators/nrf52/legacy-dfu-sim';
import { appFiles, tinygoApp } from '../../simulators/nrf52/fixtures';

const FEATHER_APP = { path: '/dev/ttyACM-feather', vendorId: '239a', productId: '802a' };

/**
 * Three simulated nRF52 boards, one per way Flashdeck flashes them: a Feather nRF52840 with the
 * UF2 bootloader (drive in a temp folder), a PCA10059 dongle in Nordic's open bootloader and a
 * Feather nRF52832 behind a CP2104 with the legacy serial DFU bootloader (both on real ptys).
 * The server lists them with their USB identities, as the OS would.
 */
describe('flashing nRF52 boards from the Flash tab', () => {
  let server: Awaited<ReturnType<typeof startServeInProcess>>;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let uf2: Uf2DriveSim;
  let dongle: StartedSecureDfuSim;
  let feather832: StartedLegacyDfuSim;
  const extraPorts: SerialPortInfo[] = [];
  const mountRoot = mkdtempSync(join(tmpdir(), 'flashdeck-media-'));
  const files = mkdtempSync(join(tmpdir(), 'flashdeck-nrf-images-'));

  async function selectBoard(label: RegExp) {
    await page.locator('nav button.board', { hasText: label }).first().click();
    await page.getByRole('tab', { name: 'Flash' }).click();
  }

  async function flashFile(name: string, bytes: Uint8Array): Promise<string> {
    const file = join(files, name);
    writeFileSync(file, bytes);
    await page.getByTestId('flash-file-input').setInputFiles(file);
    if (!name.endsWith('.bin')) {
      // HEX, UF2 and DFU packages carry their addresses: no address field to fill.
      await page.getByTestId('image-address').filter({ hasText: 'from the file' }).waitFor();
      await expect(page.getByLabel('Flash address').count()).resolves.toBe(0);
    }
    await page.getByRole('button', { name: /^Flash / }).click();
    const result = page.getByTestId('flash-result');
    const failure = page.getByTestId('flash-error');
    await Promise.race([result.waitFor({ timeout: 60_000 }), failure.waitFor({ timeout: 60_000 })]).catch(async (error) => {
      await screenshot(page, `stuck-${name}`);
      throw error;
    });
    if (await failure.isVisible()) throw new Error(`flash failed: ${await failure.textContent()}`);
    return (await result.textContent()) ?? '';
  }

  beforeAll(async () => {
    uf2 = new Uf2DriveSim({ mountRoot, appPort: FEATHER_APP, startInBootloader: false, mountDelayMs: 100, reenumerateDelayMs: 100 });
    await uf2.start();
    dongle = await startSecureDfuSim({
      activationMs: 200,
      onActivated: () => {
        const at = extraPorts.findIndex((p) => p.vendorId === '1915');
        extraPorts.splice(at, 1, { path: '/dev/ttyACM-dongle-app', vendorId: '1915', productId: 'cafe' });
      },
    });
    extraPorts.push({ path: dongle.hostPath, vendorId: '1915', productId: '521f', manufacturer: 'Nordic Semiconductor' });
    feather832 = await startLegacyDfuSim({ link: 'uart' });
    extraPorts.push({ path: feather832.hostPath, vendorId: '10c4', productId: 'ea60', serialNumber: 'CP2104-832' });
    server = await startServeInProcess({
      lister: async () => [...(await uf2.portWatch.list()), ...extraPorts],
      nrf: { driveRoots: [mountRoot], touchPort: () => uf2.touch() },
    });
    browser = await launchBrowser();
    page = await browser.newPage();
    errors = watchPageErrors(page);
    await page.goto(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    uf2?.stop();
    await dongle?.close();
    await feather832?.close();
    removeDir(mountRoot);
    removeDir(files);
    if (server) removeDir(server.dataDir);
  });

  it('copies a UF2 image to the Feather nRF52840 drive after a 1200-baud touch and sees the app come back', async () => {
    await selectBoard(/Feather nRF52840 Express/);
    const app = tinygoApp(40 * 1024, 0x26000, 5);
    const text = await flashFile('blink.hex', appFiles(app, 0x26000).hex);
    expect(text).toContain('the board came back as its app');
    // Readable, not a dump of the driver's field names.
    await expect(page.getByTestId('flash-result').innerText()).resolves.not.toMatch(/driveVanishedDuringWrite|boardId|appPort/);
    expect(Buffer.from(uf2.appBytes(0x26000, app.length)).equals(Buffer.from(app))).toBe(true);
    expect(uf2.events).toContain('1200-baud touch');
    // The Feather stayed selected while it was away in its bootloader.
    await expect(page.getByTestId('board-title').textContent()).resolves.toContain('Feather nRF52840');
    await screenshot(page, 'flash-nrf52-uf2');
  });

  it('flashes the PCA10059 dongle over Secure DFU from a .zip, checked object by object with CRC-32', async () => {
    await selectBoard(/nRF52840 Dongle/);
    const app = tinygoApp(24 * 1024, 0x1000, 6);
    const text = await flashFile('dongle.zip', appFiles(app, 0x1000).secureZip);
    expect(text).toContain('verified by CRC-32');
    expect(Buffer.from(dongle.flash.read(0x1000, app.length)).equals(Buffer.from(app))).toBe(true);
    // The dongle left its bootloader and came back as the TinyGo app (1915:cafe): the window follows it.
    await page.locator('.board-header code', { hasText: '/dev/ttyACM-dongle-app' }).waitFor();
    await expect(page.getByTestId('flash-result').textContent()).resolves.toContain('CRC-32');
  });

  it('flashes the Feather nRF52832 over legacy serial DFU once its target is pinned', async () => {
    await selectBoard(/CP210x/);
    await page.getByLabel('TinyGo target').selectOption('pca10040-s132v6');
    await page.getByTestId('board-guess').filter({ hasText: 'Feather nRF52832' }).waitFor();
    const app = tinygoApp(16 * 1024, 0x26000, 7);
    const text = await flashFile('blink-832.zip', appFiles(app, 0x26000).legacyZip);
    expect(text).toMatch(/verified/i);
    expect(Buffer.from(feather832.flash.read(0x26000, app.length)).equals(Buffer.from(app))).toBe(true);
    expect(errors).toEqual([]);
  });
});
