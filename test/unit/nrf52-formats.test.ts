import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { crc16Ccitt, crc32 } from '../../drivers/common/crc';
import { encodeHciAck, encodeHciFrame, initPayload, parseHciAck, parseHciPacket, startPayload, stopDataPayload, encodeHciPacket } from '../../drivers/nrf52/legacy-hci';
import { buildLegacyPackage, decodeLegacyInitPacket, encodeLegacyInitPacket, legacyManifest, legacyPackageProblems } from '../../drivers/nrf52/legacy-package';
import { decodeInitPacket, encodeInitPacket } from '../../drivers/nrf52/init-packet';
import { buildSecurePackage, readSecureZip, secureInitCommand, secureZipFromPackage } from '../../drivers/nrf52/secure-package';
import { readDfuZip, writeZip } from '../../drivers/nrf52/dfu-zip';
import { decodeUf2, encodeUf2, imageFromUf2Blocks, judgeUf2Block } from '../../drivers/nrf52/uf2';
import { imageFromBin, imageFromSegments, flattenImage } from '../../drivers/nrf52/firmware-image';
import { imageFromHex, imageToHex } from '../../drivers/nrf52/hex-image';
import { elfFromSegments, imageFromElf } from '../../drivers/nrf52/elf-image';
import { inspectNrfImage } from '../../drivers/nrf52/inspect-image';
import { softDeviceFromInfoValue } from '../../drivers/nrf52/nrf52-layout';
import { FlashdeckError } from '../../drivers/common/errors';

const hex = (s: string) =>
  Uint8Array.from(
    s
      .trim()
      .split(/\s+/)
      .map((b) => parseInt(b, 16)),
  );
const ascii = (s: string) => new TextEncoder().encode(s);

/** A TinyGo-like app: vector table (SP in RAM, reset handler inside the image) then pseudo-random code. */
function fakeApp(size: number, base: number, seed = 7): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x20040000, true);
  view.setUint32(4, (base + 0x101) >>> 0, true);
  return bytes;
}

