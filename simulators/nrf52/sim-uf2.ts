/**
 * UF2 as the Adafruit nRF52 bootloader's virtual drive reads it (ghostfat.c, after Microsoft's
 * uf2.h), written for the simulator apart from the driver's codec: one block per 512-byte sector,
 * three magic words, and which blocks it writes, skips or refuses.
 */

const MAGIC_START0 = 0x0a324655; // "UF2\n"
const MAGIC_START1 = 0x9e5d5157;
const MAGIC_END = 0x0ab16f30;
const FLAG_NOT_MAIN_FLASH = 0x00000001;
const FLAG_FAMILY_ID_PRESENT = 0x00002000;
/** The nRF52840 application family the bootloader takes (CFG_UF2_FAMILY_APP_ID). */
export const NRF52840_FAMILY = 0xada52840;
const SECTOR = 512;
/** The only payload size the bootloader writes (a flash write unit of 256 bytes). */
const PAYLOAD = 256;

export interface DriveBlock {
  flags: number;
  targetAddr: number;
  payloadSize: number;
  blockNo: number;
  numBlocks: number;
  family: number;
  /** The 476-byte data area; the first payloadSize bytes are the data. */
  payload: Uint8Array;
}

/** The UF2 blocks among whole sectors written to the drive; a sector without the three magic words is not one. */
export function blocksInSectors(bytes: Uint8Array): DriveBlock[] {
  const blocks: DriveBlock[] = [];
  for (let at = 0; at + SECTOR <= bytes.length; at += SECTOR) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + at, SECTOR);
    const word = (i: number) => view.getUint32(i * 4, true);
    if (word(0) !== MAGIC_START0 || word(1) !== MAGIC_START1 || view.getUint32(SECTOR - 4, true) !== MAGIC_END) continue;
    blocks.push({
      flags: word(2),
      targetAddr: word(3),
      payloadSize: word(4),
      blockNo: word(5),
      numBlocks: word(6),
      family: word(7),
      payload: bytes.slice(at + 32, at + 32 + 476),
    });
  }
  return blocks;
}

/**
 * What the bootloader does with a block: blocks for other families or other memories, odd sizes
 * and the MBR page are skipped; an application block outside the application area is refused.
 */
export function driveVerdict(block: DriveBlock, area: { appStart: number; appEnd: number }): 'write' | 'ignore' | 'reject' {
  if ((block.flags & FLAG_NOT_MAIN_FLASH) !== 0) return 'ignore';
  if ((block.flags & FLAG_FAMILY_ID_PRESENT) === 0 || block.family !== NRF52840_FAMILY) return 'ignore';
  if (block.payloadSize !== PAYLOAD || block.targetAddr % PAYLOAD !== 0) return 'ignore';
  if (block.targetAddr < 0x1000) return 'ignore';
  if (block.targetAddr < area.appStart || block.targetAddr + PAYLOAD > area.appEnd) return 'reject';
  return 'write';
}

/**
 * Where the application starts behind the SoftDevice INFO_UF2.TXT names ("S140 6.1.1"), from
 * Nordic's SoftDevice specifications; none: right after the MBR.
 */
export function appStartBehind(softDevice: string | null): number {
  if (softDevice === null) return 0x1000;
  const match = /^S(\d{3})\s+(\d+)\./i.exec(softDevice.trim());
  const sizes: Record<string, number> = { '113-7': 0x1c000, '132-6': 0x26000, '140-6': 0x26000, '140-7': 0x27000 };
  const start = match ? sizes[`${match[1]}-${match[2]}`] : undefined;
  if (start === undefined) throw new Error(`The UF2 simulator knows no SoftDevice "${softDevice}".`);
  return start;
}
