/**
 * nRF52 flash as the simulators see it: erased is 0xFF, a write can only clear bits (NOR flash),
 * so a page written without being erased first shows up as corrupted data, as on the chip.
 */
export class SimFlash {
  readonly bytes: Uint8Array;
  readonly pageSize: number;
  /** Address ranges that were written (for "nothing touched outside the app" checks). */
  readonly writes: Array<{ address: number; length: number }> = [];
  erasedPages = 0;

  constructor(size = 1024 * 1024, pageSize = 4096) {
    this.bytes = new Uint8Array(size).fill(0xff);
    this.pageSize = pageSize;
  }

  /** Fills [start, end) with a recognisable non-0xFF pattern standing for the MBR and SoftDevice. */
  preload(start: number, end: number, seed = 0x5d): void {
    for (let a = start; a < end; a++) this.bytes[a] = (seed + a * 13) & 0xff;
  }

  erasePage(address: number): void {
    const start = address - (address % this.pageSize);
    this.check(start, this.pageSize);
    this.bytes.fill(0xff, start, start + this.pageSize);
    this.erasedPages++;
  }

  /** Erases every page touching [address, address + length). */
  eraseRange(address: number, length: number): number {
    let pages = 0;
    for (let a = address - (address % this.pageSize); a < address + length; a += this.pageSize) {
      this.erasePage(a);
      pages++;
    }
    return pages;
  }

  write(address: number, data: Uint8Array): void {
    this.check(address, data.length);
    for (let i = 0; i < data.length; i++) this.bytes[address + i] &= data[i];
    this.writes.push({ address, length: data.length });
  }

  read(address: number, length: number): Uint8Array {
    this.check(address, length);
    return this.bytes.slice(address, address + length);
  }

  private check(address: number, length: number): void {
    if (address < 0 || address + length > this.bytes.length) {
      throw new RangeError(`flash access 0x${address.toString(16)}+${length} outside 0..0x${this.bytes.length.toString(16)}`);
    }
  }
}
