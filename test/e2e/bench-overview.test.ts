/**
 * The bench overview and board identity in Chromium (serve mode, three simulated ESP32 boards on
 * ptys): one with its console open, one flashing (its progress on its card and its sidebar badge),
 * one on a port without USB identity that a flash names "ESP32 board" and whose model list then
 * holds only ESP32 boards; the model picked for it survives a reload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { addBoardByPath, ESP32_DEVKIT, launchBrowser, openWindow, removeDir, screenshot, startServe, type ServeProcess } from './harness';
import { startEsp32Sim, type Esp32Sim } from '../../simulators/esp32/start-sim';
import { incompressibleImage, tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';

describe('the bench overview and board identity (serve mode, three simulated ESP32 boards)', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let sims: Esp32Sim[];
  let page: Page;
  let errors: string[];
  const files = mkdtempSync(join(tmpdir(), 'flashdeck-overview-'));
  const [CONSOLE, FLASHING, UNKNOWN] = [0, 1, 2];
  const idOf = (i: number) => `port:${sims[i].hostPath}`;
  const card = (i: number) => page.locator(`[data-testid="overview-card"][data-board-id="${idOf(i)}"]`);
  const sidebarEntry = (i: number) => page.locator(`nav [data-board-id="${idOf(i)}"]`);
  const percentOf = async (badge: Locator) => Number(/Flashing (\d+) %/.exec((await badge.textContent()) ?? '')?.[1] ?? -1);

  const rename = async (name: string) => {
    await page.getByRole('button', { name: 'Rename board' }).click();
    await page.getByLabel('Board name').fill(name);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('board-title').filter({ hasText: name }).waitFor();
  };
  const chooseFile = async (name: string, bytes: Uint8Array) => {
    const file = join(files, name);
    writeFileSync(file, bytes);
    await page.getByTestId('flash-file-input').setInputFiles(file);
    await page.getByTestId('image-kind').filter({ hasText: 'ESP32 app image for ESP32' }).waitFor();
  };

  beforeAll(async () => {
    const started = await Promise.all([startServe(), launchBrowser(), ...[0, 1, 2].map(() => startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200 }))]);
    [serve, browser] = started as [ServeProcess, Browser];
    sims = started.slice(2) as Esp32Sim[];
    // A wide window: the overview fills it with columns.
    ({ page, errors } = await openWindow(browser, serve.url, { viewport: { width: 1600, height: 1000 } }));
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    for (const sim of sims ?? []) await sim.close();
    if (serve) removeDir(serve.dataDir);
    removeDir(files);
  });

  it('shows three boards at once: one with its console open, one flashing with its progress on the card and the sidebar badge, one idle', async () => {
    await addBoardByPath(page, sims[CONSOLE].hostPath, ESP32_DEVKIT);
    await rename('Console bench');
    // The Console tab connects by itself when it opens.
    await page.getByRole('tab', { name: 'Console' }).click();
    await page.getByTestId('board-console-state').filter({ hasText: 'Console: connected' }).waitFor();
    // Back on the Flash tab, so the boards added next do not open their consoles too (the Console tab connects the board it shows).
    await page.getByRole('tab', { name: 'Flash' }).click();

    await addBoardByPath(page, sims[FLASHING].hostPath, ESP32_DEVKIT);
    await rename('Flash bench');
    await addBoardByPath(page, sims[UNKNOWN].hostPath);

    // At 115200 baud a 384 KiB image that deflate cannot shrink takes about half a minute to write: long enough to watch.
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('ESP flashing baud').selectOption('115200');
    await sidebarEntry(FLASHING).click();
    await page.getByRole('tab', { name: 'Flash' }).click();
    const big = incompressibleImage(384, 31);
    await chooseFile('big.bin', big);
    sims[FLASHING].device.pressBootAndTapEn();
    await page.getByRole('button', { name: /^Flash / }).click();
    await page.getByTestId('flash-stage').filter({ hasText: 'Writing the image' }).waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: 'Bench overview' }).click();
    await expect(page.getByTestId('overview-card').count()).resolves.toBe(3);
    const flashingCard = card(FLASHING).getByTestId('board-state-badge');
    const flashingBadge = sidebarEntry(FLASHING).getByTestId('board-state-badge');
    await flashingCard.filter({ hasText: /Flashing \d+ %/ }).waitFor();
    await flashingBadge.filter({ hasText: /Flashing \d+ %/ }).waitFor();
    await expect(flashingCard.textContent()).resolves.toContain('Writing the image');
    await expect(card(CONSOLE).getByTestId('board-state-badge').textContent()).resolves.toContain('Console open');
    await expect(sidebarEntry(CONSOLE).getByTestId('board-state-badge').textContent()).resolves.toContain('Console open');
    await expect(card(UNKNOWN).getByTestId('board-state-badge').textContent()).resolves.toContain('Idle');
    // The progress moves on both, and the bar says how far.
    const first = await percentOf(flashingCard);
    await expect.poll(() => percentOf(flashingCard), { timeout: 30_000 }).toBeGreaterThan(first);
    await expect.poll(() => percentOf(flashingBadge), { timeout: 30_000 }).toBeGreaterThan(first);
    const bar = Number(await flashingCard.getByRole('progressbar').getAttribute('aria-valuenow'));
    expect(bar).toBeGreaterThan(first);
    // Names are read whole, not cut off.
    await expect(card(CONSOLE).textContent()).resolves.toContain('Console bench');
    await expect(card(UNKNOWN).getByTestId('overview-chip').textContent()).resolves.toMatch(/^Not known yet/);
    await screenshot(page, 'bench-overview-flashing');

    // The card grid spreads over the window's width: three cards side by side at 1600 px.
    const boxes = await Promise.all([CONSOLE, FLASHING, UNKNOWN].map((i) => card(i).boundingBox()));
    expect(new Set(boxes.map((box) => Math.round(box!.y))).size).toBe(1);

    // Done: the card says when, which file, and how it was verified; the badge is back to idle.
    await card(FLASHING).getByTestId('overview-last-flash').filter({ hasText: 'Flashed big.bin just now, verified by MD5.' }).waitFor({ timeout: 120_000 });
    await flashingCard.filter({ hasText: 'Idle' }).waitFor();
    await flashingBadge.filter({ hasText: 'Idle' }).waitFor();
    await expect(card(CONSOLE).getByTestId('overview-last-flash').textContent()).resolves.toContain('Not flashed with Flashdeck yet.');
    expect(Buffer.from(sims[FLASHING].flash.read(0x1000, big.length)).equals(Buffer.from(big))).toBe(true);
    await screenshot(page, 'bench-overview');
    expect(errors).toEqual([]);
  }, 240_000);

  it('opens a board from its card', async () => {
    await card(UNKNOWN).getByRole('button', { name: 'Open Unknown board' }).click();
    await page.getByTestId('board-title').filter({ hasText: 'Unknown board' }).waitFor();
    await expect(page.getByRole('heading', { name: 'Bench overview' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Bench overview' }).getAttribute('aria-pressed')).resolves.toBe('false');
  });

  it('names a port without USB identity by the chip a flash read, narrows its models to ESP32 boards, and keeps the picked model across a reload', async () => {
    const models = page.getByLabel('Board model (TinyGo target)');
    const offered = async () => models.locator('option').evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
    expect(await offered()).toContain('feather-nrf52840');
    await expect(sidebarEntry(UNKNOWN).textContent()).resolves.toContain('Unknown board');

    await page.getByRole('tab', { name: 'Flash' }).click();
    const image = tinygoStyleImage(0, 24 * 1024, 9);
    await chooseFile('blink.bin', image);
    sims[UNKNOWN].device.pressBootAndTapEn();
    await page.getByRole('button', { name: /^Flash / }).click();
    await page.getByTestId('flash-result').filter({ hasText: 'verified by MD5' }).waitFor({ timeout: 60_000 });
    expect(Buffer.from(sims[UNKNOWN].flash.read(0x1000, image.length)).equals(Buffer.from(image))).toBe(true);

    // Title, status line and sidebar all say what the loader read.
    await page.getByTestId('board-title').filter({ hasText: 'ESP32 board' }).waitFor();
    await expect(page.getByTestId('board-detected-chip').textContent()).resolves.toMatch(/Chip ESP32 \(revision v\d+\.\d+\), read by a flash/);
    await sidebarEntry(UNKNOWN).filter({ hasText: 'ESP32 board' }).waitFor();
    await expect(offered()).resolves.not.toContain('feather-nrf52840');
    const esp32Only = await offered();
    expect(esp32Only).toContain('esp32-coreboard-v2');
    expect(esp32Only.filter((target) => /nrf|pca100|nicenano|microbit/i.test(target))).toEqual([]);
    await page.getByText('Board model (TinyGo target) · ESP32 boards').waitFor();

    await models.selectOption('esp32-coreboard-v2');
    await page.getByTestId('board-title').filter({ hasText: 'ESP32 DevKitC / Core Board V2' }).waitFor();
    await page.reload();
    await page.getByTestId('board-title').filter({ hasText: 'ESP32 DevKitC / Core Board V2' }).waitFor();
    await expect(models.inputValue()).resolves.toBe('esp32-coreboard-v2');
    await expect(page.getByTestId('board-detected-chip').textContent()).resolves.toMatch(/Chip ESP32 \(revision/);
    await screenshot(page, 'board-identity');
    expect(errors).toEqual([]);
  }, 120_000);
});
