/**
 * The 1200-baud "touch" (nrf52-flashing.md 4.2, 4.5): open the application's port at 1200 baud,
 * drop DTR, close. A TinyGo app on an Adafruit-bootloader board reboots into the bootloader with
 * its UF2 drive. Pseudo-terminals and some adapters refuse DTR changes; the close still counts.
 */
import { FlashdeckError } from '../common/errors';
import type { BindingInterface } from '@serialport/bindings-interface';
import { wallClock, type DriverClock } from '../common/clock';
import { portError } from '../common/port-errors';
import { openSerialLink } from '../common/serial-port-link';

export interface TouchOptions {
  path: string;
  /** The node-serialport binding (tests: the in-process SimBinding); the OS one by default. */
  binding?: BindingInterface;
  /** Opens tried before giving up (TinyGo: 3, 1 s apart). */
  attempts?: number;
  retryDelayMs?: number;
  clock?: DriverClock;
  signal?: AbortSignal;
}

export async function touchSerialPortAt1200(options: TouchOptions): Promise<void> {
  const attempts = options.attempts ?? 3;
  const clock = options.clock ?? wallClock;
  const stage = 'entering-bootloader';
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const { link, close } = await openSerialLink(options.path, { binding: options.binding, baudRate: 1200, vanishCheckMs: 0, errorContext: { stage } });
      await link.setSignals({ dtr: false, rts: true }).catch(() => {});
      await close();
      return;
    } catch (error) {
      lastError = error;
      if (attempt < attempts) await clock.sleep(options.retryDelayMs ?? 1000, options.signal, stage);
    }
  }
  const failure = portError(lastError, { path: options.path, stage });
  if (failure.kind === 'busy' || failure.kind === 'permission') throw failure;
  throw new FlashdeckError(
    {
      code: 'NRF_TOUCH_FAILED',
      stage,
      message: `Could not open ${options.path} at 1200 baud to reset the board into its bootloader: ${failure.message}`,
      hint: "Double-tap the board's RESET button (the LED pulses) to enter the bootloader by hand, then retry.",
    },
    { cause: lastError },
  );
}
