/**
 * Finding a console's board again after an unplug, a reset or a flash, and reopening it: matched
 * by USB serial number, else VID:PID and the target's application/bootloader identities, else the
 * path. A busy port right after (re)enumeration is retried for a while (ModemManager probes new
 * ports for seconds); a board that is gone again is waited for again.
 */
import type { Board } from '../../contract';
import { findBoard, usbIdOf } from '../../../drivers/common/board-catalogue';
import { classifyPortError, isPortGone } from '../../../drivers/common/port-errors';
import type { PortWatch, SerialPortInfo } from '../../../drivers/common/port-watch';
import type { ResetTarget } from '../console/board-reset';

export interface SessionIdentity {
  path: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  /** USB ids this board may come back as: its own, and its target's application and bootloader ids. */
  usbIds: string[];
  manual: boolean;
  reset: ResetTarget;
}

export function identityOf(board: Board): SessionIdentity {
  const own = usbIdOf(board.vendorId, board.productId);
  const targets = board.target ? [board.target] : board.guess.confidence === 'exact' ? board.guess.targets : [];
  const related = targets.flatMap((target) => {
    const model = findBoard(target);
    return model ? [...model.usbApp, ...model.usbBootloader] : [];
  });
  const family = board.target ? findBoard(board.target)?.family : board.guess.family;
  return {
    path: board.path,
    vendorId: board.vendorId,
    productId: board.productId,
    serialNumber: board.serialNumber,
    usbIds: own ? unique([own, ...related]) : [],
    manual: board.manual,
    reset: { family, vendorId: board.vendorId, productId: board.productId },
  };
}

/** Whether a listed port is our board coming back. */
export function matchesIdentity(port: SerialPortInfo, identity: { path: string; serialNumber?: string; usbIds: string[] }, extraIds: string[] = []): boolean {
  const usb = usbIdOf(port.vendorId, port.productId);
  if (usb && extraIds.includes(usb)) return true;
  if (identity.serialNumber) return port.serialNumber === identity.serialNumber;
  if (usb && identity.usbIds.includes(usb)) return true;
  return !usb && port.path === identity.path;
}

export function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

export interface ReconnectSteps {
  /** The identity to look for (read afresh: a reopen may have moved it to a new path). */
  identity(): SessionIdentity;
  portWatch: PortWatch;
  /** Whether a port's device node is there (port listings lag behind unplugs). */
  pathExists(path: string): boolean;
  busyGraceMs: number;
  open(path: string): Promise<void>;
  waiting(detail: string): void;
  reconnecting(detail: string): void;
  /** A port error that needs the user: the wait ends. */
  failed(error: unknown): void;
}

export interface ReconnectOptions {
  /** USB ids the board may come back as besides its own (a flashed program's). */
  usbIds?: string[];
  /** The port the board is known to be back on (a flash job saw it): only that one is taken. */
  path?: string;
  afterLease?: boolean;
}

/**
 * Waits for the board and reopens it. Resolves once connected, or when the wait is abandoned
 * (`signal` aborted: the console was closed or a lease taken; or a port error that needs the user).
 */
export async function reconnectPort(steps: ReconnectSteps, options: ReconnectOptions, signal: AbortSignal): Promise<void> {
  const extraIds = (options.usbIds ?? []).map((id) => id.toLowerCase());
  steps.waiting(options.afterLease ? 'Waiting for the board to come back after flashing.' : `Waiting for the board (${steps.identity().path}).`);
  let busySince: number | null = null;
  while (!signal.aborted) {
    const path = await waitForBoard(steps, extraIds, options.path, signal);
    if (!path || signal.aborted) return;
    steps.reconnecting(`Opening ${path}`);
    try {
      await steps.open(path);
      return;
    } catch (error) {
      if (signal.aborted) return;
      if (isPortGone(error)) {
        steps.waiting(`Waiting for the board (${steps.identity().path}).`);
        await sleep(300, signal);
        continue;
      }
      busySince ??= Date.now();
      if (classifyPortError(error) === 'busy' && Date.now() - busySince < steps.busyGraceMs) {
        await sleep(500, signal);
        continue;
      }
      steps.failed(error);
      return;
    }
  }
}

/** How long a port a flash job saw the board on may take to be listed here too. */
const KNOWN_PATH_WAIT_MS = 5000;

/** The path the board is back on, or null when aborted. */
async function waitForBoard(steps: ReconnectSteps, extraIds: string[], knownPath: string | undefined, signal: AbortSignal): Promise<string | null> {
  const identity = steps.identity();
  const hasUsbIdentity = Boolean(identity.serialNumber || identity.usbIds.length || extraIds.length);
  if (knownPath) {
    const there = (port: SerialPortInfo) => port.path === knownPath && steps.pathExists(port.path);
    try {
      return (await steps.portWatch.waitFor(there, KNOWN_PATH_WAIT_MS, signal)).path;
    } catch {
      // Gone again before we got to it, or never listed: look for the board as after any unplug.
      if (signal.aborted) return null;
    }
  }
  if (!hasUsbIdentity) {
    // A board added by path (or a pseudo-terminal): the path itself coming back is the signal.
    while (!signal.aborted) {
      if (steps.pathExists(identity.path)) return identity.path;
      await sleep(200, signal);
    }
    return null;
  }
  const match = (port: SerialPortInfo) => matchesIdentity(port, identity, extraIds) && steps.pathExists(port.path);
  while (!signal.aborted) {
    try {
      const port = await steps.portWatch.waitFor(match, 60_000, signal);
      return port.path;
    } catch {
      if (signal.aborted) return null;
    }
  }
  return null;
}
