/**
 * The served app outlives whatever a board, a cable or a browser does, and never loses the record
 * of a flash: a line frozen mid-write (socat stopped) over a real pty, hundreds of malformed HTTP
 * requests while a flash runs, the server stopping under an open window, and the process killed
 * mid-flash. `serve.stop()` also fails the run if the process caught any error that escaped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { addBoardByPath, launchBrowser, removeDir, startServe, type ServeProcess, openWindow, ESP32_DEVKIT } from './harness';
import { startEsp32Sim, type Esp32Sim } from '../../simulators/esp32/start-sim';
import { incompressibleImage } from '../../simulators/esp32/esp-image-builder';
import { INTERRUPTED } from '../../electron/services/store/flash-log';

/** Sends `head` (request line and headers, no final blank line) on a raw socket; resolves with the status code. */
function rawRequest(port: number, head: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`No answer to ${JSON.stringify(head.slice(0, 80))}`));
    }, 10_000);
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (status) {
        clearTimeout(timer);
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write(`${head}\r\n\r\n`, 'latin1');
  });
}

function malformedRequests(port: number): string[] {
  const host = `Host: 127.0.0.1:${port}`;
  return [
    `GET /%E0%A4%A HTTP/1.1\r\n${host}`,
    `GET /%ff%fe%fd HTTP/1.1\r\n${host}`,
    `GET /%C0%AF HTTP/1.1\r\n${host}`,
    `GET // HTTP/1.1\r\n${host}`,
    `GET // HTTP/1.1\r\n${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==`,
    `GET //api?token=x HTTP/1.1\r\n${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==`,
    `GET /%E0%A4%A HTTP/1.1\r\n${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==`,
    `GET /../../../../etc/passwd HTTP/1.1\r\n${host}`,
    `GET /..%2f..%2f..%2fetc%2fpasswd HTTP/1.1\r\n${host}`,
    `GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n${host}`,
    `GET /..\\..\\etc\\passwd HTTP/1.1\r\n${host}`,
    `GET /index.html%00.png HTTP/1.1\r\n${host}`,
    `GET /${'a'.repeat(5000)} HTTP/1.1\r\n${host}`,
    `GET http://[ HTTP/1.1\r\n${host}`,
    `GET * HTTP/1.1\r\n${host}`,
    `DELETE / HTTP/1.1\r\n${host}`,
    `PUT /index.html HTTP/1.1\r\n${host}\r\nContent-Length: 0`,
    `BREW / HTTP/1.1\r\n${host}`,
    `GET / HTTP/1.1\r\nHost: evil.example:${port}`,
    `GET / HTTP/1.1\r\n${host}\r\nX-Long: ${'a'.repeat(20_000)}`,
    `GET / HTTP/1.1\r\n${host}\r\n${Array.from({ length: 2000 }, (_, i) => `X-${i}: ${i}`).join('\r\n')}`,
  ];
}

