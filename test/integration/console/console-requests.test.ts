/** The console requests through the real dispatcher and app services (as Electron and serve wire them). */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppServices, type AppServices } from '../../../electron/services/app-services';
import { createDispatcher } from '../../../electron/dispatcher';

let services: AppServices | null = null;
let dataDir = '';
afterEach(async () => {
  await services?.close();
  services = null;
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(pickFolder?: (title: string) => Promise<string | null>) {
  dataDir = mkdtempSync(join(tmpdir(), 'flashdeck-console-req-'));
  services = await createAppServices({
    dataDir,
    mode: pickFolder ? 'electron' : 'serve',
    version: '0.0.0',
    lister: async () => [],
    programsDir: join(dataDir, 'programs'),
    pickFolder,
  });
  return createDispatcher(services.handlers);
}

describe('console requests', () => {
  it('offers the OS folder picker for logs in Electron, and says it is unsupported in the browser', async () => {
    const titles: string[] = [];
    const electron = await start(async (title) => {
      titles.push(title);
      return '/home/dev/logs';
    });
    await expect(electron('console.pickLogFolder', { boardId: 'port:/dev/ttyUSB0' })).resolves.toEqual({ ok: true, value: { supported: true, directory: '/home/dev/logs' } });
    expect(titles).toEqual(['Choose a folder for console logs']);
    await services!.close();
    services = null;
    const browser = await start();
    await expect(browser('console.pickLogFolder', { boardId: 'port:/dev/ttyUSB0' })).resolves.toEqual({ ok: true, value: { supported: false, directory: null } });
  });

  it('keeps per-board console settings across restarts and rejects invalid ones', async () => {
    const dispatch = await start();
    const boardId = 'port:/dev/ttyUSB9';
    await expect(dispatch('console.configure', { boardId, settings: { baudRate: 921600, lineEnding: 'crlf', timestamps: 'absolute' } })).resolves.toMatchObject({ ok: true });
    await expect(dispatch('console.configure', { boardId, settings: { baudRate: 0 } })).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    await expect(dispatch('console.send', { boardId, dataBase64: '***' })).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    await expect(dispatch('console.send', { boardId, dataBase64: 'aGk=' })).resolves.toMatchObject({ ok: false, error: { code: 'CONSOLE_NOT_OPEN' } });
    await services!.close();
    services = await createAppServices({ dataDir, mode: 'serve', version: '0.0.0', lister: async () => [], programsDir: join(dataDir, 'programs') });
    const again = createDispatcher(services.handlers);
    await expect(again('console.status', { boardId })).resolves.toMatchObject({
      ok: true,
      value: { state: 'closed', settings: { baudRate: 921600, lineEnding: 'crlf', timestamps: 'absolute', dataBits: 8, parity: 'none' } },
    });
  });
});
