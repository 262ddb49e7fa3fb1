/**
 * DAPLink drives (micro:bit v2, reel board): copy the .hex to the interface chip's drive
 * (TinyGo msd with .hex, nrf52-flashing.md 3.2). DAPLink programs the target, remounts its drive,
 * and leaves FAIL.TXT there when programming failed.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { FlashdeckError } from '../common/errors';
import type { FlashOutcome, ProgressListener } from '../common/flash-job';
import { wallClock, type DriverClock } from '../common/clock';
import { loadNrfImage } from './inspect-image';
import { imageToHex } from './hex-image';
import { candidateMountPoints, defaultDriveRoots, writeUf2File, type DriveRoot, type FileOpener, type PowerShellRunner } from './uf2-drive';

export interface DaplinkDrive {
  root: string;
  details: string;
}

async function dirEntries(dir: string): Promise<string[]> {
  return fs.readdir(dir).catch(() => []);
}

/** Drives whose root holds DETAILS.TXT (DAPLink's signature file). */
export async function findDaplinkDrives(roots: DriveRoot[]): Promise<DaplinkDrive[]> {
  const found: DaplinkDrive[] = [];
  for (const dir of await candidateMountPoints(roots)) {
    const details = (await dirEntries(dir)).find((n) => n.toUpperCase() === 'DETAILS.TXT');
    if (!details) continue;
    const text = await fs.readFile(path.join(dir, details), 'utf8').catch(() => '');
    if (/DAPLink|Interface Version|Unique ID/i.test(text)) found.push({ root: dir, details: text });
  }
  return found;
}

export interface DaplinkCopyOptions {
  image: Uint8Array;
  fileName: string;
  /** Expected label ("MICROBIT"): picks among several drives. */
  volumeName?: string;
  driveRoots?: string[];
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  clock?: DriverClock;
  /** How long DAPLink may take to program and remount (default 15 s). */
  remountTimeoutMs?: number;
  openFile?: FileOpener;
  /** Runs PowerShell to list Windows drive letters (the services' runner). */
  powerShell?: PowerShellRunner;
}

export async function copyHexToDaplink(options: DaplinkCopyOptions): Promise<FlashOutcome> {
  const clock = options.clock ?? wallClock;
  const loaded = loadNrfImage(options.image, options.fileName);
  const hex = new TextEncoder().encode(imageToHex(loaded.image));
  const roots: DriveRoot[] = options.driveRoots ? options.driveRoots.map((p) => ({ path: p, depth: 2 })) : await defaultDriveRoots(process.platform, options.powerShell);
  const drives = await findDaplinkDrives(roots);
  const chosen = drives.length === 1 ? drives[0] : drives.find((d) => options.volumeName && path.basename(d.root).toUpperCase() === options.volumeName.toUpperCase());
  if (!chosen) {
    throw new FlashdeckError({
      code: drives.length ? 'DAPLINK_SEVERAL_DRIVES' : 'DAPLINK_NO_DRIVE',
      stage: 'finding-drive',
      message: drives.length
        ? `Several DAPLink drives are mounted: ${drives.map((d) => d.root).join(', ')}.`
        : `No DAPLink drive${options.volumeName ? ` (${options.volumeName})` : ''} is mounted.`,
      hint: drives.length
        ? 'Unplug the boards you do not want to flash, then retry.'
        : 'Connect the board by its USB port (not the battery connector); the drive appears within a few seconds.',
    });
  }
  const target = path.join(chosen.root, 'firmware.hex');
  await writeUf2File(target, hex, {
    open: options.openFile,
    onProgress: (n) => options.onProgress?.({ stage: 'writing', bytesDone: n, bytesTotal: hex.length, bytesPerSecond: 0, etaSeconds: null }),
  });
  // DAPLink remounts after programming; FAIL.TXT explains a failure.
  const deadline = clock.now() + (options.remountTimeoutMs ?? 15_000);
  let failText: string | undefined;
  let remounted = false;
  while (clock.now() < deadline) {
    await clock.sleep(250, options.signal, 'verifying');
    const names = await dirEntries(chosen.root);
    const fail = names.find((n) => n.toUpperCase() === 'FAIL.TXT');
    if (fail) {
      failText = await fs.readFile(path.join(chosen.root, fail), 'utf8').catch(() => 'unknown error');
      break;
    }
    if (names.some((n) => n.toUpperCase() === 'DETAILS.TXT') && !names.some((n) => n.toLowerCase() === 'firmware.hex')) {
      remounted = true;
      break;
    }
  }
  if (failText) {
    throw new FlashdeckError({
      code: 'DAPLINK_FAILED',
      stage: 'verifying',
      message: `DAPLink could not program the board: ${failText.trim()}`,
      hint: 'Check that the .hex is built for this board (e.g. -target=microbit-v2), then retry.',
    });
  }
  return { bytesWritten: hex.length, verifiedBy: remounted ? 'daplink-remount' : 'copied', details: { drive: chosen.root } };
}
