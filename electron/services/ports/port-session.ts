/**
 * One board's serial port, owned once: the console, the telemetry decoder and flash drivers are
 * all clients of this session. This module is its lifecycle (open, configure, close) through a
 * ByteLink like every driver's; the other jobs live beside it:
 *
 *   console-dispatch.ts  incoming bytes → console batches, log, telemetry, panics
 *   console-logging.ts   log to file
 *   port-reconnect.ts    finding the board again after unplug/replug, resets and flashes
 *   port-lease.ts        lending the port to a flash job
 */
import { existsSync } from 'node:fs';
import { isSimulatedPath } from './simulated-bench';
import type { BindingInterface } from '@serialport/bindings-interface';
import type { Board, ConsoleSettings, ConsoleState, ErrorInfoDto } from '../../contract';
import type { ByteLink, ControlSignals } from '../../../drivers/common/byte-link';
import { PORT_READ_AHEAD_BYTES, openSerialLink, sameFraming, type Framing, type OpenedLink } from '../../../drivers/common/serial-port-link';
import { PortError, isPortGone } from '../../../drivers/common/port-errors';
import { FlashdeckError, toErrorInfo } from '../../../drivers/common/errors';
import type { PortWatch } from '../../../drivers/common/port-watch';
import { resetBoard, resetDescription } from '../console/board-reset';
import { ConsoleDispatch, type DispatchEvents } from './console-dispatch';
import { ConsoleLogging } from './console-logging';
import { createLease, type PortLease } from './port-lease';
import { explainOpenError } from './port-open-errors';
import { identityOf, reconnectPort, unique, type ReconnectOptions, type SessionIdentity } from './port-reconnect';
import type { Stage } from '../../contract-values';

export type { PortLease } from './port-lease';
export { matchesIdentity } from './port-reconnect';

/** What a session needs of the board registry. */
export interface BoardLookup {
  get(boardId: string): Board | undefined;
  /** Every board listed now (to notice a serial-less board that came back under a new id). */
  list?(): Board[];
  portWatch: PortWatch;
}

export interface PortSessionEvents extends DispatchEvents {
  state(state: ConsoleState, info: { error?: ErrorInfoDto; detail?: string; path: string }): void;
}

export interface PortSessionOptions {
  boardId: string;
  boards: BoardLookup;
  binding: BindingInterface;
  settings: ConsoleSettings;
  events: PortSessionEvents;
  logDirectory?: string | null;
  elfPath?: string | null;
  /** How long a busy port right after (re)enumeration is retried before it is reported (ModemManager probes for seconds). */
  busyGraceMs?: number;
  /** Default wait for the board after a lease is released. */
  releaseTimeoutMs?: number;
  batchIntervalMs?: number;
  telemetryIntervalMs?: number;
  /** Whether a listed port's device node exists (port listings lag behind unplugs). Default: the filesystem, except on Windows. */
  pathExists?: (path: string) => boolean;
}

/** Why the console cannot send, one phrase per state (the state's own name stays out of the window). */
const NOT_CONNECTED: Record<ConsoleState, string> = {
  closed: 'The console is closed.',
  opening: 'The console is still opening.',
  connected: 'The console is not connected.',
  'waiting-for-board': 'The console is waiting for the board.',
  reconnecting: 'The console is reconnecting.',
  'paused-for-flash': 'The console is paused while the board is being flashed.',
  error: 'The console stopped after an error.',
};

export class PortSession {
  /** Changes only when a serial-less board re-enumerates under a new id (see PortSessions). */
  boardId: string;
  state: ConsoleState = 'closed';
  error: ErrorInfoDto | undefined;
  detail: string | undefined;
  settings: ConsoleSettings;
  elfPath: string | null;
  private identity: SessionIdentity;
  private opened: OpenedLink | null = null;
  /** The lines the user chose, applied again whenever the port is reopened (a fresh open asserts both). */
  private chosenSignals: ControlSignals = { dtr: true, rts: true };
  private leased = false;
  private closedByUser = false;
  private reconnectAbort: AbortController | null = null;
  private readonly dispatch: ConsoleDispatch;
  private readonly log: ConsoleLogging;

