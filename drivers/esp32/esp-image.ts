/**
 * Reading and validating an ESP .bin before anything touches the board.
 *
 * Three kinds of file:
 * - 'tinygo-app': one ESP app image (magic 0xE9) without ESP-IDF's app descriptor, i.e. what
 *   TinyGo writes: the ROM boots it directly, so it goes at the chip's bootloader offset
 *   (ESP32/S2 0x1000, C3/S3/C6 0x0).
 * - 'merged': bootloader + partition table + app in one file (esptool merge_bin, TinyGo .img):
 *   written at 0x0.
 * - 'raw': anything else (an ESP-IDF app that needs a bootloader, data, not an image): the user
 *   chooses the offset.
 */
import type { ImageKind } from '../../electron/contract-values';
import { createHash } from 'node:crypto';
import { FlashdeckError, type ErrorCode } from '../common/errors';
import { CHIPS, type EspChipName, type EspChipSpec, IMAGE_CHIP_NAMES, chipByImageId } from './chips';
import { CHECKSUM_SEED, dataChecksum, hex, readU32 } from './protocol';
import type { Stage } from '../../electron/contract-values';

export const ESP_IMAGE_MAGIC = 0xe9;
const APP_DESC_MAGIC = 0xabcd5432;
const PARTITION_TABLE_OFFSET = 0x8000;
const MAX_SEGMENTS = 16;

export interface EspImageSegment {
  loadAddress: number;
  /** File offset of the segment data. */
  dataOffset: number;
  length: number;
}

export interface EspAppImage {
  /** File offset where this image starts (0, or the bootloader offset inside a merged file). */
  start: number;
  chipId: number;
  entry: number;
  flashMode: number;
  /** From header byte 3 high nibble; null when the nibble is not a known size. */
  flashSizeBytes: number | null;
  flashFreqCode: number;
  minRevFull: number;
  /** null when not set (0xFFFF, or 0 as written by TinyGo into its reserved bytes). */
  maxRevFull: number | null;
  hashAppended: boolean;
  segments: EspImageSegment[];
  checksumOk: boolean;
  /** null when no hash is appended. */
  sha256Ok: boolean | null;
  /** Bytes from `start` to the end of checksum/hash. */
  length: number;
  /** ESP-IDF app descriptor found in the first segment. */
  hasAppDescriptor: boolean;
}

export interface EspImageProblem {
  code: ErrorCode;
  severity: 'error' | 'warning';
  message: string;
}

export interface EspImageSummary {
  fileName?: string;
  kind: Extract<ImageKind, 'tinygo-app' | 'merged' | 'raw'>;
  /** Chip the image is built for ('esp32', 'esp32c3', …); null when unknown. */
  chip: EspChipName | null;
  /** Display name of the image's chip even when Flashdeck cannot flash it ("ESP32-H2"). */
  chipDisplayName: string | null;
  chipId: number | null;
  /** Where it should go; null means the user has to choose. */
  suggestedOffset: number | null;
  size: number;
  /** The parsed app image (for 'merged', the one at the bootloader offset). */
  image: EspAppImage | null;
  /** Errors block flashing; warnings are shown. */
  problems: EspImageProblem[];
}

const FLASH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128].map((mb) => mb * 1024 * 1024);

