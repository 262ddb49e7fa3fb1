/**
 * What a board is doing, in one word and a number: the one rule the sidebar's badge and the bench
 * overview's card share. Derived only from what the window already follows (the board list, flash
 * and build jobs, console status), so the two can never disagree. Pure, no DOM.
 */
import type { Board, ConsoleStatus, EventPayload } from '../../electron/contract';
import type { BuildState } from '../../electron/contract-values';
import { stageLabel } from '../lib/words';

type FlashProgress = EventPayload<'flash.progress'>['progress'];

/** The parts of a board's flash and build jobs the activity depends on. */
export interface BoardLive {
  flash?: { running: boolean; progress: FlashProgress | null } | null;
  build?: { state: BuildState; position: number; program: string } | null;
  console?: Pick<ConsoleStatus, 'state'> | null;
}

export type ActivityKind = 'flashing' | 'building' | 'bootloader' | 'console' | 'idle' | 'absent';

export interface BoardActivity {
  kind: ActivityKind;
  /** Sentence-case label for the badge: "Flashing 42 %", "Building", "Console open". */
  label: string;
  /** Flashing: share written, 0–100 (whole numbers), or null before the write starts. */
  percent: number | null;
  /** A longer phrase for the card and the badge's title: "Writing the image: 12.0 KiB of 40.0 KiB". */
  detail: string;
}

/** Share of a flash done, 0–100: the driver's own figure where it gives one, else bytes done of bytes total. */
export function flashPercent(progress: FlashProgress | null | undefined): number | null {
  if (!progress) return null;
  if (progress.percent !== undefined) return Math.max(0, Math.min(100, progress.percent));
  return progress.bytesTotal > 0 ? Math.min(100, (progress.bytesDone / progress.bytesTotal) * 100) : null;
}

const CONSOLE_OPEN: ReadonlySet<ConsoleStatus['state']> = new Set(['opening', 'connected', 'waiting-for-board', 'reconnecting']);

/** Flashing wins over building (a build that flashes its artifact is flashing), then the bootloader, the console, idle. */
export function boardActivity(board: Pick<Board, 'present' | 'guess'>, live: BoardLive): BoardActivity {
  const flash = live.flash?.running ? live.flash : null;
  if (flash) {
    const percent = flashPercent(flash.progress);
    const rounded = percent === null ? null : Math.floor(percent);
    const stage = stageLabel(flash.progress?.stage ?? 'starting');
    return { kind: 'flashing', label: rounded === null ? 'Flashing' : `Flashing ${rounded} %`, percent: rounded, detail: stage };
  }
  const build = live.build;
  if (build?.state === 'running') return { kind: 'building', label: 'Building', percent: null, detail: `Building ${build.program}` };
  if (build?.state === 'queued') {
    const waiting = build.position > 0 ? `, ${build.position} ahead of it` : '';
    return { kind: 'building', label: 'Build queued', percent: null, detail: `${build.program} waits for the build queue${waiting}` };
  }
  if (!board.present) return { kind: 'absent', label: 'Not plugged in', percent: null, detail: 'The port is not there now' };
  if (board.guess.mode === 'bootloader') return { kind: 'bootloader', label: 'Bootloader', percent: null, detail: 'In its bootloader, waiting for an image' };
  if (live.console && CONSOLE_OPEN.has(live.console.state)) return { kind: 'console', label: 'Console open', percent: null, detail: 'The console is reading the port' };
  if (live.console?.state === 'error') return { kind: 'console', label: 'Console error', percent: null, detail: 'The console stopped with an error: the Console tab says which' };
  return { kind: 'idle', label: 'Idle', percent: null, detail: 'Plugged in; nothing runs on it in Flashdeck' };
}
