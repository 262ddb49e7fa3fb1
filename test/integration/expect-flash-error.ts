/**
 * The assertion every failure-path flashing test makes: the job rejected (never reported success)
 * with this FlashdeckError code, a message matching `message`, and a non-empty next step.
 */
import { expect } from 'vitest';
import { FlashdeckError } from '../../drivers/common/errors';

export async function expectFlashError(promise: Promise<unknown>, code: string, message: RegExp): Promise<FlashdeckError> {
  const error = await promise.then(
    () => {
      throw new Error('flashing reported success');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FlashdeckError);
  expect((error as FlashdeckError).code).toBe(code);
  expect((error as FlashdeckError).message).toMatch(message);
  expect((error as FlashdeckError).hint ?? '').not.toBe('');
  return error as FlashdeckError;
}
