import { describe, expect, it } from 'vitest';
import { SlipDecoder, slipEncode } from '../../drivers/common/slip';

function collect() {
  const frames: number[][] = [];
  const noise: number[][] = [];
  const escapes: number[] = [];
  const overflows: number[] = [];
  const decoder = new SlipDecoder(
    {
      onFrame: (f) => frames.push([...f]),
      onNoise: (n) => noise.push([...n]),
      onInvalidEscape: (b) => escapes.push(b),
      onOverflow: (n) => overflows.push(n),
    },
    { maxFrameLength: 64 },
  );
  return { decoder, frames, noise, escapes, overflows };
}

describe('slipEncode', () => {
  it('frames and escapes END and ESC', () => {
    expect([...slipEncode(Uint8Array.from([1, 0xc0, 2, 0xdb, 3]))]).toEqual([0xc0, 1, 0xdb, 0xdc, 2, 0xdb, 0xdd, 3, 0xc0]);
  });
  it('frames an empty packet as END END', () => {
    expect([...slipEncode(new Uint8Array(0))]).toEqual([0xc0, 0xc0]);
  });
});

describe('SlipDecoder', () => {
  it('round-trips random packets fed one byte at a time and in odd chunks', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const packets = Array.from({ length: 50 }, (_, i) => Uint8Array.from({ length: 1 + (i % 40) }, () => (rnd() < 40 ? 0xc0 : rnd() < 40 ? 0xdb : rnd())));
    const stream = Uint8Array.from(packets.flatMap((p) => [...slipEncode(p)]));
    for (const chunk of [1, 3, 7, 1000]) {
      const { decoder, frames, noise } = collect();
      for (let i = 0; i < stream.length; i += chunk) decoder.push(stream.subarray(i, i + chunk));
      expect(frames).toEqual(packets.map((p) => [...p]));
      expect(noise).toEqual([]);
    }
  });

  it('reports bytes outside a frame as noise and still finds the next frame', () => {
    const { decoder, frames, noise } = collect();
    const banner = new TextEncoder().encode('ets Jun  8 2016\r\nboot:0x13\r\n');
    decoder.push(banner);
    decoder.push(slipEncode(Uint8Array.from([1, 8, 0])));
    expect(frames).toEqual([[1, 8, 0]]);
    expect(new TextDecoder().decode(Uint8Array.from(noise.flat()))).toContain('boot:0x13');
    expect(decoder.inFrame).toBe(false);
  });

  it('drops a frame with an invalid escape and reports the byte', () => {
    const { decoder, frames, escapes } = collect();
    decoder.push(Uint8Array.from([0xc0, 1, 0xdb, 0x41, 2, 0xc0]));
    decoder.push(slipEncode(Uint8Array.from([9])));
    expect(escapes).toEqual([0x41]);
    expect(frames).toEqual([[9]]);
  });

  it('drops frames longer than maxFrameLength', () => {
    const { decoder, frames, overflows } = collect();
    decoder.push(slipEncode(new Uint8Array(100).fill(7)));
    decoder.push(slipEncode(Uint8Array.from([5])));
    expect(overflows).toEqual([64]);
    expect(frames).toEqual([[5]]);
  });

  it('keeps a frame open across pushes and reset() forgets it', () => {
    const { decoder, frames } = collect();
    decoder.push(Uint8Array.from([0xc0, 1, 2]));
    expect(decoder.inFrame).toBe(true);
    decoder.reset();
    decoder.push(Uint8Array.from([3, 0xc0]));
    expect(frames).toEqual([]);
    decoder.push(Uint8Array.from([4, 0xc0]));
    expect(frames).toEqual([[4]]);
  });
});
