/**
 * Flash jobs as the window sees them, per board, kept across tab and board switches: the running
 * job's progress, then its verified outcome or its error. Jobs started elsewhere (a build that
 * flashes its artifact) are picked up from their first event; a window that (re)connects mid-job
 * catches up from main's list of each board's latest job.
 */
import type { EventPayload } from '../../electron/contract';
import { on, request } from '../api';
import { followBoard, onEachConnection } from '../app-state.svelte';

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

on('flash.finished', (payload) => finishJob(payload));

function finishJob(payload: EventPayload<'flash.finished'>): void {
  if (flashJobs[payload.boardId]?.jobId !== payload.jobId) beginJob(payload.boardId, payload.jobId, payload.fileName);
  const state = flashJobs[payload.boardId];
  state.running = false;
  state.finished = payload;
  // The board came back as another USB device (bootloader → app): its job and the selection follow it.
  if (payload.returnedBoardId && payload.returnedBoardId !== payload.boardId) {
    flashJobs[payload.returnedBoardId] = state;
    followBoard(payload.boardId, payload.returnedBoardId);
  }
}

/** Events sent while this window was not connected are lost: ask main how each board's latest job stands. */
async function catchUp(): Promise<void> {
  const latest = await request('flash.jobs', {});
  for (const job of latest) {
    const known = flashJobs[job.boardId];
    if (job.running) beginJob(job.boardId, job.jobId, job.fileName);
    else if (job.finished && known?.jobId === job.jobId && known.running) finishJob(job.finished);
  }
  // A job that is no longer main's latest (main restarted, or a newer job replaced it meanwhile) has ended unheard.
  for (const [boardId, state] of Object.entries(flashJobs)) {
    if (state.running && !latest.some((job) => job.jobId === state.jobId)) {
      state.running = false;
      state.finished = {
        jobId: state.jobId ?? '',
        boardId,
        fileName: state.fileName,
        ok: false,
        error: {
          code: 'DISCONNECTED',
          stage: 'ipc',
          message: 'The connection to Flashdeck was lost while this job ran, so this window missed how it ended.',
          hint: "The Flash tab's recent flashes list what was recorded; flash again if the board does not run the new program.",
        },
      };
    }
  }
}

onEachConnection(catchUp);
