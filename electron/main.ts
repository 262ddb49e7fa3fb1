/**
 * The Electron main process: a hardened window on the app:// protocol and one IPC handler that
 * hands every request to the same dispatcher serve.ts uses. All behaviour lives in services/.
 */
import { app, BrowserWindow, dialog, ipcMain, net, protocol, session, shell } from 'electron';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDispatcher } from './dispatcher';
import { createInProcessBench } from '../simulators/bench/in-process-bench';
import { createAppServices, type AppServices } from './services/app-services';
import { CONTENT_SECURITY_POLICY } from './app-paths';
import { rendererFileFor } from './request-target';
import { keepProcessAlive } from './last-resort';
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } from './contract';

const APP_ORIGIN = 'app://flashdeck';
const rendererDir = resolve(__dirname, '..', 'renderer');

const log = (line: string) => console.error(line);
keepProcessAlive(log);
app.setName('Flashdeck');
protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let services: AppServices | null = null;
const windows = new Set<BrowserWindow>();

function serveRenderer(): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'flashdeck') return new Response('Not found', { status: 404 });
    const target = rendererFileFor(rendererDir, url.pathname + url.search);
    if (!target.ok) return new Response(target.reason, { status: target.status });
    const { file } = target;
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 560,
    title: 'Flashdeck',
    show: false,
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      // Middle-click opens no window either (the window-open handler denies them all anyway).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  windows.add(window);
  window.on('closed', () => windows.delete(window));
  window.once('ready-to-show', () => window.show());
  // No navigation away from the app, no new windows; links to the web open in the browser.
  window.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(APP_ORIGIN + '/')) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) shell.openExternal(url).catch((error: Error) => log(`Could not open ${url} in the browser: ${error.message}`));
    return { action: 'deny' };
  });
  window.loadURL(`${APP_ORIGIN}/index.html`).catch((error: Error) => log(`The window could not load Flashdeck: ${error.message}`));
}

/** `flashdeck --cli <command> …`: an installed app runs the headless command line instead of a window. */
const cliArgs = process.argv.includes('--cli') ? process.argv.slice(process.argv.indexOf('--cli') + 1) : null;

async function runCommandLine(args: string[]): Promise<void> {
  // The command line's own ESM bundle beside this one (dist/cli/flashdeck.mjs); it exits when done.
  const cli = (await import(pathToFileURL(join(__dirname, '..', 'cli', 'flashdeck.mjs')).href)) as { main(argv: string[]): Promise<void> };
  await cli.main(args);
}

app
  .whenReady()
  .then(() => (cliArgs ? runCommandLine(cliArgs) : start()))
  .catch((error: unknown) => {
    // Without its services (the data folder unwritable, the database locked …) there is no app to show.
    const message = error instanceof Error ? error.message : String(error);
    if (cliArgs) {
      process.stderr.write(`Flashdeck could not run the command: ${message}\n`);
      return app.exit(1);
    }
    dialog.showErrorBox(
      'Flashdeck could not start',
      `${message}\n\nCheck that the data folder ${app.getPath('userData')} is writable and that no other Flashdeck is using it, then start Flashdeck again.`,
    );
    app.exit(1);
  });

async function start(): Promise<void> {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  serveRenderer();

  const programsDir = app.isPackaged ? join(process.resourcesPath, 'programs') : join(app.getAppPath(), 'resources', 'programs');
  services = await createAppServices({
    dataDir: app.getPath('userData'),
    mode: 'electron',
    version: app.getVersion(),
    programsDir,
    simulatedBench: createInProcessBench(),
    // "Log to file" in the console picks its folder with the OS dialog.
    pickFolder: async (title) => {
      const parent = BrowserWindow.getFocusedWindow();
      const options = { title, properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[] };
      const picked = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      return picked.canceled ? null : (picked.filePaths[0] ?? null);
    },
  });
  const dispatch = createDispatcher(services.handlers);
  ipcMain.handle(IPC_REQUEST_CHANNEL, (event, name: unknown, args: unknown) => {
    const senderUrl = event.senderFrame?.url ?? '';
    if (!senderUrl.startsWith(APP_ORIGIN + '/')) {
      return {
        ok: false,
        error: {
          code: 'FORBIDDEN_SENDER',
          stage: 'ipc',
          message: 'Refused a request from a page that is not Flashdeck.',
          hint: 'Only Flashdeck’s own window may use its services; restart Flashdeck if its window shows another page.',
        },
      };
    }
    return dispatch(name, args);
  });
  services.hub.subscribe((name, payload) => {
    for (const window of windows) {
      try {
        if (!window.isDestroyed()) window.webContents.send(IPC_EVENT_CHANNEL, name, payload);
      } catch (error) {
        log(`Could not send ${name} to a window: ${(error as Error).message}`);
      }
    }
  });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  services?.close().catch((error: Error) => log(`Closing Flashdeck's services failed: ${error.message}`));
});
