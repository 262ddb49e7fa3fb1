import type { Stage, VerificationMethod } from '../../electron/contract-values';

/**
 * What every flashing driver reports, whatever the board family: progress while it works and a
 * typed outcome at the end. A failure is a thrown FlashdeckError (errors.ts), never an outcome.
 */
export interface FlashProgress {
  /** One of STAGES: connecting, syncing, detecting, uploading-stub, erasing, writing, verifying, resetting, waiting-for-board, … */
  stage: Stage;
  bytesDone: number;
  bytesTotal: number;
  /** Smoothed rate over the last second or so; 0 when not writing. */
  bytesPerSecond: number;
  /** Seconds left at the current rate, or null when unknown. */
  etaSeconds: number | null;
  /** Completion where only a percentage is known (an external tool's progress bar). */
  percent?: number;
  /** Optional line for the flash log ("Chip is ESP32-D0WD-V3 (revision v3.1)"). */
  message?: string;
}

export interface FlashOutcome {
  /** Image bytes that reached the board's flash. */
  bytesWritten: number;
  /** How the written bytes were checked: 'md5' (ESP), 'crc32' (Secure DFU), 're-enumerated' (UF2/legacy DFU), … */
  verifiedBy: VerificationMethod;
  /** Facts worth showing: chip, MAC, flash size, MD5, address, … */
  details: Record<string, string>;
}

export type ProgressListener = (progress: FlashProgress) => void;

/** Limits progress events to `maxPerSecond`, always passing stage changes and the final 100 %. */
export function throttleProgress(listener: ProgressListener, maxPerSecond = 10, now = () => Date.now()): ProgressListener {
  let lastAt = -Infinity;
  let lastStage = '';
  return (progress) => {
    const t = now();
    const stageChanged = progress.stage !== lastStage;
    const finished = progress.bytesTotal > 0 && progress.bytesDone >= progress.bytesTotal;
    if (!stageChanged && !finished && !progress.message && t - lastAt < 1000 / maxPerSecond) return;
    lastAt = t;
    lastStage = progress.stage;
    listener(progress);
  };
}
