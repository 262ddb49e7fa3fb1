/** The Flash tab's image summary speaks in labelled sentences with units, never in field names. */
import { describe, expect, it } from 'vitest';
import { imageFacts } from '../../renderer/flash/image-facts';
import type { ImageSummary } from '../../electron/contract';

const base: ImageSummary = {
  fileName: 'blink.hex',
  size: 112_640,
  family: 'nrf52',
  kind: 'hex',
  chip: 'nRF52840',
  method: 'uf2',
  offset: 0x26000,
  problems: [],
  overridable: false,
};

describe('image facts', () => {
  it('an nRF52 HEX says how much it writes where, apart from the size of the file', () => {
    expect(imageFacts({ ...base, writes: { start: 0x26000, end: 0x30000, bytes: 40_960 }, softDevice: 'S140 6.1.1' })).toEqual([
      { label: 'Writes', value: '40.0 KiB to 0x26000–0x30000 (the 110.0 KiB file also carries addresses and framing)' },
      { label: 'SoftDevice', value: 'S140 6.1.1' },
    ]);
  });

  it('a UF2 names its family; an ESP image its header checks in words', () => {
    expect(imageFacts({ ...base, kind: 'uf2', uf2Family: { id: 0xada52840, chip: 'nRF52840' } })).toEqual([{ label: 'UF2 family', value: '0xada52840 (nRF52840)' }]);
    const esp = imageFacts({ ...base, family: 'esp32', kind: 'tinygo-app', espImage: { entry: 0x400d0020, segments: 3, checksumOk: true, sha256Ok: false } });
    expect(esp.map((fact) => `${fact.label}: ${fact.value}`)).toEqual([
      'Entry point: 0x400d0020',
      'Segments: 3',
      'Header checksum: Correct',
      'SHA-256 digest: Does not match: the image changed after it was built',
    ]);
  });
});
