/**
 * A firmware image as address-tagged byte runs, whatever file it came from (.hex, .bin, .elf, .uf2).
 * Segments are sorted, non-overlapping and merged when adjacent.
 */
import { FlashdeckError } from '../common/errors';

export interface ImageSegment {
  address: number;
  data: Uint8Array;
}

export interface FirmwareImage {
  segments: ImageSegment[];
}

/** Sorts and merges segments; overlapping segments are an error (two parts of the file disagree). */
export function imageFromSegments(segments: ImageSegment[]): FirmwareImage {
  const sorted = segments.filter((s) => s.data.length > 0).sort((a, b) => a.address - b.address);
  const merged: ImageSegment[] = [];
  for (const segment of sorted) {
    const last = merged[merged.length - 1];
    if (last && segment.address < last.address + last.data.length) {
      throw new FlashdeckError({
        code: 'NRF_IMAGE_OVERLAP',
        stage: 'reading-image',
        message: `The image writes address 0x${segment.address.toString(16)} twice.`,
        hint: 'The file is malformed; rebuild it with tinygo build.',
      });
    }
    if (last && segment.address === last.address + last.data.length) {
      const joined = new Uint8Array(last.data.length + segment.data.length);
      joined.set(last.data);
      joined.set(segment.data, last.data.length);
      merged[merged.length - 1] = { address: last.address, data: joined };
    } else {
      merged.push({ address: segment.address, data: segment.data });
    }
  }
  return { segments: merged };
}

export function imageFromBin(bytes: Uint8Array, baseAddress: number): FirmwareImage {
  return imageFromSegments([{ address: baseAddress, data: bytes }]);
}

export function imageStart(image: FirmwareImage): number {
  return image.segments.length ? image.segments[0].address : 0;
}

/** One past the last populated address. */
export function imageEnd(image: FirmwareImage): number {
  const last = image.segments[image.segments.length - 1];
  return last ? last.address + last.data.length : 0;
}

/** Populated bytes (holes not counted). */
export function imagePopulatedSize(image: FirmwareImage): number {
  return image.segments.reduce((sum, s) => sum + s.data.length, 0);
}

/** One contiguous run from the first to the last populated byte, holes filled with `fill` (erased flash is 0xFF). */
export function flattenImage(image: FirmwareImage, fill = 0xff): { start: number; data: Uint8Array } {
  const start = imageStart(image);
  const data = new Uint8Array(imageEnd(image) - start).fill(fill);
  for (const s of image.segments) data.set(s.data, s.address - start);
  return { start, data };
}

/** Pads a byte run to a multiple of `multiple` with `fill` (DFU images must be whole words). */
export function padTo(bytes: Uint8Array, multiple: number, fill = 0xff): Uint8Array {
  const size = Math.ceil(bytes.length / multiple) * multiple;
  if (size === bytes.length) return bytes;
  const out = new Uint8Array(size).fill(fill);
  out.set(bytes);
  return out;
}

/**
 * Guesses the load address of a raw .bin from its Cortex-M vector table: word 1 is the reset
 * handler (Thumb, odd), which must lie inside the image. Returns the first candidate base that fits.
 */
export function guessBinBase(bytes: Uint8Array, candidates: number[]): number | undefined {
  if (bytes.length < 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sp = view.getUint32(0, true);
  const reset = view.getUint32(4, true);
  if ((sp & 0xfff00000) !== 0x20000000 || (reset & 1) === 0) return undefined;
  const target = reset & ~1;
  return candidates.find((base) => target >= base && target < base + bytes.length);
}