describe('the served app outlives boards, cables and browsers', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let sim: Esp32Sim;
  let page: Page;
  let errors: string[];
  const files = mkdtempSync(join(tmpdir(), 'flashdeck-faults-'));

  const chooseImage = async (name: string, image: Uint8Array) => {
    const file = join(files, name);
    writeFileSync(file, image);
    await page.getByTestId('flash-file-input').setInputFiles(file);
    await page.getByTestId('image-kind').filter({ hasText: 'ESP32 app image for ESP32' }).waitFor();
  };
  /** A pty has no reset lines: the board is put in its loader by hand (hold BOOT, tap EN) before each flash. */
  const startFlash = async () => {
    sim.device.pressBootAndTapEn();
    await page.getByRole('button', { name: /^Flash / }).click();
  };
  const writing = () => page.getByTestId('flash-stage').filter({ hasText: 'Writing the image' }).waitFor({ timeout: 30_000 });
  const restart = async () => {
    serve = await startServe({ dataDir: serve.dataDir, port: serve.port });
  };

  beforeAll(async () => {
    [serve, browser, sim] = await Promise.all([startServe(), launchBrowser(), startEsp32Sim({ chip: 'esp32', transport: 'pty', baud: 115200 })]);
    ({ page, errors } = await openWindow(browser, serve.url));
    await addBoardByPath(page, sim.hostPath, ESP32_DEVKIT);
    await page.getByRole('tab', { name: 'Flash' }).click();
  });

  afterAll(async () => {
    await browser?.close();
    await sim?.close();
    await serve?.stop();
    if (serve) removeDir(serve.dataDir);
    removeDir(files);
  });

  it('a line frozen mid-flash ends the job with a clear error, keeps the process and the record, and the board flashes again after the thaw', async () => {
    const image = incompressibleImage(256, 21);
    await chooseImage('frozen.bin', image);
    await startFlash();
    await writing();
    sim.freeze();
    const failure = page.getByTestId('flash-error');
    await failure.waitFor({ timeout: 60_000 });
    const text = (await failure.textContent()) ?? '';
    expect(text).toMatch(/ESP_(WRITE_FAILED|TIMEOUT|DISCONNECTED)/);
    expect(serve.process.exitCode).toBeNull();
    await page.getByRole('region', { name: 'Recent flashes' }).getByText('frozen.bin').waitFor();
    sim.thaw();

    // The same image goes in and verifies.
    await startFlash();
    await page.getByTestId('flash-result').filter({ hasText: 'verified by MD5' }).waitFor({ timeout: 60_000 });
    expect(Buffer.from(sim.flash.read(0x1000, image.length)).equals(Buffer.from(image))).toBe(true);
  }, 150_000);

  it('answers hundreds of malformed requests with 4xx while a flash runs, and the flash ends verified', async () => {
    const image = incompressibleImage(768, 22);
    await chooseImage('under-fire.bin', image);
    await startFlash();
    await writing();
    const requests = Array.from({ length: 15 }, () => malformedRequests(serve.port)).flat();
    const statuses: number[] = [];
    for (let i = 0; i < requests.length; i += 20) statuses.push(...(await Promise.all(requests.slice(i, i + 20).map((head) => rawRequest(serve.port, head)))));
    expect(statuses).toHaveLength(requests.length);
    expect(requests.length).toBeGreaterThanOrEqual(300);
    const notRefused = statuses.map((status, i) => [status, requests[i].slice(0, 60)]).filter(([status]) => (status as number) < 400 || (status as number) >= 500);
    expect(notRefused).toEqual([]);
    // All of it happened while the board was being written.
    await expect(page.getByTestId('flash-result').count()).resolves.toBe(0);
    await page.getByTestId('flash-result').filter({ hasText: 'verified by MD5' }).waitFor({ timeout: 60_000 });
    expect(Buffer.from(sim.flash.read(0x1000, image.length)).equals(Buffer.from(image))).toBe(true);
    expect(serve.process.exitCode).toBeNull();
    expect(errors).toEqual([]);
  }, 150_000);

  it('says so when Flashdeck stops, and takes the page back with the same address once it is restarted', async () => {
    const address = serve.url;
    await serve.stop();
    await page.getByText('Flashdeck stopped — restart it (npm run serve) and this page reconnects by itself.').waitFor({ timeout: 15_000 });
    await restart();
    expect(serve.url).toBe(address);
    await page.getByText('Browser mode').waitFor({ timeout: 15_000 });
    await page.getByRole('region', { name: 'Recent flashes' }).getByText('under-fire.bin').waitFor();
  }, 60_000);

  it('an attempt cut short by killing the process is in the flash log as interrupted after the restart', async () => {
    await chooseImage('killed.bin', incompressibleImage(256, 23));
    await startFlash();
    await writing();
    serve.process.kill('SIGKILL');
    await page.getByText(/Flashdeck stopped/).waitFor({ timeout: 15_000 });
    await restart();
    await page.getByText('Browser mode').waitFor({ timeout: 15_000 });
    const row = page.getByRole('region', { name: 'Recent flashes' }).getByRole('row').filter({ hasText: 'killed.bin' });
    await row.filter({ hasText: INTERRUPTED.message }).waitFor({ timeout: 10_000 });
  }, 90_000);
});
