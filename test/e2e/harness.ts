/**
 * End-to-end harness: runs `electron/serve.ts` as its own process (exactly what `npm run serve`
 * runs, against the built renderer in dist/renderer) and drives Debian's Chromium with
 * playwright-core. Never downloads a browser.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type RunningServer, type ServeOptions } from '../../electron/serve';
import { ESCAPED_ERROR_MARK } from '../../electron/last-resort';

export const projectRoot = resolve(import.meta.dirname, '..', '..');
export const artifactsDir = join(projectRoot, 'test', 'e2e', 'artifacts');
/** The stand-in `tinygo` that replays real TinyGo output (test/fixtures/tinygo). */
export const STAND_IN_TINYGO = join(projectRoot, 'test', 'fixtures', 'tinygo', 'tinygo');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  // Numbers and dates in assertions are en-US: the machine's own locale must not change them.
  '--lang=en-US',
];

/** The browser formats numbers and times the same on every machine, whatever its locale or zone. */
const CHROMIUM_ENV = { ...process.env, LANG: 'en_US.UTF-8', LANGUAGE: 'en_US:en', LC_ALL: 'en_US.UTF-8', TZ: 'UTC' };

export interface ServeProcess {
  url: string;
  port: number;
  dataDir: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts `tsx electron/serve.ts` (on a free port unless given one) with its own data folder;
 * resolves once it prints its URL. `stop()` fails the test if the process logged an error that
 * escaped its handler (the last-resort net caught it): every such error is a bug.
 */
export async function startServe(options: { dataDir?: string; env?: NodeJS.ProcessEnv; port?: number } = {}): Promise<ServeProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'flashdeck-e2e-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'electron/serve.ts', '--port', String(options.port ?? 0), '--data-dir', dataDir], {
    cwd: projectRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 30 s:\n${output}`)), 30_000);
    child.stdout!.on('data', () => {
      const match = output.match(/serving on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    process: child,
    output: () => output,
    stop: async () => {
      await new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      });
      const escaped = output.split('\n').filter((line) => line.includes(ESCAPED_ERROR_MARK));
      if (escaped.length) throw new Error(`The served app caught ${escaped.length} escaped error(s):\n${escaped.join('\n')}`);
    },
  };
}

/** Playwright gives every launch a fresh, empty profile of its own. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, env: CHROMIUM_ENV });
}

/** Collects console errors and page errors (CSP violations show up here) so tests can assert none. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The same server `npm run serve` runs, started inside the test process, for tests that must
 * decide which USB identities the OS lists (nRF52 boards re-enumerating after a flash) or where
 * drives are mounted. Everything else is as in the served app.
 */
export async function startServeInProcess(options: Pick<ServeOptions, 'lister' | 'nrf'>): Promise<RunningServer & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'flashdeck-e2e-'));
  const server = await startServer({ port: 0, dataDir, log: () => {}, ...options });
  return { ...server, dataDir };
}

/** Adds a port by path in the sidebar, as a user would, and pins its TinyGo target if given. */
export async function addBoardByPath(page: Page, path: string, target?: { target: string; guess: string }): Promise<void> {
  await page.getByLabel('Add a port by path').locator('input').fill(path);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.locator(`nav [data-board-id="port:${path}"]`).waitFor();
  if (target) {
    await page.getByLabel('TinyGo target').selectOption(target.target);
    await page.getByTestId('board-guess').filter({ hasText: target.guess }).waitFor();
  }
}

/** The ESP32 DevKitC every ESP32 e2e test flashes: its TinyGo target and the guess the window then shows. */
export const ESP32_DEVKIT = { target: 'esp32-coreboard-v2', guess: 'ESP32 DevKitC' } as const;

/** A window on serve mode: a new page at the app's address, its errors collected for the test to assert none. */
export async function openWindow(browser: Browser, url: string, options: Parameters<Browser['newPage']>[0] = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage(options);
  const errors = watchPageErrors(page);
  await page.goto(url);
  return { page, errors };
}

/** Points Settings at the stand-in TinyGo, waits for its version, and goes back to the board. */
export async function useStandInTinygo(page: Page, path = STAND_IN_TINYGO): Promise<void> {
  await page.getByRole('button', { name: 'Settings' }).click();
  const input = page.getByPlaceholder('Search PATH and the usual install places');
  await input.fill(path);
  await input.press('Enter');
  await page.getByTestId('tinygo-version').filter({ hasText: '0.33.0' }).waitFor();
  await page.getByRole('button', { name: 'Settings' }).click();
}
