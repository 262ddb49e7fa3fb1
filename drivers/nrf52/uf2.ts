/**
 * UF2 blocks (microsoft/uf2 README): encode a FirmwareImage for the Adafruit nRF52 bootloader,
 * decode a .uf2 file, and check it by the bootloader's own acceptance rules (nrf52-flashing.md 6.1-6.3).
 */
import { imageFromSegments, type FirmwareImage } from './firmware-image';

export const UF2_MAGIC_START0 = 0x0a324655;
export const UF2_MAGIC_START1 = 0x9e5d5157;
export const UF2_MAGIC_END = 0x0ab16f30;
export const UF2_BLOCK_SIZE = 512;
export const UF2_PAYLOAD_SIZE = 256;
export const UF2_FLAG_NOT_MAIN_FLASH = 0x1;
export const UF2_FLAG_FAMILY_ID = 0x2000;

export const UF2_FAMILY_NRF52840 = 0xada52840;
export const UF2_FAMILY_NRF52833 = 0x621e937a;
export const UF2_FAMILY_ADAFRUIT_BOOTLOADER = 0xd663823c;
/** What each family ID names, for people. */
export const UF2_FAMILY_NAMES: Readonly<Record<number, string>> = {
  [UF2_FAMILY_NRF52840]: 'nRF52840',
  [UF2_FAMILY_NRF52833]: 'nRF52833',
  [UF2_FAMILY_ADAFRUIT_BOOTLOADER]: 'Adafruit bootloader update',
};

export interface Uf2Block {
  flags: number;
  targetAddr: number;
  payloadSize: number;
  blockNo: number;
  numBlocks: number;
  /** familyID when flags has 0x2000, else the file size (or 0). */
  familyOrSize: number;
  payload: Uint8Array;
}

/**
 * One block per populated 256-byte page (as uf2conv.py does for .hex); holes inside a page are 0xFF,
 * erased flash, so a partially populated page never overwrites neighbouring bytes with zeros.
 */
export function encodeUf2(image: FirmwareImage, familyId = UF2_FAMILY_NRF52840): Uint8Array {
  const pages = new Map<number, Uint8Array>();
  for (const segment of image.segments) {
    for (let i = 0; i < segment.data.length;) {
      const address = segment.address + i;
      const page = address - (address % UF2_PAYLOAD_SIZE);
      const within = address - page;
      const take = Math.min(UF2_PAYLOAD_SIZE - within, segment.data.length - i);
      let buffer = pages.get(page);
      if (!buffer) {
        buffer = new Uint8Array(UF2_PAYLOAD_SIZE).fill(0xff);
        pages.set(page, buffer);
      }
      buffer.set(segment.data.subarray(i, i + take), within);
      i += take;
    }
  }
  const addresses = [...pages.keys()].sort((a, b) => a - b);
  const out = new Uint8Array(addresses.length * UF2_BLOCK_SIZE);
  const view = new DataView(out.buffer);
  addresses.forEach((address, blockNo) => {
    const at = blockNo * UF2_BLOCK_SIZE;
    view.setUint32(at, UF2_MAGIC_START0, true);
    view.setUint32(at + 4, UF2_MAGIC_START1, true);
    view.setUint32(at + 8, UF2_FLAG_FAMILY_ID, true);
    view.setUint32(at + 12, address, true);
    view.setUint32(at + 16, UF2_PAYLOAD_SIZE, true);
    view.setUint32(at + 20, blockNo, true);
    view.setUint32(at + 24, addresses.length, true);
    view.setUint32(at + 28, familyId, true);
    out.set(pages.get(address)!, at + 32);
    view.setUint32(at + 508, UF2_MAGIC_END, true);
  });
  return out;
}

export function isUf2(bytes: Uint8Array): boolean {
  if (bytes.length < UF2_BLOCK_SIZE) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(0, true) === UF2_MAGIC_START0 && view.getUint32(4, true) === UF2_MAGIC_START1;
}

