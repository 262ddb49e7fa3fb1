/**
 * The 1200-baud "touch" (nrf52-flashing.md 4.2, 4.5): open the application's port at 1200 baud,
 * drop DTR, close. A TinyGo app on an Adafruit-bootloader board reboots into the bootloader with
 * its UF2 drive. Pseudo-terminals and some adapters refuse DTR changes; the close still counts.
 */
import { autoDetect } from '@serialport/bindings-cpp';
import type { BindingInterface } from '@serialport/bindings-interface';
import { FlashdeckError } from '../common/errors';
import { wallClock, type DriverClock } from '../common/clock';
import { createSerialStream } from '../common/serial-port-link';

export interface TouchOptions {
  path: string;
  /** The node-serialport binding (tests: the in-process SimBinding). */
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
  const binding = options.binding ?? (autoDetect() as unknown as BindingInterface);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = createSerialStream({ binding, path: options.path, baudRate: 1200 });
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
      await new Promise<void>((resolve) => port.set({ dtr: false, rts: true }, () => resolve()));
      await new Promise<void>((resolve) => port.close(() => resolve()));
      return;
    } catch (error) {
      lastError = error;
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
      if (attempt < attempts) await clock.sleep(options.retryDelayMs ?? 1000, options.signal, 'entering-bootloader');
    }
  }
  const code = (lastError as { code?: string })?.code;
  throw new FlashdeckError(
    {
      code: code === 'EACCES' ? 'PORT_EACCES' : code === 'EBUSY' ? 'PORT_BUSY' : 'NRF_TOUCH_FAILED',
      stage: 'entering-bootloader',
      message: `Could not open ${options.path} at 1200 baud to reset the board into its bootloader: ${(lastError as Error)?.message ?? 'unknown error'}.`,
      hint:
        code === 'EBUSY'
          ? 'Close the serial monitor or any other program using the port, then retry.'
          : "Double-tap the board's RESET button (the LED pulses) to enter the bootloader by hand, then retry.",
    },
    { cause: lastError },
  );
}
