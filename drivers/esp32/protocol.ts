/**
 * ESP serial loader packets: opcodes, the 8-byte header, the data checksum and status bytes.
 * Pure functions only; talking to a port is loader.ts's job.
 *
 * Command:  00 op len16 checksum32 data…
 * Response: 01 op len16 value32 data… where data ends with status bytes:
 *   ROM 4 bytes (status, error, 0, 0), stub 2 bytes (status, error).
 * Like esptool ≥5, status is read right after the payload we expect for that command, so the
 * same code handles both layouts.
 */
export const Op = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  READ_FLASH_SLOW: 0x0e,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  READ_FLASH: 0xd2,
  RUN_USER_CODE: 0xd3,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

export const OP_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Op).map(([name, code]) => [code, name]));

/** Payload of SYNC: 07 07 12 20 then 32 × 0x55. */
export const SYNC_PAYLOAD = Uint8Array.from([0x07, 0x07, 0x12, 0x20, ...new Array(32).fill(0x55)]);
/** `value` the ROM puts in every SYNC reply; a running stub puts 0. */
export const ROM_SYNC_VALUE = 0x20120707;

export const CHECKSUM_SEED = 0xef;
/** The stub's unsolicited greeting once it runs. */
export const OHAI = Uint8Array.from([0x4f, 0x48, 0x41, 0x49]);

export const ROM_STATUS_BYTES = 4;
export const STUB_STATUS_BYTES = 2;

/** Data block sizes (esptool: ESP_RAM_BLOCK, FLASH_WRITE_SIZE for ROM and stub). */
export const RAM_BLOCK = 0x1800;
export const ROM_FLASH_BLOCK = 0x400;
export const STUB_FLASH_BLOCK = 0x4000;
export const FLASH_SECTOR = 0x1000;

/** ROM error codes (second status byte). */
export const ROM_ERRORS: Record<number, string> = {
  0x05: 'received message is invalid (or command not supported)',
  0x06: 'failed to act on received message',
  0x07: 'invalid CRC in message',
  0x08: 'flash write error',
  0x09: 'flash read error',
  0x0a: 'flash read length error',
  0x0b: 'deflate error',
  0x0c: 'deflate error',
  0x0d: 'deflate error',
  0x0e: 'invalid RAM binary size',
  0x0f: 'invalid RAM binary address',
};

/** Stub error codes (legacy stub_flasher.h; esp-flasher-stub keeps them). */
export const STUB_ERRORS: Record<number, string> = {
  0xc0: 'bad data length',
  0xc1: 'bad data checksum',
  0xc2: 'bad block size',
  0xc3: 'invalid command',
  0xc4: 'SPI operation failed',
  0xc5: 'SPI unlock failed',
  0xc6: 'not in flash mode',
  0xc7: 'inflate error',
  0xc8: 'not enough data',
  0xc9: 'too much data',
  0xff: 'command not implemented',
};

export const ERR_INVALID_MESSAGE = 0x05;
export const ERR_ROM_CHECKSUM = 0x07;
export const ERR_STUB_CHECKSUM = 0xc1;

export function describeError(code: number): string {
  return ROM_ERRORS[code] ?? STUB_ERRORS[code] ?? `error 0x${code.toString(16).padStart(2, '0')}`;
}

/**
 * The ESP checksum of data blocks and image segments: the seed (0xEF) XOR every byte, four bytes at
 * a time where aligned (a megabyte in about a millisecond, even before the JIT warms up).
 */
export function dataChecksum(data: Uint8Array, seed = CHECKSUM_SEED): number {
  let c = seed;
  let i = 0;
  while (i < data.length && (data.byteOffset + i) % 4 !== 0) c ^= data[i++];
  const wordCount = Math.floor((data.length - i) / 4);
  if (wordCount > 0) {
    const view = new Uint32Array(data.buffer, data.byteOffset + i, wordCount);
    let w = 0;
    for (let k = 0; k < wordCount; k++) w ^= view[k];
    c ^= (w ^ (w >>> 8) ^ (w >>> 16) ^ (w >>> 24)) & 0xff;
    i += wordCount * 4;
  }
  while (i < data.length) c ^= data[i++];
  return c;
}

/** Little-endian u32 words as bytes. */
export function words(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(i * 4, v >>> 0, true));
  return out;
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Command packet (unframed): header + data. */
export function encodeCommand(op: number, data: Uint8Array = new Uint8Array(0), checksum = 0): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  const view = new DataView(out.buffer);
  out[0] = 0x00;
  out[1] = op;
  view.setUint16(2, data.length, true);
  view.setUint32(4, checksum >>> 0, true);
  out.set(data, 8);
  return out;
}

/** The 16-byte `len, seq, 0, 0` header plus payload of *_DATA commands, with its checksum. */
export function encodeDataCommand(op: number, seq: number, payload: Uint8Array): Uint8Array {
  return encodeCommand(op, concatBytes(words(payload.length, seq, 0, 0), payload), dataChecksum(payload));
}

export interface Response {
  op: number;
  value: number;
  /** Everything after the 8-byte header: payload then status bytes. */
  data: Uint8Array;
}

/** Parses a response frame; null when it is not one (wrong direction, too short, length mismatch). */
export function decodeResponse(frame: Uint8Array): Response | null {
  if (frame.length < 8 || frame[0] !== 0x01) return null;
  const len = frame[2] | (frame[3] << 8);
  if (frame.length < 8 + len) return null;
  return { op: frame[1], value: readU32(frame, 4), data: frame.subarray(8, 8 + len) };
}

export interface Status {
  ok: boolean;
  error: number;
}

/** Status bytes that follow `payloadLength` bytes of expected payload. */
export function statusOf(response: Response, payloadLength = 0): Status | null {
  if (response.data.length < payloadLength + 2) return null;
  const status = response.data[payloadLength];
  const error = response.data[payloadLength + 1];
  return { ok: status === 0, error };
}

/** Command packet as the device sees it. */
export interface Command {
  op: number;
  checksum: number;
  data: Uint8Array;
}

export function decodeCommand(frame: Uint8Array): Command | null {
  if (frame.length < 8 || frame[0] !== 0x00) return null;
  const len = frame[2] | (frame[3] << 8);
  if (frame.length !== 8 + len) return null;
  return { op: frame[1], checksum: readU32(frame, 4), data: frame.subarray(8) };
}

export function encodeResponse(op: number, value: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  const view = new DataView(out.buffer);
  out[0] = 0x01;
  out[1] = op;
  view.setUint16(2, data.length, true);
  view.setUint32(4, value >>> 0, true);
  out.set(data, 8);
  return out;
}

export function hex(value: number, digits = 8): string {
  return '0x' + (value >>> 0).toString(16).padStart(digits, '0');
}
