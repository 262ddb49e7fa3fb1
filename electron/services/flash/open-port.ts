/**
 * Opening a board's port for a flash job, with the same explanations the console gives: which
 * program holds a busy port, which group to join, that the board is gone. The driver already
 * classified the failure (a PortError); this only adds what the host knows, in the same words.
 */
import type { BindingInterface } from '@serialport/bindings-interface';
import type { Board } from '../../contract';
import { PORT_READ_AHEAD_BYTES, openSerialLink, type OpenedLink } from '../../../drivers/common/serial-port-link';
import { PortError } from '../../../drivers/common/port-errors';
import { explainOpenError } from '../ports/port-open-errors';

/** `binding`: node-serialport's binding, the OS one unless a test passes a simulator's. */
export async function openPortForFlashing(path: string, board: Board, baudRate = 115200, binding?: BindingInterface): Promise<OpenedLink> {
  try {
    return await openSerialLink(path, { baudRate, binding, highWaterMark: PORT_READ_AHEAD_BYTES });
  } catch (error) {
    if (!(error instanceof PortError)) throw error;
    throw explainOpenError(
      error,
      { path, vendorId: board.vendorId, productId: board.productId, goneHint: 'Plug the board in (or put it back in its bootloader) and flash again.' },
      'connecting',
    );
  }
}
