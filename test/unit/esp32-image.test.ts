import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { CHIPS } from '../../drivers/esp32/chips';
import { inspectEspImage, planImageWrite } from '../../drivers/esp32/esp-image';
import { FlashdeckError } from '../../drivers/common/errors';
import { buildEspImage, tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';

const seg = (loadAddress: number, n: number, fill = 0x11) => ({ loadAddress, data: new Uint8Array(n).fill(fill) });
const codes = (s: ReturnType<typeof inspectEspImage>) => s.problems.map((p) => p.code);
const board = (name: keyof typeof CHIPS, flashSizeBytes: number | null = 4 << 20, revision = { major: 3, minor: 1 }) => ({ chip: CHIPS[name], revision, flashSizeBytes });

function expectError(run: () => unknown, code: string, message: RegExp): FlashdeckError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FlashdeckError);
    const e = error as FlashdeckError;
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.hint).toBeTruthy();
    return e;
  }
  throw new Error(`expected ${code}`);
}

describe('inspectEspImage', () => {
  it('accepts a TinyGo ESP32 image and suggests 0x1000', () => {
    const image = tinygoStyleImage(0, 8000);
    const s = inspectEspImage(image, 'blinky.bin');
    expect(s).toMatchObject({ kind: 'tinygo-app', chip: 'esp32', chipId: 0, suggestedOffset: 0x1000, size: image.length, problems: [] });
    expect(s.image).toMatchObject({ checksumOk: true, sha256Ok: true, hashAppended: true, length: image.length });
    expect(s.image!.segments).toHaveLength(3);
  });

  it('suggests 0x0 for ESP32-C3, ESP32-S3 and ESP32-C6 images', () => {
    expect(inspectEspImage(tinygoStyleImage(5, 4000))).toMatchObject({ chip: 'esp32c3', suggestedOffset: 0 });
    expect(inspectEspImage(tinygoStyleImage(9, 4000))).toMatchObject({ chip: 'esp32s3', suggestedOffset: 0 });
    expect(inspectEspImage(tinygoStyleImage(13, 4000))).toMatchObject({ chip: 'esp32c6', suggestedOffset: 0 });
  });

  it('accepts an image without appended hash (newer TinyGo)', () => {
    const s = inspectEspImage(buildEspImage({ chipId: 5, segments: [seg(0x42000020, 100)], hashAppended: false }));
    expect(s.problems).toEqual([]);
    expect(s.image!.sha256Ok).toBeNull();
  });

  it('rejects a bad checksum', () => {
    const image = buildEspImage({ chipId: 0, segments: [seg(0x400d0020, 64)], hashAppended: false });
    image[image.length - 1] ^= 0xff;
    expect(codes(inspectEspImage(image))).toEqual(['IMAGE_BAD_CHECKSUM']);
  });

  it('checks the checksum wherever the file sits in memory, and finds one flipped byte anywhere in the data', () => {
    const image = buildEspImage({ chipId: 0, segments: [seg(0x3ffb0000, 37, 0x5a), seg(0x400d0020, 70_001, 0x33)], hashAppended: false });
    const [first, second] = inspectEspImage(image).image!.segments;
    for (const shift of [0, 1, 2, 3]) {
      const held = new Uint8Array(image.length + 8);
      held.set(image, shift);
      const view = held.subarray(shift, shift + image.length);
      expect(inspectEspImage(view).problems).toEqual([]);
      for (const at of [first.dataOffset + 5, second.dataOffset + 1, second.dataOffset + second.length - 1]) {
        view[at] ^= 0x10;
        expect(codes(inspectEspImage(view)), `byte ${at}, memory offset ${shift}`).toEqual(['IMAGE_BAD_CHECKSUM']);
        view[at] ^= 0x10;
      }
    }
  });

  it('rejects a stale SHA-256 (header edited after the build)', () => {
    const image = tinygoStyleImage(0, 4000);
    image[3] = 0x2f; // change flash size without recomputing the digest
    expect(codes(inspectEspImage(image))).toEqual(['IMAGE_BAD_SHA256']);
  });

  it('rejects segments that run past the end (truncated file)', () => {
    const image = tinygoStyleImage(0, 4000);
    const s = inspectEspImage(image.subarray(0, 2000));
    expect(codes(s)).toContain('IMAGE_SEGMENT_OUTSIDE');
    expect(s.problems[0].message).toMatch(/runs past the end of the file/);
  });

  it('rejects more than 16 segments and a hash flag other than 0/1', () => {
    const image = buildEspImage({ chipId: 0, segments: [seg(0x400d0020, 16)] });
    const many = image.slice();
    many[1] = 17;
    expect(codes(inspectEspImage(many))).toContain('IMAGE_TOO_MANY_SEGMENTS');
    const flag = image.slice();
    flag[23] = 0x31; // ASCII '1', esptool-js's defect
    expect(codes(inspectEspImage(flag))).toContain('IMAGE_BAD_HASH_FLAG');
  });

  it('flags images for chips Flashdeck cannot flash, and unknown chip ids', () => {
    expect(inspectEspImage(buildEspImage({ chipId: 16, segments: [seg(0x42000020, 16)] })).problems[0]).toMatchObject({
      code: 'IMAGE_UNSUPPORTED_CHIP',
      message: expect.stringMatching(/ESP32-H2/),
    });
    expect(codes(inspectEspImage(buildEspImage({ chipId: 77, segments: [seg(0x42000020, 16)] })))).toContain('IMAGE_UNKNOWN_CHIP');
  });

  it('treats a non-ESP file as raw data with no suggested offset', () => {
    const s = inspectEspImage(new Uint8Array(100).fill(0x42), 'data.bin');
    expect(s).toMatchObject({ kind: 'raw', chip: null, suggestedOffset: null });
    expect(s.problems).toEqual([expect.objectContaining({ code: 'IMAGE_NOT_ESP', severity: 'warning' })]);
  });

  it('detects merged images: padding + bootloader at 0x1000 (ESP32) and bootloader + partition table (C3)', () => {
    const app = tinygoStyleImage(0, 4000);
    const merged = new Uint8Array(0x1000 + app.length).fill(0xff);
    merged.set(app, 0x1000);
    expect(inspectEspImage(merged)).toMatchObject({ kind: 'merged', chip: 'esp32', suggestedOffset: 0, problems: [] });

    const c3 = new Uint8Array(0x10000).fill(0xff);
    c3.set(tinygoStyleImage(5, 4000), 0);
    c3.set([0xaa, 0x50], 0x8000);
    expect(inspectEspImage(c3)).toMatchObject({ kind: 'merged', chip: 'esp32c3', suggestedOffset: 0 });

    const wrong = new Uint8Array(0x1000 + 4000).fill(0xff);
    wrong.set(tinygoStyleImage(5, 4000), 0x1000);
    expect(codes(inspectEspImage(wrong))).toContain('IMAGE_BOOTLOADER_OFFSET');
  });

  it('recognises an ESP-IDF application by its app descriptor and suggests 0x10000', () => {
    const desc = new Uint8Array(256);
    new DataView(desc.buffer).setUint32(0, 0xabcd5432, true);
    const s = inspectEspImage(buildEspImage({ chipId: 0, segments: [{ loadAddress: 0x3f400020, data: desc }] }));
    expect(s).toMatchObject({ kind: 'raw', chip: 'esp32', suggestedOffset: 0x10000 });
    expect(codes(s)).toEqual(['IMAGE_NEEDS_BOOTLOADER']);
  });
});

