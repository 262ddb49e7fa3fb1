/**
 * Which of a program's notes apply to this board and this TinyGo: a note for other chips or
 * targets, or for older TinyGo releases, is left out. Where the board's chip or target is not known
 * yet, its chip and target notes are kept (they may apply); a version note needs a known version.
 */
import type { ProgramInfo } from '../../electron/contract';

export interface NoteContext {
  chip?: string;
  target?: string;
  tinygoVersion?: string | null;
}

export function notesFor(notes: ProgramInfo['notes'], context: NoteContext): string[] {
  return notes
    .filter((note) => {
      if (note.chips && context.chip && !note.chips.includes(context.chip)) return false;
      if (note.targets && context.target && !note.targets.includes(context.target)) return false;
      if (note.tinygoBelow && !(context.tinygoVersion && olderThan(context.tinygoVersion, note.tinygoBelow))) return false;
      return true;
    })
    .map((note) => note.text);
}

/** "0.33.0" < "0.34": numeric parts compared in order. */
export function olderThan(version: string, than: string): boolean {
  const a = version.split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0);
  const b = than.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < b.length; i++) {
    if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) < b[i];
  }
  return false;
}
