import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { addBoardByPath, launchBrowser, removeDir, screenshot, startServe, type ServeProcess, openWindow, ESP32_DEVKIT } from './harness';
import { startEsp32Sim, type Esp32Sim } from '../../simulators/esp32/start-sim';
import { tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';

const ESP32_CHIP_ID = 0x0000;
const ESP32C3_CHIP_ID = 0x0005;

describe('flashing an ESP32 from the Flash tab (serve mode, simulated board on a pty)', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let sim: Esp32Sim;
  let page: Page;
  let errors: string[];
  const files = mkdtempSync(join(tmpdir(), 'flashdeck-images-'));

  beforeAll(async () => {
    // A pty has no DTR/RTS: the simulated board waits in download mode, as after "hold BOOT, tap EN".
    [serve, browser, sim] = await Promise.all([startServe(), launchBrowser(), startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200 })]);
    ({ page, errors } = await openWindow(browser, serve.url));
    await addBoardByPath(page, sim.hostPath, ESP32_DEVKIT);
    await page.getByRole('tab', { name: 'Flash' }).click();
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await sim?.close();
    if (serve) removeDir(serve.dataDir);
    removeDir(files);
  });

  it('refuses an image built for another chip, naming both', async () => {
    const wrong = join(files, 'blink-c3.bin');
    writeFileSync(wrong, tinygoStyleImage(ESP32C3_CHIP_ID, 20 * 1024, 3));
    await page.getByTestId('flash-file-input').setInputFiles(wrong);
    await page.getByTestId('image-problem').filter({ hasText: 'This image is for ESP32-C3, the board is an ESP32' }).waitFor();
    await expect(page.getByRole('button', { name: /^Flash / }).isDisabled()).resolves.toBe(true);
  });

  it('flashes a TinyGo image at 0x1000, verifies it, and the simulated flash holds the same bytes', async () => {
    const image = tinygoStyleImage(ESP32_CHIP_ID, 40 * 1024, 7);
    const file = join(files, 'heap-telemetry.bin');
    writeFileSync(file, image);
    await page.getByTestId('flash-file-input').setInputFiles(file);
    await page.getByTestId('image-kind').filter({ hasText: 'ESP32 app image for ESP32' }).waitFor();
    await expect(page.getByLabel('Flash address').getAttribute('placeholder')).resolves.toBe('0x1000');
    await page.getByRole('button', { name: /^Flash / }).click();
    const result = page.getByTestId('flash-result');
    await result.waitFor({ timeout: 60_000 });
    await expect(result.textContent()).resolves.toContain('verified by MD5');
    // A sentence with units; the driver's raw facts wait, labelled, behind Details.
    await expect(result.innerText()).resolves.toMatch(
      /^Flashed and verified by MD5: wrote [\d.]+ KiB of heap-telemetry\.bin at 0x0*1000 on the ESP32 \(v[\d.]+\); the chip's MD5 of the written flash matches the image\./,
    );
    await expect(result.innerText()).resolves.not.toMatch(/wireBytes|imageKind|loader:|Chip revision/);
    await result.locator('summary', { hasText: 'Details' }).click();
    await expect(result.getByTestId('flash-result-details').innerText()).resolves.toMatch(
      /Chip revision\s+v[\d.]+[\s\S]*Bytes on the wire \(compressed\)\s+\d{1,3}(,\d{3})* B\n[\s\S]*Loader\s+(flasher stub|ROM loader)\nImage kind\s+ESP32 app image/,
    );
    expect(Buffer.from(sim.flash.read(0x1000, image.length)).equals(Buffer.from(image))).toBe(true);
    // Nothing before the image was touched: erase only what is written.
    expect(sim.flash.read(0, 0x1000).every((byte) => byte === 0xff)).toBe(true);
    await page.getByRole('region', { name: 'Recent flashes' }).getByText('heap-telemetry.bin').waitFor();
    await screenshot(page, 'flash-esp32');
    expect(errors).toEqual([]);
  });

  it('refuses a text file until the user says it is raw data and gives an address, then writes exactly its bytes there', async () => {
    const notes = join(files, 'notes.txt');
    const content = 'WIFI_SSID=bench\nWIFI_PASS=secret\n';
    writeFileSync(notes, content);
    await page.getByTestId('flash-file-input').setInputFiles(notes);
    await page.getByTestId('image-problem').filter({ hasText: 'notes.txt is a .txt file, not a firmware image' }).waitFor();
    const flash = page.getByRole('button', { name: /^Flash / });
    await expect(flash.isDisabled()).resolves.toBe(true);
    await page.getByLabel('Flash address').fill('0x200000');
    await expect(flash.isDisabled()).resolves.toBe(true);
    await page.getByLabel('Flash it as raw data — I know it is not a firmware image').check();
    sim.device.pressBootAndTapEn(); // the board runs the last app and a pty cannot reset it
    await flash.click();
    const outcome = page.getByTestId('flash-result').or(page.getByTestId('flash-error'));
    await outcome.waitFor({ timeout: 60_000 });
    await expect(outcome.innerText()).resolves.toMatch(new RegExp(`^Flashed and verified by MD5: wrote ${content.length} B of notes\\.txt at 0x0*200000`));
    expect(Buffer.from(sim.flash.read(0x200000, content.length)).toString()).toBe(content);
  });

  it('a window whose connection dropped mid-flash shows how the job ended once it is back', async () => {
    let networkDown = false;
    let pageSide: WebSocketRoute | null = null;
    let serverSide: WebSocketRoute | null = null;
    await page.routeWebSocket(/\/api\?/, (ws) => {
      if (networkDown) return void ws.close();
      pageSide = ws;
      serverSide = ws.connectToServer();
    });
    await page.reload();
    await page.getByRole('tab', { name: 'Flash' }).click();
    const image = tinygoStyleImage(ESP32_CHIP_ID, 64 * 1024, 11);
    const file = join(files, 'blink.bin');
    writeFileSync(file, image);
    await page.getByTestId('flash-file-input').setInputFiles(file);
    await page.getByTestId('image-kind').filter({ hasText: 'ESP32 app image for ESP32' }).waitFor();
    sim.device.pressBootAndTapEn(); // the board runs the last app and a pty cannot reset it
    const boots = sim.device.boots.length;
    await page.getByRole('button', { name: /^Flash / }).click();
    await page.getByTestId('flash-stage').filter({ hasText: 'Writing the image' }).waitFor({ timeout: 30_000 });
    networkDown = true;
    await pageSide!.close();
    await serverSide!.close();
    // The job finishes in main (the board restarts into the new app) while nobody hears flash.finished.
    await expect
      .poll(() => sim.device.boots.length > boots && sim.device.boots.at(-1)!.mode === 'spi', { timeout: 30_000 })
      .toBe(true)
      .catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await expect(page.getByTestId('flash-stage').textContent()).resolves.toBe('Writing the image');
    networkDown = false;
    // Whatever main recorded reaches the window: a verified result (or, if the flash itself failed, its error, shown here).
    const outcome = page.getByTestId('flash-result').or(page.getByTestId('flash-error'));
    await outcome.waitFor({ timeout: 30_000 });
    await expect(outcome.textContent()).resolves.toContain('verified by MD5');
    expect(Buffer.from(sim.flash.read(0x1000, image.length)).equals(Buffer.from(image))).toBe(true);
  });
});