/** Parse one app image starting at `start`; problems are appended. Null if the header is unreadable. */
export function parseAppImage(bytes: Uint8Array, start: number, problems: EspImageProblem[]): EspAppImage | null {
  const error = (code: ErrorCode, message: string) => problems.push({ code, severity: 'error', message });
  if (bytes.length < start + 24) {
    error('IMAGE_TRUNCATED', `The file ends inside the image header (${bytes.length - start} of 24 bytes).`);
    return null;
  }
  if (bytes[start] !== ESP_IMAGE_MAGIC) {
    error('IMAGE_BAD_MAGIC', `No ESP image at ${hex(start)}: first byte is ${hex(bytes[start], 2)}, expected 0xe9.`);
    return null;
  }
  const segmentCount = bytes[start + 1];
  const hashByte = bytes[start + 23];
  const chipId = bytes[start + 12] | (bytes[start + 13] << 8);
  const maxRaw = bytes[start + 17] | (bytes[start + 18] << 8);
  const image: EspAppImage = {
    start,
    chipId,
    entry: readU32(bytes, start + 4),
    flashMode: bytes[start + 2],
    flashSizeBytes: FLASH_SIZES[bytes[start + 3] >> 4] ?? null,
    flashFreqCode: bytes[start + 3] & 0x0f,
    minRevFull: bytes[start + 15] | (bytes[start + 16] << 8),
    maxRevFull: maxRaw === 0xffff || maxRaw === 0 ? null : maxRaw,
    hashAppended: hashByte === 1,
    segments: [],
    checksumOk: false,
    sha256Ok: null,
    length: 0,
    hasAppDescriptor: false,
  };
  if (segmentCount > MAX_SEGMENTS) error('IMAGE_TOO_MANY_SEGMENTS', `The image header claims ${segmentCount} segments (at most ${MAX_SEGMENTS}).`);
  if (segmentCount === 0) error('IMAGE_NO_SEGMENTS', 'The image has no segments.');
  if (hashByte > 1) error('IMAGE_BAD_HASH_FLAG', `Header byte 23 (hash appended) is ${hashByte}; it must be 0 or 1.`);
  if (segmentCount > MAX_SEGMENTS || hashByte > 1) return image;

  let pos = start + 24;
  let checksum = CHECKSUM_SEED;
  for (let i = 0; i < segmentCount; i++) {
    if (pos + 8 > bytes.length) {
      error('IMAGE_SEGMENT_OUTSIDE', `Segment ${i} header lies beyond the end of the file (${bytes.length} bytes).`);
      return image;
    }
    const loadAddress = readU32(bytes, pos);
    const length = readU32(bytes, pos + 4);
    if (pos + 8 + length > bytes.length) {
      error('IMAGE_SEGMENT_OUTSIDE', `Segment ${i} (${length} bytes at ${hex(loadAddress)}) runs past the end of the file: the file is truncated or not an ESP image.`);
      return image;
    }
    image.segments.push({ loadAddress, dataOffset: pos + 8, length });
    checksum = dataChecksum(bytes.subarray(pos + 8, pos + 8 + length), checksum);
    pos += 8 + length;
  }
  // Checksum sits where (offset from image start) % 16 == 15.
  const checksumPos = start + ((pos - start) | 15);
  if (checksumPos >= bytes.length) {
    error('IMAGE_TRUNCATED', 'The file ends before the image checksum byte.');
    return image;
  }
  image.checksumOk = bytes[checksumPos] === checksum;
  if (!image.checksumOk) {
    error('IMAGE_BAD_CHECKSUM', `Image checksum mismatch: stored ${hex(bytes[checksumPos], 2)}, computed ${hex(checksum, 2)}. The file is corrupted.`);
  }
  image.length = checksumPos + 1 - start;
  if (image.hashAppended) {
    if (checksumPos + 33 > bytes.length) {
      error('IMAGE_TRUNCATED', 'The file ends inside the appended SHA-256.');
      image.sha256Ok = false;
    } else {
      const digest = createHash('sha256')
        .update(bytes.subarray(start, checksumPos + 1))
        .digest();
      const stored = bytes.subarray(checksumPos + 1, checksumPos + 33);
      image.sha256Ok = digest.every((b, i) => b === stored[i]);
      if (!image.sha256Ok) error('IMAGE_BAD_SHA256', 'The SHA-256 appended to the image does not match its contents: the file is corrupted or was edited after it was built.');
      image.length += 32;
    }
  }
  const first = image.segments[0];
  image.hasAppDescriptor = Boolean(first && first.length >= 4 && readU32(bytes, first.dataOffset) === APP_DESC_MAGIC);
  return image;
}

function allEqual(bytes: Uint8Array, from: number, to: number, value: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== value) return false;
  return true;
}

function chipNameOf(chipId: number): { chip: EspChipName | null; display: string | null } {
  const spec = chipByImageId(chipId);
  return { chip: spec?.name ?? null, display: spec?.displayName ?? IMAGE_CHIP_NAMES[chipId] ?? null };
}

