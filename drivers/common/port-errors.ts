/**
 * Why a serial port operation failed, decided once for every caller (drivers, console, flash):
 *
 *   busy       another program holds the port (Linux EBUSY / "Cannot lock port", macOS "Resource
 *              busy", Windows "Access denied" — Windows refuses a second opener that way);
 *   permission the OS refuses this user (EACCES / EPERM / "Permission denied");
 *   not-found  nothing is at that path (ENOENT, Windows "File not found" / "The system cannot find
 *              the file specified"): unplugged, or a new port name;
 *   vanished   the device went away under an open port or while opening (EIO, ENXIO, ENODEV,
 *              macOS "Device not configured"; Windows "Operation aborted", "Invalid handle" and
 *              error codes 22, 31 and 1167, in node-serialport's or the system's wording);
 *   other      anything else.
 *
 * And the one mapping of a kind to the words a person reads (`portError`). Services add what only
 * they can find out (which process holds the port, which group grants access) as context.
 */
import { FlashdeckError, type ErrorCode } from './errors';
import type { Stage } from '../../electron/contract-values';

export type PortErrorKind = 'busy' | 'permission' | 'not-found' | 'vanished' | 'other';

const BUSY = /\bEBUSY\b|\bEAGAIN\b|resource busy|cannot lock port|temporarily unavailable|access (is )?denied|being used by another process/i;
const PERMISSION = /\bEACCES\b|\bEPERM\b|permission denied|operation not permitted/i;
const NOT_FOUND = /\bENOENT\b|no such file|file not found|cannot find the (file|path) specified/i;
const VANISHED =
  /\bEIO\b|\bENXIO\b|\bENODEV\b|\bEBADF\b|input\/output error|no such device|device not configured|bad file descriptor|port is not open|disconnected|does not recognize the command|device attached to the system is not functioning|operation aborted|invalid handle|unknown error code (22|31|1167)\b/i;

/** Classifies an error from opening, reading, writing or controlling a serial port. */
export function classifyPortError(error: unknown): PortErrorKind {
  if (error instanceof PortError) return error.kind;
  const err = error as { code?: string; message?: string; disconnected?: boolean; disconnect?: boolean } | null;
  const text = `${err?.code ?? ''} ${err?.message ?? String(error)}`;
  // On Windows "Access denied" means another program has the port; a refused user is a POSIX wording.
  if (PERMISSION.test(text)) return 'permission';
  if (BUSY.test(text)) return 'busy';
  if (NOT_FOUND.test(text)) return 'not-found';
  if (err?.disconnected || err?.disconnect || VANISHED.test(text)) return 'vanished';
  return 'other';
}

/** Whether the board is gone (unplugged, resetting), so waiting for it is the answer rather than asking the user. */
export function isPortGone(error: unknown): boolean {
  const kind = classifyPortError(error);
  return kind === 'vanished' || kind === 'not-found';
}

/** A port error a person reads, still carrying the kind it was classified as. */
export class PortError extends FlashdeckError {
  constructor(
    readonly kind: PortErrorKind,
    readonly path: string,
    info: ConstructorParameters<typeof FlashdeckError>[0],
    options?: { cause?: unknown },
  ) {
    super(info, options);
  }
}

export interface PortHolder {
  pid: number;
  /** Process name, e.g. from /proc/<pid>/comm. */
  name: string;
  /** Full command line, trimmed. */
  command: string;
  /** Holds the port's exclusive lock (as serial programs do). */
  locks: boolean;
}

export interface PortErrorContext {
  path: string;
  stage: Stage;
  vendorId?: string;
  productId?: string;
  /** Who holds a busy port, where the caller could find out (Linux /proc). */
  holders?: PortHolder[];
  /** The group that grants serial access here; null when the platform has none; unknown when left out. */
  accessGroup?: string | null;
  /** What to do when the board is gone (the console waits by itself; a flash must be retried). */
  goneHint?: string;
}

export const UDEV_RULES_FILE = 'resources/linux/60-flashdeck.rules';