  constructor(private readonly options: PortSessionOptions) {
    this.boardId = options.boardId;
    this.settings = options.settings;
    this.elfPath = options.elfPath ?? null;
    const board = options.boards.get(options.boardId);
    if (!board)
      throw new FlashdeckError({
        code: 'BOARD_UNKNOWN',
        stage: 'console',
        message: 'That board is no longer known to Flashdeck.',
        hint: 'Plug it in again or add its port by path.',
      });
    this.identity = identityOf(board);
    this.log = new ConsoleLogging((detail) => this.setState(this.state, { error: this.error, detail }));
    this.dispatch = new ConsoleDispatch({
      events: options.events,
      elfPath: () => this.elfPath,
      log: (t, bytes) => this.log.write(t, bytes),
      batchIntervalMs: options.batchIntervalMs,
      telemetryIntervalMs: options.telemetryIntervalMs,
    });
    if (options.logDirectory) this.setLogging(options.logDirectory);
  }

  get path(): string {
    return this.identity.path;
  }

  get signals(): ControlSignals {
    return this.opened ? this.opened.link.signals : { ...this.chosenSignals };
  }

  get logging(): { directory: string | null; file: string | null } {
    return { directory: this.log.directory, file: this.log.file };
  }

  get resetDescription(): string {
    return resetDescription(this.identity.reset);
  }

  get bytesReceived(): number {
    return this.dispatch.bytesReceived;
  }

  /** Opens the port (or, if the board is away, starts waiting for it). Never throws for port problems: they become the 'error' state. */
  open(): Promise<void> {
    this.closedByUser = false;
    // Two windows (or a click and the tab's own connect) asking at once share one opening: the port is opened once.
    if (this.opening) return this.opening;
    if (this.state === 'connected' || this.state === 'paused-for-flash') return Promise.resolve();
    if (this.state === 'waiting-for-board' || this.state === 'reconnecting') return Promise.resolve();
    const opening = this.openFirst();
    this.opening = opening;
    const settled = () => {
      if (this.opening === opening) this.opening = null;
    };
    void opening.then(settled, settled);
    return opening;
  }

  /** Never rejects: a port that is gone is waited for, anything else is the error state. */
  private async openFirst(): Promise<void> {
    this.refreshIdentity();
    this.setState('opening');
    try {
      await this.openPort(this.identity.path);
    } catch (error) {
      if (isPortGone(error)) {
        this.reconnectDetached({});
        return;
      }
      this.setState('error', { error: this.explain(error) });
    }
  }

  private opening: Promise<void> | null = null;

  /** Closes the port for good (the console was closed). */
  async close(): Promise<void> {
    this.closedByUser = true;
    this.reconnectAbort?.abort();
    await this.closePort();
    this.dispatch.dispose();
    this.log.close();
    this.setState('closed');
  }

  async write(bytes: Uint8Array): Promise<void> {
    await this.requireLink('sending').write(bytes);
  }

  async setSignals(signals: { dtr?: boolean; rts?: boolean }): Promise<void> {
    const link = this.requireLink('signals');
    try {
      await link.setSignals(signals);
    } catch (error) {
      throw new FlashdeckError(
        {
          code: 'PORT_NO_CONTROL_LINES',
          stage: 'signals',
          message: `${this.path} cannot set DTR/RTS (${error instanceof Error ? error.message : String(error)}).`,
          hint: 'Pseudo-terminals and some adapters have no control lines.',
        },
        { cause: error },
      );
    }
    this.chosenSignals = link.signals;
  }

  async reset(): Promise<string> {
    const link = this.requireLink('reset');
    const description = await resetBoard(link, this.identity.reset);
    this.chosenSignals = link.signals;
    this.log.note('board reset');
    return description;
  }

  /** Applies new port settings: baud changes in place; framing and flow control reopen the port. */
  async configure(settings: Partial<ConsoleSettings>): Promise<void> {
    const before = this.settings;
    this.settings = { ...before, ...settings };
    if (!this.opened) return;
    if (!sameFraming(framingOf(before), framingOf(this.settings))) {
      await this.closePort();
      try {
        await this.openPort(this.identity.path);
      } catch (error) {
        this.setState('error', { error: this.explain(error) });
      }
      return;
    }
    if (before.baudRate !== this.settings.baudRate) {
      await this.opened.link.setBaudRate(this.settings.baudRate);
      this.log.note(`baud ${this.settings.baudRate}`);
    }
  }

  setLogging(directory: string | null): void {
    this.log.start(directory, this.boardId, `logging ${this.boardId} on ${this.path} at ${this.settings.baudRate} baud`);
  }

