/**
 * A flash job's board coming back after its port went away during a reset (boards with native
 * USB re-enumerate when the chip resets): on the same path, or on a new one with the same USB
 * serial number (or, for a board without one, its USB id on a port that appeared since), within
 * a few seconds. A port that is busy for a moment after re-enumeration (ModemManager probes new
 * ports) is tried again until then.
 */
import type { Board } from '../../contract';
import { cancelledError, FlashdeckError } from '../../../drivers/common/errors';
import type { OpenedLink } from '../../../drivers/common/serial-port-link';
import { classifyPortError, isPortGone } from '../../../drivers/common/port-errors';
import type { PortWatch, SerialPortInfo } from '../../../drivers/common/port-watch';
import { usbIdOf } from '../../../drivers/common/board-catalogue';
import { sleep } from '../ports/port-reconnect';

/** How long a re-enumerating board may take to come back (USB-CDC takes one to two seconds). */
export const BOARD_RETURN_MS = 5000;
const LOOK_EVERY_MS = 200;

export interface ReturningBoard {
  board: Board;
  /** Where the port was when it went away. */
  lastPath: string;
  portWatch: PortWatch;
  open(path: string): Promise<OpenedLink>;
  signal: AbortSignal;
  timeoutMs?: number;
}

/** Opens the board where it came back; rejects with ESP_DISCONNECTED when it does not within the time, with the open error when one needs the user. */
export async function openReturningBoard(returning: ReturningBoard): Promise<OpenedLink> {
  const { board, lastPath, portWatch, signal } = returning;
  const timeoutMs = returning.timeoutMs ?? BOARD_RETURN_MS;
  const listedBefore = new Set((await portWatch.list().catch(() => [])).map((p) => p.path));
  const sameBoard = (port: SerialPortInfo) => {
    if (port.path === lastPath) return false;
    if (board.serialNumber) return port.serialNumber === board.serialNumber;
    const id = usbIdOf(port.vendorId, port.productId);
    return Boolean(id) && id === usbIdOf(board.vendorId, board.productId) && !listedBefore.has(port.path);
  };
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    if (signal.aborted) throw cancelledError('connecting');
    const elsewhere = (await portWatch.list().catch(() => [])).filter(sameBoard).map((p) => p.path);
    for (const path of [lastPath, ...elsewhere]) {
      try {
        return await returning.open(path);
      } catch (error) {
        if (!isPortGone(error) && classifyPortError(error) !== 'busy') throw error;
        lastError = error;
      }
    }
    await sleep(LOOK_EVERY_MS, signal);
  }
  throw new FlashdeckError(
    {
      code: 'ESP_DISCONNECTED',
      stage: 'connecting',
      message: `The serial port ${lastPath} went away while resetting the board and did not come back within ${timeoutMs / 1000} s.`,
      hint: 'Unplug the board and plug it in again (try another USB port, avoid unpowered hubs), then flash again.',
    },
    { cause: lastError ?? undefined },
  );
}
