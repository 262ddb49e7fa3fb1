import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import { launchBrowser, removeDir, screenshot, startServe, watchPageErrors, type ServeProcess } from './harness';
import { attachToPty, type PtyAttachment } from '../../simulators/common/pty-transport';
import { TinyGoAppSim } from '../../simulators/app/tinygo-app-sim';

describe('Flashdeck in the browser (npm run serve)', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let board: PtyAttachment;

  beforeAll(async () => {
    [serve, browser, board] = await Promise.all([startServe(), launchBrowser(), attachToPty(new TinyGoAppSim(), { baud: 115200 })]);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await board?.close();
    if (serve) removeDir(serve.dataDir);
  });

  it('teaches with an empty state, adds a board by path, renames it and remembers the name', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await page.goto(serve.url);
    await page.getByRole('heading', { name: 'Connect a board' }).waitFor();
    await expect(page.getByText('Many USB cables only charge').isVisible()).resolves.toBe(true);

    await page.getByLabel('Add a port by path').locator('input').fill(board.hostPath);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const entry = page.locator(`nav [data-board-id="port:${board.hostPath}"]`);
    await entry.waitFor();
    await expect(entry.textContent()).resolves.toContain(board.hostPath);
    await expect(page.getByTestId('board-state').textContent()).resolves.toBe('Plugged in');
    await expect(page.getByTestId('board-guess').textContent()).resolves.toBe('Unknown board');

    // Pin the target: the guess becomes the catalogue's board with its chip.
    await page.getByLabel('TinyGo target').selectOption('esp32-coreboard-v2');
    await page.getByTestId('board-guess').filter({ hasText: 'ESP32 DevKitC' }).waitFor();

    await page.getByRole('button', { name: 'Rename board' }).click();
    await page.getByLabel('Board name').fill('Bench ESP32 #2');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('board-title').filter({ hasText: 'Bench ESP32 #2' }).waitFor();

    await page.reload();
    await page.getByTestId('board-title').filter({ hasText: 'Bench ESP32 #2' }).waitFor();
    await expect(entry.textContent()).resolves.toContain('Bench ESP32 #2');
    await expect(page.getByLabel('TinyGo target').inputValue()).resolves.toBe('esp32-coreboard-v2');
    await screenshot(page, 'foundation-board');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the board as gone when its port disappears, within a second', async () => {
    const page = await browser.newPage();
    await page.goto(serve.url);
    // A new window remembers no board: it opens on the bench overview, and the user picks the board.
    await page.getByRole('heading', { name: 'Bench overview' }).waitFor();
    await page.locator('nav [data-board-id]').first().click();
    await page
      .getByTestId('board-state')
      .filter({ hasText: /^Plugged in$/ })
      .waitFor();
    const started = Date.now();
    await board.close();
    await page.getByTestId('board-state').filter({ hasText: 'Port not found' }).waitFor({ timeout: 5000 });
    expect(Date.now() - started).toBeLessThan(1500);
    // A port added by mistake can be removed; with no boards left the window teaches again.
    await page.getByRole('button', { name: 'Remove this port' }).click();
    await page.getByRole('heading', { name: 'Connect a board' }).waitFor();
    await page.close();
  });

  it('refuses WebSocket connections from a foreign origin or without the token', async () => {
    const token = new URL(serve.url).searchParams.get('token')!;
    const attempt = (origin: string, withToken: boolean) =>
      new Promise<number | 'open'>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${serve.port}/api${withToken ? `?token=${token}` : ''}`, { headers: { Origin: origin } });
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => {});
      });
    await expect(attempt('http://evil.example', true)).resolves.toBe(403);
    await expect(attempt(`http://127.0.0.1:${serve.port}`, false)).resolves.toBe(401);
    await expect(attempt(`http://127.0.0.1:${serve.port}`, true)).resolves.toBe('open');
  });

  it('answers an invalid payload with a typed error and keeps serving', async () => {
    const token = new URL(serve.url).searchParams.get('token')!;
    const ws = new WebSocket(`ws://127.0.0.1:${serve.port}/api?token=${token}`, { headers: { Origin: `http://127.0.0.1:${serve.port}` } });
    await new Promise((resolve) => ws.on('open', resolve));
    const replies: Record<number, { ok: boolean; error?: { code: string; message: string } }> = {};
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'reply') replies[message.id] = message.reply;
    });
    const send = (id: number, name: string, args: unknown) => ws.send(JSON.stringify({ type: 'request', id, name, args }));
    send(1, 'boards.update', { boardId: 42, name: { evil: true } });
    send(2, 'boards.addByPath', { path: '/dev/ttyUSB0\n--rm -rf' });
    send(3, 'no.such.request', {});
    ws.send('not json at all');
    send(4, 'boards.list', {});
    await expect.poll(() => replies[4], { timeout: 5000 }).toBeDefined();
    expect(replies[1]).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(replies[2]).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(replies[2].error!.message).toContain('control characters');
    expect(replies[3]).toMatchObject({ ok: false, error: { code: 'UNKNOWN_REQUEST' } });
    expect(replies[4]).toMatchObject({ ok: true });
    ws.close();
  });
});
