/** Shortcuts: one key per action, never while typing or with a modifier held. */
import { describe, expect, it } from 'vitest';
import { SHORTCUTS, shortcutOf } from '../../renderer/lib/keymap';

const press = (key: string, extra: Partial<{ ctrlKey: boolean; altKey: boolean; metaKey: boolean; target: EventTarget | null }> = {}) =>
  shortcutOf({ key, ctrlKey: false, altKey: false, metaKey: false, target: null, ...extra });

describe('keymap', () => {
  it('maps each listed key to its action, and nothing else', () => {
    for (const shortcut of SHORTCUTS) expect(press(shortcut.key)).toBe(shortcut.action);
    expect(press('x')).toBeNull();
    expect(new Set(SHORTCUTS.map((s) => s.key)).size).toBe(SHORTCUTS.length);
  });

  it('lets the user type in fields', () => {
    expect(press('c', { target: { tagName: 'INPUT' } as unknown as EventTarget })).toBeNull();
    expect(press('/', { target: { tagName: 'DIV', isContentEditable: true } as unknown as EventTarget })).toBeNull();
    expect(press('c', { target: { tagName: 'BUTTON' } as unknown as EventTarget })).toBe('console-toggle');
  });

  it('leaves Ctrl, Alt and Cmd combinations to the browser and the OS', () => {
    expect(press('l', { ctrlKey: true })).toBeNull();
    expect(press('1', { altKey: true })).toBeNull();
    expect(press('c', { metaKey: true })).toBeNull();
  });
});
