/**
 * Flash jobs as the window sees them, per board, kept across tab and board switches: the running
 * job's progress, then its verified outcome or its error. Jobs started elsewhere (a build that
 * flashes its artifact) are picked up from their first event.
 */
import type { EventPayload } from '../../electron/contract';
import { on } from '../api';
import { followBoard } from '../app-state.svelte';

export interface BoardFlashState {
  jobId: string | null;
  fileName: string;
  running: boolean;
  progress: EventPayload<'flash.progress'>['progress'] | null;
  log: string[];
  finished: EventPayload<'flash.finished'> | null;
}

export const flashJobs = $state<Record<string, BoardFlashState>>({});

export function beginJob(boardId: string, jobId: string, fileName: string): void {
  const current = flashJobs[boardId];
  if (current?.jobId === jobId) return; // its events arrived before the request's reply
  flashJobs[boardId] = { jobId, fileName, running: true, progress: null, log: [], finished: null };
}

on('flash.progress', ({ boardId, jobId, fileName, progress }) => {
  if (flashJobs[boardId]?.jobId !== jobId) beginJob(boardId, jobId, fileName);
  const state = flashJobs[boardId];
  state.progress = progress;
  if (progress.message) state.log.push(progress.message);
});

on('flash.finished', (payload) => {
  if (flashJobs[payload.boardId]?.jobId !== payload.jobId) beginJob(payload.boardId, payload.jobId, payload.fileName);
  const state = flashJobs[payload.boardId];
  state.running = false;
  state.finished = payload;
  // The board came back as another USB device (bootloader → app): its job and the selection follow it.
  if (payload.returnedBoardId && payload.returnedBoardId !== payload.boardId) {
    flashJobs[payload.returnedBoardId] = state;
    followBoard(payload.boardId, payload.returnedBoardId);
  }
});
