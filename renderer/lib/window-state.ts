/**
 * What the window remembers across reloads and restarts: the selected board, the open tab and each
 * view's own settings, in localStorage under one prefix. One place for the keys, so two views
 * never share or clash over one by accident.
 */
const PREFIX = 'flashdeck.';

export const WINDOW_KEYS = {
  selectedBoard: 'selectedBoard',
  tab: 'tab',
  consoleShowSent: 'console.showSent',
  historyPageSize: 'history.pageSize',
  telemetryWindow: 'telemetry.windowSeconds',
  telemetryLowHeapPercent: 'telemetry.lowHeapPercent',
} as const;
export type WindowKey = (typeof WINDOW_KEYS)[keyof typeof WINDOW_KEYS];

/** The remembered value, or `fallback` when there is none or it is not what `valid` accepts. */
export function recall<T>(key: WindowKey, fallback: T, valid: (value: unknown) => value is T): T {
  try {
    const stored = localStorage.getItem(PREFIX + key);
    if (stored === null) return fallback;
    let value: unknown = stored;
    try {
      value = JSON.parse(stored);
    } catch {
      // Written as plain text by an older Flashdeck: take it as it is.
    }
    return valid(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

export function remember(key: WindowKey, value: unknown): void {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the window works, it just forgets.
  }
}

export const isString = (value: unknown): value is string => typeof value === 'string';
export const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
export const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
