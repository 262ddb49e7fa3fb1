/**
 * Standalone simulators on a pseudo-terminal, for trying the app (or esptool, or a terminal)
 * against a board that is not there:
 *
 *   npm run sim -- esp32 [--chip esp32|esp32c3|esp32s3|esp32s2|esp32c6] [--baud 115200] [--no-throttle]
 *
 * The FIRST line of stdout is the pty path to open; the simulator serves until killed.
 * To add a simulator: write a `start(args)` that resolves with `{ hostPath, describe, close }`
 * and add one line to SIMULATORS.
 */
import { startEsp32Cli } from './esp32/cli-entry';

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
  // 'nrf52-legacy-dfu': { summary: '…', start: startNrf52LegacyCli },
  // 'nrf52-secure-dfu': { summary: '…', start: startNrf52SecureCli },
  // 'nrf52-uf2': { summary: '…', start: startNrf52Uf2Cli },
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
