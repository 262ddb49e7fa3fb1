/**
 * The window's keyboard shortcuts: one list (what the help overlay shows) and one dispatcher.
 * Views register what an action does while they can do it; a key does nothing while the user types
 * in a field or holds Ctrl, Alt or Cmd (those belong to the browser and the OS).
 */
export const SHORTCUTS = [
  { key: '?', action: 'help', label: 'Show or hide this list' },
  { key: 'o', action: 'overview', label: 'Show the bench overview' },
  { key: '1', action: 'tab:Flash', label: 'Flash tab' },
  { key: '2', action: 'tab:Console', label: 'Console tab' },
  { key: '3', action: 'tab:Telemetry', label: 'Telemetry tab' },
  { key: '4', action: 'tab:Size history', label: 'Size history tab' },
  { key: '5', action: 'tab:Programs', label: 'Programs tab' },
  { key: 'f', action: 'flash', label: 'Flash the chosen image (again), on the Flash tab' },
  { key: 'c', action: 'console-toggle', label: 'Connect or disconnect the console' },
  { key: 'l', action: 'console-clear', label: 'Clear the console' },
  { key: '/', action: 'console-search', label: 'Search the console' },
] as const;
export type ShortcutAction = (typeof SHORTCUTS)[number]['action'];

const handlers = new Map<ShortcutAction, () => void>();

/** While registered, `action` runs `handler`; the returned function unregisters it (only if it is still the one). */
export function onShortcut(action: ShortcutAction, handler: () => void): () => void {
  handlers.set(action, handler);
  return () => {
    if (handlers.get(action) === handler) handlers.delete(action);
  };
}

function typingIn(target: EventTarget | null): boolean {
  const element = target as Partial<Pick<HTMLElement, 'tagName' | 'isContentEditable'>> | null;
  return Boolean(element?.isContentEditable) || ['INPUT', 'TEXTAREA', 'SELECT'].includes(element?.tagName ?? '');
}

/** The action a key press asks for, or null (typing, a modifier held, not a shortcut). */
export function shortcutOf(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'altKey' | 'metaKey' | 'target'>): ShortcutAction | null {
  if (event.ctrlKey || event.altKey || event.metaKey || typingIn(event.target)) return null;
  return SHORTCUTS.find((shortcut) => shortcut.key === event.key)?.action ?? null;
}

/** Listens on `target` (the window); returns the function that stops listening. */
export function installKeymap(target: Window): () => void {
  const listener = (event: KeyboardEvent) => {
    const action = shortcutOf(event);
    const handler = action && handlers.get(action);
    if (!handler) return;
    event.preventDefault();
    handler();
  };
  target.addEventListener('keydown', listener);
  return () => target.removeEventListener('keydown', listener);
}
