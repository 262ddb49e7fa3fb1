/**
 * What the words for a port error need that only the host can find out: which other program holds
 * a busy port (Linux: scan /proc/<pid>/fd and /proc/locks) and which group grants serial access on
 * this distribution. The classification and the words themselves live in drivers/common/port-errors.ts.
 */
import type { Stage } from '../../contract-values';
import { readFileSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { classifyPortError, portError, type PortError, type PortHolder } from '../../../drivers/common/port-errors';
import { checkSerialAccess } from './serial-access';

export type { PortHolder };

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
  goneHint?: string;
}

/**
 * The error a person reads when a port would not open: the one mapping in drivers/common/port-errors.ts,
 * told what only this side can find out (who holds a busy port, which group grants access). A PortError
 * from a driver keeps its kind.
 */
export function explainOpenError(error: unknown, context: PortContext, stage: Stage = 'opening-port'): PortError {
  const kind = classifyPortError(error);
  return portError(error, {
    ...context,
    stage,
    holders: kind === 'busy' ? (context.holders ?? findPortHolders(context.path, { ignorePid: process.pid })) : undefined,
    accessGroup: kind === 'permission' ? (context.accessGroup !== undefined ? context.accessGroup : (checkSerialAccess().group ?? defaultGroupName())) : undefined,
  });
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