describe('planImageWrite', () => {
  it('picks the bootloader offset per chip', () => {
    expect(planImageWrite(inspectEspImage(tinygoStyleImage(0, 4000)), board('esp32'), {}).offset).toBe(0x1000);
    expect(planImageWrite(inspectEspImage(tinygoStyleImage(5, 4000)), board('esp32c3'), {}).offset).toBe(0);
    expect(planImageWrite(inspectEspImage(tinygoStyleImage(9, 4000)), board('esp32s3'), {}).offset).toBe(0);
  });

  it('refuses an image for another chip, naming both', () => {
    expectError(
      () => planImageWrite(inspectEspImage(tinygoStyleImage(9, 4000), 'app.bin'), board('esp32'), {}),
      'ESP_CHIP_MISMATCH',
      /This image is for ESP32-S3, the board is an ESP32\./,
    );
    const forced = planImageWrite(inspectEspImage(tinygoStyleImage(9, 4000)), board('esp32'), { allowChipMismatch: true, offset: 0x1000 });
    expect(forced.warnings.join(' ')).toMatch(/ESP32-S3 image to an ESP32/);
  });

  it('checks min/max chip revision (0 and 0xFFFF mean unset)', () => {
    const newer = inspectEspImage(tinygoStyleImage(0, 4000, 1, { minRevFull: 300 }));
    expectError(() => planImageWrite(newer, board('esp32', 4 << 20, { major: 1, minor: 0 }), {}), 'ESP_CHIP_REVISION', /needs chip revision v3\.0 or newer.*v1\.0/);
    const capped = inspectEspImage(tinygoStyleImage(0, 4000, 1, { maxRevFull: 199 }));
    expectError(() => planImageWrite(capped, board('esp32'), {}), 'ESP_CHIP_REVISION', /up to v1\.99/);
    expect(() => planImageWrite(inspectEspImage(tinygoStyleImage(0, 4000, 1, { maxRevFull: 0xffff })), board('esp32'), {})).not.toThrow();
  });

  it('refuses an image larger than the flash', () => {
    expectError(() => planImageWrite(inspectEspImage(tinygoStyleImage(0, 40000)), board('esp32', 32 * 1024), {}), 'ESP_IMAGE_TOO_BIG', /do not fit/);
  });

  it('refuses corrupted files and needs an address for raw data', () => {
    const bad = tinygoStyleImage(0, 4000);
    bad[100] ^= 1;
    expectError(() => planImageWrite(inspectEspImage(bad, 'x.bin'), board('esp32'), {}), 'ESP_IMAGE_INVALID', /'x\.bin' cannot be flashed: .*checksum/);
    expectError(() => planImageWrite(inspectEspImage(new Uint8Array(10)), board('esp32'), {}), 'ESP_OFFSET_REQUIRED', /cannot tell where it belongs/);
    expect(planImageWrite(inspectEspImage(new Uint8Array(10)), board('esp32'), { offset: 0x20000 }).offset).toBe(0x20000);
    expectError(() => planImageWrite(inspectEspImage(new Uint8Array(10)), board('esp32'), { offset: 0x20010 }), 'ESP_OFFSET_UNALIGNED', /multiple of 4 KiB/);
  });

  it('warns when a TinyGo image is placed away from the bootloader offset', () => {
    const plan = planImageWrite(inspectEspImage(tinygoStyleImage(0, 4000)), board('esp32'), { offset: 0x10000 });
    expect(plan.offset).toBe(0x10000);
    expect(plan.warnings.join(' ')).toMatch(/boot from 0x00001000/);
  });

  it('the builder makes a digest esptool would accept', () => {
    const image = tinygoStyleImage(0, 4000);
    const digest = createHash('sha256')
      .update(image.subarray(0, image.length - 32))
      .digest();
    expect(Buffer.from(image.subarray(image.length - 32)).equals(digest)).toBe(true);
  });
});
