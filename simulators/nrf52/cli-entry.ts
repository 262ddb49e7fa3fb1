/**
 * `npm run sim -- nrf52-legacy-dfu | nrf52-secure-dfu | nrf52-uf2 --drive DIR` (see simulators/cli.ts).
 *
 * The DFU simulators drop their port when the image is activated, as a USB board does; to keep one
 * path usable across flashes they are served behind a stable symlink (printed on the first line)
 * that is re-pointed at a fresh pty when the simulated board "re-plugs" in its bootloader.
 */
import { parseArgs } from 'node:util';
import { execFile } from 'node:child_process';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ControlKey, RunningSim } from '../cli';
import type { SimDevice } from '../common/sim-device';
import { attachToPty, type PtyAttachment } from '../common/pty-transport';
import { LegacyDfuBootloaderSim } from './legacy-dfu-sim';
import { SecureDfuBootloaderSim } from './secure-dfu-sim';
import { Uf2DriveSim } from './uf2-drive-sim';
import { UsbCdcProgramSim } from './usb-cdc-program-sim';

const log = (line: string) => process.stderr.write(`${line}\n`);

const REPLUG_MS = 1000;

export const NRF52_LEGACY_CONTROLS = {
  reset: { key: 'r', describe: 'double-tap RESET: the board re-plugs in its bootloader; a DFU in progress is dropped' },
} satisfies Record<string, ControlKey>;

export const NRF52_SECURE_CONTROLS = {
  reset: { key: 'r', describe: 'press RESET: the dongle re-plugs in its bootloader; a DFU in progress resumes (the SDK keeps it)' },
} satisfies Record<string, ControlKey>;

export const NRF52_UF2_CONTROLS = {
  reset: { key: 'r', describe: 'double-tap RESET: the board mounts its UF2 drive again; a half-copied file is dropped' },
} satisfies Record<string, ControlKey>;

/** Serves `device` on ptys behind `linkPath`, re-attaching `replugMs` after each disconnect. */
async function serveReplugging(
  device: SimDevice,
  linkPath: string,
  baud: number,
  throttle: boolean,
  onReplug: () => void,
  replugMs = REPLUG_MS,
): Promise<{ unplug(): void; close(): Promise<void> }> {
  let current: PtyAttachment | null = null;
  let closing = false;
  const attach = async () => {
    current = await attachToPty(device, { baud, throttle });
    await rm(linkPath, { force: true });
    await symlink(current.hostPath, linkPath);
    void current.closed.then(() => {
      if (closing) return;
      log(`board left the port; re-plugging in its bootloader in ${replugMs} ms`);
      setTimeout(() => {
        if (closing) return;
        onReplug();
        attach().then(
          () => log(`board back in its bootloader at ${linkPath}`),
          (error: Error) => log(`the board could not re-plug (${error.message}); restart the simulator`),
        );
      }, replugMs);
    });
  };
  await attach();
  return {
    /** The board resets: its port goes away and comes back in the bootloader. */
    unplug: () => void current?.close(),
    close: async () => {
      closing = true;
      await current?.close();
      await rm(linkPath, { force: true });
    },
  };
}

function stableLinkPath(name: string): string {
  return path.join(tmpdir(), `flashdeck-sim-${name}-${process.pid}`);
}

export async function startNrf52LegacyCli(args: string[]): Promise<RunningSim> {
  const { values } = parseArgs({
    args,
    options: {
      baud: { type: 'string', default: '115200' },
      'no-throttle': { type: 'boolean', default: false },
      'time-scale': { type: 'string', default: '1' },
      'app-start': { type: 'string', default: '0x26000' },
    },
    strict: true,
  });
  const baud = Number(values.baud);
  const sim = new LegacyDfuBootloaderSim({
    appStart: Number(values['app-start']),
    timing: { timeScale: Number(values['time-scale']) },
    onActivated: (image) => log(`image of ${image.length} bytes accepted (CRC ok): starting the app`),
    onReset: (reason) => log(`bootloader reset: ${reason}`),
  });
  const linkPath = stableLinkPath('nrf52-legacy-dfu');
  const served = await serveReplugging(sim, linkPath, baud, !values['no-throttle'], () => sim.enterBootloader());
  return {
    hostPath: linkPath,
    describe: `Adafruit nRF52 bootloader (legacy serial DFU, app at ${values['app-start']}) at ${baud} baud`,
    controls: {
      reset: {
        ...NRF52_LEGACY_CONTROLS.reset,
        run: () => {
          served.unplug();
          return `RESET double-tapped: the port goes away and comes back in the bootloader in ${REPLUG_MS} ms.`;
        },
      },
    },
    close: served.close,
  };
}

