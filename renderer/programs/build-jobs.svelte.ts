/**
 * Builds as the window sees them, per board: queued/running state, the live log (bounded), and the
 * finished summary with diagnostics and sizes. Log lines are numbered by main, so a window that
 * (re)connects mid-build fills in the lines it missed from main's copy.
 */
import type { BuildSummary, EventPayload, RequestResult } from '../../electron/contract';
import { BUILD_LOG_KEPT_LINES } from '../../electron/contract-values';
import { on, request } from '../api';
import { onEachConnection } from '../app-state.svelte';

export interface BoardBuildState {
  buildId: string;
  program: string;
  state: EventPayload<'build.state'>['state'];
  position: number;
  log: EventPayload<'build.log'>['lines'];
  /** Number of the next log line main will send: every line before it has been shown (or dropped by the bound). */
  logNext: number;
  summary: BuildSummary | null;
}

export const buildJobs = $state<Record<string, BoardBuildState>>({});

function stateFor(boardId: string, buildId: string, program: string): BoardBuildState {
  if (buildJobs[boardId]?.buildId !== buildId) {
    buildJobs[boardId] = { buildId, program, state: 'queued', position: 0, log: [], logNext: 0, summary: null };
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

on('build.log', ({ boardId, buildId, from, lines }) => {
  const job = buildJobs[boardId];
  if (job?.buildId !== buildId) return;
  // Lines before logNext came with main's copy on catch-up already; a gap is filled at the next catch-up.
  const fresh = lines.slice(Math.max(0, job.logNext - from));
  appendLog(job, fresh);
  job.logNext = Math.max(job.logNext, from + lines.length);
});

function appendLog(job: BoardBuildState, lines: BoardBuildState['log']): void {
  job.log.push(...lines);
  if (job.log.length > BUILD_LOG_KEPT_LINES) job.log.splice(0, job.log.length - BUILD_LOG_KEPT_LINES);
}

/** Main's copy of the build's log replaces this window's when the window missed any of it. */
function replayLog(job: BoardBuildState, build: RequestResult<'build.jobs'>[number]): void {
  const sent = build.logFrom + build.log.length;
  if (job.logNext >= sent) return;
  job.log = [];
  if (build.logFrom > 0) {
    job.log.push({ stream: 'info', text: `The first ${build.logFrom.toLocaleString('en-US')} lines of this build's log were not kept.`, atMs: build.log[0]?.atMs ?? 0 });
  }
  appendLog(job, build.log);
  job.logNext = sent;
}

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
      if (known?.buildId !== build.buildId) continue;
      replayLog(known, build);
      if (!known.summary) finishBuild(build.summary);
    } else {
      const job = stateFor(build.boardId, build.buildId, build.program);
      job.state = build.state;
      job.position = build.position;
      replayLog(job, build);
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
