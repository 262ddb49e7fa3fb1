/**
 * "Flash all" in the window (serve mode, Chromium): three simulated ESP32 boards ticked in the
 * sidebar, one image dropped on them, per-board progress and result; each healthy board holds the
 * image, a board whose line is dead fails alone, and every attempt is in its own board's flash log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { addBoardByPath, launchBrowser, removeDir, screenshot, startServe, type ServeProcess, openWindow, ESP32_DEVKIT } from './harness';
import { startEsp32Sim, type Esp32Sim } from '../../simulators/esp32/start-sim';
import { tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';

describe('Flash all (several boards at once from the window)', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let sims: Esp32Sim[];
  let page: Page;
  let errors: string[];
  const files = mkdtempSync(join(tmpdir(), 'flashdeck-flash-all-'));

  beforeAll(async () => {
    const startSim = () => startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200, timeScale: 0 });
    [serve, browser, ...sims] = await Promise.all([startServe(), launchBrowser(), startSim(), startSim(), startSim()]);
    ({ page, errors } = await openWindow(browser, serve.url));
    for (const sim of sims) await addBoardByPath(page, sim.hostPath, ESP32_DEVKIT);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    for (const sim of sims ?? []) await sim.close();
    if (serve) removeDir(serve.dataDir);
    removeDir(files);
  });

  it('flashes the ticked boards in parallel: per-board progress and result, a dead board fails alone', async () => {
    const nav = page.getByRole('navigation', { name: 'Boards' });
    await expect(nav.getByRole('button', { name: /^Flash \d+ boards/ }).count()).resolves.toBe(0);
    for (const sim of sims) await nav.getByLabel(new RegExp(`Include .* in Flash all`)).nth(sims.indexOf(sim)).check();
    await nav.getByRole('button', { name: 'Flash 3 boards…' }).click();

    const image = tinygoStyleImage(0, 48 * 1024, 31);
    const file = join(files, 'bench.bin');
    writeFileSync(file, image);
    await page.getByTestId('flash-all-file-input').setInputFiles(file);
    const statuses = page.getByTestId('flash-all-status');
    for (let row = 0; row < 3; row++) await statuses.nth(row).filter({ hasText: 'Ready: ESP32 app image for ESP32' }).waitFor();

    sims[1].freeze(); // the middle board's cable is dead
    await page.getByRole('button', { name: 'Flash all 3 ready boards' }).click();
    const summary = page.getByTestId('flash-all-summary');
    await summary.waitFor({ timeout: 100_000 });
    await expect(summary.textContent()).resolves.toMatch(/2 of 3 boards flashed and verified; 1 failed/);
    sims[1].thaw();
    await expect(statuses.nth(0).textContent()).resolves.toContain('Flashed and verified by MD5');
    await expect(statuses.nth(1).textContent()).resolves.toMatch(/Failed: /);
    await expect(statuses.nth(2).textContent()).resolves.toContain('Flashed and verified by MD5');
    for (const index of [0, 2]) expect(Buffer.from(sims[index].flash.read(0x1000, image.length)).equals(Buffer.from(image))).toBe(true);
    await screenshot(page, 'flash-all');

    // Each attempt is in its own board's flash log (the Flash tab's recent flashes).
    for (const [index, ok] of [
      [0, true],
      [1, false],
    ] as const) {
      await page.getByTestId('flash-all-row').nth(index).getByRole('button').click();
      await page.getByRole('tab', { name: 'Flash' }).click();
      const recent = page.getByRole('region', { name: 'Recent flashes' });
      await recent.getByText('bench.bin').waitFor();
      await expect(recent.textContent()).resolves.toMatch(ok ? /verified|md5|ok/i : /fail/i);
      await nav.getByRole('button', { name: 'Flash 3 boards…' }).click();
    }
    expect(errors).toEqual([]);
  });
});
