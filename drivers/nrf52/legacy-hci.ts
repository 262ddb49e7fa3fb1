/**
 * The SDK 11 HCI reliable-packet layer the Adafruit bootloader's serial DFU runs on
 * (nrf52-flashing.md 7.2-7.4): 4-byte header, payload, CRC-16/CCITT, inside a SLIP frame that both
 * starts and ends with 0xC0.
 */
import { crc16Ccitt } from '../common/crc';
import { slipEncode } from '../common/slip';

export const HCI_PACKET_TYPE_VENDOR = 14;

function headerChecksum(b0: number, b1: number, b2: number): number {
  return (~(b0 + b1 + b2) + 1) & 0xff;
}

/** The decoded (unescaped) reliable packet: header + payload + CRC-16 LE. The ACK number is (seq + 1) % 8. */
export function encodeHciPacket(seq: number, payload: Uint8Array): Uint8Array {
  const length = payload.length;
  const out = new Uint8Array(4 + length + 2);
  const b0 = (seq & 7) | (((seq + 1) & 7) << 3) | 0x40 | 0x80;
  const b1 = HCI_PACKET_TYPE_VENDOR | ((length & 0xf) << 4);
  const b2 = (length >> 4) & 0xff;
  out.set([b0, b1, b2, headerChecksum(b0, b1, b2)]);
  out.set(payload, 4);
  const crc = crc16Ccitt(out.subarray(0, 4 + length));
  out[4 + length] = crc & 0xff;
  out[5 + length] = crc >> 8;
  return out;
}

/** An HCI packet on the wire: C0 + escaped packet + C0. */
export function encodeHciFrame(seq: number, payload: Uint8Array): Uint8Array {
  return slipEncode(encodeHciPacket(seq, payload));
}

/** The device's ACK packet: header only, unreliable, no DIP, carrying the next sequence number it expects. */
export function encodeHciAck(expected: number): Uint8Array {
  const b0 = (expected & 7) << 3;
  return new Uint8Array([b0, 0, 0, headerChecksum(b0, 0, 0)]);
}

/** The ACK number of a decoded frame, or undefined when the frame is not a well-formed ACK. */
export function parseHciAck(frame: Uint8Array): number | undefined {
  if (frame.length !== 4) return undefined;
  if (((frame[0] + frame[1] + frame[2] + frame[3]) & 0xff) !== 0) return undefined;
  if (frame[0] & 0xc0) return undefined; // ACKs are unreliable and carry no DIP
  return (frame[0] >> 3) & 7;
}

export type HciParseResult = { ok: true; seq: number; ack: number; payload: Uint8Array; declaredLength: number } | { ok: false; reason: string };

/** Device-side validation as in hci_transport.c is_rx_pkt_valid(); the declared length is not enforced there either. */
export function parseHciPacket(frame: Uint8Array): HciParseResult {
  if (frame.length <= 4) return { ok: false, reason: 'too short' };
  const [b0, b1, b2, b3] = frame;
  if (!(b0 & 0x40)) return { ok: false, reason: 'data integrity flag missing' };
  if (!(b0 & 0x80)) return { ok: false, reason: 'not a reliable packet' };
  if ((b1 & 0xf) !== HCI_PACKET_TYPE_VENDOR) return { ok: false, reason: 'packet type is not vendor specific' };
  if (((b0 + b1 + b2 + b3) & 0xff) !== 0) return { ok: false, reason: 'header checksum wrong' };
  if (frame.length < 6) return { ok: false, reason: 'too short for a CRC' };
  const crc = frame[frame.length - 2] | (frame[frame.length - 1] << 8);
  if (crc16Ccitt(frame.subarray(0, frame.length - 2)) !== crc) return { ok: false, reason: 'CRC wrong' };
  return {
    ok: true,
    seq: b0 & 7,
    ack: (b0 >> 3) & 7,
    payload: frame.slice(4, frame.length - 2),
    declaredLength: (b1 >> 4) | (b2 << 4),
  };
}

/** DFU packet types carried in the first u32 of an HCI payload (dfu_types.h). */
export const LegacyDfuPacket = {
  INIT: 1,
  STOP_INIT: 2,
  START: 3,
  DATA: 4,
  STOP_DATA: 5,
} as const;

export const LEGACY_MODE_APPLICATION = 4;
/** adafruit-nrfutil's DFU_PACKET_MAX_SIZE. */
export const LEGACY_DATA_CHUNK = 512;

function u32(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(i * 4, v >>> 0, true));
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function startPayload(appSize: number, softDeviceSize = 0, bootloaderSize = 0, mode = LEGACY_MODE_APPLICATION): Uint8Array {
  return u32([LegacyDfuPacket.START, mode, softDeviceSize, bootloaderSize, appSize]);
}

/** INIT body = the .dat followed by two zero bytes (adafruit-nrfutil send_init_packet). */
export function initPayload(initPacket: Uint8Array): Uint8Array {
  return concat(u32([LegacyDfuPacket.INIT]), concat(initPacket, new Uint8Array(2)));
}

export function dataPayload(chunk: Uint8Array): Uint8Array {
  return concat(u32([LegacyDfuPacket.DATA]), chunk);
}

export function stopDataPayload(): Uint8Array {
  return u32([LegacyDfuPacket.STOP_DATA]);
}
