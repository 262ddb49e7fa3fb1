/**
 * Finding the Adafruit bootloader's UF2 drive and writing a file to it (nrf52-flashing.md 6.4, 6.5).
 *
 * A drive is recognised by INFO_UF2.TXT in its root (any case), never by its label alone. Search
 * roots are injectable; by default: Linux /proc/self/mounts FAT mounts plus /media/*\/*, /run/media/*\/*,
 * /mnt/*; macOS /Volumes/*; Windows the removable drive letters from PowerShell (Get-CimInstance,
 * Get-Volume as fallback; wmic is gone from Windows 11 24H2), run by the caller's PowerShellRunner.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FlashdeckError } from '../common/errors';
import { softDeviceFromInfoValue, type SoftDeviceId } from './nrf52-layout';

export interface Uf2InfoFile {
  bootloader?: string;
  model?: string;
  boardId?: string;
  date?: string;
  /** Raw `SoftDevice:` value ("S140 6.1.1", "not found"). */
  softDeviceText?: string;
  softDevice?: SoftDeviceId;
}

export interface Uf2Drive extends Uf2InfoFile {
  /** Mount point / drive root. */
  root: string;
  /** Exact name of the info file as found (case varies). */
  infoFileName: string;
}

export function parseInfoUf2(text: string): Uf2InfoFile {
  const info: Uf2InfoFile = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    if (/^UF2 Bootloader/i.test(line)) info.bootloader = line;
    const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, key, value] = match;
    switch (key.toLowerCase()) {
      case 'model':
        info.model = value;
        break;
      case 'board-id':
        info.boardId = value;
        break;
      case 'date':
        info.date = value;
        break;
      case 'softdevice':
        info.softDeviceText = value;
        info.softDevice = softDeviceFromInfoValue(value);
        break;
    }
  }
  return info;
}

const CIM_SCRIPT = 'Get-CimInstance -ClassName Win32_LogicalDisk | Where-Object { $_.DriveType -eq 2 } | ForEach-Object { $_.DeviceID }';
const VOLUME_SCRIPT = 'Get-Volume | Where-Object { $_.DriveType -eq \'Removable\' -and $_.DriveLetter } | ForEach-Object { "$($_.DriveLetter):" }';

/** The only PowerShell scripts Flashdeck runs: fixed text, so no user input ever reaches PowerShell's parser. */
export const POWERSHELL_QUERIES = [CIM_SCRIPT, VOLUME_SCRIPT] as const;
export type PowerShellQuery = (typeof POWERSHELL_QUERIES)[number];

/** Runs one of the fixed PowerShell queries and returns its output (the services spawn it; drivers never do). */
export type PowerShellRunner = (script: PowerShellQuery) => Promise<string>;

export async function windowsRemovableDrives(run: PowerShellRunner): Promise<string[]> {
  for (const script of POWERSHELL_QUERIES) {
    try {
      const out = await run(script);
      const letters = out
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => /^[A-Za-z]:$/.test(l));
      return letters.map((l) => `${l.toUpperCase()}\\`);
    } catch {
      // try the next query
    }
  }
  return [];
}

