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

/** Inputs that are not for typing: a key pressed on them is still a shortcut. */
const NOT_TYPED = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file']);

function typingIn(target: EventTarget | null): boolean {
  const element = target as (Partial<Pick<HTMLElement, 'tagName' | 'isContentEditable'>> & { type?: string }) | null;
  if (element?.isContentEditable) return true;
  if (element?.tagName === 'INPUT') return !NOT_TYPED.has(element.type ?? 'text');
  return element?.tagName === 'TEXTAREA' || element?.tagName === 'SELECT';
}

/** While a dialog is open (the shortcut list), only its own keys work: nothing happens behind it. */
let dialogOpen = false;
export function setDialogOpen(open: boolean): void {
  dialogOpen = open;
}

/** The action a key press asks for, or null (typing, a modifier held, a held key repeating, not a shortcut). */
export function shortcutOf(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'altKey' | 'metaKey' | 'target' | 'repeat' | 'defaultPrevented'>): ShortcutAction | null {
  if (event.ctrlKey || event.altKey || event.metaKey || event.repeat || event.defaultPrevented || typingIn(event.target)) return null;
  const action = SHORTCUTS.find((shortcut) => shortcut.key === event.key)?.action ?? null;
  return dialogOpen && action !== 'help' ? null : action;
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
