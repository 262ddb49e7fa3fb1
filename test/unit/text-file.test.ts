/** A text file offered for flashing is refused unless the user insists it is raw data (issue 16). */
import { describe, expect, it } from 'vitest';
import { textFileProblem } from '../../electron/services/flash/text-file';
import { takesAddress } from '../../electron/contract-values';

const text = (s: string) => new TextEncoder().encode(s);

describe('text files', () => {
  it('refuses a .txt or README by name, and text content whatever its name', () => {
    expect(textFileProblem('notes.txt', new Uint8Array([0xe9, 0, 1]))).toMatchObject({
      code: 'TEXT_FILE',
      severity: 'error',
      message: /notes\.txt is a \.txt file, not a firmware image/,
    });
    expect(textFileProblem('README.md', text('# Blink'))).toMatchObject({ code: 'TEXT_FILE' });
    expect(textFileProblem('app.bin', text('WIFI_SSID=home\nWIFI_PASS=ü-secret\n'))).toMatchObject({ code: 'TEXT_FILE', message: /app\.bin is text/ });
  });

  it('lets firmware through: an ESP image, zeros and binary data', () => {
    const esp = new Uint8Array(4096);
    esp.set([0xe9, 0x03, 0x02, 0x20]);
    expect(textFileProblem('app.bin', esp)).toBeNull();
    expect(
      textFileProblem(
        'data.bin',
        new Uint8Array(4096).map((_, i) => (i * 37) & 0xff),
      ),
    ).toBeNull();
    expect(textFileProblem('empty.bin', new Uint8Array(0))).toBeNull();
  });

  it('offers an address only for images written where the user says', () => {
    expect(['tinygo-app', 'merged', 'raw', 'bin'].every((k) => takesAddress(k as never))).toBe(true);
    expect(['hex', 'uf2', 'zip-legacy', 'zip-secure', 'elf', 'unknown'].some((k) => takesAddress(k as never))).toBe(false);
  });
});
