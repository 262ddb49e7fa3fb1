/**
 * Every board's telemetry in this window, kept while you switch boards or tabs, fed by
 * 'telemetry.batch' events. Views redraw on animation frames, never per sample.
 */
import { on } from '../api';
import { TelemetryModel } from './telemetry-model';
import { HeapAnalysis } from './heap-analysis';

/** One board's (or one recorded session's) samples and their heap reading. */
export interface TelemetrySource {
  model: TelemetryModel;
  heap: HeapAnalysis;
}

const models = new Map<string, TelemetrySource>();
const listeners = new Set<(boardId: string) => void>();

export function telemetrySource(boardId: string): TelemetrySource {
  let source = models.get(boardId);
  if (!source) {
    source = { model: new TelemetryModel(), heap: new HeapAnalysis() };
    models.set(boardId, source);
  }
  return source;
}

/** A recorded session read back: the same model and heap reading as a live board. */
export function sourceOf(batch: { t: number[]; series: Record<string, (number | null)[]>; units?: Record<string, string> }): TelemetrySource {
  const source = { model: new TelemetryModel(Math.max(1024, batch.t.length)), heap: new HeapAnalysis(Math.max(1024, batch.t.length + 64)) };
  source.model.append(batch.t, batch.series, batch.units);
  source.heap.append(batch.t, batch.series);
  return source;
}

/** A serial-less board came back under a new id: its samples go with it. */
export function moveTelemetry(fromBoardId: string, toBoardId: string): void {
  const model = models.get(fromBoardId);
  if (!model || models.has(toBoardId)) return;
  models.delete(fromBoardId);
  models.set(toBoardId, model);
}

export function onTelemetry(listener: (boardId: string) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

on('telemetry.batch', ({ boardId, t, series, units }) => {
  const { model, heap } = telemetrySource(boardId);
  model.append(t, series, units);
  heap.append(t, series);
  for (const listener of listeners) listener(boardId);
});

declare global {
  interface Window {
    __flashdeckTelemetry?: {
      points(boardId: string): number;
      last(boardId: string, name: string): number | null;
      heap(boardId: string): { active: boolean; samples: number; gcs: number; reboots: number; leak: boolean; minFree: number | null; timeAscending: boolean } | null;
    };
  }
}

window.__flashdeckTelemetry = {
  points: (boardId) => models.get(boardId)?.model.total ?? 0,
  last: (boardId, name) => models.get(boardId)?.model.stats(name)?.last ?? null,
  heap: (boardId) => {
    const heap = models.get(boardId)?.heap;
    return heap
      ? {
          active: heap.active,
          samples: heap.total,
          gcs: heap.figures.gcCount,
          reboots: heap.figures.reboots,
          leak: heap.leak !== null,
          minFree: heap.figures.minFree,
          timeAscending: heap.x.data.subarray(heap.offset, heap.offset + heap.held).every((x, i, xs) => i === 0 || x > xs[i - 1]),
        }
      : null;
  },
};
