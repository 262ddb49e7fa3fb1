/**
 * The bench overview's words for a board beyond its live state: its chip, its last flash as a
 * sentence, and its newest build's headroom (the size history's own rule, history-model.ts). Pure, no DOM.
 */
import type { Board, BoardCapacity, BoardModelDto, FlashRecord, SizeHistoryRow } from '../../electron/contract';
import { bytes, headroom, type Headroom } from '../history/history-model';
import { verifiedByPhrase } from '../flash/flash-result';

/** "just now", "4 min ago", "3 h ago", "2 days ago": how long ago `at` was, seen at `now`. */
export function timeAgo(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 36) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** "Flashed blink.bin 4 min ago, verified by MD5." or "Flashing x.bin failed 2 min ago: the board did not answer." */
export function lastFlashSentence(record: FlashRecord | null, now: number): string {
  if (!record) return 'Not flashed with Flashdeck yet.';
  const when = timeAgo(record.startedAt, now);
  if (record.ok) return `Flashed ${record.fileName} ${when}${record.verifiedBy ? `, ${verifiedByPhrase(record.verifiedBy)}` : ''}.`;
  const reason = record.errorMessage?.trim().replace(/\.$/, '') ?? 'no reason was recorded';
  return `Flashing ${record.fileName} failed ${when}: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}.`;
}

/** The chip as the card shows it: the board model's, else the one a flash read, else the USB guess's. */
export function chipText(board: Board, model: BoardModelDto | undefined): string {
  if (model) return model.chip;
  if (board.detected) return `${board.detected.description}, read by a flash`;
  return board.guess.chip ?? 'Not known yet: flash it once, or pick its model';
}

export interface BuildRoom {
  /** "heap-telemetry for esp32-coreboard-v2, 2 h ago" */
  build: string;
  /** Flash and static RAM against the target's capacity; null when the capacity is not known. */
  meters: { flash: Headroom; ram: Headroom } | null;
  /** Used bytes alone, when there is nothing to compare them with. */
  plain: string | null;
  /** Budget breaches in sentences ("Over the flash budget: …"). */
  overBudget: string[];
}

export function buildRoom(latest: SizeHistoryRow | null, capacity: BoardCapacity | null, now: number): BuildRoom | null {
  if (!latest || latest.flash === null || latest.ram === null) return null;
  const build = `${latest.program} for ${latest.target}, ${timeAgo(latest.startedAt, now)}`;
  const meters = capacity ? { flash: headroom('Flash', latest.flash, capacity.flash.bytes), ram: headroom('Static RAM', latest.ram, capacity.ram.bytes) } : null;
  const plain = meters ? null : `Flash: ${bytes(latest.flash)} used; static RAM: ${bytes(latest.ram)} used (the target's capacity is not known).`;
  return { build, meters, plain, overBudget: latest.overBudget.filter((breach) => breach.kind !== 'heap').map((breach) => breach.message) };
}
