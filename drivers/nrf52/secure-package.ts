/**
 * Secure DFU packages for the Nordic Open DFU bootloader (PCA10059): build one from TinyGo's .bin/.hex
 * output (what `nrfutil pkg generate --hw-version 52 --sd-req 0x00 --application …` makes), read one,
 * and convert TinyGo's legacy-flavour zip (tinygo issue #4089) into one.
 */
import { createHash } from 'node:crypto';
import { FlashdeckError } from '../common/errors';
import { padTo } from './firmware-image';
import { decodeInitPacket, encodeInitPacket, FwType, HashType, ValidationType, type InitCommand } from './init-packet';
import { readDfuZip, writeZip, type DfuZip } from './dfu-zip';

export interface SecureDfuPackage {
  application: Uint8Array;
  initPacket: Uint8Array;
  init: InitCommand;
}

export interface SecurePackageOptions {
  hwVersion?: number;
  sdReq?: number[];
  fwVersion?: number;
}

/** pc-nrfutil stores the SHA-256 digest byte-reversed ("little endian"). */
export function reversedSha256(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(createHash('sha256').update(bytes).digest()).reverse();
}

export function secureInitCommand(application: Uint8Array, options: SecurePackageOptions = {}): InitCommand {
  return {
    fwVersion: options.fwVersion ?? 1,
    hwVersion: options.hwVersion ?? 52,
    sdReq: options.sdReq ?? [0x00],
    type: FwType.APPLICATION,
    sdSize: 0,
    blSize: 0,
    appSize: application.length,
    hash: { hashType: HashType.SHA256, hash: reversedSha256(application) },
    isDebug: false,
    bootValidation: [{ type: ValidationType.VALIDATE_GENERATED_CRC, bytes: new Uint8Array(0) }],
  };
}

export function buildSecurePackage(applicationBin: Uint8Array, options: SecurePackageOptions = {}): SecureDfuPackage {
  const application = padTo(applicationBin, 4, 0xff);
  const init = secureInitCommand(application, options);
  return { application, init, initPacket: encodeInitPacket(init) };
}

export function secureZipFromPackage(pkg: SecureDfuPackage): Uint8Array {
  return writeZip({
    'manifest.json': JSON.stringify({ manifest: { application: { bin_file: 'application.bin', dat_file: 'application.dat' } } }, null, 4),
    'application.bin': pkg.application,
    'application.dat': pkg.initPacket,
  });
}

/**
 * A Secure DFU package from a zip: a secure zip is used as is; TinyGo's legacy zip (its pca10059
 * output since 2023) is converted by rebuilding the init packet for the same image.
 */
export function securePackageFromZip(zip: DfuZip, options: SecurePackageOptions = {}): { pkg: SecureDfuPackage; converted: boolean } {
  if (zip.flavour === 'legacy') return { pkg: buildSecurePackage(zip.bin, options), converted: true };
  let init: InitCommand | undefined;
  try {
    const packet = decodeInitPacket(zip.dat);
    if (packet.signed) {
      // Signed packages are passed through unchanged: the bootloader checks the signature.
      return { pkg: { application: zip.bin, initPacket: zip.dat, init: signedPlaceholder(zip.bin) }, converted: false };
    }
    init = packet.command?.init;
  } catch (error) {
    throw new FlashdeckError({
      code: 'NRF_BAD_ZIP',
      stage: 'reading-image',
      message: `The package's init packet is not valid: ${(error as Error).message}.`,
      hint: 'Rebuild the package, or flash the .hex from tinygo build instead.',
    });
  }
  if (!init) {
    throw new FlashdeckError({ code: 'NRF_BAD_ZIP', stage: 'reading-image', message: "The package's init packet has no init command.", hint: 'Rebuild the package.' });
  }
  if (init.appSize !== zip.bin.length) {
    throw new FlashdeckError({
      code: 'NRF_BAD_ZIP',
      stage: 'reading-image',
      message: `The package's init packet announces ${init.appSize} bytes but the image has ${zip.bin.length} (truncated or mismatched package).`,
      hint: 'Rebuild the package.',
    });
  }
  return { pkg: { application: zip.bin, initPacket: zip.dat, init }, converted: false };
}

function signedPlaceholder(application: Uint8Array): InitCommand {
  return { sdReq: [], type: FwType.APPLICATION, sdSize: 0, blSize: 0, appSize: application.length, bootValidation: [] };
}

export function readSecureZip(bytes: Uint8Array, options: SecurePackageOptions = {}): { pkg: SecureDfuPackage; converted: boolean } {
  return securePackageFromZip(readDfuZip(bytes), options);
}
