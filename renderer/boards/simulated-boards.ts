/** "Try with a simulated board": plug one in and show it. One place for the empty state and the board list. */
import type { SimulatedBoardKind } from '../../electron/contract-values';
import { describeError, request } from '../api';
import { selectBoard } from '../app-state.svelte';

/** Starts a simulated board and selects it; resolves with what went wrong, for the caller's ErrorNotice, or null. */
export async function startSimulatedBoard(kind: SimulatedBoardKind): Promise<ReturnType<typeof describeError> | null> {
  try {
    const board = await request('simulator.start', { kind });
    selectBoard(board.id, board);
    return null;
  } catch (e) {
    return describeError(e);
  }
}
