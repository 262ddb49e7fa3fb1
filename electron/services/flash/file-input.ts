/** Reads a dropped file (by path in Electron, by bytes from the browser) with clear limits. */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FileRef } from '../../contract';
import { FlashdeckError } from '../../../drivers/common/errors';

/** Larger than any ESP32 or nRF52 flash (16 MiB) plus zip overhead. */
export const MAX_IMAGE_BYTES = 32 * 1024 * 1024;

export interface LoadedFile {
  name: string;
  bytes: Uint8Array;
  /** Real path where there is one (drops in Electron, builds). */
  path?: string;
}

export async function loadFileRef(ref: FileRef): Promise<LoadedFile> {
  if ('dataBase64' in ref) {
    const bytes = new Uint8Array(Buffer.from(ref.dataBase64, 'base64'));
    if (bytes.length > MAX_IMAGE_BYTES) throw tooLarge(ref.name, bytes.length);
    return { name: basename(ref.name), bytes };
  }
  let info;
  try {
    info = await stat(ref.path);
  } catch {
    throw new FlashdeckError({
      code: 'FILE_NOT_FOUND',
      stage: 'reading',
      message: `Cannot read ${ref.path}: no such file.`,
      hint: 'Drop the file again; it may have been moved or rebuilt.',
    });
  }
  if (!info.isFile())
    throw new FlashdeckError({
      code: 'FILE_NOT_A_FILE',
      stage: 'reading',
      message: `${ref.path} is not a file.`,
      hint: 'Drop a .bin, .hex, .uf2, .zip or .elf image (folders with a go.mod go to the Programs tab or are built).',
    });
  if (info.size > MAX_IMAGE_BYTES) throw tooLarge(ref.path, info.size);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(ref.path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FlashdeckError(
      {
        code: 'FILE_UNREADABLE',
        stage: 'reading',
        message: `Cannot read ${ref.path}: ${(code && READ_FAILURES[code]) ?? 'the system refused to read it'}.`,
        hint: 'Check that you may read the file and that it is a firmware image on a local disk, then drop it again.',
        // The system's own words with the errno code, for a bug report: behind Details, not in the sentence.
        details: [error instanceof Error ? error.message : String(error)],
      },
      { cause: error },
    );
  }
  if (bytes.length > MAX_IMAGE_BYTES) throw tooLarge(ref.path, bytes.length);
  return { name: basename(ref.path), bytes, path: ref.path };
}

/** Why a read failed, in words, for the errno codes a dropped file meets. */
const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  EBUSY: 'another program holds it',
  EIO: 'the disk reported a read error',
  ETIMEDOUT: 'the disk did not answer in time',
};

function tooLarge(name: string, size: number): FlashdeckError {
  return new FlashdeckError({
    code: 'FILE_TOO_LARGE',
    stage: 'reading',
    message: `${basename(name)} is ${(size / 1048576).toFixed(1)} MiB; no ESP32 or nRF52 flash is that large.`,
    hint: 'Check that you dropped the firmware image and not an archive or ELF with debug data.',
  });
}
