/**
 * One board's serial port, owned once: the console, the telemetry decoder and flash drivers are
 * all clients of this session.
 *
 *   port bytes → console batches (≈16 ms) → 'console.data'
 *              → log file (when logging)
 *              → line splitter → plotter decoder → telemetry batches (≈75 ms)
 *                              → panic detector → symbolizer → 'console.panic'
 *
 * It reconnects by itself after unplug/replug and resets (matched by USB serial number, else
 * VID:PID and the target's application/bootloader identities, else the path), and lends the raw
 * port to a flash job (lease): closed while leased, reopened when the board comes back.
 */
import { existsSync } from 'node:fs';
import type { BindingInterface } from '@serialport/bindings-interface';
import type { Board, ConsoleSettings, ConsoleState, ErrorInfoDto } from '../../contract';
import type { ByteLink, ControlSignals } from '../../../drivers/common/byte-link';
import { openSerialLink, type OpenedLink } from '../../../drivers/common/serial-port-link';
import { PortError, isPortGone, classifyPortError } from '../../../drivers/common/port-errors';
import { findBoard, usbIdOf } from '../../../drivers/common/board-catalogue';
import { FlashdeckError, toErrorInfo } from '../../../drivers/common/errors';
import type { PortWatch, SerialPortInfo } from '../../../drivers/common/port-watch';
import { decodePlotterLine } from '../telemetry/plotter-line';
import { TelemetryBatcher, type TelemetryBatch } from '../telemetry/telemetry-batcher';
import { ConsoleBatcher, type ConsoleChunk } from '../console/console-batcher';
import { LineSplitter, type SplitLine } from '../console/line-splitter';
import { ConsoleLogWriter, fileStemForBoard } from '../console/console-log-writer';
import { parsePanicLine, symbolizeAddress, type ResolvedAddress } from '../console/panic-symbolizer';
import { resetBoard, resetDescription, type ResetTarget } from '../console/board-reset';
import { explainOpenError } from './port-open-errors';

export interface PortLease {
  /** The path the driver opens (the session has closed it). */
  path: string;
  /** Hands the port back: the session waits for the board (same path, same identity or one of `usbIds`) and reopens it. */
  release(options?: { expectReturn?: { usbIds?: string[]; timeoutMs?: number } }): Promise<void>;
}

/** What a session needs of the board registry. */
export interface BoardLookup {
  get(boardId: string): Board | undefined;
  /** Every board listed now (to notice a serial-less board that came back under a new id). */
  list?(): Board[];
  portWatch: PortWatch;
}

export interface PortSessionEvents {
  state(state: ConsoleState, info: { error?: ErrorInfoDto; detail?: string; path: string }): void;
  data(chunks: ConsoleChunk[], droppedBytes: number): void;
  telemetry(batch: TelemetryBatch): void;
  panic(report: { t: number; line: string; address: string; message: string; resolved: ResolvedAddress | null; note: string }): void;
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

interface Identity {
  path: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  /** USB ids this board may come back as: its own, and its target's application and bootloader ids. */
  usbIds: string[];
  manual: boolean;
  reset: ResetTarget;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

export class PortSession {
  /** Changes only when a serial-less board re-enumerates under a new id (see PortSessions). */
  boardId: string;
  state: ConsoleState = 'closed';
  error: ErrorInfoDto | undefined;
  detail: string | undefined;
  settings: ConsoleSettings;
  elfPath: string | null;
  private identity: Identity;
  private opened: OpenedLink | null = null;
  /** The lines the user chose, applied again whenever the port is reopened (a fresh open asserts both). */
  private chosenSignals: ControlSignals = { dtr: true, rts: true };
  private leased = false;
  private closedByUser = false;
  private reconnectAbort: AbortController | null = null;
  private readonly batcher: ConsoleBatcher;
  private readonly splitter = new LineSplitter();
  private readonly telemetry: TelemetryBatcher;
  private logWriter: ConsoleLogWriter | null = null;
  private logDirectory: string | null = null;

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
    this.batcher = new ConsoleBatcher({ intervalMs: options.batchIntervalMs, emit: (chunks, dropped) => options.events.data(chunks, dropped) });
    this.telemetry = new TelemetryBatcher((batch) => options.events.telemetry(batch), options.telemetryIntervalMs);
    if (options.logDirectory) this.setLogging(options.logDirectory);
  }

