/**
 * Flash jobs as the window sees them, per board, kept across tab and board switches: the running
 * job's progress, then its verified outcome or its error.
 */
import type { EventPayload } from '../../electron/contract';
import { on } from '../api';

export interface BoardFlashState {
  jobId: string | null;
  fileName: string;
  running: boolean;
  progress: EventPayload<'flash.progress'>['progress'] | null;
  log: string[];
  finished: EventPayload<'flash.finished'> | null;
  startedAt: number;
}

export const flashJobs = $state<Record<string, BoardFlashState>>({});

export function beginJob(boardId: string, jobId: string, fileName: string): void {
  flashJobs[boardId] = { jobId, fileName, running: true, progress: null, log: [], finished: null, startedAt: performance.now() };
}

on('flash.progress', ({ boardId, jobId, fileName, progress }) => {
  const state = (flashJobs[boardId] ??= { jobId, fileName, running: true, progress: null, log: [], finished: null, startedAt: performance.now() });
  if (state.jobId !== jobId) return;
  state.progress = progress;
  if (progress.message) state.log.push(progress.message);
});

on('flash.finished', (payload) => {
  const state = flashJobs[payload.boardId];
  if (!state || state.jobId !== payload.jobId) return;
  state.running = false;
  state.finished = payload;
});
