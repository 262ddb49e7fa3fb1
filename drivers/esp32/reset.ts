/**
 * DTR/RTS sequences that reset an ESP board into the ROM loader or into its app.
 *
 * Board wiring (auto-reset circuit): RTS drives EN, DTR drives GPIO0; "asserted" (true) pulls
 * the pin to 0 V; both asserted is ignored by the two-transistor circuit. USB-Serial-JTAG chips
 * (VID 303a PID 1001) decode the same lines differently and need their own sequence.
 * Timings after esptool's reset.py (v5.3.1).
 */
import { type ByteLink, type ControlSignals, isPortGoneError } from '../common/byte-link';
import { FlashdeckError, cancelledError } from '../common/errors';
import { type DriverClock, wallClock } from '../common/clock';
import { type TextWatch, disconnectedError } from './loader';

export type ResetStrategy =
  /** DTR/RTS set one at a time, a boot wait of 50 ms at most (it ends at the ROM banner). */
  | 'classic'
  /** As classic with a boot wait of up to 550 ms, for boards with a large EN capacitor. */
  | 'classic-slow'
  /** Both lines in one call per step (no glitch between them), 50 ms. */
  | 'tight'
  | 'tight-slow'
  /** USB-Serial-JTAG peripheral (ESP32-C3/S3/C6 native USB). */
  | 'usb-jtag'
  /** Reset into the app: EN pulse with GPIO0 released. */
  | 'hard'
  /** Hard reset for native USB (longer pulse, wait for re-enumeration to settle). */
  | 'hard-usb';

/**
 * A step: lines to set, a pause in ms, or the boot wait: GPIO0 stays low while EN rises and the
 * ROM samples it, up to `bootMs`, or until the ROM says "waiting for download" (strapping read).
 */
type Step = Partial<ControlSignals> | number | { bootMs: number };

const D = (dtr: boolean): Step => ({ dtr });
const R = (rts: boolean): Step => ({ rts });
const DR = (dtr: boolean, rts: boolean): Step => ({ dtr, rts });
const BOOT = (bootMs: number): Step => ({ bootMs });

export const RESET_SEQUENCES: Record<ResetStrategy, Step[]> = {
  classic: [D(false), R(true), 100, D(true), R(false), BOOT(50), D(false)],
  'classic-slow': [D(false), R(true), 100, D(true), R(false), BOOT(550), D(false)],
  tight: [DR(false, false), DR(true, true), DR(false, true), 100, DR(true, false), BOOT(50), DR(false, false), D(false)],
  'tight-slow': [DR(false, false), DR(true, true), DR(false, true), 100, DR(true, false), BOOT(550), DR(false, false), D(false)],
  'usb-jtag': [R(false), D(false), 100, D(true), R(false), 100, R(true), D(false), R(true), 100, D(false), R(false)],
  hard: [D(false), R(true), 100, R(false)],
  'hard-usb': [D(false), R(true), 200, R(false), 200],
};

/** Strategies tried in turn by the connect loop (esptool's POSIX order), or the USB-JTAG one. */
export function connectStrategies(usbJtag: boolean): ResetStrategy[] {
  return usbJtag ? ['usb-jtag'] : ['tight', 'tight-slow', 'classic', 'classic-slow'];
}

/** True for the ESP USB-Serial-JTAG peripheral's USB identity. */
export function isUsbJtag(vendorId?: string, productId?: string): boolean {
  return vendorId?.toLowerCase() === '303a' && productId?.toLowerCase() === '1001';
}

/** Error thrown when the port has no control lines; the caller falls back to manual boot mode. */
export class NoControlLinesError extends FlashdeckError {
  constructor(path: string, cause: unknown) {
    super(
      {
        code: 'ESP_NO_CONTROL_LINES',
        stage: 'connecting',
        message: `${path} cannot set DTR/RTS, so Flashdeck cannot reset the board by itself.`,
        hint: 'Put the board in download mode by hand: hold BOOT, tap EN (RESET), release BOOT. Flashdeck keeps trying to connect meanwhile.',
      },
      { cause },
    );
  }
}

/** Starts watching for the ROM's "waiting for download" (the loader channel's watchText). */
export type BootWatch = () => TextWatch;

/**
 * Plays one reset sequence. Throws NoControlLinesError if the port has no control lines,
 * ESP_DISCONNECTED if it is gone. With `bootWatch`, the boot wait ends as soon as the ROM's banner
 * says it waits for download; without, it lasts its full time.
 */
export async function runResetSequence(link: ByteLink, strategy: ResetStrategy, clock: DriverClock = wallClock, signal?: AbortSignal, bootWatch?: BootWatch): Promise<void> {
  for (const step of RESET_SEQUENCES[strategy]) {
    if (typeof step === 'number') {
      await clock.sleep(step, signal, 'connecting');
      continue;
    }
    if ('bootMs' in step) {
      await bootWait(step.bootMs, clock, signal, bootWatch);
      continue;
    }
    try {
      await link.setSignals(step);
    } catch (error) {
      // A device that is gone, not a port without DTR/RTS (ENOTTY on a pty).
      if (isPortGoneError(error)) throw disconnectedError(link.path, 'connecting', `went away while resetting the board (${(error as Error)?.message ?? error})`, error);
      throw new NoControlLinesError(link.path, error);
    }
  }
}

/** The boot wait: its full time, or less when the watch sees the banner first. */
async function bootWait(ms: number, clock: DriverClock, signal: AbortSignal | undefined, bootWatch: BootWatch | undefined): Promise<void> {
  if (!bootWatch) return clock.sleep(ms, signal, 'connecting');
  const watch = bootWatch();
  const timer = new AbortController();
  const onAbort = () => timer.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const sleeping = clock.sleep(ms, timer.signal, 'connecting');
  try {
    await Promise.race([sleeping, watch.seen]);
  } finally {
    watch.stop();
    signal?.removeEventListener('abort', onAbort);
    timer.abort();
    sleeping.catch(() => {}); // cut short by the banner
  }
  if (signal?.aborted) throw cancelledError('connecting');
}

/**
 * The console's "reset board" button: 'hard' (or 'hard-usb') restarts the app, any other
 * strategy leaves the board waiting in the ROM loader.
 */
export async function resetEsp32(link: ByteLink, strategy: ResetStrategy = 'hard', options: { clock?: DriverClock; signal?: AbortSignal } = {}): Promise<void> {
  await runResetSequence(link, strategy, options.clock ?? wallClock, options.signal);
}
