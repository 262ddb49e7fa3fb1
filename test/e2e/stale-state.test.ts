import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { addBoardByPath, launchBrowser, removeDir, screenshot, startServe, watchPageErrors, type ServeProcess } from './harness';
import { startEsp32Sim, type Esp32Sim } from '../../simulators/esp32/start-sim';
import { tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';

/** Raw data that is no ESP app image (no 0xE9 magic at 0 or 0x1000): it needs an address from the user. */
function rawData(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0x7f;
  return bytes;
}

describe('every message follows the current state, never a previous file, job or board (serve mode, simulated ESP32 on a pty)', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let sim: Esp32Sim;
  let page: Page;
  let errors: string[];
  const files = mkdtempSync(join(tmpdir(), 'flashdeck-stale-'));

  beforeAll(async () => {
    [serve, browser, sim] = await Promise.all([startServe(), launchBrowser(), startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200 })]);
    page = await browser.newPage();
    errors = watchPageErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await sim?.close();
    if (serve) removeDir(serve.dataDir);
    removeDir(files);
  });

  it('says it is looking for boards until the list arrives, and "No boards yet." only when there are none', async () => {
    // Hold the window's connection back: the list has not arrived, so the window must not claim there are no boards.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.routeWebSocket(/\/api\?/, async (ws) => {
      await held;
      ws.connectToServer();
    });
    await page.goto(serve.url);
    await page.getByTestId('boards-empty').filter({ hasText: 'Looking for boards…' }).waitFor();
    await expect(page.getByText('No boards yet.').count()).resolves.toBe(0);
    release();
    await page.getByTestId('boards-empty').filter({ hasText: 'No boards yet.' }).waitFor();
  });

  it('the header tells the port being plugged in apart from the console, whose state it shares with the Console tab', async () => {
    await addBoardByPath(page, sim.hostPath);
    await expect(page.getByTestId('board-state').textContent()).resolves.toBe('Plugged in');
    await page.getByTestId('board-console-state').filter({ hasText: 'Console: closed' }).waitFor();
    // Opening the Console tab connects it: header and tab say so together.
    await page.getByRole('tab', { name: 'Console' }).click();
    await page.getByTestId('console-state').filter({ hasText: 'Connected' }).waitFor();
    await page.getByTestId('board-console-state').filter({ hasText: 'Console: connected' }).waitFor();
    await page.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await page.getByTestId('board-console-state').filter({ hasText: 'Console: closed' }).waitFor();
    await expect(page.getByTestId('console-state').textContent()).resolves.toBe('Closed');
    // Disconnected by the user: coming back to the tab does not connect it again behind their back.
    await page.getByRole('tab', { name: 'Flash' }).click();
    await page.getByRole('tab', { name: 'Console' }).click();
    await page.waitForTimeout(500);
    await expect(page.getByTestId('console-state').textContent()).resolves.toBe('Closed');
  });

  it('picking the target re-reads the chosen file, a typed address answers "enter the flash address", and a new file puts the last result away', async () => {
    await page.getByRole('tab', { name: 'Flash' }).click();
    const data = rawData(8 * 1024, 5);
    const file = join(files, 'calibration.bin');
    writeFileSync(file, data);
    await page.getByTestId('flash-file-input').setInputFiles(file);
    // The board's family is unknown and the bytes say nothing: the window asks for the target.
    await page.getByTestId('image-problem').filter({ hasText: 'Pick the board model (its TinyGo target) above.' }).waitFor();
    await expect(page.getByRole('button', { name: /^Flash / }).isDisabled()).resolves.toBe(true);

    // The target is picked: the same file is read again for an ESP32, without choosing it again.
    await page.getByLabel('TinyGo target').selectOption('esp32-coreboard-v2');
    const needsAddress = page.getByTestId('image-problem').filter({ hasText: 'enter the flash address' });
    await needsAddress.waitFor();
    await expect(page.getByTestId('image-problem').filter({ hasText: 'TinyGo target' }).count()).resolves.toBe(0);

    // Typing the address answers the problem: it goes, and Flash is enabled.
    await page.getByLabel('Flash address').fill('0x10000');
    await needsAddress.waitFor({ state: 'detached' });
    await expect(page.getByRole('button', { name: /^Flash / }).isEnabled()).resolves.toBe(true);
    await page.getByRole('button', { name: /^Flash / }).click();
    const result = page.getByTestId('flash-result').or(page.getByTestId('flash-error'));
    await result.waitFor({ timeout: 60_000 });
    await expect(page.getByTestId('flash-result').count()).resolves.toBe(1);
    expect(Buffer.from(sim.flash.read(0x10000, data.length)).equals(Buffer.from(data))).toBe(true);

    // Another file is chosen: the last flash's outcome belongs to calibration.bin, so it leaves the form (Recent flashes keeps it).
    const next = join(files, 'blink.bin');
    writeFileSync(next, tinygoStyleImage(0x0000, 16 * 1024, 3));
    await page.getByTestId('flash-file-input').setInputFiles(next);
    await page.getByTestId('image-kind').filter({ hasText: 'for ESP32' }).waitFor();
    await expect(page.getByTestId('flash-result').count()).resolves.toBe(0);
    await page.getByRole('region', { name: 'Recent flashes' }).getByText('calibration.bin').waitFor();
    await expect(page.getByRole('button', { name: /^Flash / }).isEnabled()).resolves.toBe(true);
    await screenshot(page, 'stale-state-flash');
    expect(errors).toEqual([]);
  });

  it('the Programs tab says at once that TinyGo is missing: a short sentence, the install page as a link, a way to Settings, the places searched behind Details; notes only for this board', async () => {
    await page.getByRole('tab', { name: 'Programs' }).click();
    const missing = page.getByTestId('toolchain-missing');
    await missing.waitFor();
    await expect(missing.textContent()).resolves.toMatch(/^TinyGo was not found on PATH or in the \d+ usual install places\./);
    // Sentence and next step are apart (no "places.Install"), and the install page is a link.
    await expect(missing.innerText()).resolves.not.toMatch(/\.Install/);
    await expect(missing.getByRole('link', { name: /^https:\/\/tinygo\.org\/getting-started\/install/ }).count()).resolves.toBe(1);
    await expect(missing.locator('details').getAttribute('open')).resolves.toBeNull();
    await missing.getByText('Details').click();
    await expect(missing.locator('details li').first().textContent()).resolves.toMatch(/^Searched \//);
    // A plain ESP32: no note about the ESP32-C3's USB-Serial-JTAG, none about an older TinyGo it does not have.
    await page.getByRole('button', { name: /Heap telemetry/ }).click();
    await expect(page.getByTestId('program-note').filter({ hasText: 'USB-Serial-JTAG' }).count()).resolves.toBe(0);
    await expect(page.getByTestId('program-note').filter({ hasText: 'TinyGo 0.33' }).count()).resolves.toBe(0);
    await screenshot(page, 'programs-without-tinygo');
    await missing.getByRole('button', { name: 'Open Settings' }).click();
    await page.getByTestId('toolchain-problem').first().waitFor();
    // In Settings the same problem offers no button to Settings.
    await expect(page.getByRole('button', { name: 'Open Settings' }).count()).resolves.toBe(0);
    // And Settings has its way back to the board, where the same tab is still open.
    await page.getByRole('button', { name: 'Back to ESP32 DevKitC / Core Board V2' }).click();
    await page.locator('[role="tab"][aria-selected="true"]', { hasText: 'Programs' }).waitFor();
    expect(errors).toEqual([]);
  });
});
