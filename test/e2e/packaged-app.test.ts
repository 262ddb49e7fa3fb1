/**
 * The Linux app as a user installs it, assembled by electron-builder from electron-builder.yml
 * against a stand-in Electron distribution (no Electron binary can be downloaded here): the fuses
 * are flipped in the packaged binary, the asar holds the built app and no sources, tests, maps or
 * dev dependencies and stays under its size budget, the native modules are unpacked beside it, the
 * TinyGo programs and udev rules are in resources. Then the packaged main boots under Node with a
 * stand-in `electron` module, and the window it opens is the hardened one: web preferences, CSP,
 * navigation and window-open denial, permissions refused, IPC only from Flashdeck's own frame.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync, fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { extractAll, listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { createStandInElectronDist, ELECTRON_DEFAULT_FUSES } from '../fixtures/electron-stand-in/electron-dist';

const root = resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const ELECTRON_VERSION = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version as string;
/** What the asar may weigh: the bundled app (≈1 MB with the renderer) and production dependencies (zod is most of it). */
const ASAR_BUDGET_BYTES = 16 * 1024 * 1024;

const hasDpkgDeb = spawnSync('dpkg-deb', ['--version']).status === 0;

let work: string;
let unpacked: string;
let resources: string;
let asarFiles: string[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'flashdeck-packaging-'));
  // The app as `npm run build` leaves it: main, preload and CLI bundles, and the renderer.
  execFileSync(process.execPath, ['scripts/build-main.mjs'], { cwd: root, stdio: 'ignore' });
  if (!existsSync(join(root, 'dist', 'renderer', 'index.html'))) execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], { cwd: root, stdio: 'ignore' });

  const electronDist = createStandInElectronDist(join(work, 'electron-dist'), ELECTRON_VERSION);
  // This run only: the stand-in instead of a download, and better-sqlite3 left as built for Node
  // (rebuilding it for Electron needs Electron's headers from the network).
  const config = join(work, 'electron-builder.test.yml');
  writeFileSync(
    config,
    `extends: ${JSON.stringify(join(root, 'electron-builder.yml'))}\nelectronDist: ${JSON.stringify(electronDist)}\nbeforePack: null\ndirectories:\n  output: ${JSON.stringify(join(work, 'release'))}\n`,
  );
  // The deb too, where Debian's dpkg-deb is at hand: fpm (which electron-builder downloads) is a stand-in on it.
  const targets = hasDpkgDeb ? ['dir', 'deb'] : ['dir'];
  await promisify(execFile)(process.execPath, [join(root, 'node_modules', 'electron-builder', 'cli.js'), '--config', config, '--linux', ...targets], {
    cwd: root,
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', CSC_IDENTITY_AUTO_DISCOVERY: 'false', CUSTOM_FPM_PATH: join(root, 'test', 'fixtures', 'fpm-stand-in', 'fpm') },
    maxBuffer: 16 * 1024 * 1024,
  });
  unpacked = join(work, 'release', 'linux-unpacked');
  resources = join(unpacked, 'resources');
  asarFiles = listPackage(join(resources, 'app.asar'), { isPack: false }).map((file) => file.replaceAll('\\', '/'));
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packaged Linux app (electron-builder --dir, stand-in Electron)', () => {
  it('flips the fuses in the packaged binary', async () => {
    const wire = await getCurrentFuseWire(join(unpacked, 'flashdeck'));
    // Each fuse is one byte: '1' on, '0' off (@electron/fuses' FuseState).
    const state = (fuse: FuseV1Options) => String.fromCharCode(wire[fuse] as number);
    const expected: [FuseV1Options, '0' | '1'][] = [
      [FuseV1Options.RunAsNode, '0'],
      [FuseV1Options.EnableCookieEncryption, '1'],
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable, '0'],
      [FuseV1Options.EnableNodeCliInspectArguments, '0'],
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation, '1'],
      [FuseV1Options.OnlyLoadAppFromAsar, '1'],
      [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot, '0'],
      [FuseV1Options.GrantFileProtocolExtraPrivileges, '0'],
    ];
    for (const [fuse, value] of expected) expect(`${FuseV1Options[fuse]}=${state(fuse)}`).toBe(`${FuseV1Options[fuse]}=${value}`);
    // The stand-in started at Electron's defaults, so seven of these bytes were flipped by packaging.
    expect(expected.filter(([fuse, value]) => ELECTRON_DEFAULT_FUSES[fuse] !== value)).toHaveLength(7);
  });

  it('ships the built app in the asar and nothing that does not run', () => {
    for (const file of ['/package.json', '/dist/electron/main.cjs', '/dist/electron/preload.cjs', '/dist/renderer/index.html', '/dist/cli/flashdeck.mjs'])
      expect(asarFiles).toContain(file);
    expect(asarFiles.some((file) => /^\/dist\/renderer\/assets\/index-[\w-]+\.js$/.test(file))).toBe(true);
    for (const dependency of Object.keys(pkg.dependencies)) expect(asarFiles).toContain(`/node_modules/${dependency}/package.json`);

    const offending = asarFiles.filter(
      (file) =>
        /\.(map|ts|tsx|svelte)$/.test(file) ||
        /^\/(electron|drivers|renderer|test|bench|scripts|resources|docs)\//.test(file) ||
        /\/(test|tests|__tests__)\//.test(file) ||
        /test_extension\.node$/.test(file),
    );
    expect(offending).toEqual([]);
    const devOnly = Object.keys(pkg.devDependencies).filter((name) => asarFiles.includes(`/node_modules/${name}/package.json`));
    expect(devOnly).toEqual([]);

    const asarBytes = statSync(join(resources, 'app.asar')).size;
    console.log(`app.asar: ${(asarBytes / 1048576).toFixed(1)} MiB of a ${ASAR_BUDGET_BYTES / 1048576} MiB budget, ${asarFiles.length} entries`);
    expect(asarBytes).toBeLessThan(ASAR_BUDGET_BYTES);
  });

  it('unpacks the native modules: better-sqlite3 and serialport’s N-API prebuild for linux-x64', () => {
    const beside = join(resources, 'app.asar.unpacked', 'node_modules');
    expect(statSync(join(beside, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')).isFile()).toBe(true);
    expect(statSync(join(beside, '@serialport', 'bindings-cpp', 'prebuilds', 'linux-x64', '@serialport+bindings-cpp.glibc.node')).isFile()).toBe(true);
    expect(existsSync(join(beside, '@serialport', 'bindings-cpp', 'prebuilds', 'android-arm64'))).toBe(false);
  });

  it('puts the bundled TinyGo programs and the udev rules in resources', () => {
    for (const program of ['blink', 'heap-telemetry', 'led-test', 'alloc-stress']) expect(statSync(join(resources, 'programs', program, 'main.go')).isFile()).toBe(true);
    expect(existsSync(join(resources, 'programs', 'catalogue.ts'))).toBe(false);
    expect(readFileSync(join(resources, 'linux', '60-flashdeck.rules'), 'utf8')).toMatch(/SUBSYSTEM/);
    expect(existsSync(join(resources, 'linux', 'after-install.sh'))).toBe(false);
  });
});

describe.skipIf(!hasDpkgDeb)('the deb (electron-builder, fpm stand-in on dpkg-deb)', () => {
  const deb = () => join(work, 'release', `flashdeck_${pkg.version}_amd64.deb`);
  const dpkgDeb = (...args: string[]) => execFileSync('dpkg-deb', args, { encoding: 'utf8' });

  it('is the flashdeck package with its maintainer, homepage and Electron’s libraries as dependencies', () => {
    const field = (name: string) => dpkgDeb('--field', deb(), name).trim();
    expect(field('Package')).toBe('flashdeck');
    expect(field('Version')).toBe(pkg.version);
    expect(field('Architecture')).toBe('amd64');
    expect(field('Maintainer')).toMatch(/<.+@.+>/);
    expect(field('Homepage')).toMatch(/^https:\/\//);
    expect(field('Depends').split(', ')).toEqual(expect.arrayContaining(['libnss3', 'libgtk-3-0', 'xdg-utils']));
  });

  it('installs the app under /opt/Flashdeck with its desktop entry and icon', () => {
    const contents = dpkgDeb('--contents', deb())
      .split('\n')
      .map((line) =>
        line
          .split(/\s+/)
          .slice(5)
          .join(' ')
          .replace(/^\./, '')
          .replace(/ -> .*$/, ''),
      );
    for (const file of [
      '/opt/Flashdeck/flashdeck',
      '/opt/Flashdeck/resources/app.asar',
      '/opt/Flashdeck/resources/app.asar.unpacked/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      '/opt/Flashdeck/resources/linux/60-flashdeck.rules',
      '/opt/Flashdeck/resources/programs/blink/main.go',
      '/opt/Flashdeck/resources/apparmor-profile',
      '/usr/share/applications/flashdeck.desktop',
      '/usr/share/icons/hicolor/512x512/apps/flashdeck.png',
    ]) {
      expect(contents).toContain(file);
    }
  });

  it('post-install puts flashdeck on PATH, installs the udev rules it ships and names the dialout group', () => {
    const postinst = dpkgDeb('--info', deb(), 'postinst');
    expect(spawnSync('bash', ['-n'], { input: postinst }).status).toBe(0);
    expect(postinst).not.toMatch(/\$\{/);
    expect(postinst).toContain("update-alternatives --install '/usr/bin/flashdeck' 'flashdeck' '/opt/Flashdeck/flashdeck'");
    expect(postinst).toContain("cp '/opt/Flashdeck/resources/linux/60-flashdeck.rules' /etc/udev/rules.d/60-flashdeck.rules");
    expect(postinst).toContain("chmod 4755 '/opt/Flashdeck/chrome-sandbox'");
    expect(postinst).toMatch(/usermod -aG dialout/);
  });
});

describe('the packaged main, booted under Node with a stand-in Electron', () => {
  let child: ChildProcess;
  let appDir: string;
  const waiting = new Map<number, (message: { value?: any; error?: string }) => void>();
  let nextId = 1;
  const ask = (command: Record<string, unknown>) =>
    new Promise<any>((resolvePromise, reject) => {
      const id = nextId++;
      waiting.set(id, (message) => (message.error ? reject(new Error(message.error)) : resolvePromise(message.value)));
      child.send({ ...command, id });
    });
  const request = (name: string, args: unknown, senderUrl = 'app://flashdeck/index.html') => ask({ cmd: 'ipc', name, args, senderUrl });

  beforeAll(async () => {
    appDir = join(work, 'app');
    extractAll(join(resources, 'app.asar'), appDir);
    const userData = join(work, 'user-data');
    mkdirSync(userData);
    child = fork(join(appDir, 'dist', 'electron', 'main.cjs'), [], {
      execArgv: ['-r', join(root, 'test', 'fixtures', 'electron-stand-in', 'register.cjs')],
      cwd: work,
      env: { ...process.env, STAND_IN_USER_DATA: userData, STAND_IN_APP_PATH: appDir, STAND_IN_PACKAGED: '1', STAND_IN_RESOURCES_PATH: resources },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    await new Promise<void>((resolvePromise, reject) => {
      child.on('message', (message: any) => {
        if (message.event === 'window-loaded') resolvePromise();
        else if (message.event === 'error-box') reject(new Error(`${message.title}: ${message.text}`));
        else if (message.id !== undefined) waiting.get(message.id)?.(message);
      });
      child.once('exit', (code) => reject(new Error(`the packaged main exited (${code}): ${stderr}`)));
    });
  }, 60_000);

  afterAll(() => {
    child?.kill();
  });

  it('opens one hardened window on app://flashdeck and refuses every permission', async () => {
    const state = await ask({ cmd: 'state' });
    expect(state.windows).toHaveLength(1);
    expect(state.windows[0].url).toBe('app://flashdeck/index.html');
    expect(state.windows[0].options.webPreferences).toEqual({
      preload: join(appDir, 'dist', 'electron', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
    });
    expect(state.schemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(state.permissionRequests.every((asked: { granted: boolean }) => asked.granted === false)).toBe(true);
    expect(state.permissionChecks.every((asked: { granted: boolean }) => asked.granted === false)).toBe(true);
  });

  it('serves the window from the asar with a strict CSP, and nothing outside it', async () => {
    const page = await ask({ cmd: 'protocol', url: 'app://flashdeck/index.html' });
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<title>Flashdeck<\/title>/);
    const csp: string = page.headers['content-security-policy'];
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    for (const url of ['app://flashdeck/../../package.json', 'app://flashdeck/%2e%2e/%2e%2e/package.json', 'app://flashdeck/..%2f..%2fpackage.json', 'app://other/index.html']) {
      const refused = await ask({ cmd: 'protocol', url });
      expect([403, 404]).toContain(refused.status);
    }
  });

  it('answers the contract from its own frame, with the services and resources of the install', async () => {
    expect(await request('app.info', {})).toMatchObject({ ok: true, value: { version: pkg.version, mode: 'electron', dataDir: join(work, 'user-data') } });
    // Bundled programs come from resources/programs of the install (app.isPackaged).
    const programs = await request('programs.list', {});
    expect(programs.value.map((program: { id: string }) => program.id)).toEqual(expect.arrayContaining(['blink', 'heap-telemetry']));
    // The database (better-sqlite3, unpacked) works: a setting survives a round trip.
    await request('settings.update', { theme: 'dark' });
    expect(await request('settings.get', {})).toMatchObject({ ok: true, value: { theme: 'dark' } });
    expect(await request('boards.list', {})).toMatchObject({ ok: true });
  });

  it('refuses IPC from any frame that is not Flashdeck', async () => {
    for (const senderUrl of ['https://evil.example/', 'file:///etc/passwd', 'app://flashdeckevil/index.html', 'app://other/index.html', '']) {
      expect(await request('app.info', {}, senderUrl)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER', stage: 'ipc' } });
    }
  });

  it('keeps the window on the app: navigation away is prevented, new windows denied, https links go to the browser', async () => {
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://flashdeckevil/', 'javascript:alert(1)'])
      expect(await ask({ cmd: 'navigate', url })).toEqual({ prevented: true });
    expect(await ask({ cmd: 'navigate', url: 'app://flashdeck/index.html' })).toEqual({ prevented: false });
    expect(await ask({ cmd: 'open', url: 'https://tinygo.org/docs/' })).toEqual({ result: { action: 'deny' }, openedExternally: ['https://tinygo.org/docs/'] });
    for (const url of ['file:///etc/passwd', 'http://example.com/', 'app://flashdeck/index.html', 'smb://host/share']) {
      expect(await ask({ cmd: 'open', url })).toEqual({ result: { action: 'deny' }, openedExternally: [] });
    }
  });
});

describe('the headless command line of the installed app (flashdeck --cli …)', () => {
  /** Runs the packaged main as `flashdeck --cli <args>` would, under the stand-in Electron. */
  async function runInstalledCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const appDir = join(work, 'app-cli');
    if (!existsSync(appDir)) extractAll(join(resources, 'app.asar'), appDir);
    const child = fork(join(appDir, 'dist', 'electron', 'main.cjs'), ['--cli', ...args], {
      execArgv: ['-r', join(root, 'test', 'fixtures', 'electron-stand-in', 'register.cjs')],
      cwd: work,
      env: { ...process.env, STAND_IN_USER_DATA: join(work, 'cli-user-data'), STAND_IN_APP_PATH: appDir, STAND_IN_PACKAGED: '1', STAND_IN_RESOURCES_PATH: resources },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolvePromise) => child.once('exit', (exitCode) => resolvePromise(exitCode)));
    return { code, stdout, stderr };
  }

  it('prints its usage and exits 0', async () => {
    const { code, stdout } = await runInstalledCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: flashdeck <command> \[options\]/);
    expect(stdout).toMatch(/boards/);
  });

  it('runs a command and prints its JSON', async () => {
    const dataDir = join(work, 'cli-data');
    const { code, stdout, stderr } = await runInstalledCli(['boards', '--json', '--data-dir', dataDir]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    // The board list as JSON (no boards are plugged in here; the serial binding unpacked beside the asar loaded).
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, boards: expect.any(Array) });
  });
});
