/**
 * The checks the nRF52 bootloaders compute, written for the simulators apart from the drivers'
 * (bit by bit, as the bootloaders' own crc16_compute / crc32_compute do), so one slip cannot hide
 * on both sides of a cross-check.
 */

/** CRC-16/CCITT-FALSE (Nordic crc16_compute: poly 0x1021, start 0xFFFF); `start` continues a previous result. */
export function simCrc16(bytes: Uint8Array, start = 0xffff): number {
  let crc = start;
  for (const byte of bytes) {
    crc = ((crc >> 8) | (crc << 8)) & 0xffff;
    crc ^= byte;
    crc ^= (crc & 0xff) >> 4;
    crc ^= (crc << 12) & 0xffff;
    crc ^= ((crc & 0xff) << 5) & 0xffff;
  }
  return crc;
}

/** CRC-32 (IEEE, reflected; Nordic crc32_compute); `previous` is the CRC of the bytes before these (0 for none). */
export function simCrc32(bytes: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}