  /**
   * Lends the port to a flash job: closes it, pauses the readers, state 'paused-for-flash'.
   * `release` waits for the board and reopens it.
   */
  async lease(reason: string): Promise<PortLease> {
    if (this.leased) {
      throw new FlashdeckError({ code: 'PORT_LEASED', stage: 'lease', message: `${this.path} is already lent to another job.`, hint: 'Wait for the running flash job to finish.' });
    }
    this.leased = true;
    this.reconnectAbort?.abort();
    // A port still being opened (a connect, a reconnect) would be held a moment later, under the flasher: let that
    // finish (it sees the lease and closes again), then close what is open.
    await this.portOpening?.catch(() => {});
    await this.closePort();
    this.dispatch.flush();
    this.refreshIdentity();
    this.log.note(`paused for flashing: ${reason}`);
    this.setState('paused-for-flash', { detail: reason });
    return createLease(
      this.identity.path,
      this.options.releaseTimeoutMs ?? 15_000,
      (expect) => {
        this.leased = false;
        if (this.closedByUser) return undefined;
        return this.reconnectDetached({ usbIds: expect?.usbIds, path: expect?.path, afterLease: true });
      },
      (opened, received) => this.adopt(opened, received),
    );
  }

  setElf(path: string | null): void {
    this.elfPath = path;
  }

  // ── internals ──

  /** Whether a port's device node is there (port listings lag behind unplugs); COM ports and simulated boards have none to look for. */
  private readonly pathExists = (path: string): boolean => (this.options.pathExists ?? ((p: string) => process.platform === 'win32' || isSimulatedPath(p) || existsSync(p)))(path);

  private requireLink(stage: Stage): ByteLink {
    if (!this.opened) {
      throw new FlashdeckError({
        code: 'CONSOLE_NOT_CONNECTED',
        stage,
        message: NOT_CONNECTED[this.state],
        hint: this.state === 'paused-for-flash' ? 'It resumes by itself when flashing ends.' : 'Open the console, or wait until the board is back.',
      });
    }
    return this.opened.link;
  }

  private explain(error: unknown): ErrorInfoDto {
    if (error instanceof FlashdeckError && !(error instanceof PortError)) return error.toInfo();
    return explainOpenError(error, {
      path: this.identity.path,
      vendorId: this.identity.vendorId,
      productId: this.identity.productId,
      goneHint: 'Waiting for the board: plug it in and the console reconnects by itself.',
    }).toInfo();
  }

  private setState(state: ConsoleState, info: { error?: ErrorInfoDto; detail?: string } = {}): void {
    this.state = state;
    this.error = info.error;
    this.detail = info.detail;
    this.options.events.state(state, { ...info, path: this.identity.path });
  }

  /** Picks up a new path or identity the registry learnt (same board id). */
  private refreshIdentity(): void {
    const board = this.options.boards.get(this.boardId);
    if (board?.present) this.identity = { ...identityOf(board), usbIds: unique([...this.identity.usbIds, ...identityOf(board).usbIds]) };
  }

  /** The port being opened now, if any (the lease waits for it). */
  private portOpening: Promise<void> | null = null;

  private async openPort(path: string): Promise<void> {
    const opening = this.openPortNow(path);
    this.portOpening = opening;
    try {
      await opening;
    } finally {
      if (this.portOpening === opening) this.portOpening = null;
    }
  }

  private async openPortNow(path: string): Promise<void> {
    const opened = await openSerialLink(path, {
      binding: this.options.binding,
      baudRate: this.settings.baudRate,
      framing: framingOf(this.settings),
      highWaterMark: PORT_READ_AHEAD_BYTES,
      // The link also closes the port once its device node is gone (drivers that never fail the read).
      pathExists: this.options.pathExists,
      errorContext: { stage: 'opening-port' },
    });
    if (this.closedByUser || this.leased) {
      await opened.close();
      return;
    }
    this.attach(opened);
    // Opening a tty asserts DTR and RTS; restore what the user chose (pseudo-terminals refuse: fine).
    if (!this.chosenSignals.dtr || !this.chosenSignals.rts) await opened.link.setSignals(this.chosenSignals).catch(() => {});
    this.log.note(`connected on ${path}`);
    this.setState('connected');
  }

  /** Reads from `opened` from now on: its bytes go to the dispatch, its close to reconnecting. */
  private attach(opened: OpenedLink): void {
    this.opened = opened;
    this.identity = { ...this.identity, path: opened.link.path };
    opened.link.onData((bytes) => this.dispatch.receive(bytes));
    opened.link.onClose((error) => {
      if (this.opened !== opened) return;
      this.opened = null;
      this.lost(error);
    });
  }

