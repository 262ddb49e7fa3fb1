/**
 * What the Flash tab says about an ESP file comes from the driver's own rules: the same chip
 * problems "flash anyway" lets through in the window and in the driver, the same default address,
 * the same mismatch sentence.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Board } from '../../electron/contract';
import { espFlasher } from '../../electron/services/flash/esp-flasher';
import { findBoard } from '../../drivers/common/board-catalogue';
import { tinygoStyleImage } from '../../simulators/esp32/esp-image-builder';

const board = (chip: string): Board => ({
  id: randomUUID(),
  name: null,
  path: '/dev/ttyUSB0',
  present: true,
  manual: false,
  target: null,
  detected: null,
  guess: { confidence: 'bridge', mode: 'unknown', targets: [], label: chip, chip, family: 'esp32' },
});

describe('ESP file summary in the Flash tab', () => {
  it('a merged file with its bootloader at 0x1000 for a chip that boots from 0x0 can be flashed anyway, as the driver allows', () => {
    const bytes = new Uint8Array(0x1000 + 4000).fill(0xff);
    bytes.set(tinygoStyleImage(5, 4000), 0x1000);
    const summary = espFlasher.inspect({ board: board('ESP32-C3'), model: undefined, fileName: 'merged.bin', bytes });
    expect(summary.problems.map((p) => p.code)).toContain('IMAGE_BOOTLOADER_OFFSET');
    expect(summary.overridable).toBe(true);
    expect(summary.offset).toBe(0);
  });

  it('names the board target in the mismatch sentence and puts a TinyGo app at the board model offset', () => {
    const model = findBoard('esp32-coreboard-v2')!;
    const summary = espFlasher.inspect({ board: board('ESP32'), model, fileName: 'app.bin', bytes: tinygoStyleImage(5, 4000) });
    expect(summary.problems).toContainEqual({ code: 'CHIP_MISMATCH', severity: 'error', message: 'This image is for ESP32-C3, the board is an ESP32 (esp32-coreboard-v2).' });
    expect(summary.offset).toBe(model.flashOffset ?? 0);
  });

  it('raw data needs an address, in the same words as the driver', () => {
    const summary = espFlasher.inspect({ board: board('ESP32'), model: undefined, fileName: 'data.bin', bytes: new Uint8Array(100).fill(7) });
    expect(summary.offset).toBeNull();
    expect(summary.overridable).toBe(false);
    expect(summary.problems).toContainEqual({
      code: 'OFFSET_REQUIRED',
      severity: 'error',
      message: 'This is not an ESP app image: enter the flash address to write it to (for example 0x10000).',
    });
  });
});
