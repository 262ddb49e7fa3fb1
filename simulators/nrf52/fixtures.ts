/** TinyGo-style nRF52 images built in code, in every file format a user may drop. */
import { imageFromBin } from '../../drivers/nrf52/firmware-image';
import { imageToHex } from '../../drivers/nrf52/hex-image';
import { elfFromSegments } from '../../drivers/nrf52/elf-image';
import { encodeUf2 } from '../../drivers/nrf52/uf2';
import { buildLegacyPackage, legacyManifest } from '../../drivers/nrf52/legacy-package';
import { buildSecurePackage, secureZipFromPackage } from '../../drivers/nrf52/secure-package';
import { writeZip } from '../../drivers/nrf52/dfu-zip';
import { seededRandom } from '../common/faults';

/** An application image: a Cortex-M vector table (SP in RAM, reset handler inside the image) then seeded pseudo-code. */
export function tinygoApp(size: number, base: number, seed = 1): Uint8Array {
  const random = seededRandom(seed);
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x20040000, true);
  view.setUint32(4, (base + 0x201) >>> 0, true);
  return bytes;
}

export interface AppFiles {
  bin: Uint8Array;
  hex: Uint8Array;
  uf2: Uint8Array;
  elf: Uint8Array;
  legacyZip: Uint8Array;
  secureZip: Uint8Array;
}

export function appFiles(app: Uint8Array, base: number): AppFiles {
  const image = imageFromBin(app, base);
  const legacy = buildLegacyPackage(app);
  return {
    bin: app,
    hex: new TextEncoder().encode(imageToHex(image)),
    uf2: encodeUf2(image),
    elf: elfFromSegments([{ address: base, data: app }], base + 0x201),
    legacyZip: writeZip({
      'manifest.json': JSON.stringify(legacyManifest(legacy)),
      'application.bin': legacy.application,
      'application.dat': legacy.initPacket,
    }),
    secureZip: secureZipFromPackage(buildSecurePackage(app)),
  };
}
