/**
 * Builds ESP app images the way TinyGo's builder/esp.go does (header, 4-byte padded segments,
 * checksum at ≡15 mod 16, optional SHA-256), so tests and benchmarks have realistic files
 * without a TinyGo toolchain. Also: code-like filler with realistic compressibility.
 */
import { createHash, randomBytes } from 'node:crypto';
import { seededRandom } from '../common/faults';

export interface ImageSegment {
  loadAddress: number;
  data: Uint8Array;
}

export interface BuildImageOptions {
  chipId: number;
  segments: ImageSegment[];
  entry?: number;
  /** Header byte 2: 2 = DIO (TinyGo). */
  flashMode?: number;
  /** Header byte 3: 0x1f = 2 MB, 80 MHz (TinyGo). */
  flashSizeFreq?: number;
  minRevFull?: number;
  maxRevFull?: number;
  /** TinyGo ≤0.40 appends a SHA-256 (true); newer espflasher-era builds do not. */
  hashAppended?: boolean;
}

export function buildEspImage(o: BuildImageOptions): Uint8Array {
  const parts: number[] = [];
  const header = new Uint8Array(24);
  const view = new DataView(header.buffer);
  header[0] = 0xe9;
  header[1] = o.segments.length;
  header[2] = o.flashMode ?? 2;
  header[3] = o.flashSizeFreq ?? 0x1f;
  view.setUint32(4, o.entry ?? o.segments[0]?.loadAddress ?? 0, true);
  header[8] = 0xee;
  view.setUint16(12, o.chipId, true);
  view.setUint16(15, o.minRevFull ?? 0, true);
  view.setUint16(17, o.maxRevFull ?? 0, true);
  header[23] = (o.hashAppended ?? true) ? 1 : 0;
  parts.push(...header);
  let checksum = 0xef;
  for (const seg of o.segments) {
    const padded = new Uint8Array(Math.ceil(seg.data.length / 4) * 4);
    padded.set(seg.data);
    const sh = new Uint8Array(8);
    new DataView(sh.buffer).setUint32(0, seg.loadAddress, true);
    new DataView(sh.buffer).setUint32(4, padded.length, true);
    parts.push(...sh);
    for (const b of padded) {
      parts.push(b);
      checksum ^= b;
    }
  }
  while (parts.length % 16 !== 15) parts.push(0);
  parts.push(checksum);
  let out = Uint8Array.from(parts);
  if (o.hashAppended ?? true) {
    const digest = createHash('sha256').update(out).digest();
    const withHash = new Uint8Array(out.length + 32);
    withHash.set(out);
    withHash.set(digest, out.length);
    out = withHash;
  }
  return out;
}

/**
 * Bytes that compress like firmware (deflate to roughly half): instruction-like words drawn from
 * a small vocabulary with random operands, string tables, and zero runs.
 */
export function firmwareLikeBytes(length: number, seed = 1): Uint8Array {
  const random = seededRandom(seed);
  const out = new Uint8Array(length);
  const vocabulary = Array.from({ length: 48 }, () => Math.floor(random() * 0xffffff));
  const words = ['runtime', 'machine', 'panic: ', 'index out of range', 'nil pointer', 'Hello from TinyGo', 'uart', 'gpio', 'heap'];
  let i = 0;
  while (i < length) {
    const r = random();
    if (r < 0.7) {
      // A 3-byte instruction: common opcode, sometimes a random operand.
      const op = vocabulary[Math.floor(random() * vocabulary.length)];
      const operand = random() < 0.8 ? Math.floor(random() * 256) : (op >> 16) & 0xff;
      out[i++] = op & 0xff;
      if (i < length) out[i++] = (op >> 8) & 0xff;
      if (i < length) out[i++] = operand;
    } else if (r < 0.8) {
      const w = words[Math.floor(random() * words.length)];
      for (let k = 0; k < w.length && i < length; k++) out[i++] = w.charCodeAt(k);
    } else if (r < 0.87) {
      const n = 4 + Math.floor(random() * 60);
      for (let k = 0; k < n && i < length; k++) out[i++] = 0;
    } else {
      const n = 4 + Math.floor(random() * 12);
      for (let k = 0; k < n && i < length; k++) out[i++] = Math.floor(random() * 256);
    }
  }
  return out;
}

/** A TinyGo-style image of about `size` bytes for `chipId` (IROM/DROM/DRAM-like segments). */
export function tinygoStyleImage(chipId: number, size: number, seed = 1, options: Partial<BuildImageOptions> = {}): Uint8Array {
  const body = Math.max(64, size - 24 - 3 * 8 - 48);
  const code = firmwareLikeBytes(Math.floor(body * 0.7), seed);
  const rodata = firmwareLikeBytes(Math.floor(body * 0.25), seed + 1);
  const data = firmwareLikeBytes(body - code.length - rodata.length, seed + 2);
  const riscv = chipId !== 0 && chipId !== 2 && chipId !== 9;
  return buildEspImage({
    chipId,
    segments: [
      { loadAddress: riscv ? 0x3c000020 : 0x3f400020, data: rodata },
      { loadAddress: riscv ? 0x3fc80000 : 0x3ffb0000, data },
      { loadAddress: riscv ? 0x42000020 : 0x400d0020, data: code },
    ],
    entry: riscv ? 0x42000020 : 0x400d0020,
    ...options,
  });
}

/** A TinyGo ESP32 app padded with random bytes to `kib` KiB: deflate cannot shrink it, so the write takes as long as its size says. */
export function incompressibleImage(kib: number, seed = 1): Uint8Array {
  const image = tinygoStyleImage(0, 8 * 1024, seed);
  const out = new Uint8Array(kib * 1024);
  out.set(image);
  out.set(randomBytes(out.length - image.length), image.length);
  return out;
}