export async function startNrf52SecureCli(args: string[]): Promise<RunningSim> {
  const { values } = parseArgs({
    args,
    options: {
      baud: { type: 'string', default: '115200' },
      'no-throttle': { type: 'boolean', default: false },
      'time-scale': { type: 'string', default: '1' },
      mtu: { type: 'string', default: '2051' },
    },
    strict: true,
  });
  const baud = Number(values.baud);
  const sim = new SecureDfuBootloaderSim({
    mtu: Number(values.mtu),
    timing: { timeScale: Number(values['time-scale']) },
    onActivated: (image) => log(`image of ${image.length} bytes verified (SHA-256): starting the app`),
  });
  const linkPath = stableLinkPath('nrf52-secure-dfu');
  const fresh = () => {
    sim.activated = false;
    sim.replug();
  };
  const served = await serveReplugging(sim, linkPath, baud, !values['no-throttle'], fresh);
  return {
    hostPath: linkPath,
    describe: `nRF52840 Dongle open DFU bootloader (Secure DFU, MTU ${values.mtu}) at ${baud} baud`,
    controls: {
      reset: {
        ...NRF52_SECURE_CONTROLS.reset,
        run: () => {
          served.unplug();
          return `RESET pressed: the port goes away and comes back in the bootloader in ${REPLUG_MS} ms.`;
        },
      },
    },
    close: served.close,
  };
}

export async function startNrf52Uf2Cli(args: string[]): Promise<RunningSim> {
  const { values } = parseArgs({
    args,
    options: {
      drive: { type: 'string' },
      softdevice: { type: 'string', default: 'S140 6.1.1' },
      label: { type: 'string', default: 'FTHR840BOOT' },
    },
    strict: true,
  });
  const mountRoot = values.drive ? path.resolve(values.drive) : mkdtempSync(path.join(tmpdir(), 'flashdeck-uf2-'));
  await mkdir(mountRoot, { recursive: true });
  // The application's console: a pty that reboots the board into the bootloader on a 1200-baud touch
  // where the transport can tell (in-process binding); here, the drive re-mounts 2 s after each flash.
  const app = new UsbCdcProgramSim(() => void uf2.enterBootloader());
  const attachment = await attachToPty(app, { baud: 115200 });
  // Declared after the app: its bootloader callback runs only once the drive exists.
  const uf2 = new Uf2DriveSim({ mountRoot, volumeName: values.label, softDevice: values.softdevice, reenumerateDelayMs: 200 });
  await uf2.start();
  // A pty carries no baud to the other end, but its termios speed is visible: poll it for the 1200-baud touch.
  let lastSpeed = '';
  const speedPoller = setInterval(() => {
    execFile('stty', ['-F', attachment.hostPath, 'speed'], { timeout: 1000 }, (error, stdout) => {
      const speed = error ? lastSpeed : String(stdout).trim();
      if (speed === '1200' && lastSpeed !== '1200' && uf2.state === 'app') {
        log('1200-baud touch seen on the app console: entering the bootloader');
        void uf2.touch();
      }
      lastSpeed = speed;
    });
  }, 300);
  let reported = 0;
  const watcher = setInterval(() => {
    const flashed = uf2.events.filter((e) => e.startsWith('flashed'));
    if (flashed.length > reported) {
      reported = flashed.length;
      log(`${flashed[flashed.length - 1]}; app running. Open ${attachment.hostPath} at 1200 baud (1200-baud touch) to re-enter the bootloader.`);
    }
  }, 100);
  return {
    hostPath: `${attachment.hostPath} ${uf2.driveDir}`,
    describe: `Adafruit UF2 bootloader drive ${uf2.driveDir} (SoftDevice ${values.softdevice}); app console on ${attachment.hostPath}`,
    controls: {
      reset: {
        ...NRF52_UF2_CONTROLS.reset,
        run: () => {
          uf2.enterBootloader().catch((error: Error) => log(`the drive could not be mounted again: ${error.message}`));
          return `RESET double-tapped: the drive ${uf2.driveDir} mounts again in a moment.`;
        },
      },
    },
    close: async () => {
      clearInterval(watcher);
      clearInterval(speedPoller);
      await uf2.stop();
      await attachment.close();
    },
  };
}
