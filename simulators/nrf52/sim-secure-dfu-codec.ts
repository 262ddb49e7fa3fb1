/**
 * The Nordic Secure DFU bootloader's side of the protocol, written for the simulator from the SDK
 * (nrf_dfu_req_handler.h, nrf_dfu_types.h, dfu-cc.proto as nanopb decodes it), not from the driver:
 * opcodes, result and extended error codes, and the init packet the bootloader reads.
 */

/** nrf_dfu_op_t. */
export const DFU_OP = {
  PROTOCOL_VERSION: 0x00,
  OBJECT_CREATE: 0x01,
  RECEIPT_NOTIF_SET: 0x02,
  CRC_GET: 0x03,
  OBJECT_EXECUTE: 0x04,
  OBJECT_SELECT: 0x06,
  MTU_GET: 0x07,
  OBJECT_WRITE: 0x08,
  PING: 0x09,
  HARDWARE_VERSION: 0x0a,
  FIRMWARE_VERSION: 0x0b,
  ABORT: 0x0c,
  RESPONSE: 0x60,
} as const;

/** nrf_dfu_obj_type_t. */
export const DFU_OBJECT = { COMMAND: 0x01, DATA: 0x02 } as const;

/** nrf_dfu_result_t. */
export const DFU_RESULT = {
  SUCCESS: 0x01,
  OP_CODE_NOT_SUPPORTED: 0x02,
  INVALID_PARAMETER: 0x03,
  INSUFFICIENT_RESOURCES: 0x04,
  INVALID_OBJECT: 0x05,
  UNSUPPORTED_TYPE: 0x07,
  OPERATION_NOT_PERMITTED: 0x08,
  OPERATION_FAILED: 0x0a,
  EXT_ERROR: 0x0b,
} as const;

/** nrf_dfu_ext_error_code_t: the byte after EXT_ERROR. */
export const DFU_EXT_ERROR = {
  WRONG_COMMAND_FORMAT: 0x02,
  UNKNOWN_COMMAND: 0x03,
  INIT_COMMAND_INVALID: 0x04,
  FW_VERSION_FAILURE: 0x05,
  HW_VERSION_FAILURE: 0x06,
  SD_VERSION_FAILURE: 0x07,
  SIGNATURE_MISSING: 0x08,
  WRONG_HASH_TYPE: 0x09,
  HASH_FAILED: 0x0a,
  WRONG_SIGNATURE_TYPE: 0x0b,
  VERIFICATION_FAILED: 0x0c,
  INSUFFICIENT_SPACE: 0x0d,
} as const;

/** dfu-cc.proto's FwType and HashType values the bootloader checks. */
export const FW_TYPE_APPLICATION = 0;
export const HASH_SHA256 = 3;

/** Little-endian 32-bit words, as responses carry them. */
export function wordsLe(values: number[]): number[] {
  return values.flatMap((v) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
}

export function wordAt(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

/** The fields of dfu_init_command_t the bootloader looks at. */
export interface BootloaderInitCommand {
  fwVersion?: number;
  hwVersion?: number;
  sdReq: number[];
  type?: number;
  appSize: number;
  /** As stored: pc-nrfutil writes the SHA-256 byte-reversed. */
  hash?: { hashType?: number; hash: Uint8Array };
}

/** What dfu_decode_commmand makes of the command object: an unsigned init command, a signed packet, or neither. */
export type DecodedPacket = { signed: true } | { signed: false; init?: BootloaderInitCommand };

type Field = { number: number; varint?: number; bytes?: Uint8Array };

/** Protobuf wire format, as nanopb reads it: varints, length-delimited fields, fixed 32/64 skipped; anything else is malformed. */
function fields(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (at >= bytes.length) throw new Error('truncated varint');
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return value;
    }
    throw new Error('varint too long');
  };
  while (at < bytes.length) {
    const key = varint();
    const number = Math.floor(key / 8);
    switch (key % 8) {
      case 0:
        out.push({ number, varint: varint() });
        break;
      case 2: {
        const length = varint();
        if (at + length > bytes.length) throw new Error('field runs past the end');
        out.push({ number, bytes: bytes.subarray(at, at + length) });
        at += length;
        break;
      }
      case 1:
        at += 8;
        break;
      case 5:
        at += 4;
        break;
      default:
        throw new Error(`wire type ${key % 8} is not one nanopb reads`);
    }
    if (at > bytes.length) throw new Error('field runs past the end');
  }
  return out;
}

/** A packed or unpacked `repeated uint32` (nanopb takes both): one varint, or a run of them. */
function uint32s(field: Field): number[] {
  if (field.varint !== undefined) return [field.varint];
  const bytes = field.bytes!;
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const byte of bytes) {
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(byte & 0x80)) {
      values.push(value);
      value = 0;
      shift = 0;
    }
  }
  if (shift !== 0) throw new Error('truncated packed varint');
  return values;
}

function readInit(bytes: Uint8Array): BootloaderInitCommand {
  const init: BootloaderInitCommand = { sdReq: [], appSize: 0 };
  for (const f of fields(bytes)) {
    if (f.number === 1 && f.varint !== undefined) init.fwVersion = f.varint;
    else if (f.number === 2 && f.varint !== undefined) init.hwVersion = f.varint;
    else if (f.number === 3) init.sdReq.push(...uint32s(f));
    else if (f.number === 4 && f.varint !== undefined) init.type = f.varint;
    else if (f.number === 7 && f.varint !== undefined) init.appSize = f.varint;
    else if (f.number === 8 && f.bytes) {
      const hash: { hashType?: number; hash: Uint8Array } = { hash: new Uint8Array(0) };
      for (const h of fields(f.bytes)) {
        if (h.number === 1 && h.varint !== undefined) hash.hashType = h.varint;
        else if (h.number === 2 && h.bytes) hash.hash = h.bytes.slice();
      }
      init.hash = hash;
    }
    // sd_size, bl_size, is_debug, boot_validation and unknown fields: not checked for an application.
  }
  return init;
}

/** dfu_decode_commmand: Packet { command = 1; signed_command = 2 }, Command { op_code = 1; init = 2 }. Throws on a malformed packet. */
export function decodeCommandObject(bytes: Uint8Array): DecodedPacket {
  let decoded: DecodedPacket = { signed: false };
  for (const f of fields(bytes)) {
    if (f.number === 2 && f.bytes) return { signed: true };
    if (f.number === 1 && f.bytes) {
      const init = fields(f.bytes).find((c) => c.number === 2 && c.bytes);
      decoded = { signed: false, ...(init?.bytes ? { init: readInit(init.bytes) } : {}) };
    }
  }
  return decoded;
}
