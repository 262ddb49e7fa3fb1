/**
 * What the window knows: boards, settings, app facts. Filled from requests, kept fresh by events.
 * Components read it; only the functions here change it.
 */
import type { AppInfo, Board, BoardModelDto, Settings } from '../electron/contract';
import { on, onConnectionState, request, type ConnectionState } from './api';
import { isString, recall, remember, WINDOW_KEYS } from './lib/window-state';

export const app = $state({
  boards: [] as Board[],
  selectedId: null as string | null,
  settings: null as Settings | null,
  info: null as AppInfo | null,
  catalogue: [] as BoardModelDto[],
  connection: 'connecting' as ConnectionState,
  showSettings: false,
  /** The bench overview is in front (the header's button); it also shows while no board is selected. */
  showOverview: false,
  /** A tab another view wants shown (e.g. Telemetry after "build, flash and plot"). */
  requestedTab: null as string | null,
});

export function showTab(tab: string): void {
  app.requestedTab = tab;
}

/**
 * The selected board as last seen. A board that vanishes (reset into its bootloader, unplugged)
 * stays selected and shown as not connected, so its view and any job on it stay in front of the
 * user until it returns or they pick another board.
 */
let lastSelected = $state<Board | null>(null);

export function selectedBoard(): Board | undefined {
  const listed = app.boards.find((board) => board.id === app.selectedId);
  if (listed) return listed;
  return lastSelected?.id === app.selectedId ? { ...lastSelected, present: false } : undefined;
}

/** Boards for the sidebar: the listed ones, plus the selected one while it is away. */
export function sidebarBoards(): Board[] {
  const away = selectedBoard();
  return away && !app.boards.some((board) => board.id === away.id) ? [...app.boards, away] : app.boards;
}

/** A board that came back under another identity: move the selection along if it was on the old one. */
export function followBoard(fromId: string, toId: string): void {
  if (app.selectedId === fromId) selectBoard(toId);
}

/** The board the user last picked (it may be gone from the list for now). */
export function rememberedBoardId(): string | null {
  return recall(WINDOW_KEYS.selectedBoard, null, isString);
}

/** `known`: the board as a reply just gave it, for when its boards.changed event has not arrived yet. */
export function selectBoard(id: string | null, known?: Board): void {
  app.selectedId = id;
  lastSelected = app.boards.find((board) => board.id === id) ?? (known?.id === id ? known : null);
  app.showSettings = false;
  app.showOverview = false;
  if (id) remember(WINDOW_KEYS.selectedBoard, id);
}

/** The bench overview in front; picking a card (or a board on the left) leaves it. */
export function showOverview(): void {
  app.showOverview = true;
  app.showSettings = false;
}

function setBoards(boards: Board[]): void {
  app.boards = boards;
  const selected = boards.find((board) => board.id === app.selectedId);
  if (selected) lastSelected = selected;
  else if (lastSelected?.id === app.selectedId) return; // keep showing it while it is away
  if (!app.selectedId || !selected) {
    // Only the board the user last picked comes back by itself; otherwise the bench overview shows every board.
    const remembered = rememberedBoardId();
    const pick = boards.find((board) => board.id === remembered);
    app.selectedId = pick?.id ?? null;
    lastSelected = pick ?? null;
  }
}

export function applyTheme(settings: Settings | null): void {
  const theme = settings?.theme ?? 'system';
  if (theme === 'system') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', theme);
}

/**
 * How many boards.changed / settings.changed events have arrived. Every change in main emits one,
 * so a snapshot requested before the latest event may be older than it and must not replace it
 * (a board added just after the window opened would otherwise vanish again).
 */
const eventsSeen = { boards: 0, settings: 0 };

async function loadAll(): Promise<void> {
  const asked = { ...eventsSeen };
  const [info, boards, settings, catalogue] = await Promise.all([request('app.info', {}), request('boards.list', {}), request('settings.get', {}), request('catalogue.list', {})]);
  app.info = info;
  app.catalogue = catalogue;
  if (asked.boards === eventsSeen.boards) setBoards(boards);
  if (asked.settings === eventsSeen.settings) {
    app.settings = settings;
    applyTheme(settings);
  }
}

export function startAppState(): void {
  on('boards.changed', ({ boards }) => {
    eventsSeen.boards++;
    setBoards(boards);
  });
  on('settings.changed', ({ settings }) => {
    eventsSeen.settings++;
    app.settings = settings;
    applyTheme(settings);
  });
  onConnectionState((state) => {
    const reconnected = state === 'open' && app.connection !== 'open' && app.info !== null;
    app.connection = state;
    if (reconnected) void loadAll();
  });
  void loadAll().then(() => (app.connection = 'open'));
}

/**
 * Runs `catchUp` each time the connection to main opens (the first time and after every drop):
 * events sent while it was down are lost, so views that follow events ask for the state again.
 */
export function onEachConnection(catchUp: () => Promise<unknown>): void {
  $effect.root(() => {
    let wasOpen = false;
    $effect(() => {
      const open = app.connection === 'open';
      if (open && !wasOpen) void catchUp().catch(() => {});
      wasOpen = open;
    });
  });
}

/** The one rule lives in contract-values.ts, where main's sentences use it too. */
export { boardTitle } from '../electron/contract-values';
