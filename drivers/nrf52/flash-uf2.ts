/**
 * UF2 flashing for Adafruit-bootloader nRF52840 boards (nrf52-flashing.md 6): validate the image,
 * get the board into its bootloader (1200-baud touch, else ask for a double-tap), find the drive by
 * INFO_UF2.TXT, refuse a SoftDevice mismatch, write with fsync, and count it a success only when the
 * application's USB identity re-appears.
 */
import type { Stage } from '../../electron/contract-values';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { FlashdeckError, type ErrorCode } from '../common/errors';
import type { FlashOutcome, ProgressListener } from '../common/flash-job';
import type { PortWatch } from '../common/port-watch';
import { describeAppIdentity, portsBefore, waitForReturn, type AppIdentity, type BoardPort } from './app-identity';
import { wallClock, type DriverClock } from '../common/clock';
import { imageEnd, imageStart, imageFromBin } from './firmware-image';
import { loadNrfImage } from './inspect-image';
import { ADAFRUIT_APP_END_NRF52840, APP_START_FOR_SOFTDEVICE, MBR_END, SOFTDEVICE_LABEL, hex32, softDeviceForAppStart } from './nrf52-layout';
import { UF2_VOLUME_NAMES } from './flash-plan';
import { encodeUf2, UF2_FAMILY_NRF52840, UF2_FLAG_FAMILY_ID, UF2_FLAG_NOT_MAIN_FLASH } from './uf2';
import { findUf2Drives, writeUf2File, type FileOpener, type PowerShellRunner, type Uf2Drive } from './uf2-drive';

export interface Uf2Timeouts {
  /** How long to wait for the drive after the touch (TinyGo: 20 s). */
  driveAppearMs: number;
  drivePollMs: number;
  /** How long the application may take to enumerate after the copy. */
  reenumerateMs: number;
}

export const DEFAULT_UF2_TIMEOUTS: Uf2Timeouts = { driveAppearMs: 20_000, drivePollMs: 500, reenumerateMs: 15_000 };

export interface FlashUf2Options {
  image: Uint8Array;
  fileName: string;
  /** TinyGo target: picks the expected volume label when several drives are mounted, and names rebuild targets in hints. */
  target?: string;
  /** Puts a running app into its bootloader (the caller's 1200-baud touch). */
  touchPort?: () => Promise<void>;
  /** Where drives are searched (default: the OS's mount roots). */
  driveRoots?: string[];
  /** Searched besides those (a simulated board's drive folder). */
  extraDriveRoots?: string[];
  platform?: NodeJS.Platform;
  powerShell?: PowerShellRunner;
  portWatch: PortWatch;
  appIdentity: AppIdentity;
  /** The application's port before the flash (its serial number is preferred in the port that comes back). */
  boardPort?: BoardPort;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  timeouts?: Partial<Uf2Timeouts>;
  clock?: DriverClock;
  /** Name of the file written to the drive. */
  targetFileName?: string;
  /** Test seam for the file write. */
  openFile?: FileOpener;
  binBase?: number;
}

function invalid(code: ErrorCode, message: string, hint: string): FlashdeckError {
  return new FlashdeckError({ code, stage: 'preparing', message, hint });
}

/** UF2 bytes for the dropped file, after the checks the bootloader would otherwise fail silently on. */
export function uf2ForFile(bytes: Uint8Array, fileName: string, binBase?: number): { uf2: Uint8Array; start: number; end: number; size: number } {
  const loaded = loadNrfImage(bytes, fileName, { binBase });
  let image = loaded.image;
  if (loaded.kind === 'uf2') {
    const blocks = loaded.uf2Blocks ?? [];
    if (loaded.problems.length) throw invalid('NRF_BAD_UF2', `${fileName} is damaged: ${loaded.problems.join(' ')}`, 'Rebuild it with tinygo build -o firmware.uf2.');
    if (blocks.some((b) => !(b.flags & UF2_FLAG_FAMILY_ID))) {
      throw invalid(
        'NRF_UF2_NO_FAMILY',
        `${fileName} has blocks without a family ID; the bootloader would ignore it without any error.`,
        'Convert it with uf2conv.py -f 0xADA52840, or flash the .hex instead.',
      );
    }
    const foreign = blocks.find((b) => b.familyOrSize !== UF2_FAMILY_NRF52840);
    if (foreign) {
      throw invalid(
        'NRF_UF2_WRONG_FAMILY',
        `${fileName} is for UF2 family 0x${foreign.familyOrSize.toString(16)}, not nRF52840 (0xADA52840); the bootloader would ignore it.`,
        "Build it for this board's target (e.g. -target=feather-nrf52840).",
      );
    }
    if (blocks.some((b) => b.payloadSize !== 256 || b.targetAddr % 256 !== 0 || b.flags & UF2_FLAG_NOT_MAIN_FLASH)) {
      // Re-encode into blocks the Adafruit bootloader accepts (256-byte, 256-aligned, main flash).
      image = loaded.image;
    } else {
      const start = imageStart(image);
      const end = imageEnd(image);
      checkRange(start, end);
      return { uf2: bytes, start, end, size: blocks.length * 256 };
    }
  }
  if (loaded.zip) image = imageFromBin(loaded.zip.bin, imageStart(loaded.image));
  const start = imageStart(image);
  const end = imageEnd(image);
  checkRange(start, end);
  const uf2 = encodeUf2(image, UF2_FAMILY_NRF52840);
  return { uf2, start, end, size: (uf2.length / 512) * 256 };
}

