/**
 * Opening a serial port for a flashing driver (any family), with the OS errors people actually hit
 * turned into FlashdeckErrors (busy port, missing permission, vanished device).
 */
import type { BindingInterface } from '@serialport/bindings-interface';
import { SerialPortStream } from '@serialport/stream';
import { type ByteLink, linkFromSerialPort } from './byte-link';
import { FlashdeckError } from './errors';

export function mapPortOpenError(error: unknown, path: string): FlashdeckError {
  const err = error as { code?: string; message?: string };
  const text = `${err?.code ?? ''} ${err?.message ?? String(error)}`;
  const stage = 'connecting';
  if (/EBUSY|Resource busy|Cannot lock port|temporarily unavailable|Access is denied/i.test(text)) {
    return new FlashdeckError(
      {
        code: 'PORT_BUSY',
        stage,
        message: `${path} is in use by another program.`,
        hint: 'Close other serial monitors (Arduino IDE, screen, minicom, another Flashdeck window) and retry. On Ubuntu, brltty can grab CH340/CH341 adapters: remove it (sudo apt remove brltty).',
      },
      { cause: error },
    );
  }
  if (/EACCES|Permission denied/i.test(text)) {
    return new FlashdeckError(
      {
        code: 'PORT_EACCES',
        stage,
        message: `Permission denied opening ${path}.`,
        hint: 'On Linux, add yourself to the dialout group (sudo usermod -aG dialout $USER; on Arch: uucp), then log out and back in.',
      },
      { cause: error },
    );
  }
  if (/ENOENT|No such file|cannot find|not found/i.test(text)) {
    return new FlashdeckError(
      {
        code: 'PORT_NOT_FOUND',
        stage,
        message: `${path} does not exist (any more).`,
        hint: 'The board was unplugged or got a new port name. Plug it in and pick the port again.',
      },
      { cause: error },
    );
  }
  return new FlashdeckError(
    {
      code: 'PORT_OPEN_FAILED',
      stage,
      message: `Could not open ${path}: ${err?.message ?? String(error)}`,
      hint: 'Check the cable and that no other program holds the port, then retry.',
    },
    { cause: error },
  );
}

export interface OpenLinkOptions {
  baudRate?: number;
  /** node-serialport binding; defaults to the native one (@serialport/bindings-cpp). */
  binding?: BindingInterface;
}

export interface OpenedLink {
  link: ByteLink;
  close(): Promise<void>;
}

/**
 * The one way Flashdeck makes a node-serialport stream (drivers, console, 1200-baud touch): with its
 * `error` event handled from birth to garbage. Every operation we start reports its own failure
 * through its callback; what the stream emits besides is a write the port cancelled when it was
 * closed under it (a stalled flash, an unplug), which is an expected end, or the same failure a
 * second time. Unhandled, either one would end the process.
 */
export function createSerialStream(options: Omit<ConstructorParameters<typeof SerialPortStream>[0], 'autoOpen'>): SerialPortStream {
  const port = new SerialPortStream({ ...options, autoOpen: false });
  port.on('error', () => {});
  return port;
}

/** Opens `path` and returns a ByteLink plus a close function. */
export async function openSerialLink(path: string, options: OpenLinkOptions = {}): Promise<OpenedLink> {
  const binding = options.binding ?? (await import('@serialport/bindings-cpp')).autoDetect();
  const port = createSerialStream({ binding, path, baudRate: options.baudRate ?? 115200 });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(mapPortOpenError(err, path)) : resolve())));
  return {
    link: linkFromSerialPort(port),
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}