describe('CRCs', () => {
  it('match the catalogue check values', () => {
    expect(crc16Ccitt(ascii('123456789'))).toBe(0x29b1);
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
  it('continue across chunks', () => {
    const data = fakeApp(5000, 0x26000);
    expect(crc32(data.subarray(1234), crc32(data.subarray(0, 1234)))).toBe(crc32(data));
    expect(crc16Ccitt(data.subarray(77), crc16Ccitt(data.subarray(0, 77)))).toBe(crc16Ccitt(data));
  });
});

describe('legacy HCI frames (reference 7.11 test vectors)', () => {
  it('encodes START, INIT and STOP exactly as adafruit-nrfutil', () => {
    expect([...encodeHciFrame(1, startPayload(1000))]).toEqual([...hex('c0 d1 4e 01 e0 03 00 00 00 04 00 00 00 00 00 00 00 00 00 00 00 e8 03 00 00 12 f7 c0')]);
    const dat = hex('52 00 ff ff ff ff ff ff 01 00 fe ff 42 a3');
    expect([...encodeHciFrame(2, initPayload(dat))]).toEqual([...hex('c0 da 4e 01 d7 01 00 00 00 52 00 ff ff ff ff ff ff 01 00 fe ff 42 a3 00 00 af 77 c0')]);
    expect([...encodeHciFrame(3, stopDataPayload())]).toEqual([...hex('c0 e3 4e 00 cf 05 00 00 00 12 8c c0')]);
  });
  it('encodes and parses ACKs', () => {
    expect([...encodeHciAck(2)]).toEqual([...hex('10 00 00 f0')]);
    expect([...encodeHciAck(3)]).toEqual([...hex('18 00 00 e8')]);
    expect([...encodeHciAck(4)]).toEqual([...hex('20 00 00 e0')]);
    expect(parseHciAck(hex('20 00 00 e0'))).toBe(4);
    expect(parseHciAck(hex('20 00 00 e1'))).toBeUndefined();
  });
  it('rejects corrupted packets the way the device does', () => {
    const packet = encodeHciPacket(5, startPayload(4096));
    const ok = parseHciPacket(packet);
    expect(ok.ok && ok.seq === 5 && ok.ack === 6).toBe(true);
    const bad = packet.slice();
    bad[10] ^= 0x04;
    expect(parseHciPacket(bad)).toEqual({ ok: false, reason: 'CRC wrong' });
    const badHeader = packet.slice();
    badHeader[2] ^= 1;
    expect(parseHciPacket(badHeader).ok).toBe(false);
  });
});

describe('legacy package', () => {
  it('builds the genpkg .dat with CRC over the 0xFF-padded image', () => {
    const app = fakeApp(1001, 0x26000);
    const pkg = buildLegacyPackage(app);
    expect(pkg.application.length).toBe(1004);
    expect([...pkg.application.subarray(1001)]).toEqual([0xff, 0xff, 0xff]);
    expect(pkg.initPacket.length).toBe(14);
    expect([...pkg.initPacket.subarray(0, 12)]).toEqual([...hex('52 00 ff ff ff ff ff ff 01 00 fe ff')]);
    const crc = crc16Ccitt(pkg.application);
    expect(pkg.initPacket[12] | (pkg.initPacket[13] << 8)).toBe(crc);
    expect(decodeLegacyInitPacket(pkg.initPacket)).toEqual(pkg.init);
    expect(legacyManifest(pkg).manifest.application.init_packet_data.firmware_crc16).toBe(crc);
    expect(legacyPackageProblems(pkg, 0xc4000)).toEqual([]);
  });
  it('flags a genpkg default device type and oversized images', () => {
    const pkg = buildLegacyPackage(fakeApp(64, 0x26000));
    const wrong = { ...pkg, init: { ...pkg.init, deviceType: 0xffff } };
    wrong.initPacket = encodeLegacyInitPacket(wrong.init);
    expect(legacyPackageProblems(wrong, 0xc4000).join(' ')).toMatch(/0xffff.*0x0052/);
    expect(legacyPackageProblems(pkg, 32).join(' ')).toMatch(/at most 32 bytes/);
  });
});

describe('Secure DFU init packet', () => {
  it('encodes the 68-byte pc-nrfutil packet for a 1000-byte app (reference 8.6)', () => {
    const app = fakeApp(1000, 0x1000);
    const bytes = encodeInitPacket(secureInitCommand(app));
    const digest = Uint8Array.from(createHash('sha256').update(app).digest()).reverse();
    const expected = new Uint8Array([...hex('0a 42 08 01 12 3e 08 01 10 34 1a 01 00 20 00 28 00 30 00 38 e8 07 42 24 08 03 12 20'), ...digest, ...hex('48 00 52 04 08 01 12 00')]);
    expect(bytes.length).toBe(68);
    expect([...bytes]).toEqual([...expected]);
  });
  it('round-trips through the decoder, including multi-byte varints and several sd_req', () => {
    const init = { ...secureInitCommand(fakeApp(300_000, 0x1000)), sdReq: [0x00, 0xb6, 0x101], fwVersion: 70000 };
    const decoded = decodeInitPacket(encodeInitPacket(init));
    expect(decoded.command?.opCode).toBe(1);
    expect(decoded.command?.init).toEqual(init);
  });
  it('throws on truncated input', () => {
    const bytes = encodeInitPacket(secureInitCommand(fakeApp(100, 0x1000)));
    expect(() => decodeInitPacket(bytes.subarray(0, 30))).toThrow(/truncated/);
  });
});

describe('DFU zips', () => {
  it('writes and reads a secure package, and tells the flavours apart', () => {
    const pkg = buildSecurePackage(fakeApp(40 * 1024 + 3, 0x1000));
    const zip = secureZipFromPackage(pkg);
    const read = readDfuZip(zip);
    expect(read.flavour).toBe('secure');
    expect(read.bin).toEqual(pkg.application);
    const { pkg: again, converted } = readSecureZip(zip);
    expect(converted).toBe(false);
    expect(again.init.appSize).toBe(pkg.application.length);
  });
  it('reads a TinyGo legacy zip and converts it for the secure bootloader', () => {
    const legacy = buildLegacyPackage(fakeApp(5000, 0x1000));
    const zip = writeZip({
      'manifest.json': JSON.stringify(legacyManifest(legacy)),
      'application.bin': legacy.application,
      'application.dat': legacy.initPacket,
    });
    expect(readDfuZip(zip).flavour).toBe('legacy');
    const { pkg, converted } = readSecureZip(zip);
    expect(converted).toBe(true);
    expect(pkg.application).toEqual(legacy.application);
    expect(decodeInitPacket(pkg.initPacket).command?.init?.hwVersion).toBe(52);
  });
  it('reports a truncated zip as NRF_BAD_ZIP', () => {
    const zip = secureZipFromPackage(buildSecurePackage(fakeApp(4000, 0x1000)));
    let error: unknown;
    try {
      readDfuZip(zip.subarray(0, zip.length - 40));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlashdeckError);
    expect((error as FlashdeckError).code).toBe('NRF_BAD_ZIP');
  });
});

describe('UF2 conversion', () => {
  it('cuts a 1000-byte .bin at 0x26000 into 4 family-tagged blocks (reference 6.3)', () => {
    const app = fakeApp(1000, 0x26000);
    const uf2 = encodeUf2(imageFromBin(app, 0x26000));
    expect(uf2.length).toBe(4 * 512);
    const { blocks, problems } = decodeUf2(uf2);
    expect(problems).toEqual([]);
    expect(blocks.map((b) => b.targetAddr)).toEqual([0x26000, 0x26100, 0x26200, 0x26300]);
    expect(blocks.every((b) => b.flags === 0x2000 && b.familyOrSize === 0xada52840 && b.numBlocks === 4 && b.payloadSize === 256)).toBe(true);
    expect(blocks.map((b) => b.blockNo)).toEqual([0, 1, 2, 3]);
    const back = flattenImage(imageFromUf2Blocks(blocks));
    expect(back.start).toBe(0x26000);
    expect(back.data.subarray(0, 1000)).toEqual(app);
    expect([...back.data.subarray(1000)].every((b) => b === 0xff)).toBe(true);
  });
  it('gives .hex one block per populated page with 0xFF holes', () => {
    const image = imageFromSegments([
      { address: 0x26000, data: fakeApp(300, 0x26000) },
      { address: 0x30010, data: Uint8Array.of(1, 2, 3, 4) },
    ]);
    const parsed = imageFromHex(imageToHex(image));
    expect(parsed).toEqual(image);
    const { blocks } = decodeUf2(encodeUf2(parsed));
    expect(blocks.map((b) => b.targetAddr)).toEqual([0x26000, 0x26100, 0x30000]);
    expect([...blocks[2].payload.subarray(0x10, 0x14)]).toEqual([1, 2, 3, 4]);
    expect(blocks[2].payload[0]).toBe(0xff);
  });
  it('reads ELF program headers at their physical addresses', () => {
    const text = fakeApp(2048, 0x27000);
    const data = Uint8Array.of(9, 8, 7, 6);
    const elf = elfFromSegments([
      { address: 0x27000, data: text },
      { address: 0x27800, data },
    ]);
    const image = imageFromElf(elf);
    expect(image.segments).toEqual([{ address: 0x27000, data: new Uint8Array([...text, ...data]) }]);
    const info = inspectNrfImage(elf, 'app.elf');
    expect(info).toMatchObject({ kind: 'elf', start: 0x27000, end: 0x27804, softDevice: 's140v7', problems: [] });
  });
  it('judges blocks like the Adafruit bootloader', () => {
    const [block] = decodeUf2(encodeUf2(imageFromBin(fakeApp(256, 0x26000), 0xea000))).blocks;
    const rules = { familyId: 0xada52840, appStart: 0x1000, appEnd: 0xea000 };
    expect(judgeUf2Block(block, rules)).toBe('reject');
    expect(judgeUf2Block({ ...block, targetAddr: 0x26000 }, rules)).toBe('write');
    expect(judgeUf2Block({ ...block, targetAddr: 0x26000, familyOrSize: 0x1b57745f }, rules)).toBe('ignore');
    expect(judgeUf2Block({ ...block, targetAddr: 0x26000, flags: 0 }, rules)).toBe('ignore');
  });
});

describe('inspectNrfImage', () => {
  const app = fakeApp(40 * 1024, 0x26000);
  it('recognises every kind and its SoftDevice', () => {
    const image = imageFromBin(app, 0x26000);
    expect(inspectNrfImage(app, 'firmware.bin')).toMatchObject({ kind: 'bin', start: 0x26000, end: 0x26000 + app.length, size: app.length, softDevice: 's140v6', problems: [] });
    expect(inspectNrfImage(ascii(imageToHex(image)), 'firmware.hex')).toMatchObject({ kind: 'hex', start: 0x26000, softDevice: 's140v6', problems: [] });
    expect(inspectNrfImage(encodeUf2(image), 'firmware.bin')).toMatchObject({ kind: 'uf2', familyId: 0xada52840, problems: [] });
    const legacy = buildLegacyPackage(app);
    const zip = writeZip({ 'manifest.json': JSON.stringify(legacyManifest(legacy)), 'application.bin': legacy.application, 'application.dat': legacy.initPacket });
    expect(inspectNrfImage(zip, 'pkg.zip')).toMatchObject({ kind: 'zip-legacy', start: 0x26000 });
    const dongle = fakeApp(8192, 0x1000);
    expect(inspectNrfImage(secureZipFromPackage(buildSecurePackage(dongle)), 'x.zip')).toMatchObject({ kind: 'zip-secure', start: 0x1000, softDevice: 'none' });
  });
  it('lists problems: wrong family, oversize, odd base', () => {
    const wrongFamily = encodeUf2(imageFromBin(app, 0x26000), 0x1b57745f);
    expect(inspectNrfImage(wrongFamily, 'x.uf2').problems.join(' ')).toMatch(/family is 0x1b57745f/);
    const huge = encodeUf2(imageFromBin(new Uint8Array(0xea000 - 0x26000 + 256), 0x26000));
    expect(inspectNrfImage(huge, 'x.uf2').problems.join(' ')).toMatch(/past 0xEA000/);
    expect(inspectNrfImage(app, 'x.bin', { binBase: 0x30000 }).problems.join(' ')).toMatch(/no known SoftDevice/);
  });
  it('parses INFO_UF2.TXT SoftDevice values', () => {
    expect(softDeviceFromInfoValue('S140 6.1.1')).toBe('s140v6');
    expect(softDeviceFromInfoValue('S140 7.3.0')).toBe('s140v7');
    expect(softDeviceFromInfoValue('not found')).toBe('none');
    expect(softDeviceFromInfoValue('garbage')).toBeUndefined();
  });
});
