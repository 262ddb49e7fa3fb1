/**
 * The Electron main process: a hardened window on the app:// protocol and one IPC handler that
 * hands every request to the same dispatcher serve.ts uses. All behaviour lives in services/.
 */
import { app, BrowserWindow, dialog, ipcMain, net, protocol, session, shell } from 'electron';
import { join, normalize, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDispatcher } from './dispatcher';
import { createAppServices, type AppServices } from './services/app-services';
import { CONTENT_SECURITY_POLICY } from './app-paths';
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } from './contract';

const APP_ORIGIN = 'app://flashdeck';
const rendererDir = resolve(__dirname, '..', 'renderer');

app.setName('Flashdeck');
protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let services: AppServices | null = null;
const windows = new Set<BrowserWindow>();

function serveRenderer(): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'flashdeck') return new Response('Not found', { status: 404 });
    const relative = normalize(decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)).replace(/^([/\\])+/, '');
    const file = resolve(rendererDir, relative);
    if (!file.startsWith(rendererDir + sep)) return new Response('Forbidden', { status: 403 });
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
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void window.loadURL(`${APP_ORIGIN}/index.html`);
}

app.whenReady().then(async () => {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  serveRenderer();

  const programsDir = app.isPackaged ? join(process.resourcesPath, 'programs') : join(app.getAppPath(), 'resources', 'programs');
  services = await createAppServices({
    dataDir: app.getPath('userData'),
    mode: 'electron',
    version: app.getVersion(),
    programsDir,
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
      return { ok: false, error: { code: 'FORBIDDEN_SENDER', stage: 'ipc', message: 'Refused a request from a page that is not Flashdeck.' } };
    }
    return dispatch(name, args);
  });
  services.hub.subscribe((name, payload) => {
    for (const window of windows) if (!window.isDestroyed()) window.webContents.send(IPC_EVENT_CHANNEL, name, payload);
  });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  void services?.close();
});
