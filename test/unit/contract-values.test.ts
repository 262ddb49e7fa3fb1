/**
 * Stages, flash methods and image kinds are lists the compiler checks, like error codes: a misspelt
 * one fails typecheck, an unknown one is refused at the contract, and each has the window's words.
 */
import { describe, expect, it } from 'vitest';
import { FlashdeckError } from '../../drivers/common/errors';
import { diagnosticSchema, errorInfoSchema, flashProgressSchema, flashRecordSchema, imageSummarySchema } from '../../electron/contract';
import { FLASH_METHODS, IMAGE_KINDS, STAGES } from '../../electron/contract-values';
import { flashMethodLabel, imageKindLabel, stageLabel, whileStage } from '../../renderer/lib/words';

const summary = {
  fileName: 'blink.hex',
  size: 1024,
  family: 'nrf52',
  kind: 'hex',
  chip: 'nRF52840',
  method: 'uf2',
  offset: 0x26000,
  problems: [],
  overridable: false,
  details: {},
};

describe('contract value lists', () => {
  it('a misspelt stage does not compile', () => {
    // @ts-expect-error 'writting' is not a stage (typecheck fails if it ever becomes one).
    const wrong = new FlashdeckError({ code: 'ESP_WRITE_FAILED', stage: 'writting', message: 'x' });
    expect(wrong.stage in STAGES).toBe(false);
  });

  it('the contract refuses a stage, method or kind that is not in its list', () => {
    expect(errorInfoSchema.safeParse({ code: 'NRF_SDFU_DISCONNECTED', stage: 'sending-init-packet', message: 'Gone.' }).success).toBe(true);
    // The words are not the value: a driver that reported its prose step would be refused.
    expect(errorInfoSchema.safeParse({ code: 'NRF_SDFU_DISCONNECTED', stage: 'sending the init packet', message: 'Gone.' }).success).toBe(false);
    expect(flashProgressSchema.safeParse({ stage: 'writing', bytesDone: 1, bytesTotal: 2, bytesPerSecond: 0, etaSeconds: null }).success).toBe(true);
    expect(flashProgressSchema.safeParse({ stage: 'flashing-ish', bytesDone: 1, bytesTotal: 2, bytesPerSecond: 0, etaSeconds: null }).success).toBe(false);
    expect(imageSummarySchema.safeParse(summary).success).toBe(true);
    expect(imageSummarySchema.safeParse({ ...summary, kind: 'ihex' }).success).toBe(false);
    expect(imageSummarySchema.safeParse({ ...summary, method: 'usb-drive' }).success).toBe(false);
    expect(imageSummarySchema.safeParse({ ...summary, method: null }).success).toBe(true);
  });

  it("a build diagnostic's kind and severity, and a flash record's method, are list values too", () => {
    const overflow = { severity: 'error', kind: 'link-overflow', message: "region 'RAM': overflowed by 12 bytes", region: 'RAM', overflowBytes: 12 };
    expect(diagnosticSchema.safeParse(overflow).success).toBe(true);
    expect(diagnosticSchema.safeParse({ ...overflow, kind: 'overflow' }).success).toBe(false);
    expect(diagnosticSchema.safeParse({ ...overflow, severity: 'fatal' }).success).toBe(false);
    const record = {
      id: 1,
      startedAt: 0,
      durationMs: 1,
      ok: true,
      method: 'esp-serial',
      fileName: 'a.bin',
      bytes: 1,
      flashBytes: 1,
      verifiedBy: 'md5',
      errorCode: null,
      errorMessage: null,
      artifactSha256: null,
    };
    expect(flashRecordSchema.safeParse(record).success).toBe(true);
    expect(flashRecordSchema.safeParse({ ...record, method: null }).success).toBe(true);
    expect(flashRecordSchema.safeParse({ ...record, method: 'unknown' }).success).toBe(false);
  });

  it('every value has words the window shows, in sentence case', () => {
    for (const words of [...Object.values(STAGES), ...Object.values(FLASH_METHODS), ...Object.values(IMAGE_KINDS)]) expect(words.trim()).not.toBe('');
    expect(stageLabel('writing')).toBe('Writing the image');
    expect(whileStage('sending-init-packet')).toBe('while sending the init packet');
    expect(imageKindLabel('zip-secure')).toBe('Nordic Secure DFU package');
    expect(flashMethodLabel('nrf-legacy-dfu')).toBe('Adafruit serial DFU');
    expect(flashMethodLabel(null)).toBe('None fits this board');
  });
});