  get path(): string {
    return this.identity.path;
  }

  get signals(): ControlSignals {
    return this.opened ? this.opened.link.signals : { ...this.chosenSignals };
  }

  get logging(): { directory: string | null; file: string | null } {
    return { directory: this.logDirectory, file: this.logWriter?.file ?? null };
  }

  get resetDescription(): string {
    return resetDescription(this.identity.reset);
  }

  get bytesReceived(): number {
    return this.batcher.totalBytes;
  }

  /** Opens the port (or, if the board is away, starts waiting for it). Never throws for port problems: they become the 'error' state. */
  async open(): Promise<void> {
    this.closedByUser = false;
    if (this.state === 'connected' || this.state === 'paused-for-flash') return;
    if (this.state === 'waiting-for-board' || this.state === 'reconnecting') return;
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

  /** Closes the port for good (the console was closed). */
  async close(): Promise<void> {
    this.closedByUser = true;
    this.reconnectAbort?.abort();
    await this.closePort();
    this.batcher.dispose();
    this.telemetry.flush();
    this.logWriter?.close();
    this.logWriter = null;
    this.setState('closed');
  }

  async write(bytes: Uint8Array): Promise<void> {
    const link = this.requireLink('sending');
    await link.write(bytes);
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
    this.logWriter?.note(Date.now(), 'board reset');
    return description;
  }

  /** Applies new port settings: baud changes in place; framing and flow control reopen the port. */
  async configure(settings: Partial<ConsoleSettings>): Promise<void> {
    const before = this.settings;
    this.settings = { ...before, ...settings };
    if (!this.opened) return;
    const framingChanged =
      before.dataBits !== this.settings.dataBits ||
      before.parity !== this.settings.parity ||
      before.stopBits !== this.settings.stopBits ||
      before.flowControl !== this.settings.flowControl;
    if (framingChanged) {
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
      this.logWriter?.note(Date.now(), `baud ${this.settings.baudRate}`);
    }
  }

  setLogging(directory: string | null): void {
    this.logWriter?.close();
    this.logWriter = null;
    this.logDirectory = directory;
    if (!directory) return;
    try {
      this.logWriter = new ConsoleLogWriter({ directory, stem: fileStemForBoard(this.boardId), onFailure: (error) => this.loggingFailed(directory, error) });
    } catch (error) {
      this.logDirectory = null;
      throw new FlashdeckError(
        {
          code: 'LOG_DIRECTORY_UNWRITABLE',
          stage: 'logging',
          message: `Cannot write console logs to ${directory}: ${error instanceof Error ? error.message : String(error)}`,
          hint: 'Pick a folder you can write to.',
        },
        { cause: error },
      );
    }
    this.logWriter.note(Date.now(), `logging ${this.boardId} on ${this.path} at ${this.settings.baudRate} baud`);
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
    await this.closePort();
    this.batcher.flush();
    this.telemetry.flush();
    this.splitter.reset();
    this.refreshIdentity();
    const path = this.identity.path;
    this.logWriter?.note(Date.now(), `paused for flashing: ${reason}`);
    this.setState('paused-for-flash', { detail: reason });
    let released = false;
    return {
      path,
      release: async (options) => {
        if (released) return;
        released = true;
        this.leased = false;
        if (this.closedByUser) return;
        const expect = options?.expectReturn;
        const waiting = this.reconnect({ usbIds: expect?.usbIds, afterLease: true });
        await Promise.race([waiting, sleep(expect?.timeoutMs ?? this.options.releaseTimeoutMs ?? 15_000)]);
      },
    };
  }

  setElf(path: string | null): void {
    this.elfPath = path;
  }

  // ── internals ──

  /** Whether a port's device node is there (port listings lag behind unplugs); COM ports have none to look for. */
  private readonly pathExists = (path: string): boolean => (this.options.pathExists ?? ((p: string) => process.platform === 'win32' || existsSync(p)))(path);

  private requireLink(stage: string): ByteLink {
    if (!this.opened) {
      throw new FlashdeckError({
        code: 'CONSOLE_NOT_CONNECTED',
        stage,
        message: this.state === 'paused-for-flash' ? 'The console is paused while the board is being flashed.' : `The console is not connected (${this.state}).`,
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

  /** The log folder stopped taking writes: logging ends, the console goes on and says why. */
  private loggingFailed(directory: string, error: Error): void {
    this.logWriter = null;
    this.logDirectory = null;
    this.setState(this.state, {
      error: this.error,
      detail: `Log to file stopped: ${directory} refused the log (${error.message}). Choose another folder to keep logging.`,
    });
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

  private async openPort(path: string): Promise<void> {
    const { settings } = this;
    const opened = await openSerialLink(path, {
      binding: this.options.binding,
      baudRate: settings.baudRate,
      framing: {
        dataBits: settings.dataBits,
        parity: settings.parity,
        stopBits: settings.stopBits,
        rtscts: settings.flowControl === 'rtscts',
        xon: settings.flowControl === 'xonxoff',
        xoff: settings.flowControl === 'xonxoff',
      },
      highWaterMark: 256 * 1024,
      // The link also closes the port once its device node is gone (drivers that never fail the read).
      pathExists: this.options.pathExists,
      errorContext: { stage: 'opening-port' },
    });
    if (this.closedByUser || this.leased) {
      await opened.close();
      return;
    }
    this.opened = opened;
    this.identity = { ...this.identity, path };
    const { link } = opened;
    link.onData((bytes) => this.receive(bytes));
    link.onClose((error) => {
      if (this.opened !== opened) return;
      this.opened = null;
      this.lost(error);
    });
    // Opening a tty asserts DTR and RTS; restore what the user chose (pseudo-terminals refuse: fine).
    if (!this.chosenSignals.dtr || !this.chosenSignals.rts) await link.setSignals(this.chosenSignals).catch(() => {});
    this.logWriter?.note(Date.now(), `connected on ${path}`);
    this.setState('connected');
  }

  private async closePort(): Promise<void> {
    const opened = this.opened;
    this.opened = null;
    await opened?.close();
  }

  private receive(bytes: Uint8Array): void {
    const t = Date.now();
    this.batcher.push(t, bytes);
    this.logWriter?.write(t, bytes);
    this.splitter.push(t, bytes, this.onLine);
  }

  private readonly onLine = (line: SplitLine): void => {
    const sample = decodePlotterLine(line.text);
    if (sample) {
      this.telemetry.add(line.t, sample.series);
      return;
    }
    const panic = parsePanicLine(line.text);
    if (panic) {
      symbolizeAddress(this.elfPath, panic.address)
        .then(({ resolved, note }) => this.options.events.panic({ t: line.t, line: line.text, address: panic.address, message: panic.message, resolved, note }))
        .catch((error: unknown) =>
          this.options.events.panic({
            t: line.t,
            line: line.text,
            address: panic.address,
            message: panic.message,
            resolved: null,
            note: `Could not resolve the address: ${(error as Error).message}`,
          }),
        );
    }
  };

  private lost(error: Error | null): void {
    this.batcher.flush();
    this.telemetry.flush();
    this.splitter.reset();
    if (this.closedByUser || this.leased) return;
    this.logWriter?.note(Date.now(), `port lost${error ? `: ${error.message}` : ''}`);
    this.reconnectDetached({});
  }

  /**
   * Waits for the board and reopens it. Resolves once connected, or when the wait is abandoned
   * (console closed, a lease taken, or a port error that needs the user).
   */
  /** Reconnects in the background; anything unexpected on the way ends in the error state, never unhandled. */
  private reconnectDetached(options: { usbIds?: string[]; afterLease?: boolean }): void {
    this.reconnect(options).catch((error: unknown) => this.setState('error', { error: toErrorInfo(error, 'reconnecting') }));
  }

  private async reconnect(options: { usbIds?: string[]; afterLease?: boolean }): Promise<void> {
    this.reconnectAbort?.abort();
    const abort = new AbortController();
    this.reconnectAbort = abort;
    const { signal } = abort;
    const extraIds = (options.usbIds ?? []).map((id) => id.toLowerCase());
    this.setState('waiting-for-board', { detail: options.afterLease ? 'Waiting for the board to come back after flashing.' : `Waiting for the board (${this.identity.path}).` });
    let busySince: number | null = null;
    while (!signal.aborted) {
      const path = await this.waitForBoard(extraIds, signal);
      if (!path || signal.aborted) return;
      this.setState('reconnecting', { detail: `Opening ${path}` });
      try {
        await this.openPort(path);
        return;
      } catch (error) {
        if (signal.aborted) return;
        const kind = classifyPortError(error);
        if (isPortGone(error)) {
          this.setState('waiting-for-board', { detail: `Waiting for the board (${this.identity.path}).` });
          await sleep(300, signal);
          continue;
        }
        busySince ??= Date.now();
        if (kind === 'busy' && Date.now() - busySince < (this.options.busyGraceMs ?? 8000)) {
          await sleep(500, signal);
          continue;
        }
        this.setState('error', { error: this.explain(error) });
        return;
      }
    }
  }

  /** The path the board is back on, or null when aborted. */
  private async waitForBoard(extraIds: string[], signal: AbortSignal): Promise<string | null> {
    const identity = this.identity;
    const hasUsbIdentity = Boolean(identity.serialNumber || identity.usbIds.length || extraIds.length);
    if (!hasUsbIdentity) {
      // A board added by path (or a pseudo-terminal): the path itself coming back is the signal.
      while (!signal.aborted) {
        if (this.pathExists(identity.path)) return identity.path;
        await sleep(200, signal);
      }
      return null;
    }
    const match = (port: SerialPortInfo) => matchesIdentity(port, identity, extraIds) && this.pathExists(port.path);
    while (!signal.aborted) {
      try {
        const port = await this.options.boards.portWatch.waitFor(match, 60_000, signal);
        return port.path;
      } catch {
        if (signal.aborted) return null;
      }
    }
    return null;
  }
}

/** Whether a listed port is our board coming back. */
export function matchesIdentity(port: SerialPortInfo, identity: { path: string; serialNumber?: string; usbIds: string[] }, extraIds: string[] = []): boolean {
  const usb = usbIdOf(port.vendorId, port.productId);
  if (usb && extraIds.includes(usb)) return true;
  if (identity.serialNumber) return port.serialNumber === identity.serialNumber;
  if (usb && identity.usbIds.includes(usb)) return true;
  return !usb && port.path === identity.path;
}

function identityOf(board: Board): Identity {
  const own = usbIdOf(board.vendorId, board.productId);
  const targets = board.target ? [board.target] : board.guess.confidence === 'exact' ? board.guess.targets : [];
  const related = targets.flatMap((target) => {
    const model = findBoard(target);
    return model ? [...model.usbApp, ...model.usbBootloader] : [];
  });
  const family = board.target ? findBoard(board.target)?.family : board.guess.family;
  return {
    path: board.path,
    vendorId: board.vendorId,
    productId: board.productId,
    serialNumber: board.serialNumber,
    usbIds: own ? unique([own, ...related]) : [],
    manual: board.manual,
    reset: { family, vendorId: board.vendorId, productId: board.productId },
  };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
