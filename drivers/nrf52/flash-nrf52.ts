/**
 * One call for "flash this file to this nRF52 target": picks the method from the target
 * (planNrfFlash), gets the board into the right mode, finds its port or drive, and runs the
 * driver. Boards that need a probe or vendor tool are the caller's (`tinygo flash`, run by the build service).
 */
import type { BindingInterface } from '@serialport/bindings-interface';
import type { ByteLink } from '../common/byte-link';
import { FlashdeckError } from '../common/errors';
import type { FlashOutcome, ProgressListener } from '../common/flash-job';
import type { PortWatch, SerialPortInfo } from '../common/port-watch';
import type { AppIdentity } from './app-identity';
import { copyHexToDaplink } from './daplink-drive';
import { assertToolForPlan, planNrfFlash, type NrfFlashPlan, type ToolProbe } from './flash-plan';
import { flashUf2, type Uf2Timeouts } from './flash-uf2';
import { inspectNrfImage } from './inspect-image';
import { flashLegacyDfu, type LegacyDfuTiming } from './legacy-dfu';
import { flashSecureDfu, type SecureDfuTiming } from './secure-dfu';
import { touchSerialPortAt1200 } from './touch-1200';
import type { PowerShellRunner } from './uf2-drive';
import type { OpenedLink } from '../common/serial-port-link';

export type { OpenedLink };

export interface FlashNrf52Options {
  target: string;
  image: Uint8Array;
  fileName: string;
  portWatch: PortWatch;
  /** Opens a serial port (the app's ports service; tests: a pty or the in-process binding). */
  openLink(path: string, baudRate: number): Promise<OpenedLink>;
  /** The board's current application port, for the 1200-baud touch (UF2) or the UART (legacy DFU). */
  appPortPath?: string;
  /**
   * The user added that port by path (a UART, a simulator on a pty): it has no USB identity to find a
   * bootloader by, so the port itself is taken as the board in whatever mode the user put it.
   */
  portAddedByPath?: boolean;
  /** Defaults to touchSerialPortAt1200 on `binding`. */
  touchPort?(path: string): Promise<void>;
  /** node-serialport binding for the default 1200-baud touch: the OS one unless the app simulates boards (or a test passes one). */
  binding?: BindingInterface;
  driveRoots?: string[];
  /** Searched for UF2 drives besides the OS's mount points (a simulated board's drive folder). */
  extraDriveRoots?: string[];
  /** Runs PowerShell to list Windows drive letters (the services' runner). */
  powerShell?: PowerShellRunner;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** How long to wait for a DFU bootloader's port (the user presses a button meanwhile). */
  bootloaderWaitMs?: number;
  uf2Timeouts?: Partial<Uf2Timeouts>;
  legacyTiming?: Partial<LegacyDfuTiming>;
  secureTiming?: Partial<SecureDfuTiming>;
  /** How to tell whether an external tool is installed (the services run it from PATH); without it, not checked. */
  toolProbe?: ToolProbe;
}

function idMatcher(ids: string[]): (port: SerialPortInfo) => boolean {
  return (port) => ids.includes(`${(port.vendorId ?? '').toLowerCase()}:${(port.productId ?? '').toLowerCase()}`);
}

async function appIdentityFor(plan: NrfFlashPlan, portWatch: PortWatch): Promise<AppIdentity> {
  if (plan.appUsbIds.length) return plan.appUsbIds;
  // No known USB identity (generic targets): any port that was not there before counts.
  const before = new Set((await portWatch.list()).map((p) => p.path));
  return (port: SerialPortInfo) => !before.has(port.path);
}

async function bootloaderPort(plan: NrfFlashPlan, options: FlashNrf52Options, hint: string): Promise<SerialPortInfo> {
  const match = idMatcher(plan.bootloaderUsbIds);
  const present = (await options.portWatch.list()).filter(match);
  if (present.length > 1) {
    throw new FlashdeckError({
      code: 'NRF_SEVERAL_BOOTLOADERS',
      stage: 'finding-port',
      message: `Several boards are in their bootloader: ${present.map((p) => p.path).join(', ')}.`,
      hint: 'Unplug the ones you do not want to flash, then retry.',
    });
  }
  if (present.length === 1) return present[0];
  options.onProgress?.({ stage: 'waiting-for-board', bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0, etaSeconds: null, message: hint });
  try {
    return await options.portWatch.waitFor(match, options.bootloaderWaitMs ?? 30_000, options.signal);
  } catch (error) {
    if (error instanceof FlashdeckError && error.code === 'CANCELLED') throw error;
    throw new FlashdeckError(
      { code: 'NRF_NO_BOOTLOADER_PORT', stage: 'finding-port', message: `No ${plan.target} bootloader (USB ${plan.bootloaderUsbIds.join(', ').toUpperCase()}) appeared.`, hint },
      { cause: error },
    );
  }
}

