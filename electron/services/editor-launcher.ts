/**
 * Opens a source file at a line in the user's editor: VS Code (`code -g file:line:col`) when it is
 * on PATH, else the system's default application for the file. Argument arrays only, no shell.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { FlashdeckError } from '../../drivers/common/errors';
import { findOnPath } from './ports/port-lister';

export async function openInEditor(file: string, line?: number, column?: number): Promise<{ opened: boolean; how: string }> {
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
  if (process.platform === 'darwin') launch('open', [file]);
  else if (process.platform === 'win32') launch('explorer.exe', [file]);
  else launch('xdg-open', [file]);
  return { opened: true, how: `the default application (line ${line ?? 1})` };
}

function launch(command: string, args: string[]): void {
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
}
