/**
 * What the flash service needs from a board family: look at a file for a board before anything
 * is written, and write it. One implementation per folder in drivers/.
 */
import type { BindingInterface } from '@serialport/bindings-interface';
import type { Board, ImageSummary } from '../../contract';
import type { BoardModel } from '../../../drivers/common/board-catalogue';
import type { FlashOutcome, FlashProgress } from '../../../drivers/common/flash-job';
import type { PortWatch } from '../../../drivers/common/port-watch';
import type { OpenedLink } from '../../../drivers/common/serial-port-link';

export interface FlashInput {
  board: Board;
  /** The board's catalogue entry: pinned target, else an exact guess. */
  model: BoardModel | undefined;
  fileName: string;
  bytes: Uint8Array;
  offset?: number;
}

export interface FlashRun extends FlashInput {
  force: boolean;
  eraseAll: boolean;
  /** The port path, free to open (the console's session has been paused). */
  path: string;
  espFlashBaud: number;
  portWatch: PortWatch;
  signal: AbortSignal;
  /** Progress, with `message` for lines of the flash log ("Chip is ESP32-D0WD-V3"). */
  onProgress: (progress: FlashProgress) => void;
  /** The chip the flash read from the board (ESP: the ROM loader's answer), before anything is written. */
  onChipDetected?: (detected: { chip: string; description: string }) => void;
  /** node-serialport binding for the port: the OS one unless a test passes a simulator's. */
  binding?: BindingInterface;
  /**
   * For a job that ends with its port open and the board restarted: offers the port to the
   * console with what the board printed since the restart. True if taken: the job does not close it.
   */
  handOver?: (opened: OpenedLink, received: Uint8Array) => boolean;
}

export interface FamilyFlasher {
  /** Whether this family takes the file at all (by content). */
  recognises(bytes: Uint8Array, fileName: string): boolean;
  inspect(input: FlashInput): ImageSummary;
  flash(run: FlashRun): Promise<FlashOutcome>;
  /** USB identities the board may come back as after flashing, for the console to reconnect. */
  returnIdentities?(input: FlashInput): string[];
}
