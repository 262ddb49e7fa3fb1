/**
 * DFU .zip packages: read one, tell the legacy (Adafruit, SDK 11) flavour from the Secure DFU
 * flavour (nrf52-flashing.md 8.8), and write one.
 */
import { unzipSync, zipSync, strFromU8, strToU8 } from 'fflate';
import { FlashdeckError } from '../common/errors';

export type DfuZipFlavour = 'legacy' | 'secure';

export interface DfuZip {
  flavour: DfuZipFlavour;
  manifest: Record<string, unknown>;
  /** The application image and its init packet. */
  bin: Uint8Array;
  dat: Uint8Array;
  binName: string;
  datName: string;
}

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function badZip(message: string, hint = 'Rebuild the package, or flash the .hex from tinygo build instead.'): FlashdeckError {
  return new FlashdeckError({ code: 'NRF_BAD_ZIP', stage: 'reading-image', message, hint });
}

export function readDfuZip(bytes: Uint8Array): DfuZip {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    throw badZip(`The DFU package cannot be opened (${(error as Error).message}); it is truncated or not a zip file.`);
  }
  const manifestName = Object.keys(files).find((name) => name.toLowerCase().endsWith('manifest.json'));
  if (!manifestName) throw badZip('The DFU package has no manifest.json.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(strFromU8(files[manifestName]));
  } catch {
    throw badZip('The DFU package manifest.json is not valid JSON.');
  }
  const manifest = (parsed as { manifest?: Record<string, unknown> })?.manifest;
  if (!manifest || typeof manifest !== 'object') throw badZip('The DFU package manifest.json has no "manifest" object.');
  const application = manifest.application as { bin_file?: string; dat_file?: string; init_packet_data?: unknown } | undefined;
  if (!application) {
    const present = Object.keys(manifest).filter((k) => k !== 'dfu_version');
    throw badZip(
      `The DFU package contains ${present.join(', ') || 'no images'} but no application; Flashdeck flashes applications only.`,
      'Use nrfutil or adafruit-nrfutil for SoftDevice and bootloader updates.',
    );
  }
  const dir = manifestName.slice(0, manifestName.length - 'manifest.json'.length);
  const binName = application.bin_file ?? '';
  const datName = application.dat_file ?? '';
  const bin = files[dir + binName];
  const dat = files[dir + datName];
  if (!bin) throw badZip(`The DFU package lists ${binName || 'no bin_file'} but does not contain it.`);
  if (!dat) throw badZip(`The DFU package lists ${datName || 'no dat_file'} but does not contain it.`);
  return { flavour: detectFlavour(manifest, application, dat), manifest, bin, dat, binName, datName };
}

function detectFlavour(manifest: Record<string, unknown>, application: { init_packet_data?: unknown }, dat: Uint8Array): DfuZipFlavour {
  if ('dfu_version' in manifest || application.init_packet_data !== undefined) return 'legacy';
  if (dat[0] === 0x0a || dat[0] === 0x12) return 'secure';
  if (dat.length >= 14 && dat[0] === 0x52 && dat[1] === 0x00) return 'legacy';
  throw badZip('The DFU package is neither a legacy (Adafruit) nor a Secure DFU (Nordic) package: its init packet is not recognised.');
}

/** Deterministic zip (fixed timestamps) so generated packages are byte-stable. */
export function writeZip(files: Record<string, Uint8Array | string>): Uint8Array {
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = {};
  for (const [name, content] of Object.entries(files)) {
    entries[name] = [typeof content === 'string' ? strToU8(content) : content, { mtime: new Date(Date.UTC(2020, 0, 1)) }];
  }
  return zipSync(entries, { level: 6 });
}
