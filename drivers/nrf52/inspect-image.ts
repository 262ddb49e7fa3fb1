/**
 * What a dropped nRF52 file is and what it would write: kind, address range, the SoftDevice it was
 * linked for, and problems found before any board is touched.
 */
import type { ImageKind } from '../../electron/contract-values';
import { FlashdeckError } from '../common/errors';
import { imageEnd, imageFromBin, imagePopulatedSize, imageStart, guessBinBase, type FirmwareImage } from './firmware-image';
import { imageFromHex } from './hex-image';
import { imageFromElf, isElf } from './elf-image';
import { decodeUf2, imageFromUf2Blocks, isUf2, UF2_FAMILY_NRF52840, UF2_FAMILY_NRF52833, UF2_FLAG_FAMILY_ID, type Uf2Block } from './uf2';
import { isZip, readDfuZip, type DfuZip } from './dfu-zip';
import { ADAFRUIT_APP_END_NRF52840, APP_START_FOR_SOFTDEVICE, MBR_END, SOFTDEVICE_LABEL, softDeviceForAppStart, hex32, type SoftDeviceId } from './nrf52-layout';

/** The nRF52 files Flashdeck reads: a subset of the contract's IMAGE_KINDS. */
export type NrfImageKind = Extract<ImageKind, 'hex' | 'bin' | 'uf2' | 'zip-legacy' | 'zip-secure' | 'elf'>;

export interface NrfImageInfo {
  kind: NrfImageKind;
  /** First and one-past-last address written. */
  start: number;
  end: number;
  /** Bytes populated. */
  size: number;
  softDevice?: SoftDeviceId;
  /** UF2 only: the family ID of the blocks (undefined when the family flag is missing). */
  familyId?: number;
  problems: string[];
}

export interface LoadedNrfImage {
  kind: NrfImageKind;
  image: FirmwareImage;
  zip?: DfuZip;
  uf2Blocks?: Uf2Block[];
  /** Structural problems found while decoding (UF2 numbering, guessed base …). */
  problems: string[];
}

export interface LoadOptions {
  /** Load address of a raw .bin; guessed from its vector table when left out. */
  binBase?: number;
}

const BASE_CANDIDATES = [APP_START_FOR_SOFTDEVICE.s140v6, APP_START_FOR_SOFTDEVICE.s140v7, APP_START_FOR_SOFTDEVICE.none, APP_START_FOR_SOFTDEVICE.s113v7];

function looksLikeHex(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  return bytes[i] === 0x3a; // ':'
}

/** Content decides; the extension only breaks ties (a .bin from a UF2 target is UF2 content, tinygo-cli.md 7.1). */
export function sniffNrfKind(bytes: Uint8Array, fileName: string): 'hex' | 'bin' | 'uf2' | 'elf' | 'zip' {
  if (isUf2(bytes)) return 'uf2';
  if (isElf(bytes)) return 'elf';
  if (isZip(bytes)) return 'zip';
  const ext = fileName.toLowerCase().split('.').pop() ?? '';
  if (ext === 'hex' || ext === 'ihex' || looksLikeHex(bytes)) return 'hex';
  if (ext === 'uf2') return 'uf2';
  if (ext === 'zip') return 'zip';
  return 'bin';
}

function binImage(bytes: Uint8Array, base: number | undefined, problems: string[], what: string): FirmwareImage {
  let address = base;
  if (address === undefined) {
    address = guessBinBase(bytes, BASE_CANDIDATES);
    if (address === undefined) {
      address = APP_START_FOR_SOFTDEVICE.s140v6;
      problems.push(`The ${what} has no recognisable vector table; assuming it loads at ${hex32(address)}.`);
    }
  }
  return imageFromBin(bytes, address);
}

export function loadNrfImage(bytes: Uint8Array, fileName: string, options: LoadOptions = {}): LoadedNrfImage {
  const sniffed = sniffNrfKind(bytes, fileName);
  const problems: string[] = [];
  switch (sniffed) {
    case 'hex':
      return { kind: 'hex', image: imageFromHex(new TextDecoder().decode(bytes)), problems };
    case 'elf':
      return { kind: 'elf', image: imageFromElf(bytes), problems };
    case 'bin':
      return { kind: 'bin', image: binImage(bytes, options.binBase, problems, '.bin file'), problems };
    case 'uf2': {
      const decoded = decodeUf2(bytes);
      if (!decoded.blocks.length) {
        throw new FlashdeckError({
          code: 'NRF_BAD_UF2',
          stage: 'reading-image',
          message: `${fileName} contains no valid UF2 blocks.`,
          hint: 'Rebuild it with tinygo build -o firmware.uf2.',
        });
      }
      return { kind: 'uf2', image: imageFromUf2Blocks(decoded.blocks), uf2Blocks: decoded.blocks, problems: decoded.problems };
    }
    case 'zip': {
      const zip = readDfuZip(bytes);
      return { kind: zip.flavour === 'legacy' ? 'zip-legacy' : 'zip-secure', image: binImage(zip.bin, options.binBase, problems, 'package image'), zip, problems };
    }
    default: {
      const unreachable: never = sniffed;
      throw new Error(`unhandled image kind ${String(unreachable)}`);
    }
  }
}

export function inspectNrfImage(bytes: Uint8Array, fileName: string, options: LoadOptions = {}): NrfImageInfo {
  const loaded = loadNrfImage(bytes, fileName, options);
  const { image } = loaded;
  const start = imageStart(image);
  const end = imageEnd(image);
  const problems = [...loaded.problems];
  const softDevice = softDeviceForAppStart(start);
  if (start < MBR_END) problems.push(`The image starts at ${hex32(start)}, inside the MBR (below 0x01000); it is not an application image.`);
  else if (softDevice === undefined) {
    problems.push(
      `The image starts at ${hex32(start)}, which matches no known SoftDevice layout (${SOFTDEVICE_LABEL.s140v6} apps start at 0x26000, ${SOFTDEVICE_LABEL.s140v7} at 0x27000, apps without a SoftDevice at 0x01000).`,
    );
  }
  if (end > ADAFRUIT_APP_END_NRF52840) {
    problems.push(`The image ends at ${hex32(end)}, past 0xEA000 where the Adafruit bootloader's reserved area begins; it will not fit.`);
  }
  let familyId: number | undefined;
  if (loaded.uf2Blocks) {
    const families = new Set(loaded.uf2Blocks.map((b) => (b.flags & UF2_FLAG_FAMILY_ID ? b.familyOrSize : -1)));
    if (families.has(-1)) problems.push('Some UF2 blocks have no family ID; the Adafruit bootloader ignores them without any error.');
    const known = [...families].filter((f) => f !== -1);
    familyId = known[0];
    for (const f of known) {
      if (f !== UF2_FAMILY_NRF52840 && f !== UF2_FAMILY_NRF52833) {
        problems.push(`The UF2 family is 0x${f.toString(16)}, not nRF52840 (0xADA52840); the bootloader would ignore the file.`);
      }
    }
    if (loaded.uf2Blocks.some((b) => b.payloadSize !== 256)) problems.push('Some UF2 blocks carry a payload other than 256 bytes; the Adafruit bootloader ignores them.');
  }
  return { kind: loaded.kind, start, end, size: imagePopulatedSize(image), softDevice, familyId, problems };
}