  /**
   * A flash job's port, still open after the board restarted: read on from it, `received` first
   * (what the board printed since its reset), so the console shows the boot from its first line.
   * Line settings other than the port's are set only by an open, and a console closed meanwhile
   * wants no port: both refuse, and the lease's release reopens as before.
   */
  private adopt(opened: OpenedLink, received: Uint8Array): boolean {
    if (this.closedByUser || !this.leased || !sameFraming(opened.framing, framingOf(this.settings))) return false;
    this.leased = false;
    // Synchronously, before any await: the job stops reading as this returns, and a byte may follow at once.
    if (received.length) this.dispatch.receive(received);
    this.attach(opened);
    void this.settleAdopted(opened, received.length > 0);
    return true;
  }

  /** The console's baud and control lines on an adopted port; a port that refuses its baud is reopened. */
  private async settleAdopted(opened: OpenedLink, booted: boolean): Promise<void> {
    const { link } = opened;
    const stillOurs = () => this.opened === opened && !this.closedByUser && !this.leased;
    try {
      if (link.baudRate !== this.settings.baudRate) await link.setBaudRate(this.settings.baudRate);
    } catch (error) {
      if (!stillOurs()) return; // closed, unplugged or lent again meanwhile: that path owns the port now
      this.log.note(`could not set ${this.settings.baudRate} baud on the port kept open after flashing: ${error instanceof Error ? error.message : String(error)}`);
      await this.closePort();
      void this.reconnectDetached({ afterLease: true });
      return;
    }
    this.log.note(`connected on ${link.path} (the port the flash job kept open)`);
    this.setState('connected');
    // The reset left both lines low, and the chip samples its strapping pins as EN rises: DTR raised then would hold
    // GPIO0 low and start the ROM loader. Wait until the chip has spoken (or longer than any boot), then restore the
    // user's lines one at a time, DTR first: a set() of both is RTS first on Windows, which would pull EN low.
    if (!booted) await firstBytes(link, STRAPPING_LATCHED_MS);
    if (!stillOurs()) return;
    const { dtr, rts } = this.chosenSignals;
    const order: Partial<ControlSignals>[] = dtr ? [{ dtr }, { rts }] : [{ rts }, { dtr }];
    for (const step of order) if (stillOurs()) await link.setSignals(step).catch(() => {});
  }

  private async closePort(): Promise<void> {
    const opened = this.opened;
    this.opened = null;
    await opened?.close();
  }

  private lost(error: Error | null): void {
    this.dispatch.flush();
    if (this.closedByUser || this.leased) return;
    this.log.note(`port lost${error ? `: ${error.message}` : ''}`);
    this.reconnectDetached({});
  }

  /** Waits for the board and reopens it, in the background; anything unexpected on the way ends in the error state, never unhandled. */
  private reconnectDetached(options: ReconnectOptions): Promise<void> {
    this.reconnectAbort?.abort();
    const abort = new AbortController();
    this.reconnectAbort = abort;
    return reconnectPort(
      {
        identity: () => this.identity,
        portWatch: this.options.boards.portWatch,
        pathExists: this.pathExists,
        busyGraceMs: this.options.busyGraceMs ?? 8000,
        open: (path) => this.openPort(path),
        waiting: (detail) => this.setState('waiting-for-board', { detail }),
        reconnecting: (detail) => this.setState('reconnecting', { detail }),
        failed: (error) => this.setState('error', { error: this.explain(error) }),
      },
      options,
      abort.signal,
    ).catch((error: unknown) => this.setState('error', { error: toErrorInfo(error, 'reconnecting') }));
  }
}

/** The console's line settings in node-serialport's terms. */
function framingOf(settings: ConsoleSettings): Framing {
  return {
    dataBits: settings.dataBits,
    parity: settings.parity,
    stopBits: settings.stopBits,
    rtscts: settings.flowControl === 'rtscts',
    xon: settings.flowControl === 'xonxoff',
    xoff: settings.flowControl === 'xonxoff',
  };
}

/** Longer than any ESP takes from EN rising to sampling its strapping pins (the slowest reset sequence allows 550 ms). */
const STRAPPING_LATCHED_MS = 600;

/** Resolves when `link` receives its next bytes or closes, or after `ms`. */
function firstBytes(link: ByteLink, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      offData();
      offClose();
      resolve();
    };
    const timer = setTimeout(done, ms);
    const offData = link.onData(done);
    const offClose = link.onClose(done);
  });
}
