/**
 * The Console and Telemetry tabs in Chromium against `npm run serve`, with the TinyGo app
 * simulator on a real pseudo-terminal: type a command, see the echo with a timestamp, the hex
 * view of its bytes, the log file on disk, a highlighted panic, and heap telemetry on the chart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { addBoardByPath, launchBrowser, removeDir, screenshot, startServe, type ServeProcess, openWindow } from './harness';
import { attachToPty, type PtyAttachment } from '../../simulators/common/pty-transport';
import { TinyGoAppSim } from '../../simulators/app/tinygo-app-sim';

describe('Console and Telemetry tabs (npm run serve, Chromium)', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let board: PtyAttachment;
  let page: Page;
  let errors: string[];
  const sim = new TinyGoAppSim({ telemetryPeriodMs: 100 });
  const logDir = mkdtempSync(join(tmpdir(), 'flashdeck-console-log-'));

  beforeAll(async () => {
    [serve, browser, board] = await Promise.all([startServe(), launchBrowser(), attachToPty(sim, { baud: 115200 })]);
    ({ page, errors } = await openWindow(browser, serve.url, { viewport: { width: 1400, height: 900 } }));
    await addBoardByPath(page, board.hostPath);
  });

  afterAll(async () => {
    sim.stop();
    await browser?.close();
    await serve?.stop();
    await board?.close();
    if (serve) removeDir(serve.dataDir);
    removeDir(logDir);
  });

  const boardId = () => `port:${board.hostPath}`;
  const modelLines = () => page.evaluate((id) => window.__flashdeckConsole!.lines(id), boardId());

  it('connects when its tab opens, sends a typed command (a TX line), shows the echo with a timestamp, its bytes in hex, and logs it to a file', async () => {
    // No Connect click: the tab connects by itself, as a serial monitor does.
    await page.getByRole('tab', { name: 'Console' }).click();
    await page.getByTestId('console-state').filter({ hasText: 'Connected' }).waitFor();

    await page.getByLabel('Log folder').fill(logDir);
    await page.getByRole('button', { name: 'Log to file' }).click();
    await page.getByTestId('log-file').waitFor();

    const input = page.getByLabel('Send to board');
    await input.fill('hello flashdeck');
    await input.press('Enter');

    // The renderer's data model has the line...
    await expect.poll(modelLines, { timeout: 5000 }).toContain('echo: hello flashdeck');
    // ...and the view shows it with a relative host timestamp.
    const row = page.getByTestId('console-output').locator('.vr-row', { hasText: 'echo: hello flashdeck' });
    await row.waitFor();
    await expect(row.locator('.ts').textContent()).resolves.toMatch(/^\+\s*\d+\.\d{3}$/);
    await expect(row.locator('.tx').textContent()).resolves.toBe('echo: hello flashdeck');
    // What was sent shows as a TX line before the echo, marked apart from the board's output.
    const sent = page.getByTestId('console-output').locator('.vr-row.sent', { hasText: 'hello flashdeck' });
    await expect(sent.locator('.dir').textContent()).resolves.toBe('TX ›');
    await expect(sent.locator('.tx').textContent()).resolves.toBe('hello flashdeck');
    // TX lines off: the next line sent leaves only the board's echo.
    await page.getByLabel('TX lines').uncheck();
    await input.fill('quiet line');
    await input.press('Enter');
    await expect.poll(modelLines, { timeout: 5000 }).toContain('echo: quiet line');
    expect(await modelLines()).not.toContain('quiet line');
    await page.getByLabel('TX lines').check();

    // Absolute timestamps: a wall-clock time.
    await page.getByLabel('Timestamps').selectOption('absolute');
    await expect.poll(() => row.locator('.ts').textContent()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);

    // Send history: ↑ brings the last line back, ↑ again the one before.
    await input.press('ArrowUp');
    await expect(input.inputValue()).resolves.toBe('quiet line');
    await input.press('ArrowUp');
    await expect(input.inputValue()).resolves.toBe('hello flashdeck');
    await input.fill('');

    // Hex view: the bytes with offsets ("echo: he" = 65 63 68 6f 3a 20 68 65).
    await page.getByLabel('Hex view').check();
    const hexRow = page.getByTestId('console-output').locator('.vr-row.hex').first();
    await hexRow.waitFor();
    const hexText = (await page.getByTestId('console-output').locator('.vr-row.hex').allTextContents()).join('\n');
    expect(hexText).toMatch(/^00000000 {2}65 63 68 6f 3a 20 68 65 {2}6c 6c 6f 20 66 6c 61 73 {2}\|echo: hello flas\|$/m);
    expect(hexText).toMatch(/^00000010 {2}68 64 65 63 6b 0d 0a/m);
    await screenshot(page, 'console-hex');
    await page.getByLabel('Hex view').uncheck();

    // The log file on disk has the line with its timestamp.
    const [logFile] = readdirSync(logDir);
    expect(logFile).toMatch(/\.log$/);
    await expect.poll(() => readFileSync(join(logDir, logFile), 'utf8')).toMatch(/^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] echo: hello flashdeck\r$/m);
    expect(errors).toEqual([]);
  });

  it('sends hex bytes and a file', async () => {
    await page.getByLabel('Send mode').selectOption('hex');
    const input = page.getByLabel('Send to board');
    await input.fill('68 65 78 0a'); // "hex\n"
    await input.press('Enter');
    await expect.poll(modelLines).toContain('echo: hex');
    await input.fill('zz');
    await input.press('Enter');
    await page.getByRole('alert').filter({ hasText: '"zz" is not hex bytes' }).waitFor();
    await input.fill('');
    await page.getByLabel('Send mode').selectOption('text');

    await page.locator('input[type=file]').setInputFiles({ name: 'commands.txt', mimeType: 'text/plain', buffer: Buffer.from('from a file\nsecond line\n') });
    await expect.poll(modelLines).toContain('echo: second line');
    expect(await modelLines()).toContain('echo: from a file');
    await expect(page.getByTestId('console-notice').textContent()).resolves.toBe('Sent commands.txt (24 B).');
  });

  it('changes baud (common and custom) and framing, remembers them for the board, and explains a reset without control lines', async () => {
    await page.getByLabel('Baud rate', { exact: true }).selectOption('921600');
    await page.getByLabel('Baud rate', { exact: true }).selectOption('custom');
    await page.getByLabel('Custom baud rate').fill('123456');
    await page.getByLabel('Custom baud rate').press('Enter');
    await page.locator('.port-settings summary').click();
    await page.getByLabel('Parity').selectOption('even');
    await page.locator('.port-settings summary').filter({ hasText: '8E1' }).waitFor();
    await page.getByTestId('console-state').filter({ hasText: 'Connected' }).waitFor();

    await page.reload();
    await page.getByRole('tab', { name: 'Console' }).click();
    await expect.poll(() => page.getByLabel('Custom baud rate').inputValue()).toBe('123456');
    await expect(page.locator('.port-settings summary').textContent()).resolves.toBe('8E1');
    await page.locator('.port-settings summary').click();
    await page.getByLabel('Parity').selectOption('none');
    await page.getByLabel('Baud rate', { exact: true }).selectOption('115200');
    await page.locator('.port-settings summary').filter({ hasText: '8N1' }).waitFor();

    // A pseudo-terminal has no DTR/RTS: the reset says so and what to do instead.
    await page.getByRole('button', { name: 'Reset board' }).click();
    await page.getByRole('alert').filter({ hasText: 'cannot set DTR/RTS' }).filter({ hasText: 'RESET (EN) button' }).waitFor();
  });

  it('highlights a TinyGo panic and says why its address is not resolved', async () => {
    const input = page.getByLabel('Send to board');
    await input.fill('panic');
    await input.press('Enter');
    const panicRow = page.getByTestId('console-output').locator('.vr-row.panic', { hasText: 'panic: runtime error at 0x000012f4: index out of range' });
    await panicRow.waitFor();
    await expect(page.getByTestId('panic-report').textContent()).resolves.toContain('No ELF is known for this board');

    // ESP-IDF style colour codes render as colours, not as escape characters.
    sim.print('\x1b[0;32mI (312) wifi: connected\x1b[0m\r\n\x1b[0;31mE (400) app: failed\x1b[0m\r\n');
    const green = page.getByTestId('console-output').locator('.vr-row .fg2', { hasText: 'I (312) wifi: connected' });
    await green.waitFor();
    await expect(green.evaluate((el) => getComputedStyle(el).color)).resolves.not.toBe(await page.getByTestId('console-output').evaluate((el) => getComputedStyle(el).color));
    await expect(page.getByTestId('console-output').locator('.vr-row', { hasText: 'E (400) app: failed' }).locator('.fg1').count()).resolves.toBe(1);

    // The ANSI palette follows the theme (here the OS's, as Settings' default says): another colour
    // in the dark, and in both themes the green stays readable on the console's background.
    const look = () =>
      green.evaluate((el) => {
        const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
        const luminance = ([r, g, b]: number[]) => {
          const [R, G, B] = [r, g, b].map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
          return 0.2126 * R + 0.7152 * G + 0.0722 * B;
        };
        let back: Element | null = el;
        while (back && getComputedStyle(back).backgroundColor.match(/rgba\(.*, 0\)|transparent/)) back = back.parentElement;
        const [a, b] = [luminance(rgb(getComputedStyle(el).color)), luminance(rgb(getComputedStyle(back ?? document.body).backgroundColor))];
        return { color: getComputedStyle(el).color, contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
      });
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await look();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await look();
    await page.emulateMedia({ colorScheme: 'light' });
    expect(dark.color).not.toBe(light.color);
    expect(light.contrast).toBeGreaterThanOrEqual(4.5);
    expect(dark.contrast).toBeGreaterThanOrEqual(4.5);
    expect(await modelLines()).toContain('I (312) wifi: connected');
    await screenshot(page, 'console-panic');
  });

  it('searches with highlight, pauses autoscroll, bounds scrollback to the setting and clears', async () => {
    // Scrollback from Settings: 1000 lines.
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Console scrollback (lines)').fill('1000');
    await page.getByLabel('Console scrollback (lines)').press('Tab');
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByTestId('console').waitFor();

    const input = page.getByLabel('Send to board');
    await input.fill('burst 3000');
    await input.press('Enter');
    const stats = () => page.evaluate((id) => window.__flashdeckConsole!.stats(id), boardId());
    await expect.poll(async () => (await modelLines()).at(-1), { timeout: 10_000 }).toBe('seq 3000');
    const after = (await stats())!;
    expect(after.linesHeld).toBe(1000);
    expect(after.linesReceived).toBeGreaterThanOrEqual(3000);
    expect(after.droppedBytes).toBe(0);
    // Following: the newest line is on screen.
    await page
      .getByTestId('console-output')
      .locator('.vr-row', { hasText: /^.*seq 3000$/ })
      .waitFor();

    // Search highlights the match and jumps to it (which pauses autoscroll).
    await page.getByLabel('Search console').fill('seq 2500');
    await page.getByLabel('Search console').press('Enter');
    await expect(page.getByTestId('search-count').textContent()).resolves.toBe('1/1');
    const hit = page.getByTestId('console-output').locator('.vr-row.current-match');
    await expect(hit.locator('mark').textContent()).resolves.toBe('seq 2500');
    await expect(page.getByRole('button', { name: 'Follow' }).isVisible()).resolves.toBe(true);
    // Paused: new lines do not move the view.
    await input.fill('still here');
    await input.press('Enter');
    await expect.poll(modelLines).toContain('echo: still here');
    await expect(hit.isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Follow' }).click();
    await page.getByTestId('console-output').locator('.vr-row', { hasText: 'echo: still here' }).waitFor();

    // Copy puts the whole scrollback on the clipboard.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(serve.url).origin });
    await page.getByRole('button', { name: 'Copy' }).click();
    await page
      .getByTestId('console-notice')
      .filter({ hasText: /^Copied 1,?00\d lines\.$/ })
      .waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(/seq 3000\n(.*\n)?.*echo: still here$/);

    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(async () => (await stats())!.linesHeld).toBe(0);
    await expect(page.getByTestId('console-output').locator('.vr-row:not([hidden])').count()).resolves.toBe(0);
  });

  it('plots heap telemetry from the console on the Telemetry tab', async () => {
    const input = page.getByLabel('Send to board');
    await input.fill('telemetry on');
    await input.press('Enter');
    await page.getByRole('tab', { name: 'Telemetry' }).click();
    const chart = page.getByTestId('telemetry-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    // Pause freezes the chart while samples keep arriving; Resume catches up.
    await page.getByRole('button', { name: 'Pause' }).click();
    const frozen = Number(await chart.getAttribute('data-points'));
    const samples = () => page.evaluate((id) => window.__flashdeckTelemetry!.points(id), boardId());
    const before = await samples();
    await expect.poll(samples, { timeout: 5000 }).toBeGreaterThan(before + 2);
    expect(Number(await chart.getAttribute('data-points'))).toBe(frozen);
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(frozen);

    // Go's MemStats names make it a heap view: capacity is in use + idle, GCs seen as drops in heap in use.
    await expect(page.getByTestId('figure-capacity').textContent()).resolves.toContain('65,536 B');
    await expect.poll(() => page.getByTestId('figure-gcs').textContent(), { timeout: 10_000 }).toContain('from drops in heap in use');

    // CSV export: every held sample with its time.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('time,t_ms,HeapInuse,HeapIdle,Mallocs,Frees');
    expect(csv.length - 1).toBeGreaterThanOrEqual(frozen);
    expect(csv[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z,\d+,\d+,\d+,\d+,\d+$/);

    // The chart's model and the readout agree on the last value, and it is one the simulator printed.
    sim.setTelemetry(false);
    await page.waitForTimeout(400);
    const last = await page.evaluate((id) => window.__flashdeckTelemetry!.last(id, 'HeapInuse'), boardId());
    expect(last).not.toBeNull();
    expect((last! - 4096) % 1536).toBe(0);
    await expect.poll(() => page.getByTestId('figure-inuse').textContent()).toMatch(new RegExp(`^${last!.toLocaleString('en-US')} B`));
    await screenshot(page, 'telemetry-heap');
    expect(errors).toEqual([]);
  });

  it('shows the console waiting for the board when its port disappears', async () => {
    await page.getByRole('tab', { name: 'Console' }).click();
    await board.close();
    await page.getByTestId('console-state').filter({ hasText: 'Waiting for board' }).waitFor({ timeout: 5000 });
    expect(errors).toEqual([]);
  });
});
