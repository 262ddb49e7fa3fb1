/**
 * Standalone simulators on a pseudo-terminal, for trying the app (or esptool, or a terminal)
 * against a board that is not there:
 *
 *   npm run sim -- esp32 [--chip esp32|esp32c3|esp32s3|esp32s2|esp32c6] [--baud 115200] [--no-throttle]
 *   npm run sim -- nrf52-legacy-dfu | nrf52-secure-dfu [--baud 115200] [--time-scale 1]
 *   npm run sim -- nrf52-uf2 --drive DIR   (first line: "<pty> <drive folder>")
 *   npm run sim -- --help
 *
 * The FIRST line of stdout is the pty path to open; the simulator serves until killed.
 *
 * The board's buttons: on a terminal, one key is one press (`?` lists them, `q` or Ctrl-C quits);
 * otherwise stdin takes one command a line (`boot`, `en`, `reset`, `help`, `quit`), so tests and
 * scripts can press them. When a piped stdin ends the simulator keeps serving (it is a board, not
 * a shell): stop it with SIGINT/SIGTERM.
 *
 * To add a simulator: write a `start(args)` that resolves with `{ hostPath, describe, close, controls }`
 * and add one line to SIMULATORS.
 */
import { createInterface } from 'node:readline';
import { ESP32_CONTROLS, startEsp32Cli } from './esp32/cli-entry';
import { NRF52_LEGACY_CONTROLS, NRF52_SECURE_CONTROLS, NRF52_UF2_CONTROLS, startNrf52LegacyCli, startNrf52SecureCli, startNrf52Uf2Cli } from './nrf52/cli-entry';

/** A button on the simulated board, as the help lists it: pressed with `key` on a terminal or its name on a line. */
export interface ControlKey {
  key: string;
  /** What pressing it does, for the list ("hold BOOT and tap EN: ROM download mode"). */
  describe: string;
}

export interface SimControl extends ControlKey {
  /** Presses the button; returns one sentence for stderr saying what happened. */
  run(): string;
}

export interface RunningSim {
  hostPath: string;
  /** One line for stderr ("ESP32 (4 MB flash) in download mode at 115200 baud"). */
  describe: string;
  /** The board's buttons by command name (`boot`, `en`, `reset`). */
  controls?: Record<string, SimControl>;
  close(): Promise<void>;
}

export interface SimEntry {
  summary: string;
  /** The buttons its RunningSim offers, for --help. */
  controls?: Record<string, ControlKey>;
  start(args: string[]): Promise<RunningSim>;
}

export const SIMULATORS: Record<string, SimEntry> = {
  esp32: { summary: 'ESP32-family ROM/stub serial loader (--chip, --baud, --flash-mb, --no-throttle)', controls: ESP32_CONTROLS, start: startEsp32Cli },
  'nrf52-legacy-dfu': {
    summary: 'Adafruit nRF52 bootloader, legacy serial DFU (--baud, --time-scale, --app-start, --no-throttle)',
    controls: NRF52_LEGACY_CONTROLS,
    start: startNrf52LegacyCli,
  },
  'nrf52-secure-dfu': {
    summary: 'nRF52840 Dongle open bootloader, Secure DFU (--baud, --mtu, --time-scale, --no-throttle)',
    controls: NRF52_SECURE_CONTROLS,
    start: startNrf52SecureCli,
  },
  'nrf52-uf2': {
    summary: 'Adafruit UF2 drive in a folder; first line "<pty> <drive dir>" (--drive DIR, --softdevice, --label)',
    controls: NRF52_UF2_CONTROLS,
    start: startNrf52Uf2Cli,
  },
};

const QUIT: ControlKey = { key: 'q', describe: 'stop the simulator (Ctrl-C too)' };
const HELP: ControlKey = { key: '?', describe: 'list these keys' };

/** One control a line: `  b  boot   hold BOOT and tap EN: …`. */
function controlLines(controls: Record<string, ControlKey>): string[] {
  return Object.entries(controls).map(([name, c]) => `  ${c.key}  ${name.padEnd(6)} ${c.describe}`);
}

function usage(): string {
  const lines = ['usage: npm run sim -- <simulator> [options]', '', ...Object.entries(SIMULATORS).map(([name, e]) => `  ${name.padEnd(18)} ${e.summary}`)];
  lines.push('', "The board's buttons: on a terminal press the key; from a pipe or a script write the name, one a line.");
  for (const [name, entry] of Object.entries(SIMULATORS)) lines.push(`${name}:`, ...controlLines(entry.controls ?? {}));
  lines.push('every simulator:', ...controlLines({ help: HELP, quit: QUIT }));
  return lines.join('\n');
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Presses the board's buttons from stdin: keys on a terminal, command lines otherwise. */
function listenForControls(controls: Record<string, SimControl>, stop: () => void): void {
  const stdin = process.stdin;
  const byWord = new Map<string, SimControl>();
  for (const [name, control] of Object.entries(controls)) byWord.set(name, control).set(control.key, control);
  const listKeys = () => log([stdin.isTTY ? 'Keys:' : 'Commands, one a line (the key works too):', ...controlLines({ ...controls, help: HELP, quit: QUIT })].join('\n'));
  const press = (word: string) => {
    if (word.trim() === '') return; // Enter, space: no button
    if (word === QUIT.key || word === 'quit' || word === '\u0003' || word === '\u0004') return stop();
    if (word === HELP.key || word === 'help') return listKeys();
    const control = byWord.get(word);
    if (!control) return log(`"${word}" is no button on this board; ? lists them.`);
    try {
      log(control.run());
    } catch (error) {
      log(`pressing ${word} failed: ${(error as Error).message}`);
    }
  };
  stdin.on('error', (error) => log(`stdin failed (${error.message}); the buttons are gone, the simulator keeps serving until killed.`));
  if (stdin.isTTY) {
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', (chunk: string) => {
      for (const key of chunk) press(key);
    });
  } else {
    const lines = createInterface({ input: stdin, terminal: false });
    lines.on('line', (line) => press(line.trim()));
    // A closed pipe is not a reason to unplug the board.
    lines.on('close', () => log('stdin ended: no more button presses; the simulator keeps serving until killed.'));
  }
  listKeys();
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage() + '\n');
    return;
  }
  const entry = name ? SIMULATORS[name] : undefined;
  if (!entry) {
    log(usage());
    process.exitCode = 2;
    return;
  }
  const sim = await entry.start(rest);
  process.stdout.write(sim.hostPath + '\n');
  log(`${sim.describe}. Ctrl-C to stop.`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    void sim.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  listenForControls(sim.controls ?? {}, stop);
}

main(process.argv.slice(2)).catch((error) => {
  log(`${(error as Error).stack ?? error}`);
  process.exit(1);
});