/** The board's port as listed now (path and serial number), for telling it from other boards when it comes back. */
async function listedPort(portWatch: PortWatch, path: string): Promise<SerialPortInfo> {
  return (await portWatch.list()).find((port) => port.path === path) ?? { path };
}

async function withLink<T>(options: FlashNrf52Options, path: string, run: (link: ByteLink) => Promise<T>): Promise<T> {
  const opened = await options.openLink(path, 115200);
  try {
    return await run(opened.link);
  } finally {
    await opened.close().catch(() => {});
  }
}

export async function flashNrf52(options: FlashNrf52Options): Promise<FlashOutcome> {
  const info = inspectNrfImage(options.image, options.fileName);
  const plan = planNrfFlash(options.target, info.kind);
  if (plan.fileProblem)
    throw new FlashdeckError({ code: 'NRF_WRONG_FILE', stage: 'preparing', message: plan.fileProblem, hint: 'Build the file tinygo build makes for this target.' });
  const common = { image: options.image, fileName: options.fileName, signal: options.signal, onProgress: options.onProgress };
  switch (plan.method) {
    case 'uf2': {
      const touch = options.touchPort ?? ((path: string) => touchSerialPortAt1200({ path, binding: options.binding, signal: options.signal }));
      const appPort = options.appPortPath;
      return flashUf2({
        ...common,
        target: options.target,
        touchPort: appPort ? () => touch(appPort) : undefined,
        boardPort: appPort ? await listedPort(options.portWatch, appPort) : undefined,
        driveRoots: options.driveRoots,
        extraDriveRoots: options.extraDriveRoots,
        powerShell: options.powerShell,
        portWatch: options.portWatch,
        appIdentity: await appIdentityFor(plan, options.portWatch),
        timeouts: options.uf2Timeouts,
      });
    }
    case 'nrf-secure-dfu': {
      // A port added by path (a UART, a simulator on a pty) has no USB identity to find the bootloader by or to
      // wait for the app's return with: the port the user picked is the bootloader, and CRC-32 is the proof.
      const byPath = options.portAddedByPath && options.appPortPath ? await listedPort(options.portWatch, options.appPortPath) : undefined;
      const boardPort =
        byPath ?? (await bootloaderPort(plan, options, "Press the dongle's side RESET button: the red LED pulses and the Open DFU Bootloader (USB 1915:521F) appears."));
      const appIdentity = byPath ? undefined : await appIdentityFor(plan, options.portWatch);
      return withLink(options, boardPort.path, (link) => flashSecureDfu(link, { ...common, portWatch: options.portWatch, appIdentity, boardPort, timing: options.secureTiming }));
    }
    case 'nrf-legacy-dfu': {
      const boardPort = options.appPortPath
        ? await listedPort(options.portWatch, options.appPortPath)
        : await bootloaderPort(plan, options, "Double-tap the board's RESET button to enter the bootloader.");
      const appIdentity = plan.appUsbIds.length ? plan.appUsbIds : undefined;
      return withLink(options, boardPort.path, (link) =>
        flashLegacyDfu(link, { ...common, portWatch: appIdentity ? options.portWatch : undefined, appIdentity, boardPort, timing: options.legacyTiming }),
      );
    }
    case 'daplink':
      return copyHexToDaplink({ ...common, volumeName: plan.volumeName, driveRoots: options.driveRoots, powerShell: options.powerShell });
    case 'tinygo-flash':
      if (options.toolProbe) await assertToolForPlan(plan, options.toolProbe);
      throw new FlashdeckError({
        code: 'NRF_NEEDS_TINYGO_FLASH',
        stage: 'preparing',
        message: `${options.target} is flashed through tinygo flash${plan.requiredTool ? ` (${plan.requiredTool})` : ''}, not by Flashdeck's own drivers.`,
        hint: 'Use the Flash button for this board, which runs tinygo flash with its output streamed.',
      });
  }
}