/** CH340/CH341 bridges: brltty (braille displays) claims them on many distributions. */
const CH34X = new Set(['1a86:7523', '1a86:5523']);

/** The error a person reads for a failed port operation: what happened and the next step. */
export function portError(error: unknown, context: PortErrorContext): PortError {
  // A PortError keeps the kind it was given (never classified twice); only its words are redone with this context.
  const kind = classifyPortError(error);
  const cause = error instanceof PortError ? error.cause : error;
  const { path, stage } = context;
  const make = (code: ErrorCode, message: string, hint: string) => new PortError(kind, path, { code, stage, message, hint }, { cause });
  switch (kind) {
    case 'permission': {
      const group = context.accessGroup;
      const groupStep =
        group === undefined
          ? 'On Linux, join the dialout group (uucp on Arch): sudo usermod -aG dialout $USER, then log out and back in.'
          : group
            ? `Join the ${group} group: sudo usermod -aG ${group} $USER, then log out and back in.`
            : 'Give your user read/write access to the port.';
      return make(
        'PORT_EACCES',
        `Permission denied opening ${path}.`,
        `${groupStep} Then install the udev rules Flashdeck ships (${UDEV_RULES_FILE}): sudo cp ${UDEV_RULES_FILE} /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger, and replug the board.`,
      );
    }
    case 'busy': {
      const { message, hint } = busyWords(context);
      return make('PORT_BUSY', message, hint);
    }
    case 'not-found':
      return make('PORT_NOT_FOUND', `${path} is not there (the board is unplugged, resetting, or has a new port name).`, context.goneHint ?? GONE_HINT);
    case 'vanished':
      return make('PORT_VANISHED', `${path} went away (the board was unplugged or reset).`, context.goneHint ?? GONE_HINT);
    case 'other': {
      const raw = cause instanceof Error ? cause.message : String(cause);
      return make('PORT_OPEN_FAILED', `Could not open ${path}: ${raw}`, 'Check the port path and the cable, then try again.');
    }
  }
}

const GONE_HINT = 'Plug the board in (or pick its new port), then try again.';

function busyWords(context: PortErrorContext): { message: string; hint: string } {
  const { path } = context;
  const holders = context.holders ?? [];
  const lockers = holders.filter((h) => h.locks);
  const named = (lockers.length ? lockers : holders).map((h) => `${h.name} (pid ${h.pid})`);
  const usb = context.vendorId && context.productId ? `${context.vendorId}:${context.productId}`.toLowerCase() : '';
  const notes: string[] = [];
  const modemManager = holders.some((h) => /modemmanager/i.test(h.name));
  const brltty = holders.some((h) => /brltty/i.test(h.name));
  if (modemManager || (/ttyACM/.test(path) && holders.length === 0)) {
    notes.push(
      `ModemManager probes new ttyACM ports for a few seconds after plug-in; wait and retry, or stop it for this board with the udev rules (${UDEV_RULES_FILE} sets ID_MM_DEVICE_IGNORE), or: sudo systemctl stop ModemManager.`,
    );
  }
  if (brltty || (CH34X.has(usb) && holders.length === 0)) {
    notes.push('brltty (braille display support) grabs CH340 adapters; if you use no braille display: sudo apt remove brltty (or disable its udev rule).');
  }
  const others = holders.filter((h) => !h.locks).map((h) => `${h.name} (pid ${h.pid})`);
  const who = lockers.length
    ? `It is held by ${named.join(', ')}${others.length ? `; also open in ${others.join(', ')}` : ''}.`
    : named.length
      ? `It is held by ${named.join(', ')}.`
      : 'Another program holds it (the OS did not say which).';
  const close =
    named.length && !modemManager && !brltty
      ? `Close ${(lockers[0] ?? holders[0]).name} (for example a serial monitor or another Flashdeck), then try again.`
      : 'Close other serial monitors (screen, minicom, Arduino IDE, another Flashdeck), then try again.';
  return { message: `${path} is busy. ${who}`, hint: [close, ...notes].join(' ') };
}
