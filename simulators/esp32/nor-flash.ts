/**
 * A NOR flash chip: erased bytes are 0xFF, programming can only clear bits (new = old AND data),
 * erasing works on 4 KiB sectors or 64 KiB blocks. Timings are datasheet typicals of a
 * Winbond W25Q32JV (sector 45 ms, 64 KiB block 150 ms, chip 10 s per 4 MB, page 0.4 ms).
 */
import { createHash } from 'node:crypto';

export const SECTOR = 0x1000;
export const BLOCK = 0x10000;
export const PAGE = 0x100;

export interface FlashTiming {
  sectorEraseMs: number;
  blockEraseMs: number;
  chipEraseMsPerMb: number;
  pageProgramMs: number;
  /** MD5 over flash contents, per MiB (flash read + hash on the chip). */
  md5MsPerMb: number;
}

export const W25Q32_TIMING: FlashTiming = {
  sectorEraseMs: 45,
  blockEraseMs: 150,
  chipEraseMsPerMb: 2500,
  pageProgramMs: 0.4,
  md5MsPerMb: 100,
};

export class NorFlash {
  readonly bytes: Uint8Array;
  /** Counters for tests: how much was erased and programmed. */
  sectorsErased = 0;
  blocksErased = 0;
  chipErases = 0;
  bytesProgrammed = 0;
  /** Fault: flip one bit of every byte programmed at these absolute addresses. */
  readonly weakBits = new Set<number>();

  constructor(readonly size: number) {
    this.bytes = new Uint8Array(size).fill(0xff);
  }

  private check(address: number, length: number): boolean {
    return address >= 0 && length >= 0 && address + length <= this.size;
  }

  /** Erase the 4 KiB sector containing `address`. */
  eraseSector(address: number): boolean {
    const start = address - (address % SECTOR);
    if (!this.check(start, SECTOR)) return false;
    this.bytes.fill(0xff, start, start + SECTOR);
    this.sectorsErased++;
    return true;
  }

  eraseBlock(address: number): boolean {
    const start = address - (address % BLOCK);
    if (!this.check(start, BLOCK)) return false;
    this.bytes.fill(0xff, start, start + BLOCK);
    this.blocksErased++;
    return true;
  }

  eraseChip(): void {
    this.bytes.fill(0xff);
    this.chipErases++;
  }

  /**
   * Erase every sector touching [address, address+length), using 64 KiB block erases where a whole
   * aligned block is covered (as SPIEraseArea does). Returns the time it takes.
   */
  eraseRange(address: number, length: number, timing: FlashTiming): { ok: boolean; ms: number } {
    if (length === 0) return { ok: true, ms: 0 };
    let at = address - (address % SECTOR);
    const end = address + length;
    if (!this.check(at, Math.ceil((end - at) / SECTOR) * SECTOR)) return { ok: false, ms: 0 };
    let ms = 0;
    while (at < end) {
      if (at % BLOCK === 0 && end - at >= BLOCK) {
        this.eraseBlock(at);
        ms += timing.blockEraseMs;
        at += BLOCK;
      } else {
        this.eraseSector(at);
        ms += timing.sectorEraseMs;
        at += SECTOR;
      }
    }
    return { ok: true, ms };
  }

  /** Program bytes (AND). Returns the time it takes, or null when out of range. */
  program(address: number, data: Uint8Array, timing: FlashTiming): number | null {
    if (!this.check(address, data.length)) return null;
    for (let i = 0; i < data.length; i++) {
      let value = data[i];
      if (this.weakBits.size && this.weakBits.has(address + i)) value ^= 0x01;
      this.bytes[address + i] &= value;
    }
    this.bytesProgrammed += data.length;
    return Math.ceil(data.length / PAGE) * timing.pageProgramMs;
  }

  read(address: number, length: number): Uint8Array {
    return this.bytes.slice(address, address + length);
  }

  md5(address: number, length: number): Uint8Array | null {
    if (!this.check(address, length)) return null;
    return new Uint8Array(
      createHash('md5')
        .update(this.bytes.subarray(address, address + length))
        .digest(),
    );
  }
}
