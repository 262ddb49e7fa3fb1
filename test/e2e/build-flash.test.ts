import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { addBoardByPath, launchBrowser, removeDir, screenshot, startServe, type ServeProcess, openWindow, ESP32_DEVKIT, STAND_IN_TINYGO } from './harness';
import { startEsp32Sim, type Esp32Sim } from '../../simulators/esp32/start-sim';

describe('TinyGo builds from the app (stand-in tinygo, simulated ESP32 on a pty)', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let sim: Esp32Sim;
  let page: Page;
  let errors: string[];
  const work = mkdtempSync(join(tmpdir(), 'flashdeck-programs-'));

  beforeAll(async () => {
    [serve, browser, sim] = await Promise.all([startServe(), launchBrowser(), startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200 })]);
    ({ page, errors } = await openWindow(browser, serve.url));
    await addBoardByPath(page, sim.hostPath, ESP32_DEVKIT);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await sim?.close();
    if (serve) removeDir(serve.dataDir);
    removeDir(work);
  });

  it("shows the health of the path now in Settings, even when the previous path's check ends later", async () => {
    // The previous path: a TinyGo 0.31.2 slow to answer `version` and `env`.
    // Named tinygo, in a folder of its own: Settings runs only a file called tinygo.
    mkdirSync(join(work, 'slow-tinygo'), { recursive: true });
    const slow = join(work, 'slow-tinygo', 'tinygo');
    writeFileSync(slow, `#!/bin/sh\nsleep 1.5\nFAKE_TINYGO_VERSION=0.31.2 exec "${STAND_IN_TINYGO}" "$@"\n`);
    chmodSync(slow, 0o755);
    await page.getByRole('button', { name: 'Settings' }).click();
    const path = page.getByPlaceholder('Search PATH and the usual install places');
    await path.fill(slow);
    await path.press('Enter');
    await page.getByRole('button', { name: 'Checking…' }).waitFor();
    // Within a second, the user corrects the path: its check ends first, the old one about 3 s later.
    await path.fill(STAND_IN_TINYGO);
    await path.press('Enter');
    const version = page.getByTestId('tinygo-version');
    await version.filter({ hasText: '0.33.0' }).waitFor();
    await page.waitForTimeout(4000);
    await expect(version.textContent()).resolves.toBe('0.33.0');
    await expect(page.getByTestId('toolchain-path').getAttribute('data-requested-path')).resolves.toBe(STAND_IN_TINYGO);
    await expect(page.getByRole('button', { name: 'Check again' }).isEnabled()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Settings' }).click();
  });

  it('finds TinyGo through the Settings path and shows its versions', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    const path = page.getByPlaceholder('Search PATH and the usual install places');
    await path.fill(STAND_IN_TINYGO);
    await path.press('Enter');
    await page.getByTestId('tinygo-version').filter({ hasText: '0.33.0' }).waitFor();
    await expect(page.getByTestId('toolchain').textContent()).resolves.toContain('go1.23.1');
    await page.getByRole('button', { name: 'Settings' }).click();
  });

  it('builds heap-telemetry for the board, flashes it verified, and records its size', async () => {
    await page.getByRole('tab', { name: 'Programs' }).click();
    await page.getByRole('button', { name: /Heap telemetry/ }).click();
    await page.getByRole('button', { name: 'Build, flash and plot' }).click();
    // After a verified flash the app opens the console and shows the chart.
    await page.locator('[role="tab"][aria-selected="true"]', { hasText: 'Telemetry' }).waitFor({ timeout: 60_000 });
    // The board now runs heap-telemetry: its samples reach the heap view, set against the build it runs.
    await page.getByTestId('heap-view').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('figure-static-ram').textContent(), { timeout: 10_000 }).toMatch(/ B \(.*\) · heap-telemetry/);
    await expect(page.getByTestId('figure-capacity').textContent()).resolves.toContain('241,776 B');
    await screenshot(page, 'heap-telemetry');
    await page.getByRole('tab', { name: 'Programs' }).click();
    await expect(page.getByTestId('build-sizes').textContent()).resolves.toMatch(/flash \d/);
    await page.getByRole('tab', { name: 'Flash' }).click();
    const result = page.getByTestId('flash-result');
    await result.waitFor();
    await expect(result.textContent()).resolves.toContain('verified by MD5');
    // What the board holds is the image tinygo wrote for the esp32-coreboard-v2 target.
    const header = sim.flash.read(0x1000, 16);
    expect(header[0]).toBe(0xe9);

    await page.getByRole('tab', { name: 'Size history' }).click();
    await page.getByTestId('size-row').first().waitFor();
    await expect(page.getByTestId('size-latest').textContent()).resolves.toContain('heap-telemetry');
    await expect(page.getByTestId('size-chart').getAttribute('data-points')).resolves.toBe('1');
  });

  it('records a link overflow as a failed build with the bytes, and lists compile errors with their lines', async () => {
    const overflow = join(work, 'too-big');
    mkdirSync(overflow);
    writeFileSync(join(overflow, 'go.mod'), 'module example.com/toobig\n\ngo 1.22\n');
    writeFileSync(join(overflow, 'main.go'), '// fake-tinygo: overflow\npackage main\n\nfunc main() {}\n');
    await page.getByRole('tab', { name: 'Programs' }).click();
    await page.getByLabel('Program path').fill(overflow);
    await page.getByRole('button', { name: 'Build and flash' }).click();
    await page.getByTestId('build-state').filter({ hasText: 'failed' }).waitFor({ timeout: 30_000 });
    await expect(page.getByLabel('Diagnostics').textContent()).resolves.toMatch(/overflowed by \d+ bytes/);
    // TinyGo's words stay verbatim; Flashdeck's own figure after them is exact bytes.
    await expect(page.getByLabel('Diagnostics').textContent()).resolves.toMatch(/— \S+ overflowed by (at least )?\d{1,3}(,\d{3})* B/);

    const broken = join(work, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'go.mod'), 'module example.com/broken\n\ngo 1.22\n');
    writeFileSync(join(broken, 'main.go'), '// fake-tinygo: compile-error\npackage main\n\nfunc main() {}\n');
    await page.getByLabel('Program path').fill(broken);
    await page.getByRole('button', { name: 'Build and flash' }).click();
    await page.getByTestId('build-state').filter({ hasText: 'failed' }).waitFor({ timeout: 30_000 });
    await expect(page.getByLabel('Diagnostics').getByRole('button').first().textContent()).resolves.toMatch(/main\.go:\d+/);
    await screenshot(page, 'build-diagnostics');

    await page.getByRole('tab', { name: 'Size history' }).click();
    await expect.poll(() => page.getByTestId('size-row').count()).toBe(3);
    await expect(page.getByTestId('size-row').filter({ hasText: 'overflowed by' }).count()).resolves.toBe(1);
    expect(errors).toEqual([]);
  });

  it('builds a .go file dropped on the Flash tab for the board, then flashes it verified', async () => {
    await page.getByRole('tab', { name: 'Flash' }).click();
    const before = Buffer.from(sim.flash.read(0x1000, 4096)).toString('hex');
    const source = 'package main\n\nimport "time"\n\nfunc main() {\n\tfor {\n\t\tprintln("dropped and running")\n\t\ttime.Sleep(time.Second)\n\t}\n}\n';
    const transfer = await page.evaluateHandle((text) => {
      const data = new DataTransfer();
      data.items.add(new File([text], 'main.go', { type: 'text/plain' }));
      return data;
    }, source);
    await page.getByLabel('Drop a firmware image here or choose a file').dispatchEvent('drop', { dataTransfer: transfer });
    // The Programs tab takes the source over: build for the board's target, then flash. The board
    // runs heap-telemetry and a pty has no reset lines, so the app asks for BOOT + EN; the user does it.
    await page.getByRole('tab', { name: 'Programs', selected: true }).waitFor();
    await page.getByTestId('flash-notice').filter({ hasText: 'hold BOOT, tap EN' }).waitFor({ timeout: 30_000 });
    sim.device.pressBootAndTapEn();
    await page.locator('[role="tab"][aria-selected="true"]', { hasText: 'Console' }).waitFor({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'Flash' }).click();
    await expect(page.getByTestId('flash-result').first().textContent()).resolves.toContain('verified by MD5');
    expect(Buffer.from(sim.flash.read(0x1000, 4096)).toString('hex')).not.toBe(before);
    expect(sim.flash.read(0x1000, 1)[0]).toBe(0xe9);
    await page.getByRole('tab', { name: 'Size history' }).click();
    await expect.poll(() => page.getByTestId('size-row').count()).toBe(4);
    expect(errors).toEqual([]);
  });
  it('a window whose connection dropped mid-build shows the log lines it missed once it is back', async () => {
    // A tinygo whose build prints its second line 2.5 s after the first (the command line).
    mkdirSync(join(work, 'lagging-tinygo'), { recursive: true });
    const lagging = join(work, 'lagging-tinygo', 'tinygo');
    writeFileSync(lagging, `#!/bin/sh\nif [ "$1" = build ]; then sleep 2.5; fi\nexec "${STAND_IN_TINYGO}" "$@"\n`);
    chmodSync(lagging, 0o755);
    await page.getByRole('button', { name: 'Settings' }).click();
    const path = page.getByPlaceholder('Search PATH and the usual install places');
    await path.fill(lagging);
    await path.press('Enter');
    await page
      .getByTestId('toolchain-path')
      .and(page.locator(`[data-requested-path="${lagging}"]`))
      .waitFor();
    await page.getByRole('button', { name: 'Settings' }).click();

    let networkDown = false;
    let pageSide: WebSocketRoute | null = null;
    let serverSide: WebSocketRoute | null = null;
    await page.routeWebSocket(/\/api\?/, (ws) => {
      if (networkDown) return void ws.close();
      pageSide = ws;
      serverSide = ws.connectToServer();
    });
    await page.reload();
    const slow = join(work, 'slow');
    mkdirSync(slow);
    writeFileSync(join(slow, 'go.mod'), 'module example.com/slow\n\ngo 1.22\n');
    writeFileSync(join(slow, 'main.go'), '// fake-tinygo: slow\npackage main\n\nfunc main() {}\n');
    await page.getByRole('tab', { name: 'Programs' }).click();
    await page.getByLabel('Program path').fill(slow);
    await page.getByRole('button', { name: 'Build and flash' }).click();
    await page.getByRole('button', { name: /Show the build log \(1 lines\)/ }).click();
    const log = page.getByTestId('build-log');
    await log.filter({ hasText: '$ ' }).waitFor();
    networkDown = true;
    await pageSide!.close();
    await serverSide!.close();
    // tinygo says it is linking while nobody listens.
    await page.waitForTimeout(3500);
    await expect(log.textContent()).resolves.not.toContain('slow build, linking');
    networkDown = false;
    await log.filter({ hasText: 'fake-tinygo: slow build, linking…' }).waitFor({ timeout: 30_000 });
    // Each line once: the replay fills the gap without repeating what the window had.
    const text = (await log.textContent()) ?? '';
    expect(text.match(/^\$ /gm)).toHaveLength(1);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('build-state').filter({ hasText: 'cancelled' }).waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
  });
});