/** What the app shows when a file is dropped: kind, chip, offset, problems. Never throws. */
export function inspectEspImage(bytes: Uint8Array, fileName?: string): EspImageSummary {
  const problems: EspImageProblem[] = [];
  const base = { fileName, size: bytes.length, problems };
  if (bytes.length === 0) {
    problems.push({ code: 'IMAGE_EMPTY', severity: 'error', message: 'The file is empty.' });
    return { ...base, kind: 'raw', chip: null, chipDisplayName: null, chipId: null, suggestedOffset: null, image: null };
  }

  // Merged file that starts with padding before a bootloader at 0x1000 (ESP32/S2, TinyGo .img).
  const paddedAt0x1000 = bytes.length > 0x1000 + 24 && bytes[0x1000] === ESP_IMAGE_MAGIC && (allEqual(bytes, 0, 0x1000, 0xff) || allEqual(bytes, 0, 0x1000, 0x00));
  // Merged file with a bootloader at 0 and a partition table at 0x8000 (C3/S3/C6, or ESP32 merge_bin from 0).
  const partitionTable = bytes.length > PARTITION_TABLE_OFFSET + 2 && bytes[PARTITION_TABLE_OFFSET] === 0xaa && bytes[PARTITION_TABLE_OFFSET + 1] === 0x50;
  if (paddedAt0x1000 || (bytes[0] === ESP_IMAGE_MAGIC && partitionTable)) {
    const image = parseAppImage(bytes, paddedAt0x1000 ? 0x1000 : 0, problems);
    const { chip, display } = image ? chipNameOf(image.chipId) : { chip: null, display: null };
    if (image && !display) problems.push({ code: 'IMAGE_UNKNOWN_CHIP', severity: 'error', message: `The bootloader in this file is for an unknown chip (id ${image.chipId}).` });
    if (image && chip && paddedAt0x1000 && CHIPS[chip].bootloaderOffset !== 0x1000) {
      problems.push({
        code: 'IMAGE_BOOTLOADER_OFFSET',
        severity: 'error',
        message: `This merged file has its bootloader at 0x1000, but the ${display} boots from 0x0: it would not start.`,
      });
    }
    return { ...base, kind: 'merged', chip, chipDisplayName: display, chipId: image?.chipId ?? null, suggestedOffset: 0, image };
  }

  if (bytes[0] !== ESP_IMAGE_MAGIC) {
    problems.push({
      code: 'IMAGE_NOT_ESP',
      severity: 'warning',
      message: `This is not an ESP image (first byte ${hex(bytes[0], 2)}, expected 0xe9). It can only be written as raw data at an address you choose.`,
    });
    return { ...base, kind: 'raw', chip: null, chipDisplayName: null, chipId: null, suggestedOffset: null, image: null };
  }

  const image = parseAppImage(bytes, 0, problems);
  const { chip, display } = image ? chipNameOf(image.chipId) : { chip: null, display: null };
  if (image && !display) {
    problems.push({ code: 'IMAGE_UNKNOWN_CHIP', severity: 'error', message: `The image header names an unknown chip (id ${image.chipId}).` });
  } else if (image && !chip) {
    problems.push({ code: 'IMAGE_UNSUPPORTED_CHIP', severity: 'error', message: `This image is for an ${display}, which Flashdeck cannot flash yet.` });
  }
  if (image && image.length > 0 && image.length < bytes.length) {
    problems.push({
      code: 'IMAGE_TRAILING_DATA',
      severity: 'warning',
      message: `${bytes.length - image.length} bytes follow the end of the image; they are written too.`,
    });
  }
  if (image?.hasAppDescriptor) {
    problems.push({
      code: 'IMAGE_NEEDS_BOOTLOADER',
      severity: 'warning',
      message: 'This is an ESP-IDF application: it needs a bootloader and partition table on the board and usually goes at 0x10000.',
    });
    return { ...base, kind: 'raw', chip, chipDisplayName: display, chipId: image.chipId, suggestedOffset: 0x10000, image };
  }
  return {
    ...base,
    kind: 'tinygo-app',
    chip,
    chipDisplayName: display,
    chipId: image?.chipId ?? null,
    suggestedOffset: chip ? CHIPS[chip].bootloaderOffset : null,
    image,
  };
}

/** Problems that only say the image is for another chip: "flash anyway" (allowChipMismatch) lets them through. */
export function isChipProblem(problem: EspImageProblem): boolean {
  return problem.code === 'IMAGE_UNSUPPORTED_CHIP' || problem.code === 'IMAGE_UNKNOWN_CHIP' || problem.code === 'IMAGE_BOOTLOADER_OFFSET';
}

/**
 * Where an image goes when the user gives no address: a merged file at 0x0, a TinyGo app at the
 * bootloader offset (the board's when known, else its own chip's), anything else where the file
 * suggests; null when only the user can say.
 */
export function defaultOffset(summary: EspImageSummary, bootloaderOffset?: number | null): number | null {
  if (summary.kind === 'merged') return 0;
  if (summary.kind === 'tinygo-app') return bootloaderOffset ?? (summary.chip ? CHIPS[summary.chip].bootloaderOffset : null);
  return summary.suggestedOffset;
}

/** "This image is for ESP32-C3, the board is an ESP32." */
export function chipMismatchMessage(imageChip: string, boardChip: string): string {
  return `This image is for ${imageChip}, the board is an ${boardChip}.`;
}

/**
 * What refuses a file whatever the board: errors in it (chip problems pass with
 * allowChipMismatch), and raw data without an address. Checked before connecting and again when
 * the write is planned, with the same words.
 */
