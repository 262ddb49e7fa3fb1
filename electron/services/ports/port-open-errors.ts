/**
 * Why a serial port would not open, in words that name the fix:
 *   EACCES  → the group to join on this distribution and the udev rules file we ship;
 *   busy    → which other program holds it (Linux: scan /proc/<pid>/fd), with ModemManager and
 *             brltty called out for ttyACM and CH340 ports;
 *   vanished → the board is gone; the session waits for it.
 */
import { readFileSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FlashdeckError } from '../../../drivers/common/errors';
import { checkSerialAccess } from './serial-access';

export const UDEV_RULES_FILE = 'resources/linux/60-flashdeck.rules';

export interface PortHolder {
  pid: number;
  /** Process name from /proc/<pid>/comm. */
  name: string;
  /** Full command line, trimmed. */
  command: string;
  /** Holds the port's exclusive lock (as serial programs do), per /proc/locks. */
  locks: boolean;
}

export type OpenFailure = 'access' | 'busy' | 'vanished' | 'other';

/** Classifies a node-serialport open/read error. */
export function classifyPortError(error: unknown): OpenFailure {
  const code = (error as { code?: string })?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'EACCES' || code === 'EPERM' || /permission denied|EACCES/i.test(message)) return 'access';
  if (code === 'EBUSY' || /cannot lock port|resource busy|EBUSY|temporarily unavailable/i.test(message)) return 'busy';
  if (
    code === 'ENOENT' ||
    code === 'ENXIO' ||
    code === 'ENODEV' ||
    code === 'EIO' ||
    (error as { disconnected?: boolean })?.disconnected ||
    (error as { disconnect?: boolean })?.disconnect ||
    /no such file|no such device|input\/output error|disconnected/i.test(message)
  ) {
    return 'vanished';
  }
  return 'other';
}

/**
 * Processes other than `ignorePid` with an open file descriptor on `path` (Linux only; elsewhere
 * and without permission to read other users' /proc entries, an empty list).
 */
export function findPortHolders(path: string, options: { procRoot?: string; ignorePid?: number } = {}): PortHolder[] {
  const procRoot = options.procRoot ?? '/proc';
  if (process.platform !== 'linux' && !options.procRoot) return [];
  let target: string;
  try {
    target = realpathSync(path);
  } catch {
    target = path;
  }
  let pids: string[];
  try {
    pids = readdirSync(procRoot).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const lockers = lockHolders(target, procRoot);
  const holders: PortHolder[] = [];
  for (const pidText of pids) {
    const pid = Number(pidText);
    if (pid === options.ignorePid) continue;
    let fds: string[];
    try {
      fds = readdirSync(join(procRoot, pidText, 'fd'));
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        const link = readlinkSync(join(procRoot, pidText, 'fd', fd));
        return link === target || link === path;
      } catch {
        return false;
      }
    });
    if (!holds) continue;
    const read = (file: string) => {
      try {
        return readFileSync(join(procRoot, pidText, file), 'utf8');
      } catch {
        return '';
      }
    };
    const name = read('comm').trim() || `pid ${pid}`;
    const command = read('cmdline').split('\0').filter(Boolean).join(' ').slice(0, 200);
    holders.push({ pid, name, command, locks: lockers.has(pid) });
  }
  // Lock holders first: they are the ones keeping us out (others may just have it open).
  return holders.sort((a, b) => Number(b.locks) - Number(a.locks));
}

/** PIDs holding a flock/POSIX lock on the file at `path` (Linux /proc/locks). */
function lockHolders(path: string, procRoot: string): Set<number> {
  const pids = new Set<number>();
  try {
    const info = statSync(path);
    const major = Math.floor(info.dev / 256) & 0xfff;
    const minor = (info.dev & 0xff) | ((info.dev >> 12) & 0xfff00);
    const wanted = new Set([`${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${info.ino}`, `${major}:${minor}:${info.ino}`]);
    for (const line of readFileSync(join(procRoot, 'locks'), 'utf8').split('\n')) {
      const fields = line.trim().split(/\s+/);
      // "1: FLOCK  ADVISORY  WRITE 16994 00:1a:7 0 EOF"
      if (fields.length >= 6 && wanted.has(fields[5])) pids.add(Number(fields[4]));
    }
  } catch {
    // no /proc/locks, or the path is gone
  }
  return pids;
}

