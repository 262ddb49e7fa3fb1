/**
 * Adafruit / SDK 11 legacy DFU packages: the init packet (.dat) and the .zip with manifest.json
 * (nrf52-flashing.md 7.6, 7.7; byte-identical to adafruit-nrfutil dfu genpkg --dev-type 0x0052 and TinyGo's nrfutil.go).
 */
import { crc16Ccitt } from '../common/crc';
import { FlashdeckError } from '../common/errors';
import { padTo } from './firmware-image';
import { writeZip } from './dfu-zip';

export const ADAFRUIT_DEVICE_TYPE = 0x0052;
export const SOFTDEVICE_ANY = 0xfffe;

export interface LegacyInitPacket {
  deviceType: number;
  deviceRevision: number;
  applicationVersion: number;
  softDeviceReq: number[];
  /** CRC-16/CCITT-FALSE of the image (the extension the Adafruit bootloader requires). */
  firmwareCrc16?: number;
}

export function encodeLegacyInitPacket(init: LegacyInitPacket): Uint8Array {
  const size = 10 + 2 * init.softDeviceReq.length + (init.firmwareCrc16 === undefined ? 0 : 2);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint16(0, init.deviceType, true);
  view.setUint16(2, init.deviceRevision, true);
  view.setUint32(4, init.applicationVersion >>> 0, true);
  view.setUint16(8, init.softDeviceReq.length, true);
  init.softDeviceReq.forEach((sd, i) => view.setUint16(10 + 2 * i, sd, true));
  if (init.firmwareCrc16 !== undefined) view.setUint16(10 + 2 * init.softDeviceReq.length, init.firmwareCrc16, true);
  return out;
}

/** Returns undefined when the bytes are too short to be a legacy init packet. */
export function decodeLegacyInitPacket(bytes: Uint8Array): LegacyInitPacket | undefined {
  if (bytes.length < 10) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint16(8, true);
  if (bytes.length < 10 + 2 * count) return undefined;
  const softDeviceReq = Array.from({ length: count }, (_, i) => view.getUint16(10 + 2 * i, true));
  const crcAt = 10 + 2 * count;
  return {
    deviceType: view.getUint16(0, true),
    deviceRevision: view.getUint16(2, true),
    applicationVersion: view.getUint32(4, true),
    softDeviceReq,
    firmwareCrc16: bytes.length >= crcAt + 2 ? view.getUint16(crcAt, true) : undefined,
  };
}

export interface LegacyDfuPackage {
  /** Application image, padded to whole words with 0xFF. */
  application: Uint8Array;
  initPacket: Uint8Array;
  init: LegacyInitPacket;
}

/** What `adafruit-nrfutil dfu genpkg --dev-type 0x0052 --application app.bin` would make, padding included. */
export function buildLegacyPackage(applicationBin: Uint8Array): LegacyDfuPackage {
  const application = padTo(applicationBin, 4, 0xff);
  const init: LegacyInitPacket = {
    deviceType: ADAFRUIT_DEVICE_TYPE,
    deviceRevision: 0xffff,
    applicationVersion: 0xffffffff,
    softDeviceReq: [SOFTDEVICE_ANY],
    firmwareCrc16: crc16Ccitt(application),
  };
  return { application, init, initPacket: encodeLegacyInitPacket(init) };
}

export interface LegacyManifest {
  manifest: {
    application: {
      bin_file: string;
      dat_file: string;
      init_packet_data: {
        application_version: number;
        device_revision: number;
        device_type: number;
        firmware_crc16: number;
        softdevice_req: number[];
      };
    };
    dfu_version: number;
  };
}

export function legacyManifest(pkg: LegacyDfuPackage, binName = 'application.bin', datName = 'application.dat'): LegacyManifest {
  return {
    manifest: {
      application: {
        bin_file: binName,
        dat_file: datName,
        init_packet_data: {
          application_version: pkg.init.applicationVersion,
          device_revision: pkg.init.deviceRevision,
          device_type: pkg.init.deviceType,
          firmware_crc16: pkg.init.firmwareCrc16 ?? 0,
          softdevice_req: pkg.init.softDeviceReq,
        },
      },
      dfu_version: 0.5,
    },
  };
}

/**
 * Rules the Adafruit bootloader enforces (dfu_init.c, dfu_single_bank.c), checked before the board is
 * touched so a bad package is a clear error instead of a silent reset.
 */
export function legacyPackageProblems(pkg: LegacyDfuPackage, maxAppSize: number): string[] {
  const problems: string[] = [];
  if (pkg.init.deviceType !== ADAFRUIT_DEVICE_TYPE) {
    problems.push(
      `The init packet's device type is 0x${pkg.init.deviceType.toString(16).padStart(4, '0')}, the Adafruit bootloader only accepts 0x0052 (build it with adafruit-nrfutil dfu genpkg --dev-type 0x0052).`,
    );
  }
  if (pkg.init.firmwareCrc16 === undefined) problems.push('The init packet has no image CRC; the Adafruit bootloader rejects it.');
  else if (pkg.init.firmwareCrc16 !== crc16Ccitt(pkg.application)) problems.push('The init packet CRC does not match the image (corrupt package).');
  if (pkg.initPacket.length > 128) problems.push('The init packet is longer than 128 bytes.');
  if (pkg.application.length % 4 !== 0) problems.push('The image size is not a multiple of 4 bytes.');
  if (pkg.application.length === 0) problems.push('The image is empty.');
  if (pkg.application.length > maxAppSize) {
    problems.push(`The image is ${pkg.application.length} bytes; the application region holds at most ${maxAppSize} bytes.`);
  }
  return problems;
}

export function assertLegacyPackage(pkg: LegacyDfuPackage, maxAppSize: number): void {
  const problems = legacyPackageProblems(pkg, maxAppSize);
  if (problems.length) {
    throw new FlashdeckError({
      code: 'NRF_DFU_BAD_PACKAGE',
      stage: 'preparing',
      message: problems.join(' '),
      hint: 'Rebuild the image with tinygo build for this board, or pick the right file.',
    });
  }
}

/** The .zip adafruit-nrfutil / TinyGo (pca10059 since 2023) would write for this package. */
export function legacyZipFromPackage(pkg: LegacyDfuPackage): Uint8Array {
  return writeZip({
    'manifest.json': JSON.stringify(legacyManifest(pkg), null, 4),
    'application.bin': pkg.application,
    'application.dat': pkg.initPacket,
  });
}
