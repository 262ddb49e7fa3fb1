/**
 * The heap view in Chromium against `npm run serve`: alloc-stress built (stand-in tinygo) and
 * flashed to the simulated ESP32, whose app models TinyGo's heap with a slow leak and a reboot
 * mid-session. The view shows separate axes, the board's budget figures (RAM, the running build's
 * static RAM), GC markers, the low-heap warning and the leak notice; heap-telemetry in Teleplot
 * form drives it too; sessions are recorded, reopened and overlaid; CSV and PNG export.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { addBoardByPath, launchBrowser, removeDir, screenshot, startServe, type ServeProcess, openWindow, ESP32_DEVKIT, useStandInTinygo } from './harness';
import { startEsp32Sim, type Esp32Sim } from '../../simulators/esp32/start-sim';

describe('Heap view (npm run serve, Chromium, simulated ESP32)', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let sim: Esp32Sim;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    [serve, browser, sim] = await Promise.all([
      startServe(),
      launchBrowser(),
      // 50 samples/s; 768 B leaked per wave of 17 samples; a brown-out after 30 s.
      startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200, appOutputIntervalMs: 20, app: { leakBytesPerWave: 768, rebootAfterTicks: 1500 } }),
    ]);
    ({ page, errors } = await openWindow(browser, serve.url, { viewport: { width: 1400, height: 1000 }, acceptDownloads: true }));
    await addBoardByPath(page, sim.hostPath, ESP32_DEVKIT);
    await useStandInTinygo(page);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await sim?.close();
    if (serve) removeDir(serve.dataDir);
  });

  const boardId = () => `port:${sim.hostPath}`;
  const heapState = () => page.evaluate((id) => window.__flashdeckTelemetry!.heap(id), boardId());

  async function buildFlashAndPlot(program: RegExp, { appRunning = false } = {}) {
    await page.getByRole('tab', { name: 'Programs' }).click();
    await page.getByRole('button', { name: program }).click();
    await page.getByRole('button', { name: 'Build, flash and plot' }).click();
    if (appRunning) {
      // A pty has no reset lines: the app asks for BOOT + EN, and the user does it.
      await page.getByTestId('flash-notice').filter({ hasText: 'hold BOOT, tap EN' }).waitFor({ timeout: 30_000 });
      sim.device.pressBootAndTapEn();
    }
    await page.locator('[role="tab"][aria-selected="true"]', { hasText: 'Telemetry' }).waitFor({ timeout: 60_000 });
  }

  it('alloc-stress: separate axes, the budget figures, GC markers, the low-heap warning, the leak notice and a reboot', async () => {
    await buildFlashAndPlot(/Allocation stress/);
    await page.getByTestId('heap-view').waitFor({ timeout: 15_000 });
    // Three heap charts, each with its own axis (bytes, objects, bytes/s), and the program's other series apart.
    await expect(page.getByTestId('heap-charts').locator('.uplot').count()).resolves.toBe(3);
    await expect.poll(() => page.getByTestId('telemetry-axis').evaluateAll((els) => els.map((el) => el.getAttribute('data-series')))).toEqual(['wave', 'live_bytes']);
    // Legends with live values; a series can be switched off.
    await expect.poll(() => page.getByTestId('readout-last-wave').textContent()).toMatch(/^\d+$/);
    await page.getByLabel('Show live_bytes').uncheck();
    await expect(page.getByTestId('telemetry-readout').locator('tr.off').textContent()).resolves.toContain('live_bytes');
    await expect(page.getByTestId('figure-board-ram').textContent()).resolves.toBe('520.0 KiB (ESP32)');
    await expect.poll(() => page.getByTestId('figure-static-ram').textContent(), { timeout: 10_000 }).toMatch(/^\s*[\d,]+ B \(.+\) · alloc-stress\s*$/);
    await expect(page.getByTestId('figure-capacity').textContent()).resolves.toContain('65,536 B');

    // The collector runs: markers on the heap chart, counted from NumGC.
    await expect.poll(async () => Number(await page.getByTestId('heap-charts').getAttribute('data-gc-markers')), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId('figure-gcs').textContent()).resolves.toContain('from NumGC');
    await expect(page.getByTestId('figure-alloc-rate').textContent()).resolves.toMatch(/^[\d,]+ B\/s$/);

    // The low-heap warning follows the user's threshold.
    const threshold = page.getByLabel('Low-heap warning threshold (% of heap capacity)');
    await threshold.fill('95');
    await page.getByTestId('low-heap-warning').waitFor();
    await expect(page.getByTestId('low-heap-warning').textContent()).resolves.toMatch(/below your threshold of 95 % of the heap/);
    await threshold.fill('1');
    await expect.poll(() => page.getByTestId('low-heap-warning').count()).toBe(0);

    // The leak: heap in use after each GC keeps rising, and the view says when it runs out.
    await page.getByTestId('leak-notice').waitFor({ timeout: 30_000 });
    const notice = (await page.getByTestId('leak-notice').textContent())!.replace(/\s+/g, ' ');
    expect(notice).toMatch(/Possible leak: .* about [\d,]+ B\/s\. At that rate the heap runs out in about \d+(\.\d)? (s|min)\./);
    await screenshot(page, 'heap-view-alloc-stress');

    // The brown-out: uptime starts again, the view starts a new segment.
    await expect.poll(async () => (await heapState())!.reboots, { timeout: 40_000 }).toBe(1);
    await page.getByTestId('figure-reboots').filter({ hasText: '1' }).waitFor();
    // A new segment: the time axis only moves forward, with a break where the board restarted.
    expect((await heapState())!.timeAscending).toBe(true);
    expect(errors).toEqual([]);
  });

  it('heap-telemetry in Teleplot form drives the heap view too', async () => {
    sim.device.options.app = { format: 'teleplot' };
    const before = (await heapState())!.samples;
    await buildFlashAndPlot(/Heap telemetry/, { appRunning: true });
    // In Teleplot form heap-telemetry prints no heap_sys: the capacity is in use + idle.
    await expect.poll(() => page.getByTestId('figure-capacity').textContent(), { timeout: 20_000 }).toContain('241,776 B');
    await expect.poll(async () => (await heapState())!.samples, { timeout: 10_000 }).toBeGreaterThan(before + 20);
    await expect.poll(() => page.getByTestId('figure-static-ram').textContent(), { timeout: 10_000 }).toContain('heap-telemetry');
    expect(await page.getByTestId('readout-last-heap_inuse').count()).toBe(0); // heap fields are the heap view's, not generic series
  });

  it('records sessions with their builds, reopens one and overlays two', async () => {
    await page.getByText('Recorded sessions', { exact: true }).click();
    const rows = page.getByTestId('telemetry-session-row');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await expect(rows.nth(0).textContent()).resolves.toContain('heap-telemetry');
    await expect(rows.nth(1).textContent()).resolves.toContain('alloc-stress');
    await expect(rows.nth(1).textContent()).resolves.toMatch(/alloc-stress, .*\d B/); // its build and its minimum free heap

    await rows
      .nth(1)
      .getByRole('button', { name: /Open session/ })
      .click();
    await page.getByTestId('telemetry-opened-session').filter({ hasText: 'alloc-stress' }).waitFor();
    await expect.poll(() => page.getByTestId('figure-static-ram').textContent()).toContain('alloc-stress');
    await expect(page.getByTestId('figure-capacity').textContent()).resolves.toContain('65,536 B');
    await expect.poll(async () => Number(await page.getByTestId('heap-charts').getAttribute('data-gc-markers'))).toBeGreaterThanOrEqual(2);

    await rows.nth(0).getByRole('checkbox').check();
    await rows.nth(1).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Overlay the two ticked' }).click();
    await page.getByTestId('overlay-note').filter({ hasText: 'Peak heap in use' }).waitFor();
    await expect(page.getByTestId('telemetry-overlay').locator('.uplot').count()).resolves.toBe(1);
    await expect.poll(async () => Number(await page.getByTestId('telemetry-overlay').getAttribute('data-points'))).toBeGreaterThan(10);
    await screenshot(page, 'heap-view-sessions');
    await page.getByRole('button', { name: 'Back to live' }).click();
    await page.getByTestId('telemetry-opened-session').waitFor({ state: 'detached' });
  });

  it('exports the samples as CSV and the charts as PNG', async () => {
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csvText = readFileSync(await csv.path(), 'utf8');
    expect(csvText.split('\n')[0]).toMatch(/^time,t_ms,.*heap_inuse/);
    expect(csvText.split('\n').length).toBeGreaterThan(100);
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export PNG' }).click()]);
    expect(png.suggestedFilename()).toMatch(/\.png$/);
    const bytes = readFileSync(await png.path());
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(bytes.length).toBeGreaterThan(5000);
    expect(errors).toEqual([]);
  });
});
