/**
 * Opening a board's port for a flash job, with the same explanations the console gives: which
 * program holds a busy port, which group to join, that the board is gone.
 */
import type { Board } from '../../contract';
import { openSerialLink, type OpenedLink } from '../../../drivers/common/serial-port-link';
import { explainOpenError } from '../ports/port-open-errors';

export async function openPortForFlashing(path: string, board: Board, baudRate = 115200): Promise<OpenedLink> {
  try {
    return await openSerialLink(path, { baudRate });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause ?? error;
    throw explainOpenError(
      cause,
      { path, vendorId: board.vendorId, productId: board.productId, vanishedHint: 'Plug the board in (or put it back in its bootloader) and flash again.' },
      'connecting',
    );
  }
}
