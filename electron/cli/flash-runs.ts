/**
 * Flashes one file to one or several boards at once through the flash service (each board its own
 * job: one board's failure never stops another's, and every attempt is in its board's flash log),
 * showing each job's progress and collecting every outcome. Ctrl-C cancels the jobs still running.
 */
import type { Board, EventPayload } from '../contract';
import { cancelledError, toErrorInfo, type ErrorInfo } from '../../drivers/common/errors';
import type { AppServices } from '../services/app-services';
import type { Output } from './output';
import { boardLabel } from './board-selection';

export interface FlashRunOptions {
  offset?: number;
  eraseAll?: boolean;
  force?: boolean;
  /** ESP32: the baud to switch to after sync, instead of Settings' (the command line's --baud). */
  espFlashBaud?: number;
}

/** Starts one board's flash job (an image, or a build that flashes) and returns its job id. */
export type StartFlash = (board: Board) => Promise<string>;

/** The flash service's job for an image file. */
export function flashFile(services: AppServices, file: string, options: FlashRunOptions): StartFlash {
  return async (board) => (await services.flash.start(board.id, { path: file }, options)).jobId;
}

export interface BoardFlashResult {
  board: Board;
  ok: boolean;
  durationMs: number;
  /** How the flash was verified ('md5', 'readback' …) and the driver's details (chip, address). */
  outcome?: EventPayload<'flash.finished'>['outcome'];
  error?: ErrorInfo;
  /** The board as it came back, when that is another identity (a bootloader port → the app's). */
  returnedBoardId?: string;
}

type Finished = EventPayload<'flash.finished'>;

export async function flashBoards(services: AppServices, boards: Board[], start: StartFlash, out: Output, signal: AbortSignal): Promise<BoardFlashResult[]> {
  const finished = new Map<string, Finished>();
  const waiting = new Map<string, (event: Finished) => void>();
  const labels = new Map(boards.map((board) => [board.id, boardLabel(board)]));
  const unsubscribe = services.hub.subscribe((name, payload) => {
    if (name === 'flash.progress') {
      const event = payload as EventPayload<'flash.progress'>;
      const label = labels.get(event.boardId);
      if (label) out.progress(label, event.progress);
    } else if (name === 'flash.finished') {
      const event = payload as Finished;
      const resolve = waiting.get(event.jobId);
      if (resolve) resolve(event);
      else finished.set(event.jobId, event);
    }
  });
  const jobIds: string[] = [];
  const cancelAll = () => jobIds.forEach((jobId) => services.flash.cancel(jobId));
  signal.addEventListener('abort', cancelAll, { once: true });
  try {
    return await Promise.all(
      boards.map(async (board): Promise<BoardFlashResult> => {
        const startedAt = Date.now();
        try {
          if (signal.aborted) throw cancelledError('starting');
          const jobId = await start(board);
          jobIds.push(jobId);
          if (signal.aborted) services.flash.cancel(jobId);
          const event = finished.get(jobId) ?? (await new Promise<Finished>((resolve) => waiting.set(jobId, resolve)));
          return { board, ok: event.ok, durationMs: Date.now() - startedAt, outcome: event.outcome, error: event.error, returnedBoardId: event.returnedBoardId };
        } catch (error) {
          // Refused before a job began (wrong image for the board, busy, unreadable file): this board's result.
          return { board, ok: false, durationMs: Date.now() - startedAt, error: toErrorInfo(error, 'starting') };
        }
      }),
    );
  } finally {
    signal.removeEventListener('abort', cancelAll);
    unsubscribe();
    out.endProgress();
  }
}

/** A result as the --json document and the summary table show it. */
export function flashResultJson(result: BoardFlashResult) {
  return {
    boardId: result.board.id,
    port: result.board.path,
    name: result.board.name,
    ok: result.ok,
    durationMs: result.durationMs,
    verifiedBy: result.outcome?.verifiedBy ?? null,
    bytesWritten: result.outcome?.bytesWritten ?? null,
    details: result.outcome?.details ?? {},
    error: result.error ?? null,
  };
}
