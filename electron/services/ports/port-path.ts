/**
 * What the user may add as a board's port by hand: something that can be a serial port on this
 * platform. An absolute device path (a character device, or a /dev path not plugged in yet that
 * Flashdeck will wait for) on Linux and macOS; a COM name on Windows. Never a path relative to
 * wherever Flashdeck happens to run, never an ordinary file.
 */
import { statSync } from 'node:fs';
import { posix } from 'node:path';

export type PortPathCheck = { ok: true; path: string } | { ok: false; reason: string; hint: string };

export interface PortPathContext {
  platform: NodeJS.Platform;
  /** What is at `path` (following links, as /dev/serial/by-id/… are), or undefined if nothing is. */
  kind(path: string): 'character-device' | 'directory' | 'file' | 'other' | undefined;
}

const EXAMPLES = 'for example /dev/ttyUSB0 or /dev/ttyACM0 on Linux, /dev/cu.usbserial-0001 on macOS, COM3 on Windows';
const MAX_LENGTH = 1024;

export function checkPortPath(input: string, context: PortPathContext = localPortPathContext()): PortPathCheck {
  const path = input.trim();
  const refuse = (reason: string, hint = `Enter the serial port's device path, ${EXAMPLES}.`): PortPathCheck => ({ ok: false, reason, hint });
  if (!path) return refuse('No port path was given.');
  if (path.length > MAX_LENGTH) return refuse(`That port path is ${path.length.toLocaleString('en-US')} characters long; a serial port's path is short.`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses.
  if (/[\0-\x1f\x7f]/.test(path)) return refuse('That port path contains control characters (a line break or NUL), which no serial port name has.');

  if (context.platform === 'win32') {
    const com = /^(?:\\\\\.\\)?(COM[1-9]\d{0,2})$/i.exec(path);
    if (com) return { ok: true, path: com[1].toUpperCase() };
    return refuse(`"${path}" is not a Windows serial port name.`, "Windows names serial ports COM1, COM2, …: see Device Manager → Ports (COM & LPT) for the board's number.");
  }

  if (!path.startsWith('/')) {
    return refuse(`"${path}" is not an absolute path, so it cannot name a serial device.`);
  }
  const normal = posix.normalize(path);
  const kind = context.kind(normal);
  if (kind === 'character-device') return { ok: true, path: normal };
  if (kind === undefined) {
    if (normal.startsWith('/dev/') && normal !== '/dev/') return { ok: true, path: normal };
    return refuse(`Nothing is at ${normal}, and a serial port that is not plugged in yet would be under /dev/.`);
  }
  const what = kind === 'directory' ? 'a folder' : kind === 'file' ? 'an ordinary file' : 'not a device';
  return refuse(`${normal} is ${what}, not a serial device.`);
}

export function localPortPathContext(): PortPathContext {
  return {
    platform: process.platform,
    kind(path) {
      const info = statSync(path, { throwIfNoEntry: false });
      if (!info) return undefined;
      if (info.isCharacterDevice()) return 'character-device';
      if (info.isDirectory()) return 'directory';
      if (info.isFile()) return 'file';
      return 'other';
    },
  };
}
