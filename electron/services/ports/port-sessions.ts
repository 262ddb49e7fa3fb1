/**
 * The port sessions service: at most one PortSession per board (several boards can be open at
 * once), the console.* request handlers' behaviour, per-board console settings, and the lease
 * API flash jobs use:
 *
 *   const lease = await portSessions.lease(boardId, 'Flashing blink.uf2');
 *   // … the driver opens lease.path …
 *   await lease.release({ expectReturn: { usbIds: ['239a:8029'], timeoutMs: 15000 } });
 */
import type { BindingInterface } from '@serialport/bindings-interface';
import type { ConsoleSettings, ConsoleStatus } from '../../contract';
import { boardTitle } from '../../contract-values';
import type { EventHub } from '../../dispatcher';
import { FlashdeckError } from '../../../drivers/common/errors';
import type { ConsoleSettingsStore } from '../store/console-settings-store';
import { PortSession, type BoardLookup, type PortLease } from './port-session';

export type { PortLease } from './port-session';

export interface PortSessionsOptions {
  hub: EventHub;
  boards: BoardLookup;
  store: ConsoleSettingsStore;
  /** node-serialport binding; the OS one unless a test passes the simulator's. */
  binding?: BindingInterface;
  /** The app-wide default baud (Settings). */
  defaultBaud: () => number;
  busyGraceMs?: number;
  releaseTimeoutMs?: number;
  /** Whether a listed port's device node exists (tests with the in-process binding pass their own). */
  pathExists?: (path: string) => boolean;
}

export const DEFAULT_CONSOLE_SETTINGS: Omit<ConsoleSettings, 'baudRate'> = {
  dataBits: 8,
  parity: 'none',
  stopBits: 1,
  flowControl: 'none',
  lineEnding: 'lf',
  timestamps: 'relative',
  hexView: false,
};

export class PortSessions {
  private readonly sessions = new Map<string, PortSession>();
  private readonly elfByBoard = new Map<string, string>();
  private bindingPromise: Promise<BindingInterface> | null = null;

  constructor(private readonly options: PortSessionsOptions) {}

  /** Stored settings for a board, filled with defaults. */
  settingsFor(boardId: string): ConsoleSettings {
    const stored = this.options.store.get(boardId).settings;
    return { baudRate: this.options.defaultBaud(), ...DEFAULT_CONSOLE_SETTINGS, ...stored };
  }

