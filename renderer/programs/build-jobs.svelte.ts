/**
 * Builds as the window sees them, per board: queued/running state, the live log (bounded), and the
 * finished summary with diagnostics and sizes.
 */
import type { BuildSummary, EventPayload } from '../../electron/contract';
import { on } from '../api';

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

on('build.finished', (summary) => {
  const job = stateFor(summary.boardId, summary.buildId, summary.program);
  job.summary = summary;
  job.state = summary.cancelled ? 'cancelled' : summary.ok ? 'done' : 'failed';
});
