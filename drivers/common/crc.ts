/**
 * Checksums the nRF52 bootloaders use.
 *
 * - CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR): the legacy (SDK 11)
 *   HCI frame check and the image CRC in a legacy init packet.
 * - CRC-32 (IEEE / zlib, reflected poly 0xEDB88320): Secure DFU object checks, cumulative over
 *   everything sent for an object type, so it takes the previous value to continue from.
 */

/** CRC-16/CCITT-FALSE; pass a previous result as `crc` to continue over more bytes. */
export function crc16Ccitt(bytes: Uint8Array, crc = 0xffff): number {
  let value = crc & 0xffff;
  for (let i = 0; i < bytes.length; i++) {
    value ^= bytes[i] << 8;
    for (let bit = 0; bit < 8; bit++) {
      value = value & 0x8000 ? ((value << 1) ^ 0x1021) & 0xffff : (value << 1) & 0xffff;
    }
  }
  return value;
}

const crc32Table: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (zlib). `previous` is the CRC of the bytes before these (0 for none), as zlib's crc32(data, value). */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crc32Table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
