/** `npm run sim -- esp32 …`: an ESP chip in download mode on a pty (see simulators/cli.ts). */
import { parseArgs } from 'node:util';
import type { ControlKey, RunningSim } from '../cli';
import type { SimChipName } from './chip-profiles';
import { SIM_CHIPS } from './chip-profiles';
import type { Esp32SimDevice } from './esp32-device';
import { startEsp32Sim } from './start-sim';

/** A pty has no DTR/RTS: these are the buttons a user presses on a board without auto-reset. */
export const ESP32_CONTROLS = {
  boot: { key: 'b', describe: 'hold BOOT and tap EN: the ROM download mode, ready for a flash' },
  en: { key: 'e', describe: 'tap EN (RESET): the chip restarts and runs the app in flash' },
} satisfies Record<string, ControlKey>;

/** What the chip did on its last boot, in words. */
function lastBoot(device: Esp32SimDevice): string {
  const boot = device.boots[device.boots.length - 1];
  if (boot?.mode === 'download') return 'ROM download mode, waiting for the loader';
  return boot?.appFound ? 'the app in flash is running' : 'no app in flash (the ROM prints "invalid header"); hold BOOT and tap EN (b) to flash one';
}

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
  const { device } = sim;
  return {
    hostPath: sim.hostPath,
    describe: `${SIM_CHIPS[chip].displayName} (${flashMb} MB flash) in download mode at ${baud} baud on ${sim.hostPath}`,
    controls: {
      boot: {
        ...ESP32_CONTROLS.boot,
        run: () => {
          device.pressBootAndTapEn();
          return `BOOT held, EN tapped: ${lastBoot(device)}.`;
        },
      },
      en: {
        ...ESP32_CONTROLS.en,
        run: () => {
          device.softReset();
          return `EN tapped: ${lastBoot(device)}.`;
        },
      },
    },
    close: () => sim.close(),
  };
}
