/**
 * "Try with a simulated board" in Chromium (serve mode, nothing else plugged in): a newcomer
 * without hardware starts a simulated ESP32 from the empty state, sees its heap telemetry plotted
 * from the sample it arrives with, flashes the sample program and a second image (each verified by
 * MD5 against the simulated flash), and uses its BOOT and EN buttons, whose effect shows in the
 * console. The board is labelled simulated in its header, the board list and the overview.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openWindow, removeDir, screenshot, startServe, type ServeProcess } from './harness';
import { tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';

describe('try with a simulated board (serve mode, no hardware)', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let boardId = '';
  const files = mkdtempSync(join(tmpdir(), 'flashdeck-simboard-'));
  const consoleText = () => page.getByTestId('console-output').innerText();

  beforeAll(async () => {
    [serve, browser] = await Promise.all([startServe(), launchBrowser()]);
    ({ page, errors } = await openWindow(browser, serve.url, { viewport: { width: 1400, height: 900 } }));
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    if (serve) removeDir(serve.dataDir);
    removeDir(files);
  });

  const flashAndVerify = async () => {
    await page.getByRole('button', { name: /^Flash Simulated/ }).click();
    await page.getByTestId('flash-result').filter({ hasText: 'verified by MD5' }).waitFor({ timeout: 60_000 });
  };

  it('starts from the empty state, labelled simulated, running its heap-telemetry sample', async () => {
    await page.getByRole('heading', { name: 'Connect a board' }).waitFor();
    await page.getByRole('button', { name: 'Try with a simulated board' }).click();
    await page.getByTestId('board-title').filter({ hasText: 'Simulated ESP32 DevKitC' }).waitFor();
    await expect(page.getByTestId('simulated-tag').textContent()).resolves.toBe('Simulated');
    const entry = page.locator('nav [data-board-id]');
    await expect(entry.textContent()).resolves.toContain('Simulated ESP32 DevKitC');
    boardId = (await entry.getAttribute('data-board-id'))!;
    await expect(page.getByLabel('Board model (TinyGo target)').inputValue()).resolves.toBe('esp32-coreboard-v2');

    await page.getByRole('tab', { name: 'Console' }).click();
    await expect.poll(consoleText, { timeout: 15_000 }).toMatch(/uptime_ms:\d+,heap_alloc:\d+/);
    await page.getByRole('tab', { name: 'Telemetry' }).click();
    await expect.poll(() => page.evaluate((id) => window.__flashdeckTelemetry!.points(id), boardId), { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    await screenshot(page, 'simulated-board-telemetry');
  }, 60_000);

  it('flashes the sample program and then another image, each verified against the simulated flash', async () => {
    await page.getByRole('tab', { name: 'Flash' }).click();
    await page.getByRole('button', { name: 'Use the sample program' }).click();
    await page.getByTestId('image-kind').filter({ hasText: 'ESP32 app image for ESP32' }).waitFor();
    await flashAndVerify();

    const second = join(files, 'hello.bin');
    writeFileSync(second, tinygoStyleImage(0, 20 * 1024, 5));
    await page.getByTestId('flash-file-input').setInputFiles(second);
    await page.getByTestId('image-kind').filter({ hasText: 'ESP32 app image for ESP32' }).waitFor();
    await flashAndVerify();
    await expect(page.locator('table.history tr').count()).resolves.toBe(2);
    // Size history counts flashed images too, not only builds: each with its share of the board's flash.
    await page.getByRole('tab', { name: 'Size history' }).click();
    const sizes = page.getByTestId('flashed-images').getByTestId('flashed-size');
    await expect.poll(() => sizes.count()).toBe(2);
    await expect.poll(() => sizes.first().textContent()).toMatch(/^20\.0 KiB \(\d+\.\d % of the [\d.]+ [KM]iB app flash\)$/);
    await page.getByRole('tab', { name: 'Flash' }).click();
    expect(errors).toEqual([]);
  }, 120_000);

  it('its BOOT and EN buttons do what they do on the real board, and the console shows it', async () => {
    await page.getByRole('tab', { name: 'Console' }).click();
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('button', { name: 'Hold BOOT, tap EN' }).click();
    await page.getByTestId('simulated-said').filter({ hasText: 'ROM loader waits for a download' }).waitFor();
    await expect.poll(consoleText, { timeout: 10_000 }).toContain('waiting for download');

    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('button', { name: 'Press EN' }).click();
    await page.getByTestId('simulated-said').filter({ hasText: 'runs the program in its flash' }).waitFor();
    // The second image is in flash now: it says hello instead of printing heap samples.
    await expect.poll(consoleText, { timeout: 10_000 }).toContain('Hello from TinyGo on ESP32');
    await screenshot(page, 'simulated-board-console');
  }, 60_000);

  it('the main actions work from the keyboard, listed by ?', async () => {
    const selectedTab = () => page.locator('[role="tab"][aria-selected="true"]').textContent();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('?');
    const help = page.getByTestId('shortcut-help');
    await help.getByText('Connect or disconnect the console').waitFor();
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });

    await page.keyboard.press('2');
    await expect.poll(selectedTab).toBe('Console');
    await page.keyboard.press('c');
    await page.getByTestId('console-state').filter({ hasText: 'Closed' }).waitFor();
    await page.keyboard.press('c');
    await page.getByTestId('console-state').filter({ hasText: 'Connected' }).waitFor();
    await expect.poll(consoleText, { timeout: 10_000 }).not.toBe('');
    await page.keyboard.press('l');
    await expect.poll(() => page.evaluate((id) => window.__flashdeckConsole!.stats(id)!.linesHeld, boardId)).toBeLessThanOrEqual(1);
    // '/' puts the cursor in the search box; what is typed there is text, not shortcuts.
    await page.keyboard.press('/');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Search console');
    await page.keyboard.type('Hello');
    await expect(page.getByLabel('Search console').inputValue()).resolves.toBe('Hello');
    await expect.poll(selectedTab).toBe('Console');
    await page.getByLabel('Search console').blur();

    // On the Flash tab, f flashes the chosen image again.
    await page.keyboard.press('1');
    await expect.poll(selectedTab).toBe('Flash');
    const second = join(files, 'again.bin');
    writeFileSync(second, tinygoStyleImage(0, 12 * 1024, 8));
    await page.getByTestId('flash-file-input').setInputFiles(second);
    await page.getByTestId('image-kind').filter({ hasText: 'ESP32 app image for ESP32' }).waitFor();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('f');
    // The job starts (its view appears), then ends; a failure shows its own words in the assertion.
    const outcome = page.getByTestId('flash-result').or(page.getByTestId('flash-error'));
    await outcome.waitFor({ timeout: 60_000 });
    await expect(outcome.textContent()).resolves.toContain('verified by MD5');
    await page.keyboard.press('o');
    await page.getByRole('heading', { name: 'Bench overview' }).waitFor();
    expect(errors).toEqual([]);
  }, 90_000);

  it('a simulated Feather nRF52840: its program prints heap telemetry, the sample UF2 flashes through its drive (1200-baud touch, copy, back as its program), and its RESET button', async () => {
    await page.getByRole('button', { name: 'nRF52840', exact: true }).click();
    await page.getByTestId('board-title').filter({ hasText: 'Simulated Feather nRF52840' }).waitFor();
    await expect(page.getByLabel('Board model (TinyGo target)').inputValue()).resolves.toBe('feather-nrf52840');
    await page.getByRole('tab', { name: 'Console' }).click();
    await page.getByTestId('console-state').filter({ hasText: 'Connected' }).waitFor();
    await expect.poll(consoleText, { timeout: 15_000 }).toMatch(/uptime_ms:\d+,heap_alloc:\d+/);

    await page.getByRole('tab', { name: 'Flash' }).click();
    await page.getByRole('button', { name: 'Use the sample program' }).click();
    await page.getByTestId('image-kind').filter({ hasText: 'UF2' }).waitFor();
    await page.getByRole('button', { name: /^Flash Simulated Feather/ }).click();
    await page.getByTestId('flash-result').filter({ hasText: 'verified by the board coming back' }).waitFor({ timeout: 60_000 });
    // Size history counts what the UF2 writes (24.0 KiB of program), not the file (twice that: 512-byte blocks carry 256 bytes).
    await page.getByRole('tab', { name: 'Size history' }).click();
    await expect.poll(() => page.getByTestId('flashed-size').first().textContent()).toMatch(/^24\.0 KiB \(/);
    // The console follows the board back to its program.
    await page.getByRole('tab', { name: 'Console' }).click();
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(consoleText, { timeout: 20_000 }).toMatch(/uptime_ms:\d+/);

    // Double-tap RESET: the bootloader takes over (the program's port goes); RESET once: the program is back.
    await page.getByRole('button', { name: 'Double-tap RESET' }).click();
    await page.getByTestId('simulated-said').filter({ hasText: 'bootloader mounts its FTHR840BOOT drive' }).waitFor();
    await page.getByTestId('board-state').filter({ hasText: 'Not plugged in' }).waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Press RESET' }).click();
    await page
      .getByTestId('board-state')
      .filter({ hasText: /^Plugged in$/ })
      .waitFor({ timeout: 10_000 });
    await screenshot(page, 'simulated-nrf52');
    expect(errors).toEqual([]);
  }, 120_000);

  it('is labelled simulated on the bench overview', async () => {
    await page.getByRole('button', { name: 'Bench overview' }).click();
    const card = page.locator(`[data-testid="overview-card"][data-board-id="${boardId}"]`);
    await expect(card.textContent()).resolves.toContain('Simulated ESP32 DevKitC');
    expect(errors).toEqual([]);
  });
  it("the board, the tab and each view's settings survive a reload", async () => {
    const selectedTab = () => page.locator('[role="tab"][aria-selected="true"]').textContent();
    await page.locator(`nav [data-board-id="${boardId}"]`).click();
    await page.getByRole('tab', { name: 'Console' }).click();
    await page.getByLabel('TX lines').uncheck();
    await page.getByRole('tab', { name: 'Telemetry' }).click();
    await page.getByLabel('Time window').selectOption('600');
    await page.reload();
    await page.getByTestId('board-title').filter({ hasText: 'Simulated ESP32 DevKitC' }).waitFor();
    await expect.poll(selectedTab).toBe('Telemetry');
    await expect(page.getByLabel('Time window').inputValue()).resolves.toBe('600');
    await page.getByRole('tab', { name: 'Console' }).click();
    await expect(page.getByLabel('TX lines').isChecked()).resolves.toBe(false);
    expect(errors).toEqual([]);
  });
});
