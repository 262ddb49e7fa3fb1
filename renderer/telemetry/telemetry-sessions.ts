/**
 * Every board's telemetry in this window, kept while you switch boards or tabs, fed by
 * 'telemetry.batch' events. Views redraw on animation frames, never per sample.
 */
import { on } from '../api';
import { TelemetryModel } from './telemetry-model';

const models = new Map<string, TelemetryModel>();
const listeners = new Set<(boardId: string) => void>();

export function telemetryModel(boardId: string): TelemetryModel {
  let model = models.get(boardId);
  if (!model) {
    model = new TelemetryModel();
    models.set(boardId, model);
  }
  return model;
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

on('telemetry.batch', ({ boardId, t, series }) => {
  telemetryModel(boardId).append(t, series);
  for (const listener of listeners) listener(boardId);
});

declare global {
  interface Window {
    __flashdeckTelemetry?: { points(boardId: string): number; last(boardId: string, name: string): number | null };
  }
}

window.__flashdeckTelemetry = {
  points: (boardId) => models.get(boardId)?.total ?? 0,
  last: (boardId, name) => models.get(boardId)?.stats(name)?.last ?? null,
};
