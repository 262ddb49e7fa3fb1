/** `npm run sim -- esp32 …`: an ESP chip in download mode on a pty (see simulators/cli.ts). */
import { parseArgs } from 'node:util';
import type { RunningSim } from '../cli';
import type { SimChipName } from './chip-profiles';
import { SIM_CHIPS } from './chip-profiles';
import { startEsp32Sim } from './start-sim';

export async function startEsp32Cli(args: string[]): Promise<RunningSim> {
  const { values } = parseArgs({
    args,
    options: {
      chip: { type: 'string', default: 'esp32' },
      baud: { type: 'string', default: '115200' },
      'flash-mb': { type: 'string', default: '4' },
      'no-throttle': { type: 'boolean', default: false },
      'time-scale': { type: 'string', default: '1' },
    },
    strict: true,
  });
  const chip = values.chip as SimChipName;
  if (!(chip in SIM_CHIPS)) throw new Error(`unknown --chip ${chip}; one of ${Object.keys(SIM_CHIPS).join(', ')}`);
  const baud = Number(values.baud);
  const flashMb = Number(values['flash-mb']);
  const sim = await startEsp32Sim({
    chip,
    transport: 'pty',
    baud,
    throttle: !values['no-throttle'],
    flashSize: flashMb * 1024 * 1024,
    timeScale: Number(values['time-scale']),
  });
  return {
    hostPath: sim.hostPath,
    describe: `${SIM_CHIPS[chip].displayName} (${flashMb} MB flash) in download mode at ${baud} baud on ${sim.hostPath}`,
    close: () => sim.close(),
  };
}
