import { describe, expect, it } from 'vitest';
import { dataChecksum, decodeResponse, encodeCommand, encodeDataCommand, statusOf, words, Op, SYNC_PAYLOAD } from '../../drivers/esp32/protocol';
import { RESET_SEQUENCES } from '../../drivers/esp32/reset';
import { slipEncode } from '../../drivers/common/slip';

describe('ESP loader packets', () => {
  it('checksum is 0xEF XOR payload', () => {
    expect(dataChecksum(new Uint8Array(0))).toBe(0xef);
    expect(dataChecksum(Uint8Array.from([0xef]))).toBe(0);
    expect(dataChecksum(Uint8Array.from([1, 2, 4]))).toBe(0xef ^ 7);
  });

  it('checksum reads four bytes at a time but equals the byte-by-byte XOR at every alignment and length', () => {
    const bytes = Uint8Array.from({ length: 4099 }, (_, i) => (i * 131 + 7) & 0xff);
    for (const from of [0, 1, 2, 3, 5]) {
      for (const length of [0, 1, 3, 4, 7, 64, 4093]) {
        const data = bytes.subarray(from, from + length);
        expect(dataChecksum(data, 0x5a), `from ${from}, ${length} bytes`).toBe(data.reduce((c, b) => c ^ b, 0x5a));
      }
    }
  });

  it('encodes READ_REG 0x40001000 like esptool', () => {
    expect(Buffer.from(encodeCommand(Op.READ_REG, words(0x40001000))).toString('hex')).toBe('000a04000000000000100040');
  });

  it('encodes SYNC with 36 bytes of payload, SLIP framed', () => {
    const framed = slipEncode(encodeCommand(Op.SYNC, SYNC_PAYLOAD));
    expect(framed.length).toBe(2 + 8 + 36);
    expect(Buffer.from(framed.subarray(0, 13)).toString('hex')).toBe('c0000824000000000007071220');
  });

  it('puts the payload checksum in the header of data commands', () => {
    const payload = Uint8Array.from([0xaa, 0x55, 0x0f]);
    const packet = encodeDataCommand(Op.FLASH_DATA, 7, payload);
    const view = new DataView(packet.buffer);
    expect(view.getUint16(2, true)).toBe(16 + 3);
    expect(view.getUint32(4, true)).toBe(0xef ^ 0xaa ^ 0x55 ^ 0x0f);
    expect([...packet.subarray(8, 24)]).toEqual([...words(3, 7, 0, 0)]);
  });

  it('reads status after the expected payload for ROM (4 bytes) and stub (2 bytes) layouts', () => {
    // Real ESP32 ROM trace: READ_REG 0x40001000 → 01 0a 0400 831df000 00000000
    const rom = decodeResponse(Uint8Array.from(Buffer.from('010a0400831df00000000000', 'hex')))!;
    expect(rom.value).toBe(0x00f01d83);
    expect(statusOf(rom)).toEqual({ ok: true, error: 0 });
    const md5Stub = decodeResponse(Uint8Array.from([1, 0x13, 18, 0, 0, 0, 0, 0, ...new Array(16).fill(9), 1, 0xc1]))!;
    expect(statusOf(md5Stub, 16)).toEqual({ ok: false, error: 0xc1 });
    expect(decodeResponse(Uint8Array.from([0, 8, 0, 0, 0, 0, 0, 0]))).toBeNull();
  });

  it('reset sequences follow esptool: classic pulls EN then releases with GPIO0 low', () => {
    expect(RESET_SEQUENCES.classic).toEqual([{ dtr: false }, { rts: true }, 100, { dtr: true }, { rts: false }, { bootMs: 50 }, { dtr: false }]);
    expect(RESET_SEQUENCES.hard).toEqual([{ dtr: false }, { rts: true }, 100, { rts: false }]);
  });
});
