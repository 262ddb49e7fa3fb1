/**
 * Which boards a command acts on: `--port PATH` (a listed port, or added by path as the window's
 * "Add by path" does), `--board NAME|ID`, `--all`, or the only connected board. `--target` pins
 * the board's TinyGo target exactly as the window's target picker does (it is remembered).
 */
import type { Board } from '../contract';
import { FlashdeckError } from '../../drivers/common/errors';
import type { AppServices } from '../services/app-services';
import { usageError } from './exit-codes';

export interface BoardChoice {
  ports?: string[];
  boards?: string[];
  all?: boolean;
  target?: string;
}

/** A board's name in the command's output: its name, else its port. */
export function boardLabel(board: Board): string {
  return board.name ? `${board.name} (${board.path})` : board.path;
}

export async function selectBoards(services: AppServices, choice: BoardChoice): Promise<Board[]> {
  const { registry } = services;
  const listed = await registry.refresh();
  const chosen: Board[] = [];
  const add = (board: Board) => {
    if (!chosen.some((other) => other.id === board.id)) chosen.push(board);
  };
  for (const path of choice.ports ?? []) {
    const known = listed.find((board) => board.path === path);
    add(known ?? (await registry.addByPath(path)));
  }
  for (const wanted of choice.boards ?? []) {
    const needle = wanted.toLowerCase();
    const matches = listed.filter((board) => board.id === wanted || board.name?.toLowerCase() === needle);
    if (matches.length !== 1) {
      const names = listed.map((board) => board.name ?? board.id).join(', ') || 'none';
      throw usageError(
        matches.length ? `Several boards are named "${wanted}".` : `No board is called "${wanted}".`,
        `Name a board by its id or name (known: ${names}), or use --port PATH. flashdeck boards lists them.`,
      );
    }
    add(matches[0]);
  }
  if (choice.all) for (const board of listed) if (board.present) add(board);
  if (!chosen.length && !choice.all) {
    const present = listed.filter((board) => board.present);
    if (present.length !== 1) {
      throw new FlashdeckError({
        code: present.length ? 'BOARD_AMBIGUOUS' : 'BOARD_NOT_FOUND',
        stage: 'boards',
        message: present.length ? `${present.length} boards are connected (${present.map(boardLabel).join(', ')}), so Flashdeck will not guess.` : 'No board is connected.',
        hint: present.length ? 'Pick one with --port PATH or --board NAME (or --all where the command allows it).' : 'Plug a board in, or give its port with --port PATH.',
      });
    }
    add(present[0]);
  }
  if (!chosen.length)
    throw new FlashdeckError({ code: 'BOARD_NOT_FOUND', stage: 'boards', message: 'No board is connected.', hint: 'Plug boards in, or give their ports with --port PATH.' });
  const missing = chosen.filter((board) => !board.present);
  if (missing.length) {
    throw new FlashdeckError({
      code: 'BOARD_NOT_CONNECTED',
      stage: 'boards',
      message: `${missing.map(boardLabel).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not plugged in.`,
      hint: 'Plug the board in (or check the port path) and try again.',
    });
  }
  if (choice.target) return Promise.all(chosen.map((board) => registry.update(board.id, { target: choice.target })));
  return chosen;
}
