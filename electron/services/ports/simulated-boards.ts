/**
 * The requests behind "Try with a simulated board": plug one in (named and pinned to its model, so
 * it is never an "Unknown board"), press its buttons, hand out its sample program. Without a bench
 * (the command line) every request says so plainly.
 */
import type { Board, FileRef } from '../../contract';
import { SIMULATED_BOARD_KINDS, type SimulatedBoardKind, type SimulatedButton } from '../../contract-values';
import { FlashdeckError } from '../../../drivers/common/errors';
import type { BoardRegistry } from './board-registry';
import type { SimulatedBench } from './simulated-bench';

export class SimulatedBoards {
  constructor(
    private readonly registry: BoardRegistry,
    private readonly bench: SimulatedBench | undefined,
  ) {}

  get available(): boolean {
    return Boolean(this.bench);
  }

  async start(kind: SimulatedBoardKind): Promise<Board> {
    const bench = this.requireBench();
    const started = await bench.start(kind);
    const boards = await this.registry.refresh();
    const board = boards.find((candidate) => candidate.path === started.path);
    if (!board) throw new Error(`The simulated board at ${started.path} did not appear in the board list.`);
    const count = boards.filter((candidate) => candidate.simulated === kind).length;
    const name = SIMULATED_BOARD_KINDS[kind] + (count > 1 ? ` #${count}` : '');
    return this.registry.update(board.id, { name, target: started.target });
  }

  press(boardId: string, button: SimulatedButton): { ok: true; description: string } {
    const bench = this.requireBench();
    const board = this.requireSimulated(boardId);
    return { ok: true, description: bench.press(board.path, button) };
  }

  sample(boardId: string): FileRef {
    const bench = this.requireBench();
    const board = this.requireSimulated(boardId);
    const { name, bytes } = bench.sample(board.simulated!);
    return { name, dataBase64: Buffer.from(bytes).toString('base64') };
  }

  private requireSimulated(boardId: string): Board {
    const board = this.registry.require(boardId);
    if (!board.simulated || !board.present)
      throw new FlashdeckError({
        code: 'SIMULATOR_UNAVAILABLE',
        stage: 'starting',
        message: `${board.name ?? board.guess.label} is ${board.simulated ? 'a simulated board that is gone (Flashdeck restarted since)' : 'real hardware, not a simulated board'}.`,
        hint: board.simulated ? 'Start a new simulated board from the board list.' : 'Press the buttons on the board itself.',
      });
    return board;
  }

  private requireBench(): SimulatedBench {
    if (this.bench) return this.bench;
    throw new FlashdeckError({
      code: 'SIMULATOR_UNAVAILABLE',
      stage: 'starting',
      message: 'This Flashdeck has no simulated boards (the command line runs real hardware only).',
      hint: 'Open the Flashdeck window (or npm run serve) to try a simulated board, or start one with npm run sim.',
    });
  }
}
