/**
 * The nRF52 simulators' own codecs, checked against bytes written out by hand from the bootloader
 * sources (not against the drivers' encoders), and then against what the drivers send, so a
 * disagreement shows on one side or the other.
 */
import { describe, expect, it } from 'vitest';
import { encodeInitPacket } from '../../drivers/nrf52/init-packet';
import { encodeHciPacket } from '../../drivers/nrf52/legacy-hci';
import { imageFromBin } from '../../drivers/nrf52/firmware-image';
import { encodeUf2 } from '../../drivers/nrf52/uf2';
import { ANY_SOFTDEVICE, DFU_PACKET, hciAck, readInitPacket, receiveHciPacket } from '../../simulators/nrf52/sim-hci';
import { decodeCommandObject, wordAt, wordsLe } from '../../simulators/nrf52/sim-secure-dfu-codec';
import { appStartBehind, blocksInSectors, driveVerdict, NRF52840_FAMILY } from '../../simulators/nrf52/sim-uf2';

// seq 1, ack 2, integrity + reliable; vendor packet, 4-byte payload (DATA); header sum 0; CRC-16/CCITT-FALSE 0xF4C0.
const HCI_DATA = Uint8Array.of(0xd1, 0x4e, 0x00, 0xe1, 0x04, 0x00, 0x00, 0x00, 0xc0, 0xf4);

describe('legacy DFU (sim-hci)', () => {
  it('takes a reliable vendor packet written out by hand, and the driver writes the same bytes', () => {
    expect(receiveHciPacket(HCI_DATA)).toEqual({ ok: true, seq: 1, payload: Uint8Array.of(DFU_PACKET.DATA, 0, 0, 0) });
    expect(encodeHciPacket(1, Uint8Array.of(4, 0, 0, 0))).toEqual(HCI_DATA);
  });

  it('drops what the bootloader drops: a bad CRC, a bad header sum, an unreliable packet, a length the header does not declare', () => {
    const crc = HCI_DATA.slice();
    crc[9] ^= 1;
    expect(receiveHciPacket(crc)).toEqual({ ok: false, reason: 'CRC wrong' });
    const sum = HCI_DATA.slice();
    sum[3] ^= 1;
    expect(receiveHciPacket(sum)).toMatchObject({ ok: false, reason: 'header checksum wrong' });
    expect(receiveHciPacket(Uint8Array.of(0x51, 0x4e, 0x00, 0x61, 4, 0, 0, 0))).toMatchObject({ ok: false, reason: 'not a reliable packet' });
    // The header says 5 payload bytes; 4 came (a driver that miscounted would be caught here).
    expect(receiveHciPacket(Uint8Array.of(0xd1, 0x5e, 0x00, 0xd1, 4, 0, 0, 0, 0, 0))).toMatchObject({ ok: false, reason: /does not match/ });
  });

  it('reads a 12-bit payload length (a 516-byte DATA packet) the way the driver writes it', () => {
    const payload = new Uint8Array(516).fill(0xab);
    const parsed = receiveHciPacket(encodeHciPacket(7, payload));
    expect(parsed).toMatchObject({ ok: true, seq: 7 });
    expect(parsed.ok && parsed.payload.length).toBe(516);
  });

  it('acknowledges with a bare header, the sequence number wrapping after 7', () => {
    expect(hciAck(3)).toEqual(Uint8Array.of(0x18, 0, 0, 0xe8));
    expect(hciAck(8)).toEqual(Uint8Array.of(0, 0, 0, 0));
  });

  it("reads Adafruit's init packet: device 0x0052, any SoftDevice, then the image's CRC-16", () => {
    const init = Uint8Array.of(0x52, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0xfe, 0xff, 0x34, 0x12);
    expect(readInitPacket(init)).toEqual({ deviceType: 0x52, deviceRevision: 0xffff, applicationVersion: 0xffffffff, softDevices: [ANY_SOFTDEVICE], imageCrc16: 0x1234 });
    expect(readInitPacket(init.subarray(0, 12))).toEqual({ deviceType: 0x52, deviceRevision: 0xffff, applicationVersion: 0xffffffff, softDevices: [ANY_SOFTDEVICE] });
    expect(readInitPacket(init.subarray(0, 11))).toBeUndefined();
  });
});

/** One UF2 sector written field by field (uf2.h). */
function sector(fields: { flags?: number; addr: number; size?: number; family?: number; magicEnd?: number }): Uint8Array {
  const bytes = new Uint8Array(512);
  const view = new DataView(bytes.buffer);
  [0x0a324655, 0x9e5d5157, fields.flags ?? 0x2000, fields.addr, fields.size ?? 256, 0, 1, fields.family ?? 0xada52840].forEach((w, i) => view.setUint32(i * 4, w, true));
  view.setUint32(508, fields.magicEnd ?? 0x0ab16f30, true);
  return bytes;
}

