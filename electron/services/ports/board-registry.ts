/**
 * The boards the app shows: ports the OS lists (hot-plug by polling), ports the user added by
 * path, and what the user told us about each (name, pinned target). Emits the whole list when it
 * changes, and lets drivers wait for a board to come back (PortWatch).
 */
import type { SimulatedBoardKind } from '../../contract-values';
import { existsSync } from 'node:fs';
import type { Board } from '../../contract';
import type { PortWatch, SerialPortInfo } from '../../../drivers/common/port-watch';
import { guessBoard } from '../../../drivers/common/board-catalogue';
import { FlashdeckError, cancelledError } from '../../../drivers/common/errors';
import type { BoardStore, DetectedChip } from '../store/board-store';
import type { PortLister } from './port-lister';
import { boardIdOf, manualBoardId } from './board-identity';
import { checkPortPath, type PortPathContext } from './port-path';

export interface BoardRegistryOptions {
  lister: PortLister;
  store: BoardStore;
  /** How often to look for hot-plugged boards. 500 ms keeps appear/disappear under 1 s. */
  pollMs?: number;
  /**
   * Signals that device nodes changed (Linux inotify). With it, ports are listed on change and
   * polled only every `watchedPollMs` as a safety net, instead of every `pollMs`.
   */
  deviceWatch?: (onChange: () => void) => () => void;
  watchedPollMs?: number;
  /** Which simulated board a listed port is, if any (the app's simulated bench). */
  simulatedKind?: (path: string) => SimulatedBoardKind | undefined;
  /** Whether a manually added path exists now. */
  pathExists?: (path: string) => boolean;
  /** What a path added by hand may be (platform and file kinds); the machine's own by default. */
  portPathContext?: PortPathContext;
  onChange?: (boards: Board[]) => void;
  /** Errors from listing (logged, never fatal). */
  onListError?: (error: unknown) => void;
}

interface Waiter {
  match: (port: SerialPortInfo) => boolean;
  resolve: (port: SerialPortInfo) => void;
}

export class BoardRegistry {
  private ports: SerialPortInfo[] = [];
  private boards: Board[] = [];
  private lastJson = '';
  private timer: NodeJS.Timeout | null = null;
  private unwatch: (() => void) | null = null;
  private pollSoon: () => void = () => {};
  private refreshing: Promise<Board[]> | null = null;
  private readonly waiters = new Set<Waiter>();
  private readonly pathExists: (path: string) => boolean;

  constructor(private readonly options: BoardRegistryOptions) {
    this.pathExists = options.pathExists ?? defaultPathExists;
  }

  start(): Promise<Board[]> {
    const pollMs = this.options.deviceWatch ? (this.options.watchedPollMs ?? 5000) : (this.options.pollMs ?? 500);
    const tick = async () => {
      // One failed listing is reported; polling goes on regardless (hot-plug must never stop).
      await this.refresh().catch((error: unknown) => this.options.onListError?.(error));
      if (this.timer !== null) this.timer = setTimeout(tick, this.waiters.size ? 100 : pollMs);
    };
    this.timer = setTimeout(tick, pollMs);
    // Someone waits for a board to come back: look every 100 ms from now on, not after the long sleep.
    this.pollSoon = () => {
      if (this.timer === null) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(tick, 100);
    };
    if (this.options.deviceWatch) {
      // Coalesce bursts (a USB plug creates several nodes); list again a little later too, since udev
      // may not have recorded the new port's USB identity when its node first appears.
      let pending: NodeJS.Timeout | null = null;
      let settle: NodeJS.Timeout | null = null;
      const stopWatch = this.options.deviceWatch(() => {
        pending ??= setTimeout(() => {
          pending = null;
          this.refreshDetached();
          if (settle) clearTimeout(settle);
          settle = setTimeout(() => this.refreshDetached(), 850);
        }, 150);
      });
      this.unwatch = () => {
        stopWatch();
        if (pending) clearTimeout(pending);
        if (settle) clearTimeout(settle);
      };
    }
    return this.refresh();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unwatch?.();
    this.unwatch = null;
  }

  list(): Board[] {
    return this.boards;
  }

  get(boardId: string): Board | undefined {
    return this.boards.find((board) => board.id === boardId);
  }

  /** The board, or an error a person understands. */
  require(boardId: string): Board {
    const board = this.get(boardId);
    if (!board)
      throw new FlashdeckError({
        code: 'BOARD_UNKNOWN',
        stage: 'boards',
        message: 'That board is no longer known to Flashdeck.',
        hint: 'Plug it in again or add its port by path.',
      });
    return board;
  }

