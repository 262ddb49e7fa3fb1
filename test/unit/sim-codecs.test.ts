/**
 * The simulators' own SLIP and CRCs (simulators/common), held to published check values and to the
 * firmware behaviour they stand for, and cross-checked against the drivers' independent codecs:
 * the two must agree on every valid stream, so a bug in either shows up here and not silently in both.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc16Ccitt, crc32 } from '../../drivers/common/crc';
import { SlipDecoder, slipEncode } from '../../drivers/common/slip';
import { EndTerminatedSlipDecoder, encodeEndTerminated } from '../../drivers/nrf52/end-terminated-slip';
import { simCrc16, simCrc32 } from '../../simulators/common/sim-crc';
import { SlipReceiver, slipFrame } from '../../simulators/common/sim-slip';

const ascii = (text: string) => new TextEncoder().encode(text);
const bytes = (...values: number[]) => Uint8Array.from(values);

function receive(dialect: 'delimited' | 'end-terminated', stream: Uint8Array, maxPacket?: number): number[][] {
  const packets: number[][] = [];
  const receiver = new SlipReceiver(dialect, (p) => packets.push([...p]), maxPacket);
  for (const b of stream) receiver.push(bytes(b)); // byte by byte, as a UART delivers
  return packets;
}

describe('simulator CRCs', () => {
  it('match the published check values for "123456789"', () => {
    expect(simCrc16(ascii('123456789'))).toBe(0x29b1); // CRC-16/CCITT-FALSE
    expect(simCrc32(ascii('123456789'))).toBe(0xcbf43926); // CRC-32/ISO-HDLC (zlib)
  });

  it('continue from a previous result, and agree with the drivers on random data', () => {
    for (let n = 0; n < 50; n++) {
      const data = new Uint8Array(randomBytes(n * 37));
      const split = Math.floor(data.length / 3);
      expect(simCrc16(data.subarray(split), simCrc16(data.subarray(0, split)))).toBe(simCrc16(data));
      expect(simCrc32(data.subarray(split), simCrc32(data.subarray(0, split)))).toBe(simCrc32(data));
      expect(simCrc16(data)).toBe(crc16Ccitt(data));
      expect(simCrc32(data)).toBe(crc32(data));
    }
  });
});

describe('simulator SLIP', () => {
  it('escapes END and ESC, and frames per dialect', () => {
    expect([...slipFrame(bytes(1, 0xc0, 2, 0xdb, 3))]).toEqual([0xc0, 1, 0xdb, 0xdc, 2, 0xdb, 0xdd, 3, 0xc0]);
    expect([...slipFrame(bytes(0xc0), 'end-terminated')]).toEqual([0xdb, 0xdc, 0xc0]);
  });

  it('delimited (ESP ROM, Nordic HCI): ignores bytes between packets, END END is a boundary', () => {
    const stream = bytes(...ascii('boot banner\r\n'), 0xc0, 0xc0, 1, 2, 0xc0, 7, 7, 0xc0, 3, 0xdb, 0xdc, 0xc0);
    expect(receive('delimited', stream)).toEqual([
      [1, 2],
      [3, 0xc0],
    ]);
  });

  it('end-terminated (Nordic SDK DFU): every byte belongs to a packet and a bare END is an empty one', () => {
    expect(receive('end-terminated', bytes(1, 2, 0xc0, 0xc0, 3, 0xc0))).toEqual([[1, 2], [], [3]]);
  });

  it('drops a packet with a broken escape or one longer than the buffer, and receives the next', () => {
    expect(receive('delimited', bytes(0xc0, 1, 0xdb, 0x01, 2, 0xc0, 0xc0, 5, 0xc0))).toEqual([[5]]);
    expect(receive('end-terminated', bytes(1, 0xdb, 0x01, 2, 0xc0, 5, 0xc0))).toEqual([[5]]);
    expect(receive('delimited', bytes(0xc0, 1, 2, 3, 4, 5, 0xc0, 0xc0, 6, 0xc0), 4)).toEqual([[6]]);
  });

  it('agrees with the drivers\u2019 encoders and decoders on random packets, both ways', () => {
    for (let n = 0; n < 40; n++) {
      const packets = Array.from({ length: 5 }, (_, i) => new Uint8Array(randomBytes(1 + ((n * 13 + i * 97) % 600))).map((b) => (i % 2 ? b : b | 0xc0)));
      const fromDriver = (encode: (p: Uint8Array) => Uint8Array) => Buffer.concat(packets.map((p) => encode(p)));
      expect(receive('delimited', fromDriver(slipEncode))).toEqual(packets.map((p) => [...p]));
      expect(receive('end-terminated', fromDriver(encodeEndTerminated))).toEqual(packets.map((p) => [...p]));

      const delimited: number[][] = [];
      const decoder = new SlipDecoder({ onFrame: (f) => delimited.push([...f]) });
      decoder.push(Buffer.concat(packets.map((p) => slipFrame(p))));
      expect(delimited).toEqual(packets.map((p) => [...p]));
      const terminated: number[][] = [];
      new EndTerminatedSlipDecoder({ onFrame: (f) => terminated.push([...f]) }).push(Buffer.concat(packets.map((p) => slipFrame(p, 'end-terminated'))));
      expect(terminated).toEqual(packets.map((p) => [...p]));
    }
  });
});
