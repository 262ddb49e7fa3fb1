/** "Try with a simulated board": plug one in and show it. One place for the empty state and the board list. */
import type { SimulatedBoardKind } from '../../electron/contract-values';
import { request } from '../api';
import { selectBoard } from '../app-state.svelte';

export async function startSimulatedBoard(kind: SimulatedBoardKind = 'esp32'): Promise<void> {
  const board = await request('simulator.start', { kind });
  selectBoard(board.id, board);
}
