/**
 * The Adafruit nRF52 bootloader's side of legacy serial DFU, written for the simulator from the
 * bootloader's sources (nRF5 SDK 11 hci_transport.c / dfu_transport_serial.c, Adafruit's
 * dfu_init.c), not from the driver: the three-wire HCI packet it receives, the ACK it sends, the DFU
 * packet types, and the init packet it checks.
 *
 * HCI packet: a 4-byte header — byte 0: seq (bits 0–2), ack (3–5), data integrity (6), reliable (7);
 * byte 1: packet type (bits 0–3), payload length bits 0–3 (4–7); byte 2: payload length bits 4–11;
 * byte 3: makes the header's byte sum 0 mod 256 — then the payload, then CRC-16/CCITT over header
 * and payload, little-endian, when the integrity bit is set.
 */
import { simCrc16 } from '../common/sim-crc';

/** HCI packet type of DFU data: vendor specific. */
const VENDOR_SPECIFIC = 14;

/** dfu_transport_serial.c's packet types (first word of the payload). */
export const DFU_PACKET = { INIT: 1, STOP_INIT: 2, START: 3, DATA: 4, STOP_DATA: 5 } as const;
/** START's mode word: bit 2 = application (bit 0 SoftDevice, bit 1 bootloader). */
export const DFU_UPDATE_APPLICATION = 4;
/** dfu_init.c: the device type Adafruit boards accept, and the SoftDevice requirement "any". */
export const ADAFRUIT_DEVICE_TYPE = 0x0052;
export const ANY_SOFTDEVICE = 0xfffe;

export type ReceivedHciPacket = { ok: true; seq: number; payload: Uint8Array } | { ok: false; reason: string };

/** What the bootloader makes of one SLIP-decoded packet: a reliable vendor packet with its payload, or why it was dropped. */
export function receiveHciPacket(packet: Uint8Array): ReceivedHciPacket {
  if (packet.length < 4) return { ok: false, reason: 'shorter than a header' };
  const [flags, typeAndLength, lengthHigh] = packet;
  if ((packet[0] + packet[1] + packet[2] + packet[3]) % 256 !== 0) return { ok: false, reason: 'header checksum wrong' };
  const integrity = (flags >> 6) & 1;
  const reliable = (flags >> 7) & 1;
  if (!reliable) return { ok: false, reason: 'not a reliable packet' };
  if ((typeAndLength & 0x0f) !== VENDOR_SPECIFIC) return { ok: false, reason: `packet type ${typeAndLength & 0x0f} is not vendor specific` };
  const payloadLength = (typeAndLength >> 4) + lengthHigh * 16;
  const crcLength = integrity ? 2 : 0;
  if (packet.length !== 4 + payloadLength + crcLength) return { ok: false, reason: `length ${packet.length} does not match the header's ${payloadLength}-byte payload` };
  if (integrity) {
    const sent = packet[packet.length - 2] + packet[packet.length - 1] * 256;
    if (simCrc16(packet.subarray(0, packet.length - 2)) !== sent) return { ok: false, reason: 'CRC wrong' };
  }
  return { ok: true, seq: flags & 7, payload: packet.slice(4, 4 + payloadLength) };
}

/** The ACK the bootloader sends: a bare header, unreliable, no integrity check, acknowledging up to `next`. */
export function hciAck(next: number): Uint8Array {
  const flags = (next % 8) * 8;
  return Uint8Array.of(flags, 0, 0, (256 - flags) % 256);
}

/** dfu_init_packet_t as dfu_init.c reads it; the CRC-16 of the image is the first word after the SoftDevice list. */
export interface BootloaderInitPacket {
  deviceType: number;
  deviceRevision: number;
  applicationVersion: number;
  softDevices: number[];
  imageCrc16?: number;
}

export function readInitPacket(bytes: Uint8Array): BootloaderInitPacket | undefined {
  const u16 = (at: number) => bytes[at] + bytes[at + 1] * 256;
  if (bytes.length < 10) return undefined;
  const count = u16(8);
  const listEnd = 10 + count * 2;
  if (bytes.length < listEnd) return undefined;
  return {
    deviceType: u16(0),
    deviceRevision: u16(2),
    applicationVersion: (u16(4) + u16(6) * 65536) >>> 0,
    softDevices: Array.from({ length: count }, (_, i) => u16(10 + i * 2)),
    ...(bytes.length >= listEnd + 2 ? { imageCrc16: u16(listEnd) } : {}),
  };
}
