/**
 * Opens a source file at a line in the user's editor: VS Code (`code -g file:line:col`) when it is
 * on PATH, else the system's default application for the file. Argument arrays only, no shell.
 *
 * The renderer names the file, so what it may name is narrow: an absolute path to an existing
 * source or text file. "The default application" of an .exe, .app, .desktop or .sh file would run
 * it; of a .go file it is an editor.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { extname, isAbsolute } from 'node:path';
import { FlashdeckError } from '../../drivers/common/errors';
import { findOnPath } from './ports/port-lister';

/** Files a build diagnostic, an allocation report or a linker error can point at. */
export const EDITABLE_EXTENSIONS = ['.go', '.mod', '.sum', '.s', '.c', '.h', '.cc', '.cpp', '.hpp', '.ld', '.ll', '.txt', '.md', '.json', '.toml', '.yaml', '.yml'] as const;

/** Why `file` may not be handed to an editor, or null when it may. */
export function editorRefusal(file: string): string | null {
  if (!isAbsolute(file)) return `Flashdeck opens only absolute paths in the editor, not "${file}".`;
  if (file.includes('\0')) return 'The file name contains a NUL byte.';
  const extension = extname(file).toLowerCase();
  if (!(EDITABLE_EXTENSIONS as readonly string[]).includes(extension)) {
    return `Flashdeck opens only source and text files in the editor (${EDITABLE_EXTENSIONS.join(' ')}), not ${extension ? `a ${extension} file` : 'a file without an extension'}: ${file}`;
  }
  return null;
}

export async function openInEditor(file: string, line?: number, column?: number): Promise<{ opened: boolean; how: string }> {
  const refusal = editorRefusal(file);
  if (refusal) throw new FlashdeckError({ code: 'EDITOR_FILE_REFUSED', stage: 'editor', message: refusal, hint: 'Open the file from your editor instead.' });
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch {
    throw new FlashdeckError({
      code: 'FILE_NOT_FOUND',
      stage: 'editor',
      message: `${file} does not exist on this machine.`,
      hint: 'The build ran on another checkout, or the file was moved.',
    });
  }
  const code = findOnPath(process.platform === 'win32' ? 'code.cmd' : 'code');
  if (code && process.platform !== 'win32') {
    launch(code, ['-g', `${file}:${line ?? 1}:${column ?? 1}`]);
    return { opened: true, how: 'VS Code' };
  }
  if (process.platform === 'darwin') launch('open', ['-t', file]);
  else if (process.platform === 'win32') launch('explorer.exe', [file]);
  else launch('xdg-open', [file]);
  return { opened: true, how: `the default application (line ${line ?? 1})` };
}

function launch(command: string, args: string[]): void {
  const child = spawn(command, args, { detached: true, stdio: 'ignore', shell: false });
  child.on('error', () => {});
  child.unref();
}