function checkRange(start: number, end: number): void {
  if (start < MBR_END)
    throw invalid(
      'NRF_IMAGE_OUT_OF_RANGE',
      `The image starts at ${hex32(start)}, inside the MBR; it is not an application image.`,
      'Flash the application .hex/.uf2 from tinygo build.',
    );
  if (end > ADAFRUIT_APP_END_NRF52840) {
    throw invalid(
      'NRF_IMAGE_TOO_LARGE',
      `The image ends at ${hex32(end)}, past 0xEA000 where the Adafruit bootloader's reserved area starts (${end - ADAFRUIT_APP_END_NRF52840} bytes too many).`,
      "Reduce the program size; TinyGo's linker allows up to 0xED000 but the bootloader keeps the last 40 KiB.",
    );
  }
}

/** Refuses an image linked for another SoftDevice than the board's (INFO_UF2.TXT). */
export function checkSoftDevice(drive: Uf2Drive, start: number, target?: string): string | undefined {
  const board = drive.softDevice;
  const linked = softDeviceForAppStart(start);
  if (board === undefined) return `The bootloader does not report its SoftDevice; assuming the image (${hex32(start)}) matches.`;
  const expected = APP_START_FOR_SOFTDEVICE[board];
  if (start === expected || (board === 's140v6' && start === APP_START_FOR_SOFTDEVICE.s132v6)) return undefined;
  const linkedText = linked ? `${SOFTDEVICE_LABEL[linked]} (${hex32(start)})` : `an application start of ${hex32(start)}`;
  const boardText = board === 'none' ? 'no SoftDevice' : `${drive.softDeviceText ?? SOFTDEVICE_LABEL[board]}`;
  let hint: string;
  if (board === 's140v7')
    hint = `Rebuild for a target linked for S140 v7 (application at 0x27000, e.g. a -s140v7-uf2 target or xiao-ble)${target ? ` instead of ${target}` : ''}, or update the board's bootloader and SoftDevice to S140 v6.`;
  else if (board === 's140v6')
    hint = `Rebuild for a target linked for S140 v6 (application at 0x26000${target ? `; ${target} is linked for ${linked ? SOFTDEVICE_LABEL[linked] : 'another layout'}` : ''}), or update the board's bootloader to one with S140 v7.`;
  else hint = 'Install a bootloader with the S140 SoftDevice (Adafruit_nRF52_Bootloader releases include it), then retry.';
  throw new FlashdeckError({
    code: 'NRF_SOFTDEVICE_MISMATCH',
    stage: 'checking-board',
    message: `This image is linked for ${linkedText} but the board has ${boardText} (applications start at ${hex32(expected)}); copying it would ${start < expected ? 'overwrite the SoftDevice' : 'crash at start-up'}.`,
    hint,
  });
}

function pickDrive(drives: Uf2Drive[], target?: string): Uf2Drive {
  if (drives.length === 1) return drives[0];
  const label = target ? UF2_VOLUME_NAMES[target] : undefined;
  const byLabel = label ? drives.filter((d) => path.basename(d.root).toUpperCase() === label.toUpperCase()) : [];
  if (byLabel.length === 1) return byLabel[0];
  throw new FlashdeckError({
    code: 'NRF_UF2_SEVERAL_DRIVES',
    stage: 'finding-drive',
    message: `Several UF2 bootloader drives are mounted: ${drives.map((d) => `${d.root}${d.boardId ? ` (${d.boardId})` : ''}`).join(', ')}.`,
    hint: 'Unplug the boards you do not want to flash, or eject their drives, then retry.',
  });
}

