/**
 * Standalone simulators on a pseudo-terminal, for trying the app (or esptool, or a terminal)
 * against a board that is not there:
 *
 *   npm run sim -- esp32 [--chip esp32|esp32c3|esp32s3|esp32s2|esp32c6] [--baud 115200] [--no-throttle]
 *   npm run sim -- nrf52-legacy-dfu | nrf52-secure-dfu [--baud 115200] [--time-scale 1]
 *   npm run sim -- nrf52-uf2 --drive DIR   (first line: "<pty> <drive folder>")
 *
 * The FIRST line of stdout is the pty path to open; the simulator serves until killed.
 * To add a simulator: write a `start(args)` that resolves with `{ hostPath, describe, close }`
 * and add one line to SIMULATORS.
 */
import { startEsp32Cli } from './esp32/cli-entry';
import { startNrf52LegacyCli, startNrf52SecureCli, startNrf52Uf2Cli } from './nrf52/cli-entry';

export interface RunningSim {
  hostPath: string;
  /** One line for stderr ("ESP32 (4 MB flash) in download mode at 115200 baud"). */
  describe: string;
  close(): Promise<void>;
}

export interface SimEntry {
  summary: string;
  start(args: string[]): Promise<RunningSim>;
}

export const SIMULATORS: Record<string, SimEntry> = {
  esp32: { summary: 'ESP32-family ROM/stub serial loader (--chip, --baud, --flash-mb, --no-throttle)', start: startEsp32Cli },
  'nrf52-legacy-dfu': { summary: 'Adafruit nRF52 bootloader, legacy serial DFU (--baud, --time-scale, --app-start, --no-throttle)', start: startNrf52LegacyCli },
  'nrf52-secure-dfu': { summary: 'nRF52840 Dongle open bootloader, Secure DFU (--baud, --mtu, --time-scale, --no-throttle)', start: startNrf52SecureCli },
  'nrf52-uf2': { summary: 'Adafruit UF2 drive in a folder; first line "<pty> <drive dir>" (--drive DIR, --softdevice, --label)', start: startNrf52Uf2Cli },
};

function usage(): string {
  return ['usage: npm run sim -- <simulator> [options]', '', ...Object.entries(SIMULATORS).map(([name, e]) => `  ${name.padEnd(18)} ${e.summary}`)].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const entry = name ? SIMULATORS[name] : undefined;
  if (!entry) {
    process.stderr.write(usage() + '\n');
    process.exitCode = 2;
    return;
  }
  const sim = await entry.start(rest);
  process.stdout.write(sim.hostPath + '\n');
  process.stderr.write(`${sim.describe}. Ctrl-C to stop.\n`);
  const stop = async () => {
    await sim.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