/** FAT mount points from /proc/self/mounts (octal escapes undone). */
export function fatMountsFromProcMounts(text: string): string[] {
  const mounts: string[] = [];
  for (const line of text.split('\n')) {
    const [, mountPoint, fsType] = line.split(' ');
    if (!mountPoint || !fsType) continue;
    if (!['vfat', 'msdos', 'fat', '9p', 'fuseblk'].includes(fsType)) continue;
    mounts.push(mountPoint.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  }
  return mounts;
}

export interface DriveSearchOptions {
  /** Directories to search (each itself, its children and grandchildren). Replaces the OS defaults. */
  roots?: string[];
  /** Directories searched besides the OS's (or `roots`): a simulated board's drive folder. */
  extraRoots?: string[];
  platform?: NodeJS.Platform;
  powerShell?: PowerShellRunner;
}

/** A place to look and how deep: 0 = the directory itself is a mount point, 1 = its children, 2 = grandchildren. */
export interface DriveRoot {
  path: string;
  depth: 0 | 1 | 2;
}

/**
 * Where drives are mounted on this OS: Linux FAT mounts from /proc/self/mounts, /media/<user>/<label>,
 * /run/media/<user>/<label>, /mnt/<label>; macOS /Volumes/<label>; Windows removable drive letters.
 */
export async function defaultDriveRoots(platform: NodeJS.Platform = process.platform, powerShell?: PowerShellRunner): Promise<DriveRoot[]> {
  if (platform === 'win32') return powerShell ? (await windowsRemovableDrives(powerShell)).map((letter) => ({ path: letter, depth: 0 })) : [];
  if (platform === 'darwin') return [{ path: '/Volumes', depth: 1 }];
  const roots: DriveRoot[] = [
    { path: '/media', depth: 2 },
    { path: '/run/media', depth: 2 },
    { path: '/mnt', depth: 1 },
  ];
  try {
    roots.unshift(...fatMountsFromProcMounts(await fs.readFile('/proc/self/mounts', 'utf8')).map((mount) => ({ path: mount, depth: 0 as const })));
  } catch {
    // no /proc: the fixed roots remain
  }
  return roots;
}

async function infoFileIn(dir: string): Promise<string | undefined> {
  try {
    const entries = await fs.readdir(dir);
    return entries.find((name) => name.toUpperCase() === 'INFO_UF2.TXT');
  } catch {
    return undefined;
  }
}

async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

/** Directories that may be a mounted drive: each root and, by its depth, its children and grandchildren. */
export async function candidateMountPoints(roots: DriveRoot[]): Promise<string[]> {
  const candidates = new Set<string>();
  for (const root of roots) {
    candidates.add(root.path);
    if (root.depth === 0) continue;
    for (const child of await subdirectories(root.path)) {
      candidates.add(child);
      if (root.depth === 2) for (const grandchild of await subdirectories(child)) candidates.add(grandchild);
    }
  }
  return [...candidates];
}

/** Every mounted UF2 bootloader drive under the search roots, with its INFO_UF2.TXT facts. */
export async function findUf2Drives(options: DriveSearchOptions = {}): Promise<Uf2Drive[]> {
  const roots: DriveRoot[] = [
    ...(options.roots ? options.roots.map((p) => ({ path: p, depth: 2 as const })) : await defaultDriveRoots(options.platform, options.powerShell)),
    ...(options.extraRoots ?? []).map((p) => ({ path: p, depth: 2 as const })),
  ];
  const drives: Uf2Drive[] = [];
  for (const dir of await candidateMountPoints(roots)) {
    const infoFileName = await infoFileIn(dir);
    if (!infoFileName) continue;
    let text = '';
    try {
      text = await fs.readFile(path.join(dir, infoFileName), 'utf8');
    } catch {
      continue; // vanished between listing and reading
    }
    drives.push({ root: dir, infoFileName, ...parseInfoUf2(text) });
  }
  return drives;
}

/** What a file handle must offer to take the UF2 bytes (fs.promises.FileHandle fits; tests inject failures). */
export interface WritableFile {
  write(buffer: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export type FileOpener = (filePath: string) => Promise<WritableFile>;

export const openForWrite: FileOpener = (filePath) => fs.open(filePath, 'w');

/** Errors a vanishing USB drive produces (Linux EIO/ENODEV, macOS EIO / -36, Windows UNKNOWN/EPERM). */
const VANISH_CODES = new Set(['EIO', 'ENOENT', 'ENXIO', 'ENODEV', 'EBADF', 'ENOTCONN', 'ESTALE', 'EPERM', 'UNKNOWN']);

export function isVanishError(error: unknown): boolean {
  return VANISH_CODES.has((error as { code?: string })?.code ?? '');
}

export interface Uf2WriteResult {
  bytesWritten: number;
  /** The drive went away after every byte was handed over (normal: the bootloader resets). */
  vanished: boolean;
}

/**
 * Writes the file with explicit writes and an fsync (Linux would otherwise keep it in the page
 * cache for up to 30 s). The drive vanishing after all bytes were written is success, not failure.
 */
export async function writeUf2File(
  filePath: string,
  bytes: Uint8Array,
  options: { open?: FileOpener; chunkSize?: number; onProgress?: (written: number) => void } = {},
): Promise<Uf2WriteResult> {
  const chunkSize = options.chunkSize ?? 32 * 1024;
  let handle: WritableFile;
  try {
    handle = await (options.open ?? openForWrite)(filePath);
  } catch (error) {
    throw new FlashdeckError(
      {
        code: (error as { code?: string }).code === 'EACCES' || (error as { code?: string }).code === 'EROFS' ? 'NRF_UF2_READ_ONLY' : 'NRF_UF2_WRITE_FAILED',
        stage: 'writing',
        message: `Could not create ${filePath}: ${(error as Error).message}.`,
        hint: 'Check that the drive is still mounted and writable (double-tap RESET to bring it back), then retry.',
      },
      { cause: error },
    );
  }
  let written = 0;
  let vanished = false;
  try {
    while (written < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, written, Math.min(chunkSize, bytes.length - written));
      if (bytesWritten <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
      written += bytesWritten;
      options.onProgress?.(written);
    }
    await handle.sync();
  } catch (error) {
    if (written >= bytes.length && isVanishError(error)) {
      vanished = true;
    } else {
      throw new FlashdeckError(
        {
          code: 'NRF_UF2_WRITE_FAILED',
          stage: 'writing',
          message: `Writing to the UF2 drive failed after ${written} of ${bytes.length} bytes: ${(error as Error).message}.`,
          hint: 'The board is not bricked: double-tap RESET to bring the drive back, then retry.',
        },
        { cause: error },
      );
    }
  } finally {
    await handle.close().catch(() => {});
  }
  return { bytesWritten: written, vanished };
}
