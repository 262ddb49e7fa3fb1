/**
 * `npm run sim -- esp32 --chip esp32c3` as a user (or the app's e2e tests) would run it: the first
 * stdout line is a pty path; flashing through it works; the board's buttons work from stdin (and
 * the nRF52 bootloader's reset); SIGTERM stops it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readlink } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { flashEsp32 } from '../../drivers/esp32/flash-esp32';
import { openSerialLink } from '../../drivers/common/serial-port-link';
import { tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';

const ESP32_CHIP_ID = 0;
const ESP32C3_CHIP_ID = 5;

interface Cli {
  child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Resolves once stderr holds `pattern`; rejects if the simulator exits or stays silent for `quietMs`. */
  stderrShows(pattern: RegExp, quietMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function runCli(args: string[], stdin: 'ignore' | 'pipe'): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/cli.ts', ...args], { stdio: [stdin, 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return {
    child,
    stderr: () => stderr,
    stderrShows: (pattern, quietMs = 15_000) => waitFor(() => pattern.test(stderr), child.stderr!, quietMs, `stderr to show ${pattern}; it holds:\n${stderr}`),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resolves when `done()` holds, checked on each chunk `source` emits; rejects after `quietMs` without one. */
function waitFor(done: () => boolean, source: NodeJS.EventEmitter, quietMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      source.off('data', check);
      reject(new Error(`waited ${quietMs} ms without progress for ${what}`));
    }, quietMs);
    function check() {
      if (!done()) return void timer.refresh();
      clearTimeout(timer);
      source.off('data', check);
      resolve();
    }
    source.on('data', check);
    check();
  });
}

function firstStdoutLine(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    setTimeout(() => reject(new Error('no path within 15 s')), 15_000);
  });
}

describe('npm run sim -- esp32', () => {
  it('prints the pty path first and serves an ESP32-C3 until killed', async () => {
    const cli = runCli(['esp32', '--chip', 'esp32c3', '--no-throttle'], 'ignore');
    try {
      const firstLine = await firstStdoutLine(cli.child);
      expect(firstLine).toMatch(/^\/dev\/pts\/\d+$/);
      const { link, close } = await openSerialLink(firstLine);
      try {
        const image = tinygoStyleImage(ESP32C3_CHIP_ID, 12 * 1024, 41);
        const outcome = await flashEsp32(link, image, {});
        expect(outcome.details).toMatchObject({ chip: 'ESP32-C3', address: '0x00000000' });
        expect(outcome.verifiedBy).toBe('md5');
      } finally {
        await close();
      }
      // stdin was /dev/null: its end does not stop the board.
      expect(cli.stderr()).toMatch(/stdin ended.*keeps serving/);
      expect(cli.child.exitCode).toBeNull();
    } finally {
      await cli.stop();
    }
  });

  it("takes the board's buttons from stdin: EN runs the flashed app, BOOT+EN lets the next flash in", async () => {
    const cli = runCli(['esp32', '--no-throttle'], 'pipe');
    const press = (command: string) => cli.child.stdin!.write(`${command}\n`);
    try {
      const ptyPath = await firstStdoutLine(cli.child);
      await cli.stderrShows(/boot\s+hold BOOT and tap EN/);
      const first = tinygoStyleImage(ESP32_CHIP_ID, 12 * 1024, 7);
      const second = tinygoStyleImage(ESP32_CHIP_ID, 20 * 1024, 8);
      expect(Buffer.compare(first, second)).not.toBe(0);

      // Flash and stay in the loader, so only the EN press can start the app.
      const opened = await openSerialLink(ptyPath);
      try {
        const outcome = await flashEsp32(opened.link, first, { after: 'no-reset' });
        expect(outcome.verifiedBy).toBe('md5');
      } finally {
        await opened.close();
      }

      const appConsole = await openSerialLink(ptyPath);
      let seen = '';
      const printed = new EventEmitter();
      appConsole.link.onData((bytes) => {
        seen += Buffer.from(bytes).toString('latin1');
        printed.emit('data');
      });
      try {
        press('en');
        await cli.stderrShows(/EN tapped: the app in flash is running\./);
        // The ROM boots from SPI flash, finds the image and the app prints from its first tick.
        await waitFor(
          () => /boot:0x13 \(SPI_FAST_FLASH_BOOT\)[\s\S]*entry 0x[0-9a-f]+[\s\S]*Hello from TinyGo on ESP32 \(0\)/.test(seen),
          printed,
          10_000,
          `the app's boot output; the pty printed:\n${seen}`,
        );
      } finally {
        await appConsole.close();
      }

      press('boot');
      await cli.stderrShows(/BOOT held, EN tapped: ROM download mode, waiting for the loader\./);
      const again = await openSerialLink(ptyPath);
      try {
        const outcome = await flashEsp32(again.link, second, {});
        expect(outcome.details).toMatchObject({ chip: 'ESP32', address: '0x00001000' });
        expect(outcome.verifiedBy).toBe('md5');
      } finally {
        await again.close();
      }
      expect(cli.stderr()).not.toMatch(/no button|failed/);
    } finally {
      await cli.stop();
    }
  });

  it('lists the simulators and their buttons on --help', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/cli.ts', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toMatch(/esp32\s+ESP32-family/);
    expect(stdout).toMatch(/esp32:\n\s+b\s+boot\s+hold BOOT and tap EN[^\n]*\n\s+e\s+en\s+tap EN/);
    expect(stdout).toMatch(/nrf52-legacy-dfu:\n\s+r\s+reset\s+double-tap RESET/);
  });

  it('lists the simulators when the name is unknown', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/cli.ts', 'nope'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/esp32\s+ESP32-family/);
  });
});

describe('npm run sim -- nrf52-legacy-dfu', () => {
  it('re-plugs the board in its bootloader on `reset`, behind the same path', async () => {
    const cli = runCli(['nrf52-legacy-dfu', '--no-throttle'], 'pipe');
    try {
      const linkPath = await firstStdoutLine(cli.child);
      cli.child.stdin!.write('reset\n');
      await cli.stderrShows(/RESET double-tapped: the port goes away[\s\S]*board left the port; re-plugging in its bootloader/);
      await cli.stderrShows(/board back in its bootloader at /);
      expect(await readlink(linkPath)).toMatch(/^\/dev\/pts\/\d+$/);
      // The path the user opened before the reset opens again.
      const { close } = await openSerialLink(linkPath);
      await close();
    } finally {
      await cli.stop();
    }
  });
});
