/** A program's notes are shown only where they apply: the board's chip and target, the installed TinyGo. */
import { describe, expect, it } from 'vitest';
import { notesFor, olderThan } from '../../renderer/programs/program-notes';
import { PROGRAMS } from '../../resources/programs/catalogue';

const notesOf = (id: string) => PROGRAMS.find((program) => program.id === id)!.notes;

describe('program notes', () => {
  it('a plain ESP32 with a current TinyGo sees neither the ESP32-C3 note nor the TinyGo 0.33 one', () => {
    expect(notesFor(notesOf('heap-telemetry'), { chip: 'ESP32', target: 'esp32-coreboard-v2', tinygoVersion: '0.39.0' })).toEqual([]);
  });

  it('an ESP32-C3 board with TinyGo 0.33 sees both', () => {
    const shown = notesFor(notesOf('heap-telemetry'), { chip: 'ESP32-C3', target: 'esp32c3-devkit', tinygoVersion: '0.33.0' });
    expect(shown).toHaveLength(2);
    expect(shown.join(' ')).toMatch(/USB-Serial-JTAG/);
    expect(shown.join(' ')).toMatch(/TinyGo 0\.33/);
  });

  it('a board not known yet keeps the chip and target notes (they may apply), but a version note needs a known TinyGo', () => {
    expect(notesFor(notesOf('heap-telemetry'), {})).toEqual([expect.stringMatching(/USB-Serial-JTAG/)]);
    expect(notesFor(notesOf('led-test'), { chip: 'nRF52840', target: 'feather-nrf52840' })).toEqual([expect.stringMatching(/Feather nRF52840/)]);
    expect(notesFor(notesOf('blink'), { chip: 'ESP32-C3', target: 'xiao-esp32c3' })).toEqual([expect.stringMatching(/machine\.LED/)]);
    expect(notesFor(notesOf('blink'), { chip: 'ESP32', target: 'esp32-coreboard-v2' })).toEqual([]);
  });

  it('compares TinyGo versions by number', () => {
    expect(olderThan('0.33.0', '0.34')).toBe(true);
    expect(olderThan('0.34.0', '0.34')).toBe(false);
    expect(olderThan('0.4.0', '0.34')).toBe(true);
    expect(olderThan('1.0.0-dev', '0.34')).toBe(false);
  });
});