export function refuseUnwritable(summary: EspImageSummary, options: { offset?: number; allowChipMismatch?: boolean }, stage: Stage): void {
  const name = summary.fileName ? `'${summary.fileName}'` : 'The image';
  const blocking = summary.problems.filter((p) => p.severity === 'error' && !(options.allowChipMismatch && isChipProblem(p)));
  if (blocking.length) {
    throw new FlashdeckError({
      code: 'ESP_IMAGE_INVALID',
      stage,
      message: `${name} cannot be flashed: ${blocking.map((p) => p.message).join(' ')}`,
      hint: 'Rebuild the firmware (tinygo build -o app.bin -target=…) and select the new file.',
    });
  }
  if (options.offset === undefined && summary.kind === 'raw' && summary.suggestedOffset === null) {
    throw new FlashdeckError({
      code: 'ESP_OFFSET_REQUIRED',
      stage,
      message: `${name} is not an ESP app image, so Flashdeck cannot tell where it belongs.`,
      hint: OFFSET_HINT,
    });
  }
}

/** What to do about a file without an address, in the user's words (shown before a flash and in its error). */
export const OFFSET_HINT = 'Enter the flash address to write it to (for example 0x10000).';

export interface BoardFacts {
  chip: EspChipSpec;
  revision: { major: number; minor: number };
  flashSizeBytes: number | null;
}

/**
 * Decide the offset and refuse what must not be written to this board. Throws FlashdeckError
 * with a message that names both the board and the image.
 */
export function planImageWrite(summary: EspImageSummary, board: BoardFacts, options: { offset?: number; allowChipMismatch?: boolean }): { offset: number; warnings: string[] } {
  const stage = 'detecting';
  const warnings: string[] = [];
  refuseUnwritable(summary, options, stage);
  warnings.push(...summary.problems.filter((p) => p.severity === 'warning').map((p) => p.message));

  if (summary.image && summary.chipId !== null && summary.chipId !== board.chip.imageChipId) {
    const imageChip = summary.chipDisplayName ?? `chip id ${summary.chipId}`;
    if (!options.allowChipMismatch) {
      throw new FlashdeckError({
        code: 'ESP_CHIP_MISMATCH',
        stage,
        message: chipMismatchMessage(imageChip, board.chip.displayName),
        hint: `Rebuild for the board (e.g. tinygo build -target=${board.chip.name}) or pick the right port. Flash anyway only if you know why.`,
      });
    }
    warnings.push(`Writing an ${imageChip} image to an ${board.chip.displayName} as requested.`);
  }

  if (summary.image) {
    const rev = board.revision.major * 100 + board.revision.minor;
    const fmt = (full: number) => `v${Math.floor(full / 100)}.${full % 100}`;
    if (summary.image.minRevFull > rev) {
      throw new FlashdeckError({
        code: 'ESP_CHIP_REVISION',
        stage,
        message: `This image needs chip revision ${fmt(summary.image.minRevFull)} or newer; the board's ${board.chip.displayName} is ${fmt(rev)}.`,
        hint: 'Rebuild the firmware with a lower minimum chip revision.',
      });
    }
    if (summary.image.maxRevFull !== null && rev > summary.image.maxRevFull) {
      throw new FlashdeckError({
        code: 'ESP_CHIP_REVISION',
        stage,
        message: `This image supports chip revisions up to ${fmt(summary.image.maxRevFull)}; the board's ${board.chip.displayName} is ${fmt(rev)}.`,
        hint: 'Rebuild the firmware for this chip revision.',
      });
    }
  }

  const offset = options.offset ?? defaultOffset(summary, board.chip.bootloaderOffset)!; // refuseUnwritable: raw data without a suggestion has an address
  if (options.offset !== undefined) {
    if (summary.kind === 'tinygo-app' && offset !== board.chip.bootloaderOffset) {
      warnings.push(`TinyGo images boot from ${hex(board.chip.bootloaderOffset)} on the ${board.chip.displayName}; writing at ${hex(offset)} as requested.`);
    }
    if (summary.kind === 'merged' && offset !== 0) warnings.push(`Merged images normally go at 0x0; writing at ${hex(offset)} as requested.`);
  }
  if (offset % 0x1000 !== 0) {
    throw new FlashdeckError({
      code: 'ESP_OFFSET_UNALIGNED',
      stage,
      message: `Flash address ${hex(offset)} is not a multiple of 4 KiB (0x1000).`,
      hint: 'Choose an address that is a multiple of 0x1000.',
    });
  }
  if (board.flashSizeBytes !== null && offset + summary.size > board.flashSizeBytes) {
    throw new FlashdeckError({
      code: 'ESP_IMAGE_TOO_BIG',
      stage,
      message: `${summary.size} bytes at ${hex(offset)} do not fit in the board's ${board.flashSizeBytes / 1048576} MB flash.`,
      hint: 'Use a smaller image or a board with more flash.',
    });
  }
  if (summary.image?.flashSizeBytes && board.flashSizeBytes && summary.image.flashSizeBytes > board.flashSizeBytes) {
    warnings.push(`The image header says ${summary.image.flashSizeBytes / 1048576} MB of flash, the board has ${board.flashSizeBytes / 1048576} MB.`);
  }
  return { offset, warnings };
}