  async open(boardId: string, requested?: Partial<ConsoleSettings>): Promise<ConsoleStatus> {
    const settings = requested && givenSettings(requested);
    if (settings && Object.keys(settings).length) this.options.store.save(boardId, { settings });
    let session = this.sessions.get(boardId);
    if (!session) {
      await this.releaseMovedOwner(boardId);
      const record = this.options.store.get(boardId);
      session = new PortSession({
        boardId,
        boards: this.options.boards,
        binding: await this.binding(),
        settings: this.settingsFor(boardId),
        logDirectory: record.logDirectory,
        elfPath: this.elfByBoard.get(boardId) ?? null,
        busyGraceMs: this.options.busyGraceMs,
        releaseTimeoutMs: this.options.releaseTimeoutMs,
        pathExists: this.options.pathExists,
        events: {
          state: (state, info) => {
            this.options.hub.emit('console.state', { boardId: session!.boardId, state, ...info });
            if (state === 'connected') this.followMovedBoard(session!);
          },
          data: (chunks, droppedBytes) =>
            this.options.hub.emit('console.data', {
              boardId: session!.boardId,
              chunks: chunks.map((chunk) => ({ t: chunk.t, dataBase64: Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength).toString('base64') })),
              droppedBytes,
            }),
          telemetry: (batch) => this.options.hub.emit('telemetry.batch', { boardId: session!.boardId, ...batch }),
          panic: (report) => this.options.hub.emit('console.panic', { boardId: session!.boardId, ...report }),
        },
      });
      this.sessions.set(boardId, session);
    } else if (settings) {
      await session.configure(settings);
    }
    await session.open();
    return this.status(boardId);
  }

  async close(boardId: string): Promise<void> {
    const session = this.sessions.get(boardId);
    this.sessions.delete(boardId);
    await session?.close();
  }

  async send(boardId: string, bytes: Uint8Array, historyEntry?: string): Promise<number> {
    await this.require(boardId).write(bytes);
    if (historyEntry !== undefined && historyEntry.trim() !== '') this.options.store.addHistory(boardId, historyEntry);
    return bytes.length;
  }

  async setSignals(boardId: string, signals: { dtr?: boolean; rts?: boolean }): Promise<ConsoleStatus> {
    await this.require(boardId).setSignals(signals);
    return this.status(boardId);
  }

  reset(boardId: string): Promise<string> {
    return this.require(boardId).reset();
  }

  async configure(boardId: string, requested: Partial<ConsoleSettings>): Promise<ConsoleStatus> {
    const settings = givenSettings(requested);
    this.options.store.save(boardId, { settings });
    await this.sessions.get(boardId)?.configure(settings);
    return this.status(boardId);
  }

  setLogging(boardId: string, directory: string | null): ConsoleStatus {
    this.sessions.get(boardId)?.setLogging(directory);
    this.options.store.save(boardId, { logDirectory: directory });
    return this.status(boardId);
  }

  status(boardId: string): ConsoleStatus {
    const session = this.sessions.get(boardId);
    const record = this.options.store.get(boardId);
    const board = this.options.boards.get(boardId);
    if (!session) {
      return {
        boardId,
        state: 'closed',
        path: board?.path ?? '',
        settings: this.settingsFor(boardId),
        signals: { dtr: true, rts: true },
        logging: { directory: record.logDirectory, file: null },
        history: record.history,
        resetDescription: '',
        elfPath: this.elfByBoard.get(boardId) ?? null,
      };
    }
    return {
      boardId,
      state: session.state,
      path: session.path,
      settings: session.settings,
      signals: session.signals,
      logging: session.logging,
      history: record.history,
      resetDescription: session.resetDescription,
      elfPath: session.elfPath,
      ...(session.error ? { error: session.error } : {}),
      ...(session.detail ? { detail: session.detail } : {}),
    };
  }

  /**
   * A flash job's lease on the board's port. With a console open, the session closes the OS port
   * (state 'paused-for-flash') and reopens it after release, once the board is back. Without one,
   * the lease is just the board's path and release does nothing.
   */
  async lease(boardId: string, reason: string): Promise<PortLease> {
    const session = this.sessions.get(boardId);
    if (session) return session.lease(reason);
    const board = this.options.boards.get(boardId);
    if (!board)
      throw new FlashdeckError({
        code: 'BOARD_UNKNOWN',
        stage: 'lease',
        message: 'That board is no longer known to Flashdeck.',
        hint: 'Plug it in again or add its port by path.',
      });
    return { path: board.path, release: async () => {} };
  }

  /** The build service calls this after a successful build, so panics resolve against the right ELF. */
  setElfForBoard(boardId: string, path: string | null): void {
    if (path) this.elfByBoard.set(boardId, path);
    else this.elfByBoard.delete(boardId);
    this.sessions.get(boardId)?.setElf(path);
  }

  isOpen(boardId: string): boolean {
    return this.sessions.has(boardId);
  }

  async closeAll(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map((session) => session.close()));
  }

  /**
   * One owner per port: a board without a USB serial number gets a new id when it re-enumerates on
   * another path, while the old id's session has already followed it there. Opening the new id
   * closes that stale session instead of failing with "busy (held by Flashdeck)".
   */
  private async releaseMovedOwner(boardId: string): Promise<void> {
    const path = this.options.boards.get(boardId)?.path;
    if (!path) return;
    for (const [otherId, other] of this.sessions) {
      if (otherId === boardId || other.path !== path) continue;
      const otherBoard = this.options.boards.get(otherId);
      if (otherBoard?.present && otherBoard.path === path) {
        throw new FlashdeckError({
          code: 'PORT_IN_USE',
          stage: 'console',
          message: `${path} is already open in Flashdeck as another board (${boardTitle(otherBoard)}).`,
          hint: 'Close that console first.',
        });
      }
      this.sessions.delete(otherId);
      await other.close();
    }
  }

  /**
   * A board without a USB serial number is known by VID:PID and path; when it comes back on another
   * path (after a flash or reset) the board list shows it under a new id. The session has followed
   * it already; move the session (and its settings) to the new id so the window can follow too.
   */
  private followMovedBoard(session: PortSession): void {
    const oldId = session.boardId;
    if (this.sessions.get(oldId) !== session || this.options.boards.get(oldId)?.present) return;
    const moved = this.options.boards.list?.().find((board) => board.present && board.path === session.path && board.id !== oldId);
    if (!moved || this.sessions.has(moved.id)) return;
    this.sessions.delete(oldId);
    session.boardId = moved.id;
    this.sessions.set(moved.id, session);
    const record = this.options.store.get(oldId);
    const target = this.options.store.get(moved.id);
    if (!Object.keys(target.settings).length && !target.history.length) this.options.store.save(moved.id, record);
    if (this.elfByBoard.has(oldId) && !this.elfByBoard.has(moved.id)) this.elfByBoard.set(moved.id, this.elfByBoard.get(oldId)!);
    this.options.hub.emit('console.state', { boardId: oldId, state: 'closed', movedTo: moved.id, detail: `The board came back on ${session.path}.`, path: session.path });
    this.options.hub.emit('console.state', { boardId: moved.id, state: session.state, path: session.path });
  }

  private require(boardId: string): PortSession {
    const session = this.sessions.get(boardId);
    if (!session) throw new FlashdeckError({ code: 'CONSOLE_NOT_OPEN', stage: 'console', message: 'The console for this board is not open.', hint: 'Open the Console tab first.' });
    return session;
  }

  private binding(): Promise<BindingInterface> {
    if (this.options.binding) return Promise.resolve(this.options.binding);
    this.bindingPromise ??= loadOsSerialBinding();
    return this.bindingPromise;
  }
}

/**
 * The settings a request changes: a key present with the value undefined (IPC keeps those, JSON
 * drops them) changes nothing, rather than erasing the baud rate the session runs at.
 */
/** The OS's node-serialport binding, loaded on first use (a machine without the native module still starts). */
export function loadOsSerialBinding(): Promise<BindingInterface> {
  return import('@serialport/bindings-cpp').then(({ autoDetect }) => autoDetect() as unknown as BindingInterface);
}

function givenSettings(settings: Partial<ConsoleSettings>): Partial<ConsoleSettings> {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as Partial<ConsoleSettings>;
}
