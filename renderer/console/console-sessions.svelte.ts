/**
 * Every board's console in this window: its model (kept while you switch boards or tabs), its
 * status from main, and the one animation-frame loop that parses queued batches and tells the
 * mounted views to redraw. Exposes `window.__flashdeckConsole` so tests and the benchmark can
 * read the data model (never the DOM).
 */
import { SvelteSet } from 'svelte/reactivity';
import type { ConsoleSettings, ConsoleStatus } from '../../electron/contract';
import { on, request } from '../api';
import { app, onEachConnection, rememberedBoardId, selectBoard } from '../app-state.svelte';
import { moveTelemetry } from '../telemetry/telemetry-sessions';
import { ConsoleModel } from './console-model';

export const consoleStatus: Record<string, ConsoleStatus> = $state({});

/** The console's state in words: the one wording the Console tab and the board header share. */
export function consoleStateLabel(status: ConsoleStatus | undefined): string {
  const labels: Record<ConsoleStatus['state'], string> = {
    closed: 'Closed',
    opening: 'Opening…',
    connected: 'Connected',
    'waiting-for-board': 'Waiting for board',
    reconnecting: 'Reconnecting…',
    'paused-for-flash': 'Paused for flashing',
    error: 'Error',
  };
  return labels[status?.state ?? 'closed'];
}

// Plain collections on purpose: consoles redraw on animation frames through redrawListeners, not through Svelte's reactivity.
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const models = new Map<string, ConsoleModel>();
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const redrawListeners = new Set<(boardId: string) => void>();
let frameScheduled = false;

export function consoleModel(boardId: string): ConsoleModel {
  let model = models.get(boardId);
  if (!model) {
    model = new ConsoleModel(app.settings?.scrollbackLines ?? 100_000);
    models.set(boardId, model);
  }
  return model;
}

/** A view asks to hear when a board's console content changed (after parsing, on a frame). */
export function onConsoleRedraw(listener: (boardId: string) => void): () => void {
  redrawListeners.add(listener);
  return () => redrawListeners.delete(listener);
}

function frame(): void {
  frameScheduled = false;
  for (const [boardId, model] of models) {
    if (model.process()) for (const listener of redrawListeners) listener(boardId);
  }
}

function scheduleFrame(): void {
  if (frameScheduled) return;
  frameScheduled = true;
  // Hidden windows get no animation frames; keep parsing (slowly) so queues stay bounded.
  if (document.hidden) setTimeout(frame, 200);
  else requestAnimationFrame(frame);
}

export function notifyRedraw(boardId: string): void {
  for (const listener of redrawListeners) listener(boardId);
}

on('console.data', ({ boardId, chunks, droppedBytes }) => {
  consoleModel(boardId).enqueue(chunks, droppedBytes);
  scheduleFrame();
});

on('console.state', ({ boardId, state, error, detail, path, movedTo }) => {
  if (movedTo) {
    moveBoard(boardId, movedTo);
    return;
  }
  const current = consoleStatus[boardId];
  if (!current) return;
  current.state = state;
  current.error = error;
  current.detail = detail;
  if (path) current.path = path;
});

/** A serial-less board came back on another path under a new id: its console (and scrollback) follow, and so does the selection. */
function moveBoard(fromBoardId: string, toBoardId: string): void {
  const model = models.get(fromBoardId);
  if (model && !models.has(toBoardId)) {
    models.delete(fromBoardId);
    models.set(toBoardId, model);
  }
  moveTelemetry(fromBoardId, toBoardId);
  const status = consoleStatus[fromBoardId];
  delete consoleStatus[fromBoardId];
  if (status) consoleStatus[toBoardId] = { ...status, boardId: toBoardId };
  void refreshConsoleStatus(toBoardId).catch(() => {});
  if (rememberedBoardId() === fromBoardId || app.selectedId === fromBoardId) selectBoard(toBoardId);
}

on('console.panic', (report) => {
  consoleModel(report.boardId).addPanic(report);
  notifyRedraw(report.boardId);
});

// After the connection to main comes back (serve restarted, socket dropped), states may have
// changed without us hearing: ask again for every console this window knows.
onEachConnection(() => Promise.all(Object.keys(consoleStatus).map((boardId) => refreshConsoleStatus(boardId).catch(() => {}))));

$effect.root(() => {
  $effect(() => {
    const lines = app.settings?.scrollbackLines;
    if (!lines) return;
    for (const [boardId, model] of models) {
      if (model.lines.capacity !== lines) {
        model.setScrollback(lines);
        notifyRedraw(boardId);
      }
    }
  });
});

/** Boards whose console the user disconnected in this window: their Console tab does not connect by itself again. */
export const closedByUser = new SvelteSet<string>();

export async function openConsole(boardId: string, settings?: Partial<ConsoleSettings>): Promise<ConsoleStatus> {
  closedByUser.delete(boardId);
  consoleModel(boardId);
  const status = await request('console.open', { boardId, ...(settings ? { settings } : {}) });
  consoleStatus[boardId] = status;
  return status;
}

export async function closeConsole(boardId: string): Promise<void> {
  closedByUser.add(boardId);
  await request('console.close', { boardId });
  const status = await request('console.status', { boardId });
  consoleStatus[boardId] = status;
}

export async function refreshConsoleStatus(boardId: string): Promise<ConsoleStatus> {
  const status = await request('console.status', { boardId });
  consoleStatus[boardId] = status;
  return status;
}

export function setConsoleStatus(status: ConsoleStatus): void {
  consoleStatus[status.boardId] = status;
}

declare global {
  interface Window {
    __flashdeckConsole?: {
      stats(boardId: string): { linesReceived: number; linesHeld: number; bytesReceived: number; droppedBytes: number; batches: number; pending: boolean } | null;
      lines(boardId: string, from?: number, count?: number): string[];
      boards(): string[];
    };
  }
}

window.__flashdeckConsole = {
  stats(boardId) {
    const model = models.get(boardId);
    if (!model) return null;
    return {
      linesReceived: model.linesReceived,
      linesHeld: model.lines.count,
      bytesReceived: model.bytesReceived,
      droppedBytes: model.droppedBytes,
      batches: model.batches,
      pending: model.pending,
    };
  },
  lines(boardId, from = 0, count = Infinity) {
    const model = models.get(boardId);
    if (!model) return [];
    const out: string[] = [];
    const end = Math.min(model.lines.count, from + count);
    for (let i = Math.max(0, from); i < end; i++) out.push(model.lines.text(i));
    return out;
  },
  boards: () => [...models.keys()],
};
