/** Intel HEX ⇄ FirmwareImage, through Nordic's nrf-intel-hex parser. */
import MemoryMap from 'nrf-intel-hex';
import { FlashdeckError } from '../common/errors';
import { imageFromSegments, type FirmwareImage } from './firmware-image';

export function imageFromHex(text: string): FirmwareImage {
  let map: MemoryMap;
  try {
    // Blank lines (uf2conv.py chokes on them) and CRLF are tolerated by dropping empty lines first.
    map = MemoryMap.fromHex(
      text
        .split(/\r?\n/)
        .filter((line) => line.trim() !== '')
        .join('\n'),
    );
  } catch (error) {
    throw new FlashdeckError(
      {
        code: 'NRF_BAD_HEX',
        stage: 'reading-image',
        message: `The .hex file is not valid Intel HEX: ${(error as Error).message}`,
        hint: 'Rebuild it with tinygo build -o firmware.hex, or pick the right file.',
      },
      { cause: error },
    );
  }
  return imageFromSegments([...map.join()].map(([address, data]) => ({ address, data })));
}

export function imageToHex(image: FirmwareImage): string {
  const map = new MemoryMap(image.segments.map((s) => [s.address, s.data] as [number, Uint8Array]));
  return map.asHexString();
}