export interface DecodedUf2 {
  blocks: Uf2Block[];
  /** Structural problems (bad magic, odd length, inconsistent numbering), each a sentence. */
  problems: string[];
}

/** Parses every 512-byte block; blocks with bad magics are reported and skipped (as a bootloader would). */
export function decodeUf2(bytes: Uint8Array): DecodedUf2 {
  const problems: string[] = [];
  const blocks: Uf2Block[] = [];
  if (bytes.length % UF2_BLOCK_SIZE !== 0) {
    problems.push(`The file is ${bytes.length} bytes, not a whole number of 512-byte UF2 blocks (truncated?).`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let badMagic = 0;
  for (let at = 0; at + UF2_BLOCK_SIZE <= bytes.length; at += UF2_BLOCK_SIZE) {
    if (view.getUint32(at, true) !== UF2_MAGIC_START0 || view.getUint32(at + 4, true) !== UF2_MAGIC_START1 || view.getUint32(at + 508, true) !== UF2_MAGIC_END) {
      badMagic++;
      continue;
    }
    const payloadSize = view.getUint32(at + 16, true);
    blocks.push({
      flags: view.getUint32(at + 8, true),
      targetAddr: view.getUint32(at + 12, true),
      payloadSize,
      blockNo: view.getUint32(at + 20, true),
      numBlocks: view.getUint32(at + 24, true),
      familyOrSize: view.getUint32(at + 28, true),
      payload: bytes.slice(at + 32, at + 32 + Math.min(payloadSize, 476)),
    });
  }
  if (badMagic) problems.push(`${badMagic} block(s) have wrong UF2 magic numbers.`);
  if (!blocks.length) problems.push('The file contains no UF2 blocks.');
  const numBlocks = blocks[0]?.numBlocks;
  if (blocks.some((b) => b.numBlocks !== numBlocks)) problems.push('Blocks disagree on the total block count.');
  else if (numBlocks !== undefined) {
    const seen = new Set(blocks.map((b) => b.blockNo));
    if (seen.size !== numBlocks || blocks.some((b) => b.blockNo >= numBlocks)) {
      problems.push(`Block numbering is inconsistent: ${seen.size} distinct blocks for a declared total of ${numBlocks} (truncated file?).`);
    }
  }
  return { blocks, problems };
}

/** The flash contents the main-flash blocks describe. */
export function imageFromUf2Blocks(blocks: Uf2Block[]): FirmwareImage {
  return imageFromSegments(blocks.filter((b) => !(b.flags & UF2_FLAG_NOT_MAIN_FLASH)).map((b) => ({ address: b.targetAddr, data: b.payload.slice(0, b.payloadSize) })));
}

export interface Uf2Rules {
  familyId: number;
  appStart: number;
  appEnd: number;
}

export type Uf2BlockVerdict = 'write' | 'ignore' | 'reject';

/**
 * What the Adafruit bootloader does with one block (ghostfat.c is_uf2_block / write_block):
 * non-UF2-looking or foreign-family blocks are ignored, app-family blocks outside app space rejected.
 */
export function judgeUf2Block(block: Uf2Block, rules: Uf2Rules): Uf2BlockVerdict {
  if (!(block.flags & UF2_FLAG_FAMILY_ID)) return 'ignore';
  if (block.flags & UF2_FLAG_NOT_MAIN_FLASH) return 'ignore';
  if (block.payloadSize !== UF2_PAYLOAD_SIZE || block.targetAddr % UF2_PAYLOAD_SIZE !== 0) return 'ignore';
  if (block.familyOrSize !== rules.familyId) return 'ignore';
  if (block.targetAddr < 0x1000) return 'ignore';
  if (block.targetAddr < rules.appStart || block.targetAddr + block.payloadSize > rules.appEnd) return 'reject';
  return 'write';
}