  /** Re-list ports now; concurrent callers share one listing. */
  refresh(): Promise<Board[]> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  async addByPath(input: string, name?: string): Promise<Board> {
    const checked = checkPortPath(input, this.options.portPathContext);
    if (!checked.ok) throw new FlashdeckError({ code: 'INVALID_PORT_PATH', stage: 'adding-board', message: checked.reason, hint: checked.hint });
    const { path } = checked;
    await this.refresh();
    const listed = this.boards.find((board) => board.path === path && !board.manual);
    const id = listed?.id ?? manualBoardId(path);
    this.options.store.save(id, { manualPath: listed ? undefined : path, ...(name ? { name } : {}) });
    await this.rebuild();
    return this.require(id);
  }

  async update(boardId: string, changes: { name?: string | null; target?: string | null }): Promise<Board> {
    this.require(boardId);
    const name = changes.name === '' ? null : changes.name;
    this.options.store.save(boardId, { name, target: changes.target });
    await this.rebuild();
    return this.require(boardId);
  }

  /** A flash read the board's chip: it names an otherwise unknown board and narrows its targets from now on. */
  async noteDetectedChip(boardId: string, detected: DetectedChip): Promise<void> {
    if (!this.get(boardId)) return;
    this.options.store.save(boardId, { detected });
    await this.rebuild();
  }

  async forget(boardId: string): Promise<void> {
    this.options.store.remove(boardId);
    await this.rebuild();
  }

  // ── PortWatch, for drivers waiting for a board to re-enumerate ──

  readonly portWatch: PortWatch = {
    list: async () => {
      await this.refresh();
      return this.ports;
    },
    waitFor: (match, timeoutMs, signal) => this.waitFor(match, timeoutMs, signal),
  };

  waitFor(match: (port: SerialPortInfo) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<SerialPortInfo> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(cancelledError('waiting-for-board'));
      const present = this.ports.find(match);
      if (present) return resolve(present);
      const waiter: Waiter = {
        match,
        resolve: (port) => {
          cleanup();
          resolve(port);
        },
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new FlashdeckError({
            code: 'BOARD_DID_NOT_RETURN',
            stage: 'waiting-for-board',
            message: `The board did not come back on USB within ${Math.round(timeoutMs / 1000)} s.`,
            hint: 'Unplug and replug it; if it stays away, press reset once.',
          }),
        );
      }, timeoutMs);
      const onAbort = () => {
        cleanup();
        reject(cancelledError('waiting-for-board'));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      this.refreshDetached();
      this.pollSoon();
    });
  }

  /** A refresh nobody awaits (a device-node change, a waiter): a failure is reported, never unhandled. */
  private refreshDetached(): void {
    this.refresh().catch((error: unknown) => this.options.onListError?.(error));
  }

  private async doRefresh(): Promise<Board[]> {
    try {
      this.ports = await this.options.lister();
    } catch (error) {
      this.options.onListError?.(error);
    }
    for (const waiter of [...this.waiters]) {
      const found = this.ports.find(waiter.match);
      if (found) waiter.resolve(found);
    }
    return this.rebuild();
  }

  private async rebuild(): Promise<Board[]> {
    const records = new Map(this.options.store.all().map((record) => [record.id, record]));
    const boards: Board[] = [];
    const seenPaths = new Set<string>();
    for (const port of this.ports) {
      // Ports without a USB identity (ttyS0, built-in COM1) are rarely boards; the user adds them by path.
      if (!port.vendorId) continue;
      const id = boardIdOf(port);
      const record = records.get(id);
      seenPaths.add(port.path);
      const simulated = this.options.simulatedKind?.(port.path);
      boards.push({
        id,
        name: record?.name ?? null,
        path: port.path,
        present: true,
        manual: false,
        ...(simulated ? { simulated } : {}),
        vendorId: port.vendorId,
        productId: port.productId,
        manufacturer: port.manufacturer,
        serialNumber: port.serialNumber,
        target: record?.target ?? null,
        detected: record?.detected ?? null,
        guess: guessBoard(port.vendorId, port.productId, record?.target ?? undefined, record?.detected?.chip),
      });
    }
    for (const record of records.values()) {
      if (!record.manualPath || seenPaths.has(record.manualPath)) continue;
      boards.push({
        id: record.id,
        name: record.name,
        path: record.manualPath,
        present: this.pathExists(record.manualPath),
        manual: true,
        target: record.target,
        detected: record.detected,
        guess: guessBoard(undefined, undefined, record.target ?? undefined, record.detected?.chip),
      });
    }
    this.boards = boards;
    const json = JSON.stringify(boards);
    if (json !== this.lastJson) {
      this.lastJson = json;
      this.options.onChange?.(boards);
    }
    return boards;
  }
}

function defaultPathExists(path: string): boolean {
  if (/^COM\d+$/i.test(path)) return true; // Windows: listed ports are covered above; a typed COM port is taken at its word.
  return existsSync(path);
}