export async function flashUf2(options: FlashUf2Options): Promise<FlashOutcome> {
  const timeouts = { ...DEFAULT_UF2_TIMEOUTS, ...options.timeouts };
  const clock = options.clock ?? wallClock;
  const { signal } = options;
  const emit = options.onProgress ?? (() => {});
  const { uf2, start, end } = uf2ForFile(options.image, options.fileName, options.binBase);
  const total = uf2.length;
  const progress = (stage: Stage, bytesDone: number, message?: string) => emit({ stage, bytesDone, bytesTotal: total, bytesPerSecond: 0, etaSeconds: null, message });
  const search = { roots: options.driveRoots, extraRoots: options.extraDriveRoots, platform: options.platform, powerShell: options.powerShell };

  // A board already in its bootloader needs no touch.
  progress('finding-drive', 0, `Image ${hex32(start)}–${hex32(end)}, ${total / 512} UF2 blocks.`);
  let drives = await findUf2Drives(search);
  if (!drives.length) {
    if (options.touchPort) {
      progress('entering-bootloader', 0, 'Resetting the board into its bootloader (1200-baud touch).');
      try {
        await options.touchPort();
      } catch (error) {
        // A port held by another program or without permission needs the user first; anything else: ask for a double-tap.
        if (!(error instanceof FlashdeckError) || error.code !== 'NRF_TOUCH_FAILED') throw error;
        progress('entering-bootloader', 0, `${error.message} Double-tap the board's RESET button now (the LED pulses); Flashdeck waits for its drive.`);
      }
    }
    const deadline = clock.now() + timeouts.driveAppearMs;
    while (!drives.length && clock.now() < deadline) {
      await clock.sleep(timeouts.drivePollMs, signal, 'finding-drive');
      drives = await findUf2Drives(search);
    }
  }
  if (!drives.length) {
    throw new FlashdeckError({
      code: 'NRF_UF2_NO_DRIVE',
      stage: 'finding-drive',
      message: `No UF2 bootloader drive (a drive with INFO_UF2.TXT) appeared within ${Math.round(timeouts.driveAppearMs / 1000)} s${options.touchPort ? ' after the 1200-baud reset' : ''}.`,
      hint: "Double-tap the board's RESET button (the LED pulses and a drive such as FTHR840BOOT appears), then retry. On Linux without automount, mount the drive first.",
    });
  }
  const drive = pickDrive(drives, options.target);
  const note = checkSoftDevice(drive, start, options.target);
  progress('checking-board', 0, `${drive.boardId ?? 'UF2 board'} at ${drive.root}, SoftDevice ${drive.softDeviceText ?? 'unknown'}.${note ? ` ${note}` : ''}`);

  // The board is in its bootloader now: a matching port still listed after it restarts is another board.
  const before = await portsBefore(options.portWatch, options.boardPort);
  const filePath = path.join(drive.root, options.targetFileName ?? 'FLASH.UF2');
  const startedAt = clock.now();
  const result = await writeUf2File(filePath, uf2, {
    open: options.openFile,
    onProgress: (written) => {
      const seconds = (clock.now() - startedAt) / 1000;
      const rate = seconds > 0 ? written / seconds : 0;
      emit({ stage: 'writing', bytesDone: written, bytesTotal: total, bytesPerSecond: rate, etaSeconds: rate > 0 ? (total - written) / rate : null });
    },
  });

  // The bootloader resets once it has every block, and its drive goes with it. Only then does a
  // matching port prove anything: some boards' bootloader ports carry the app's USB ids too.
  progress('waiting-for-board', total, 'Copied; waiting for the bootloader to take the image and restart.');
  const infoFile = path.join(drive.root, drive.infoFileName);
  const deadline = clock.now() + timeouts.reenumerateMs;
  const driveStillThere = () =>
    fs.stat(infoFile).then(
      () => true,
      () => false,
    );
  while ((await driveStillThere()) && clock.now() < deadline) await clock.sleep(timeouts.drivePollMs, signal, 'waiting-for-board');
  if (await driveStillThere()) {
    throw new FlashdeckError({
      code: 'NRF_UF2_IGNORED',
      stage: 'waiting-for-board',
      message: 'The bootloader ignored the file: its drive is still there and the board did not restart.',
      hint: 'The file does not suit this board (family ID, address range or SoftDevice). Check the target, then retry.',
    });
  }
  const identity = options.appIdentity;
  progress('waiting-for-board', total, `The bootloader restarted; waiting for ${describeAppIdentity(identity)} to appear.`);
  try {
    const port = await waitForReturn(options.portWatch, before, identity, Math.max(1, deadline - clock.now()), signal);
    return {
      bytesWritten: (uf2.length / 512) * 256,
      verifiedBy: 're-enumerated',
      details: {
        drive: drive.root,
        boardId: drive.boardId ?? 'unknown',
        softDevice: drive.softDeviceText ?? 'unknown',
        appPort: port.path,
        range: `${hex32(start)}–${hex32(end)}`,
        driveVanishedDuringWrite: String(result.vanished),
      },
    };
  } catch (error) {
    if (error instanceof FlashdeckError && error.code === 'CANCELLED') throw error;
    throw new FlashdeckError(
      {
        code: 'BOARD_DID_NOT_RETURN',
        stage: 'waiting-for-board',
        message: `The board took the file and restarted, but ${describeAppIdentity(identity)} did not appear within ${Math.round(timeouts.reenumerateMs / 1000)} s.`,
        hint: 'If the program does not use USB serial this is expected; otherwise it may crash at start-up (wrong target or SoftDevice). Double-tap RESET to get back to the bootloader.',
      },
      { cause: error },
    );
  }
}