export interface PortContext {
  path: string;
  vendorId?: string;
  productId?: string;
  /** Injected for tests; defaults to the live checks. */
  holders?: PortHolder[];
  accessGroup?: string | null;
  /** What to do when the port is gone (the console waits by itself; a flash must be retried). */
  vanishedHint?: string;
}

/** CH340/CH341 bridges: brltty (braille displays) claims them on many distributions. */
const CH34X = new Set(['1a86:7523', '1a86:5523']);

/** The error a person reads when a port would not open, with the next step. */
export function explainOpenError(error: unknown, context: PortContext, stage = 'opening-port'): FlashdeckError {
  const kind = classifyPortError(error);
  const raw = error instanceof Error ? error.message : String(error);
  const { path } = context;
  if (kind === 'access') {
    const group = context.accessGroup !== undefined ? context.accessGroup : (checkSerialAccess().group ?? defaultGroupName());
    const groupStep = group ? `Join the ${group} group: sudo usermod -aG ${group} $USER, then log out and back in.` : 'Give your user read/write access to the port.';
    return new FlashdeckError(
      {
        code: 'PORT_EACCES',
        stage,
        message: `Permission denied opening ${path}.`,
        hint: `${groupStep} Then install the udev rules Flashdeck ships (${UDEV_RULES_FILE}): sudo cp ${UDEV_RULES_FILE} /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger, and replug the board.`,
      },
      { cause: error },
    );
  }
  if (kind === 'busy') {
    const holders = context.holders ?? findPortHolders(path, { ignorePid: process.pid });
    const lockers = holders.filter((h) => h.locks);
    const named = (lockers.length ? lockers : holders).map((h) => `${h.name} (pid ${h.pid})`);
    const usb = context.vendorId && context.productId ? `${context.vendorId}:${context.productId}`.toLowerCase() : '';
    const isAcm = /ttyACM/.test(path);
    const isCh34x = CH34X.has(usb);
    const notes: string[] = [];
    const modemManager = holders.some((h) => /modemmanager/i.test(h.name));
    const brltty = holders.some((h) => /brltty/i.test(h.name));
    if (modemManager || (isAcm && holders.length === 0)) {
      notes.push(
        `ModemManager probes new ttyACM ports for a few seconds after plug-in; wait and retry, or stop it for this board with the udev rules (${UDEV_RULES_FILE} sets ID_MM_DEVICE_IGNORE), or: sudo systemctl stop ModemManager.`,
      );
    }
    if (brltty || (isCh34x && holders.length === 0)) {
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
    return new FlashdeckError(
      {
        code: 'PORT_BUSY',
        stage,
        message: `${path} is busy. ${who}`,
        hint: [close, ...notes].join(' '),
      },
      { cause: error },
    );
  }
  if (kind === 'vanished') {
    return new FlashdeckError(
      {
        code: 'PORT_VANISHED',
        stage,
        message: `${path} is not there (the board is unplugged or resetting).`,
        hint: context.vanishedHint ?? 'Waiting for the board: plug it in and the console reconnects by itself.',
      },
      { cause: error },
    );
  }
  return new FlashdeckError(
    { code: 'PORT_OPEN_FAILED', stage, message: `Could not open ${path}: ${raw}`, hint: 'Check the port path and the cable, then try again.' },
    { cause: error },
  );
}

function defaultGroupName(): string | null {
  try {
    const groups = readFileSync('/etc/group', 'utf8');
    if (/^dialout:/m.test(groups)) return 'dialout';
    if (/^uucp:/m.test(groups)) return 'uucp';
  } catch {
    // not Linux, or no /etc/group
  }
  return process.platform === 'linux' ? 'dialout' : null;
}
