/**
 * Which way an nRF52 board gets its image (nrf52-flashing.md 3.2; tinygo-cli.md 7.5, 8.2), and for
 * the ways Flashdeck does not implement itself, the external tool `tinygo flash` will need. The
 * command line and the look-up on PATH are the services' (electron/services/builds/external-tools.ts).
 */
import type { FlashMethod } from '../../electron/contract-values';
import { findBoard, type BoardModel } from '../common/board-catalogue';
import { FlashdeckError } from '../common/errors';
import type { NrfImageKind } from './inspect-image';

/** The nRF52 ways to flash: every FLASH_METHODS entry but the ESP serial bootloader. */
export type NrfFlashMethod = Exclude<FlashMethod, 'esp-serial'>;

export interface NrfFlashPlan {
  target: string;
  method: NrfFlashMethod;
  /** Reset a running app into the bootloader with a 1200-baud touch first. */
  touch1200: boolean;
  /** UF2 / DAPLink volume label TinyGo expects: a tie-breaker, never the detection rule. */
  volumeName?: string;
  /** File to copy to a DAPLink drive. */
  daplinkFileName?: string;
  /** USB identities, "vvvv:pppp". */
  appUsbIds: string[];
  bootloaderUsbIds: string[];
  /** External program `tinygo flash` runs for this target. */
  requiredTool?: ExternalTool;
  /** A problem with the given file kind for this method, if any. */
  fileProblem?: string;
}

export type ExternalTool = 'openocd' | 'nrfjprog' | 'bossac' | 'nrfutil';

/** msd-volume-name from TinyGo's target files (3.2). */
export const UF2_VOLUME_NAMES: Record<string, string> = {
  'feather-nrf52840': 'FTHR840BOOT',
  'feather-nrf52840-sense': 'FTHRSNSBOOT',
  'itsybitsy-nrf52840': 'ITSY840BOOT',
  'circuitplay-bluefruit': 'CPLAYBTBOOT',
  clue: 'CLUEBOOT',
  'clue-alpha': 'CLUEBOOT',
  'mdbt50qrx-uf2': 'MDBT50QBOOT',
  bluemicro840: 'BLUEMICRO',
  nicenano: 'NICENANO',
  'nrf52840-mdk-usb-dongle': 'MDK-DONGLE',
  'nano-33-ble-s140v6-uf2': 'NANO33BOOT',
  'nano-33-ble-s140v7-uf2': 'NANO33BOOT',
  'pca10056-s140v6-uf2': 'NRF52BOOT',
  'xiao-ble': 'XIAO-SENSE',
  rak4631: 'RAK4631',
};

const DAPLINK_VOLUMES: Record<string, string> = { reelboard: 'reel-board', 'microbit-v2': 'MICROBIT', 'microbit-v2-s113v7': 'MICROBIT' };

export const TOOL_INSTALL_HINTS: Record<ExternalTool, string> = {
  openocd: 'Install OpenOCD (apt install openocd, brew install open-ocd, or the xPack build on Windows) and connect a debug probe.',
  nrfjprog: "Install Nordic's nRF Command Line Tools (nrfjprog) and SEGGER J-Link from nordicsemi.com, and connect the board's J-Link USB port.",
  bossac: 'Install the Arduino Mbed OS Nano boards core (it ships bossac), or BOSSA from shumatech.com, and put bossac on the PATH.',
  nrfutil: 'Flashdeck flashes this board itself; nrfutil is not needed.',
};

function toolFor(board: BoardModel | undefined, target: string): ExternalTool | undefined {
  const tool = board?.externalTool;
  if (tool === 'openocd' || tool === 'nrfjprog' || tool === 'bossac') return tool;
  if (/^(pca10040|pinetime|x9pro|nrf52840-mdk$|particle-|reelboard-s140v7)/.test(target)) return 'openocd';
  if (/^(pca10056|nano-33-ble-s140v7$)/.test(target)) return 'nrfjprog';
  return undefined;
}

/** How to flash `target` given the kind of file the user has. */
export function planNrfFlash(target: string, fileKind?: NrfImageKind): NrfFlashPlan {
  const board = findBoard(target);
  const ids = { appUsbIds: board?.usbApp ?? [], bootloaderUsbIds: board?.usbBootloader ?? [] };
  let method: NrfFlashMethod;
  if (board?.family === 'nrf52') {
    method =
      board.flashMethod === 'uf2'
        ? 'uf2'
        : board.flashMethod === 'nrf-secure-dfu'
          ? 'nrf-secure-dfu'
          : board.flashMethod === 'nrf-legacy-dfu'
            ? 'nrf-legacy-dfu'
            : board.flashMethod === 'daplink'
              ? 'daplink'
              : 'tinygo-flash';
  } else if (UF2_VOLUME_NAMES[target] || /-uf2(-generic)?$/.test(target)) {
    method = 'uf2';
  } else if (/^pca10059/.test(target)) {
    method = 'nrf-secure-dfu';
  } else if (DAPLINK_VOLUMES[target]) {
    method = 'daplink';
  } else {
    method = 'tinygo-flash';
  }
  const plan: NrfFlashPlan = { target, method, touch1200: method === 'uf2', ...ids };
  if (method === 'uf2') plan.volumeName = UF2_VOLUME_NAMES[target];
  if (method === 'daplink') {
    plan.volumeName = DAPLINK_VOLUMES[target];
    plan.daplinkFileName = 'firmware.hex';
  }
  if (method === 'tinygo-flash') plan.requiredTool = toolFor(board, target);
  if (fileKind) {
    const accepted: Record<NrfFlashMethod, NrfImageKind[]> = {
      uf2: ['uf2', 'hex', 'bin', 'elf', 'zip-legacy', 'zip-secure'],
      'nrf-legacy-dfu': ['zip-legacy', 'zip-secure', 'hex', 'bin', 'elf', 'uf2'],
      'nrf-secure-dfu': ['zip-secure', 'zip-legacy', 'hex', 'bin', 'elf', 'uf2'],
      daplink: ['hex', 'bin', 'elf', 'uf2'],
      'tinygo-flash': [],
    };
    if (method !== 'tinygo-flash' && !accepted[method].includes(fileKind)) plan.fileProblem = `A ${fileKind} file cannot be flashed to ${target} by ${method}.`;
  }
  return plan;
}

/** Whether a program is installed (the services run it to find out; drivers never spawn). */
export type ToolProbe = (tool: string) => Promise<boolean>;

/** Throws NRF_TOOL_MISSING naming the tool and how to install it when `tinygo flash` would need it and it is absent. */
export async function assertToolForPlan(plan: NrfFlashPlan, probe: ToolProbe): Promise<void> {
  if (plan.method !== 'tinygo-flash' || !plan.requiredTool) return;
  if (await probe(plan.requiredTool)) return;
  throw new FlashdeckError({
    code: 'NRF_TOOL_MISSING',
    stage: 'preparing',
    message: `Flashing ${plan.target} needs ${plan.requiredTool}, which is not installed (not found on PATH).`,
    hint: TOOL_INSTALL_HINTS[plan.requiredTool],
  });
}