describe('UF2 drive (sim-uf2)', () => {
  const area = { appStart: 0x26000, appEnd: 0xea000 };
  const verdictOf = (bytes: Uint8Array) => driveVerdict(blocksInSectors(bytes)[0], area);

  it('writes an nRF52840 application block, skips other families, memories, sizes and the MBR page, and refuses the SoftDevice area', () => {
    expect(verdictOf(sector({ addr: 0x26000 }))).toBe('write');
    expect(verdictOf(sector({ addr: 0x26000, family: 0x68ed2b88 }))).toBe('ignore'); // another chip's family
    expect(verdictOf(sector({ addr: 0x26000, flags: 0 }))).toBe('ignore'); // no family id
    expect(verdictOf(sector({ addr: 0x26000, flags: 0x2001 }))).toBe('ignore'); // not main flash
    expect(verdictOf(sector({ addr: 0x26000, size: 476 }))).toBe('ignore');
    expect(verdictOf(sector({ addr: 0x800 }))).toBe('ignore');
    expect(verdictOf(sector({ addr: 0x1000 }))).toBe('reject');
    expect(blocksInSectors(sector({ addr: 0x26000, magicEnd: 0 }))).toEqual([]);
  });

  it("finds the driver's blocks with their addresses and data", () => {
    const data = new Uint8Array(600).map((_, i) => i & 0xff);
    const blocks = blocksInSectors(encodeUf2(imageFromBin(data, 0x26000), NRF52840_FAMILY));
    expect(blocks.map((b) => [b.targetAddr, b.blockNo, b.numBlocks, driveVerdict(b, area)])).toEqual([
      [0x26000, 0, 3, 'write'],
      [0x26100, 1, 3, 'write'],
      [0x26200, 2, 3, 'write'],
    ]);
    expect(blocks[2].payload.subarray(0, 88)).toEqual(data.subarray(512));
  });

  it('puts the application behind the SoftDevice INFO_UF2.TXT names', () => {
    expect(appStartBehind('S140 6.1.1')).toBe(0x26000);
    expect(appStartBehind('S140 7.3.0')).toBe(0x27000);
    expect(appStartBehind(null)).toBe(0x1000);
    expect(() => appStartBehind('S999 1.0.0')).toThrow(/knows no SoftDevice/);
  });
});

describe('Secure DFU (sim-secure-dfu-codec)', () => {
  const hash = new Uint8Array(32).map((_, i) => i);
  // Packet { command { op_code: INIT, init { fw_version 1, hw_version 52, sd_req [0x00, 0x100] packed, type APPLICATION,
  // app_size 1000, hash { SHA256, 32 bytes }, field 15 = 9 (unknown to the bootloader) } } }, written field by field.
  const initFields = [0x08, 0x01, 0x10, 0x34, 0x1a, 0x03, 0x00, 0x80, 0x02, 0x20, 0x00, 0x38, 0xe8, 0x07, 0x42, 0x24, 0x08, 0x03, 0x12, 0x20, ...hash, 0x78, 0x09];
  const command = [0x08, 0x01, 0x12, initFields.length, ...initFields];
  const packet = Uint8Array.of(0x0a, command.length, ...command);

  it('reads an unsigned init command written out by hand, skipping a field it does not know', () => {
    expect(decodeCommandObject(packet)).toEqual({ signed: false, init: { fwVersion: 1, hwVersion: 52, sdReq: [0, 0x100], type: 0, appSize: 1000, hash: { hashType: 3, hash } } });
  });

  it('takes sd_req unpacked too, says a signed packet is signed, and refuses a truncated one', () => {
    const unpacked = [0x18, 0x00, 0x18, 0x80, 0x02, 0x38, 0x10];
    expect(decodeCommandObject(Uint8Array.of(0x0a, unpacked.length + 4, 0x08, 0x01, 0x12, unpacked.length, ...unpacked))).toEqual({
      signed: false,
      init: { sdReq: [0, 0x100], appSize: 16 },
    });
    expect(decodeCommandObject(Uint8Array.of(0x12, 0x02, 0x08, 0x01))).toEqual({ signed: true });
    expect(() => decodeCommandObject(packet.subarray(0, 20))).toThrow(/past the end|truncated/);
  });

  it("reads the driver's init packet as the driver meant it", () => {
    const encoded = encodeInitPacket({
      fwVersion: 7,
      hwVersion: 52,
      sdReq: [0x00],
      type: 0,
      sdSize: 0,
      blSize: 0,
      appSize: 40_972,
      hash: { hashType: 3, hash },
      bootValidation: [],
    });
    expect(decodeCommandObject(encoded)).toMatchObject({ signed: false, init: { fwVersion: 7, hwVersion: 52, sdReq: [0], type: 0, appSize: 40_972, hash: { hashType: 3, hash } } });
  });

  it('writes response words little-endian and reads them back', () => {
    expect(wordsLe([0x200, 0x12345678])).toEqual([0x00, 0x02, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12]);
    expect(wordAt(Uint8Array.of(9, 0x78, 0x56, 0x34, 0x92), 1)).toBe(0x92345678);
  });
});
