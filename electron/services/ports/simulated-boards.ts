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
    this.started.set(board.id, { path: started.path, kind });
    const count = [...this.started.values()].filter((other) => other.kind === kind).length;
    const name = SIMULATED_BOARD_KINDS[kind] + (count > 1 ? ` #${count}` : '');
    return this.registry.update(board.id, { name, target: started.target });
  }

  /** A forgotten simulated board is unplugged for good, not left running unseen. */
  async forget(boardId: string): Promise<void> {
    const started = this.started.get(boardId);
    if (!started || !this.bench) return;
    this.started.delete(boardId);
    await this.bench.remove(started.path);
    await this.registry.refresh();
  }

  /** Its buttons work whether or not its port is there now (a board in its UF2 bootloader has no serial port). */
  press(boardId: string, button: SimulatedButton): { ok: true; description: string } {
    const bench = this.requireBench();
    return { ok: true, description: bench.press(this.requireStarted(boardId).path, button) };
  }

  sample(boardId: string): FileRef {
    const bench = this.requireBench();
    const { name, bytes } = bench.sample(this.requireStarted(boardId).kind);
    return { name, dataBase64: Buffer.from(bytes).toString('base64') };
  }

  /** Boards this app started, by board id: their port comes and goes, the id stays. */
  private readonly started = new Map<string, { path: string; kind: SimulatedBoardKind }>();

  private requireStarted(boardId: string): { path: string; kind: SimulatedBoardKind } {
    const started = this.started.get(boardId);
    if (started) return started;
    const board = this.registry.get(boardId);
    const real = board !== undefined && !board.simulated;
    throw new FlashdeckError({
      code: 'SIMULATOR_UNAVAILABLE',
      stage: 'starting',
      message: real ? `${board.name ?? board.guess.label} is real hardware, not a simulated board.` : 'That simulated board is gone (Flashdeck restarted since it was started).',
      hint: real ? 'Press the buttons on the board itself.' : 'Start a new simulated board from the board list.',
    });
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
