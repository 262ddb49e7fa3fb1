/**
 * A board's console through the app's port session (the same one the window opens: it pauses for
 * flash jobs and reconnects after them): device bytes, the lines in them, TinyGo panics (resolved
 * against the last build's ELF when a symbolizer is installed), and the session failing.
 */
import type { Board, EventPayload, PanicReport } from '../contract';
import type { ErrorInfo } from '../../drivers/common/errors';
import { FlashdeckError } from '../../drivers/common/errors';
import type { AppServices } from '../services/app-services';
import { LineSplitter, type SplitLine } from '../services/console/line-splitter';

export interface ConsoleWatchHandlers {
  bytes?(bytes: Buffer, t: number): void;
  line?(line: SplitLine): void;
  panic?(report: PanicReport): void;
  /** The port failed for good (the session is in its error state). */
  failed(error: ErrorInfo): void;
  /** Waiting for the board, reconnecting: for the user to see. */
  note?(text: string): void;
  /** The session paused for a flash job, after passing on all it had read: whatever comes next, the new firmware printed. */
  pausedForFlash?(): void;
}

export interface ConsoleWatch {
  close(): Promise<void>;
}

export async function watchConsole(services: AppServices, board: Board, baudRate: number | undefined, handlers: ConsoleWatchHandlers): Promise<ConsoleWatch> {
  const splitter = new LineSplitter();
  const boardId = board.id;
  const unsubscribe = services.hub.subscribe((name, payload) => {
    if (name === 'console.data') {
      const event = payload as EventPayload<'console.data'>;
      if (event.boardId !== boardId) return;
      for (const chunk of event.chunks) {
        const bytes = Buffer.from(chunk.dataBase64, 'base64');
        handlers.bytes?.(bytes, chunk.t);
        if (handlers.line) splitter.push(chunk.t, bytes, handlers.line);
      }
    } else if (name === 'console.panic') {
      const report = payload as EventPayload<'console.panic'>;
      if (report.boardId === boardId) handlers.panic?.(report);
    } else if (name === 'console.state') {
      const event = payload as EventPayload<'console.state'>;
      if (event.boardId !== boardId) return;
      if (event.state === 'error')
        handlers.failed(event.error ?? { code: 'PORT_OPEN_FAILED', stage: 'console', message: `${board.path} failed.`, hint: 'Check the cable and try again.' });
      else if (event.state === 'waiting-for-board' || event.state === 'reconnecting') handlers.note?.(event.detail ?? `${board.path}: ${event.state.replace(/-/g, ' ')}…`);
      else if (event.state === 'paused-for-flash') {
        // The old firmware's unfinished line must not run into the new firmware's first one.
        splitter.reset();
        handlers.pausedForFlash?.();
      }
    }
  });
  // The app's console on this port (same machine) pauses while the command reads it.
  const held = await services.holdFromApp(board.path, 'Console in use by the command line').catch((error: unknown) => {
    unsubscribe();
    throw error;
  });
  try {
    const status = await services.portSessions.open(boardId, baudRate ? { baudRate } : undefined);
    if (status.state === 'error') throw new FlashdeckError(status.error ?? { code: 'PORT_OPEN_FAILED', stage: 'opening-port', message: `${board.path} could not be opened.` });
  } catch (error) {
    unsubscribe();
    await services.portSessions.close(boardId).catch(() => undefined);
    await held?.release();
    throw error;
  }
  return {
    async close() {
      unsubscribe();
      await services.portSessions.close(boardId);
      await held?.release();
    },
  };
}
