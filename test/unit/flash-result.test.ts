/** A finished flash read as a sentence, with labelled facts and a copyable text (issue 16). */
import { describe, expect, it } from 'vitest';
import { describeFlashResult, flashResultText } from '../../renderer/flash/flash-result';

describe('flash result', () => {
  it('ESP32: what was written where, on which chip, and that the MD5 matched; raw facts labelled, the log left out', () => {
    const view = describeFlashResult('blink.bin', {
      bytesWritten: 40_960,
      verifiedBy: 'md5',
      details: { chip: 'ESP32', revision: 'v3.1', address: '0x1000', md5: 'ead3', wireBytes: '21000', loader: 'stub', imageKind: 'tinygo-app', log: 'Chip is ESP32\n…' },
    });
    expect(view.sentence).toBe("Flashed and verified by MD5: wrote 40.0 KiB of blink.bin at 0x1000 on the ESP32 (v3.1); the chip's MD5 of the written flash matches the image.");
    expect(view.facts).toEqual([
      { label: 'Chip', value: 'ESP32' },
      { label: 'Chip revision', value: 'v3.1' },
      { label: 'Written at', value: '0x1000' },
      { label: 'MD5', value: 'ead3' },
      { label: 'Bytes on the wire (compressed)', value: '21,000 B' },
      { label: 'Loader', value: 'flasher stub' },
      { label: 'Image kind', value: 'ESP32 app image' },
    ]);
    expect(flashResultText(view).split('\n')).toEqual([
      view.sentence,
      'Chip: ESP32',
      'Chip revision: v3.1',
      'Written at: 0x1000',
      'MD5: ead3',
      'Bytes on the wire (compressed): 21,000 B',
      'Loader: flasher stub',
      'Image kind: ESP32 app image',
    ]);
  });

  it('UF2: the range and the board coming back as its app on its port', () => {
    const view = describeFlashResult('blink.hex', {
      bytesWritten: 40_960,
      verifiedBy: 're-enumerated',
      details: { drive: '/media/FTHR840BOOT', range: '0x26000–0x30000', appPort: '/dev/ttyACM0', driveVanishedDuringWrite: 'false' },
    });
    expect(view.sentence).toBe(
      'Flashed and verified by the board coming back: wrote 40.0 KiB of blink.hex to 0x26000–0x30000 through the bootloader drive; the board came back as its app on /dev/ttyACM0.',
    );
    expect(view.facts.map((f) => f.label)).toEqual(['Written range', 'Bootloader drive', 'Port of the app', 'Drive vanished during the copy']);
    expect(view.facts.find((f) => f.label === 'Written range')?.value).toBe('0x26000–0x30000');
    expect(view.facts.find((f) => f.label === 'Drive vanished during the copy')?.value).toBe('no');
  });

  it('Secure DFU: the protocol, the CRC-32 and the port it came back on; a DAPLink copy nobody confirmed is not called verified', () => {
    const secure = describeFlashResult('dongle.zip', { bytesWritten: 24_576, verifiedBy: 'crc32', details: { protocol: 'Nordic Secure DFU', appPort: '/dev/ttyACM1' } });
    expect(secure.sentence).toBe(
      "Flashed and verified by CRC-32: wrote 24.0 KiB of dongle.zip by Nordic Secure DFU; the bootloader's CRC-32 of every object matched, and the board came back on /dev/ttyACM1.",
    );
    expect(describeFlashResult('dongle.zip', { bytesWritten: 24_576, verifiedBy: 'crc32', details: { imageBytes: '24576' } }).facts).toEqual([
      { label: 'Image bytes sent', value: '24,576 B' },
    ]);
    const copied = describeFlashResult('blink.hex', { bytesWritten: 1024, verifiedBy: 'copied', details: { drive: '/media/DAPLINK' } });
    expect(copied.confirmed).toBe(false);
    expect(copied.sentence).not.toMatch(/verified/);
  });

  it('tinygo flash: its port and compression facts are labelled, the ROM loader named, byte counts with units', () => {
    const view = describeFlashResult('blink.bin', {
      bytesWritten: 40_960,
      verifiedBy: 'tinygo flash',
      details: { port: '/dev/ttyUSB0', compressed: '40960→21000', loader: 'rom' },
    });
    expect(view.facts).toEqual([
      { label: 'Loader', value: 'ROM loader' },
      { label: 'Port', value: '/dev/ttyUSB0' },
      { label: 'Compressed (bytes sent → on the wire)', value: '40,960 B → 21,000 B' },
    ]);
  });
});
