/**
 * Nordic Secure DFU request/response vocabulary (nRF5 SDK nrf_dfu_req_handler.h; nrf52-flashing.md 8.2, 8.3).
 */
export const SecureOp = {
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

export const ObjectType = { COMMAND: 1, DATA: 2 } as const;

export const SecureResult = {
  INVALID: 0x00,
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

export const SecureExtError = {
  NO_ERROR: 0x00,
  INVALID_ERROR_CODE: 0x01,
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
  FW_ALREADY_PRESENT: 0x0e,
} as const;

export const RESULT_TEXT: Record<number, string> = {
  0x00: 'invalid result',
  0x02: 'opcode not supported',
  0x03: 'invalid parameter',
  0x04: 'insufficient resources',
  0x05: 'invalid object',
  0x07: 'unsupported object type',
  0x08: 'operation not permitted',
  0x0a: 'operation failed',
};

/** Extended errors as a person should read them, with what to do (failure catalogue #10). */
export const EXT_ERROR_TEXT: Record<number, { message: string; hint: string }> = {
  0x02: { message: 'the init packet is malformed', hint: 'Rebuild the package; Flashdeck can build one from the .hex or .bin.' },
  0x03: { message: 'the init packet holds an unknown command', hint: 'Rebuild the package from the .hex or .bin.' },
  0x04: {
    message: 'the init packet is invalid for this bootloader (unsupported image type or sizes)',
    hint: 'Only application updates are supported; rebuild from the .hex or .bin.',
  },
  0x05: {
    message: 'the firmware version is lower than the installed one (downgrade prevention)',
    hint: 'Raise the application version of the package, or erase the board with a debug probe.',
  },
  0x06: { message: 'the package is for different hardware (hw_version is not 52)', hint: 'Build the package for the nRF52840 (hw_version 52).' },
  0x07: {
    message: 'the package requires a different SoftDevice (sd_req does not match the board)',
    hint: 'TinyGo pca10059 images use no SoftDevice: build the package with sd_req 0x00 (Flashdeck does this from a .hex or .bin).',
  },
  0x08: {
    message: "this bootloader only accepts signed packages (it is not Nordic's open bootloader)",
    hint: 'Sign the package with the key the bootloader was built with, or flash the dongle with a debug probe.',
  },
  0x09: { message: 'the init packet uses a hash type the bootloader does not support', hint: 'Rebuild the package with a SHA-256 hash.' },
  0x0a: { message: 'the bootloader could not compute the image hash', hint: 'Retry; if it persists, reset the dongle and retry.' },
  0x0b: { message: 'the signature type is not supported', hint: 'Sign with ECDSA P-256.' },
  0x0c: { message: 'the transferred image does not match the hash in the init packet', hint: 'Retry the upload; check the cable.' },
  0x0d: { message: 'the image is too large for the application area', hint: 'Reduce the program size.' },
  0x0e: { message: 'this firmware is already installed', hint: 'Nothing to do, or change the version to reinstall.' },
};

export function u32le(values: number[]): number[] {
  const out: number[] = [];
  for (const v of values) out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  return out;
}

export function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}
