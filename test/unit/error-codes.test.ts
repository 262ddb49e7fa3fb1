/** Error codes are one list the compiler checks: a misspelt code fails typecheck, and an unknown one is refused at the contract. */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode } from '../../drivers/common/error-codes';
import { FlashdeckError } from '../../drivers/common/errors';
import { errorInfoSchema } from '../../electron/contract';

describe('error codes', () => {
  it('a misspelt code does not compile', () => {
    // @ts-expect-error 'ESP_NO_SYNCH' is not a Flashdeck error code (typecheck fails if it ever becomes one).
    const wrong = new FlashdeckError({ code: 'ESP_NO_SYNCH', stage: 'syncing', message: 'x' });
    expect(isErrorCode(wrong.code)).toBe(false);
    expect(new FlashdeckError({ code: 'ESP_NO_SYNC', stage: 'syncing', message: 'x' }).code).toBe('ESP_NO_SYNC');
  });

  it('the list has each code once, in the house style', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
  });

  it('the contract refuses a code that is not in the list, and takes the Secure DFU extended ones', () => {
    expect(errorInfoSchema.safeParse({ code: 'PORT_BUSY', stage: 'opening-port', message: 'Busy.' }).success).toBe(true);
    expect(errorInfoSchema.safeParse({ code: 'NRF_SDFU_EXT_0x0B', stage: 'writing', message: 'Rejected.' }).success).toBe(true);
    expect(errorInfoSchema.safeParse({ code: 'PORT_BUSSY', stage: 'opening-port', message: 'Busy.' }).success).toBe(false);
  });
});
