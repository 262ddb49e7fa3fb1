/** Shortcuts: one key per action, never while typing or with a modifier held. */
import { describe, expect, it } from 'vitest';
import { setDialogOpen, SHORTCUTS, shortcutOf } from '../../renderer/lib/keymap';

const press = (key: string, extra: Partial<{ ctrlKey: boolean; altKey: boolean; metaKey: boolean; target: EventTarget | null; repeat: boolean; defaultPrevented: boolean }> = {}) =>
  shortcutOf({ key, ctrlKey: false, altKey: false, metaKey: false, target: null, repeat: false, defaultPrevented: false, ...extra });

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
    // A ticked checkbox keeps the focus, but nothing is typed into it.
    expect(press('c', { target: { tagName: 'INPUT', type: 'checkbox' } as unknown as EventTarget })).toBe('console-toggle');
  });

  it('a held key fires once, and nothing fires behind the open list but ? itself', () => {
    expect(press('c', { repeat: true })).toBeNull();
    setDialogOpen(true);
    expect(press('f')).toBeNull();
    expect(press('?')).toBe('help');
    setDialogOpen(false);
    expect(press('f')).toBe('flash');
  });

  it('leaves Ctrl, Alt and Cmd combinations to the browser and the OS', () => {
    expect(press('l', { ctrlKey: true })).toBeNull();
    expect(press('1', { altKey: true })).toBeNull();
    expect(press('c', { metaKey: true })).toBeNull();
  });
});
