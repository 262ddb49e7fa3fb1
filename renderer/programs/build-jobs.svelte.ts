/**
 * Builds as the window sees them, per board: queued/running state, the live log (bounded), and the
 * finished summary with diagnostics and sizes.
 */
import type { BuildSummary, EventPayload } from '../../electron/contract';
import { on, request } from '../api';
import { onEachConnection } from '../app-state.svelte';

const MAX_LOG_LINES = 5000;

export interface BoardBuildState {
  buildId: string;
  program: string;
  state: EventPayload<'build.state'>['state'];
  position: number;
  log: EventPayload<'build.log'>['lines'];
  summary: BuildSummary | null;
}

export const buildJobs = $state<Record<string, BoardBuildState>>({});

function stateFor(boardId: string, buildId: string, program: string): BoardBuildState {
  if (buildJobs[boardId]?.buildId !== buildId) {
    buildJobs[boardId] = { buildId, program, state: 'queued', position: 0, log: [], summary: null };
  }
  return buildJobs[boardId];
}

export function beginBuild(boardId: string, buildId: string, program: string): void {
  stateFor(boardId, buildId, program);
}

on('build.state', ({ boardId, buildId, program, state, position }) => {
  const job = stateFor(boardId, buildId, program);
  job.state = state;
  job.position = position;
  job.program = program;
});

on('build.log', ({ boardId, buildId, lines }) => {
  const job = buildJobs[boardId];
  if (job?.buildId !== buildId) return;
  job.log.push(...lines);
  if (job.log.length > MAX_LOG_LINES) job.log.splice(0, job.log.length - MAX_LOG_LINES);
});

on('build.finished', (summary) => finishBuild(summary));

function finishBuild(summary: BuildSummary): void {
  const job = stateFor(summary.boardId, summary.buildId, summary.program);
  job.summary = summary;
  job.state = summary.cancelled ? 'cancelled' : summary.ok ? 'done' : 'failed';
}

/** Events sent while this window was not connected are lost: ask main how each board's latest build stands. */
async function catchUp(): Promise<void> {
  const latest = await request('build.jobs', {});
  for (const build of latest) {
    const known = buildJobs[build.boardId];
    if (build.summary) {
      if (known?.buildId === build.buildId && !known.summary) finishBuild(build.summary);
    } else {
      const job = stateFor(build.boardId, build.buildId, build.program);
      job.state = build.state;
      job.position = build.position;
    }
  }
  // A build that is no longer main's latest (main restarted, or a newer build replaced it) has ended unheard.
  for (const job of Object.values(buildJobs)) {
    if ((job.state === 'running' || job.state === 'queued') && !latest.some((build) => build.buildId === job.buildId)) {
      job.state = 'failed';
      job.log.push({
        stream: 'info',
        text: 'The connection to Flashdeck was lost while this build ran, so this window missed how it ended; the Size history tab lists recorded builds. Build again to see its log.',
        atMs: Date.now(),
      });
    }
  }
}

onEachConnection(catchUp);
