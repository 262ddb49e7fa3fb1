/**
 * The contract's values in the user's words, for every view that shows them: where a job is
 * ("Writing the image"), what a file is ("Intel HEX"), how it is flashed ("UF2 drive").
 */
import { BUILD_STATES, FLASH_METHODS, IMAGE_KINDS, STAGES, type BuildState, type FlashMethod, type ImageKind, type Stage } from '../../electron/contract-values';

/** First letter upper-case: the one sentence-case rule for labels. */
export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "Writing the image": a job's stage as a status label. */
export function stageLabel(stage: Stage): string {
  return capitalised(STAGES[stage]);
}

/** "while writing the image": where a failed job was, to follow a sentence. */
export function whileStage(stage: Stage): string {
  return `while ${STAGES[stage]}`;
}

export function imageKindLabel(kind: ImageKind): string {
  return capitalised(IMAGE_KINDS[kind]);
}

export function flashMethodLabel(method: FlashMethod | null): string {
  return method ? FLASH_METHODS[method] : 'None fits this board';
}

/** A build's state as its badge says it ("Queued (#2 in line)", "Building", "Done"). */
export function buildStateLabel(state: BuildState, position = 0): string {
  return BUILD_STATES[state] + (state === 'queued' && position > 0 ? ` (#${position} in line)` : '');
}

/** How a finished comparison of flags ended, to follow "Comparison #3 …". */
const COMPARISON_ENDS = { running: 'running', done: 'finished', failed: 'failed', cancelled: 'cancelled' } as const;
export function comparisonEnd(state: keyof typeof COMPARISON_ENDS): string {
  return COMPARISON_ENDS[state];
}
