/**
 * Which catalogue model a board is, and which models the window offers for it. A board whose family
 * is known (from its USB identity, the chip a flash read, or the model picked) is offered only that
 * family's boards: no nRF52 targets for a known ESP32. Pure, no DOM.
 */
import type { Board, BoardModelDto } from '../../electron/contract';

/** The board's model: the one picked (its pinned target), else a guess that names exactly one board. */
export function boardModel(board: Pick<Board, 'target' | 'guess'>, catalogue: readonly BoardModelDto[]): BoardModelDto | undefined {
  const target = board.target ?? (board.guess.confidence === 'exact' && board.guess.targets.length === 1 ? board.guess.targets[0] : null);
  return target ? catalogue.find((model) => model.target === target) : undefined;
}

export interface ModelChoices {
  /** The guessed models first (best first), then the rest of the family, each group by name. */
  models: BoardModelDto[];
  /** "ESP32 boards" when the list is narrowed to a family, else null (every model offered). */
  narrowedTo: string | null;
}

export function modelChoices(board: Pick<Board, 'target' | 'guess'>, catalogue: readonly BoardModelDto[]): ModelChoices {
  // A picked model decides the guess (main derives it), so the guess's family is the board's, except behind a
  // USB-UART bridge: "likely an ESP32" is a hint there (a Feather nRF52832 has the same CP2104), so every model stays offered.
  const family = board.guess.confidence === 'bridge' ? undefined : board.guess.family;
  const inFamily = catalogue.filter((model) => !family || model.family === family || model.target === board.target);
  const guessed = board.guess.targets.map((target) => inFamily.find((model) => model.target === target)).filter((model) => model !== undefined);
  const byName = (a: BoardModelDto, b: BoardModelDto) => a.name.localeCompare(b.name, 'en');
  const rest = inFamily.filter((model) => !guessed.includes(model)).sort(byName);
  const familyName = family === 'esp32' ? 'ESP32' : family === 'nrf52' ? 'nRF52' : null;
  return { models: [...guessed, ...rest], narrowedTo: familyName ? `${familyName} boards` : null };
}

/** The board's chip: its model's, else the one a flash read, else the USB guess's (undefined when none says). */
export function boardChip(board: Board, model: BoardModelDto | undefined): string | undefined {
  return model?.chip ?? board.detected?.chip ?? board.guess.chip;
}
