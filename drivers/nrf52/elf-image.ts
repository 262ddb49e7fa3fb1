/**
 * ELF32 (little-endian, as TinyGo emits for Cortex-M) → FirmwareImage from the PT_LOAD program
 * headers at their physical (load) addresses, i.e. what objcopy would put into flash.
 */
import { FlashdeckError } from '../common/errors';
import { imageFromSegments, type FirmwareImage, type ImageSegment } from './firmware-image';

const PT_LOAD = 1;

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

function badElf(message: string): FlashdeckError {
  return new FlashdeckError({
    code: 'NRF_BAD_ELF',
    stage: 'reading-image',
    message: `The ELF file cannot be used: ${message}`,
    hint: 'Flash the .hex or .uf2 from tinygo build instead, or rebuild the ELF for an nRF52 target.',
  });
}

export function imageFromElf(bytes: Uint8Array): FirmwareImage {
  if (!isElf(bytes)) throw badElf('it does not start with the ELF magic');
  if (bytes[4] !== 1) throw badElf('it is not a 32-bit ELF (nRF52 is 32-bit)');
  if (bytes[5] !== 1) throw badElf('it is not little-endian');
  if (bytes.length < 52) throw badElf('the header is truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const phoff = view.getUint32(0x1c, true);
  const phentsize = view.getUint16(0x2a, true);
  const phnum = view.getUint16(0x2c, true);
  if (phnum === 0) throw badElf('it has no program headers');
  if (phentsize < 32 || phoff + phnum * phentsize > bytes.length) throw badElf('the program header table is truncated');
  const segments: ImageSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const type = view.getUint32(at, true);
    const offset = view.getUint32(at + 4, true);
    const paddr = view.getUint32(at + 12, true);
    const filesz = view.getUint32(at + 16, true);
    if (type !== PT_LOAD || filesz === 0) continue;
    if (offset + filesz > bytes.length) throw badElf(`segment ${i} runs past the end of the file`);
    segments.push({ address: paddr, data: bytes.slice(offset, offset + filesz) });
  }
  if (!segments.length) throw badElf('it has no loadable segments with data');
  return imageFromSegments(segments);
}

/** Builds a minimal ELF32 with one PT_LOAD per segment (tests and fixtures). */
export function elfFromSegments(segments: ImageSegment[], entry = 0): Uint8Array {
  const headerSize = 52;
  const phSize = 32;
  let dataOffset = headerSize + phSize * segments.length;
  const total = dataOffset + segments.reduce((n, s) => n + s.data.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  view.setUint16(16, 2, true); // ET_EXEC
  view.setUint16(18, 40, true); // EM_ARM
  view.setUint32(20, 1, true);
  view.setUint32(24, entry, true);
  view.setUint32(28, headerSize, true);
  view.setUint16(40, headerSize, true);
  view.setUint16(42, phSize, true);
  view.setUint16(44, segments.length, true);
  segments.forEach((segment, i) => {
    const at = headerSize + i * phSize;
    view.setUint32(at, PT_LOAD, true);
    view.setUint32(at + 4, dataOffset, true);
    view.setUint32(at + 8, segment.address, true);
    view.setUint32(at + 12, segment.address, true);
    view.setUint32(at + 16, segment.data.length, true);
    view.setUint32(at + 20, segment.data.length, true);
    view.setUint32(at + 24, 5, true);
    view.setUint32(at + 28, 4, true);
    out.set(segment.data, dataOffset);
    dataOffset += segment.data.length;
  });
  return out;
}
