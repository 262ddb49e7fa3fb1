/**
 * Errors are values: a code a program can switch on, the stage it happened in, a sentence a
 * person reads, and the next step. They cross the main↔renderer contract intact (see
 * `errorInfoSchema` in electron/contract.ts).
 */
import type { Stage } from '../../electron/contract-values';
import type { ErrorCode } from './error-codes';

export type { ErrorCode } from './error-codes';

export interface ErrorInfo {
  /** Stable machine code from ERROR_CODES, e.g. 'ESP_NO_SYNC', 'PORT_EACCES', 'INVALID_PAYLOAD'. */
  code: ErrorCode;
  /** Where it happened: one of STAGES (electron/contract-values.ts), e.g. 'syncing', 'writing', 'build', 'ipc'. */
  stage: Stage;
  /** What happened, for a person. */
  message: string;
  /** What to do next, for a person ("Hold BOOT and tap EN, then retry."). */
  hint?: string;
  /** Raw facts behind the message (places searched, a tool's output), for a "Details" toggle and bug reports. */
  details?: string[];
}

export class FlashdeckError extends Error implements ErrorInfo {
  readonly code: ErrorCode;
  readonly stage: Stage;
  readonly hint?: string;
  readonly details?: string[];

  constructor(info: ErrorInfo, options?: { cause?: unknown }) {
    super(info.message, options);
    this.name = 'FlashdeckError';
    this.code = info.code;
    this.stage = info.stage;
    this.hint = info.hint;
    this.details = info.details;
  }

  toInfo(): ErrorInfo {
    return { code: this.code, stage: this.stage, message: this.message, ...(this.hint ? { hint: this.hint } : {}), ...(this.details?.length ? { details: this.details } : {}) };
  }
}

/** Any thrown value as an ErrorInfo, so nothing unstructured crosses the contract. */
export function toErrorInfo(error: unknown, stage: Stage = 'internal'): ErrorInfo {
  if (error instanceof FlashdeckError) return error.toInfo();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', stage, message, hint: 'This is a Flashdeck bug; the log has details.' };
}

/** A cancelled job: thrown by drivers and builds when their AbortSignal fires. */
export function cancelledError(stage: Stage): FlashdeckError {
  return new FlashdeckError({ code: 'CANCELLED', stage, message: 'Cancelled by the user.' });
}
