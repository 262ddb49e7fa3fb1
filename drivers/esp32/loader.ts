/**
 * EspLoader: one conversation with an ESP ROM or stub loader over a ByteLink.
 *
 * It frames commands, matches responses by opcode, reads status bytes in the right layout
 * (ROM 4 / stub 2), recognises "unsupported command" replies in both forms, and turns silence
 * and garbage into the distinctions a person can act on (nothing at all / stream stopped /
 * packet cut off / app output or panic instead of packets).
 */
import { type ByteLink, isPortGoneError } from '../common/byte-link';
import { FlashdeckError, cancelledError } from '../common/errors';
import { SlipDecoder, slipEncode } from '../common/slip';
import { type DriverClock, wallClock } from '../common/clock';
import { type Patience, startPatience } from '../common/patience';
import {
  ERR_INVALID_MESSAGE,
  OHAI,
  OP_NAMES,
  Op,
  ROM_STATUS_BYTES,
  ROM_SYNC_VALUE,
  STUB_STATUS_BYTES,
  SYNC_PAYLOAD,
  type Response,
  decodeResponse,
  describeError,
  encodeCommand,
  encodeDataCommand,
  hex,
  readU32,
  statusOf,
  words,
} from './protocol';

/** Timeouts in ms (esptool's defaults; every one can be overridden, tests shrink them). */
export interface EspTimeouts {
  defaultMs: number;
  syncMs: number;
  chipEraseMs: number;
  maxMs: number;
  md5PerMbMs: number;
  eraseRegionPerMbMs: number;
  eraseWritePerMbMs: number;
  memEndRomMs: number;
  /** How long to wait for the stub's OHAI after MEM_END. */
  ohaiMs: number;
}

export const DEFAULT_TIMEOUTS: EspTimeouts = {
  defaultMs: 3000,
  syncMs: 100,
  chipEraseMs: 120_000,
  maxMs: 240_000,
  md5PerMbMs: 8000,
  eraseRegionPerMbMs: 40_000,
  eraseWritePerMbMs: 40_000,
  memEndRomMs: 200,
  ohaiMs: 1000,
};

/** max(floor, perMb × bytes / 1e6), capped at maxMs. */
export function timeoutPerMb(t: EspTimeouts, perMbMs: number, bytes: number): number {
  return Math.min(t.maxMs, Math.max(t.defaultMs, (perMbMs * bytes) / 1e6));
}

export interface CommandOptions {
  checksum?: number;
  timeoutMs?: number;
  /** Bytes of payload before the status bytes; 'rest' = everything but the status bytes. */
  payloadLength?: number | 'rest';
  /** Do not throw on a failure status (MEM_END to the ROM). */
  ignoreStatus?: boolean;
  /**
   * The loader may not know this command (GET_SECURITY_INFO on the ESP32 ROM): an "invalid
   * message" reply means ESP_UNSUPPORTED. Otherwise such a reply is a failed (retryable) command,
   * and replies carrying another opcode are ignored.
   */
  mayBeUnsupported?: boolean;
}

export interface LoaderOptions {
  clock?: DriverClock;
  signal?: AbortSignal;
  timeouts?: Partial<EspTimeouts>;
  /** Hex dump of the traffic, like esptool --trace. */
  trace?: (direction: 'out' | 'in', bytes: Uint8Array) => void;
}

const NOISE_KEEP = 8192;
const MAX_FRAMES_PER_COMMAND = 100;
const PANIC_PATTERN = /Guru Meditation Error|Fatal exception|panic'ed|abort\(\) was called/;

export class EspLoader {
  readonly link: ByteLink;
  readonly clock: DriverClock;
  readonly timeouts: EspTimeouts;
  readonly signal?: AbortSignal;
  /** The job stage errors are reported under. */
  stage = 'connecting';
  /** True once talking to the stub (2 status bytes, raw MD5, 16 KiB blocks). */
  isStub = false;
  /** Bytes received ever, and frames decoded ever. */
  bytesReceived = 0;
  framesReceived = 0;
  /** Bytes written to the link (for wire-efficiency figures). */
  bytesSent = 0;

  private readonly decoder: SlipDecoder;
  private frames: Uint8Array[] = [];
  private waiter: { resolve: () => void; reject: (error: unknown) => void } | null = null;
  private noise = '';
  private noiseSinceMark = 0;
  private firstNoiseByte: number | null = null;
  private closedError: FlashdeckError | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly trace?: LoaderOptions['trace'];
  private ohaiSeen = false;

  constructor(link: ByteLink, options: LoaderOptions = {}) {
    this.link = link;
    this.clock = options.clock ?? wallClock;
    this.signal = options.signal;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.trace = options.trace;
    this.decoder = new SlipDecoder({
      onFrame: (frame) => {
        this.framesReceived++;
        if (frame.length === 4 && frame.every((b, i) => b === OHAI[i])) this.ohaiSeen = true;
        this.frames.push(frame);
        this.wake();
      },
      onNoise: (bytes) => {
        if (this.firstNoiseByte === null) this.firstNoiseByte = bytes[0];
        this.noiseSinceMark += bytes.length;
        this.noise = (this.noise + latin1(bytes)).slice(-NOISE_KEEP);
        this.wake();
      },
      onInvalidEscape: () => this.wake(),
    });
    this.unsubscribe.push(
      link.onData((bytes) => {
        this.bytesReceived += bytes.length;
        this.trace?.('in', bytes);
        this.decoder.push(bytes);
      }),
      link.onClose((error) => {
        this.closedError = disconnectedError(link.path, this.stage, `closed while ${this.stage}${error ? ` (${error.message})` : ''}`, error);
        this.wakeWithError(this.closedError);
      }),
    );
    if (this.signal) {
      const onAbort = () => this.wakeWithError(cancelledError(this.stage));
      this.signal.addEventListener('abort', onAbort, { once: true });
      this.unsubscribe.push(() => this.signal!.removeEventListener('abort', onAbort));
    }
  }

  dispose(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  get statusBytes(): number {
    return this.isStub ? STUB_STATUS_BYTES : ROM_STATUS_BYTES;
  }

  /** Text received outside packets (boot banners, app output), most recent last. */
  get noiseText(): string {
    return this.noise;
  }

  /** Forget everything received so far (before a reset or a SYNC). */
  async flushInput(): Promise<void> {
    try {
      await this.link.flushInput();
    } catch {
      // Some ports cannot flush; dropping our own buffers is what matters.
    }
    this.frames = [];
    this.decoder.reset();
    this.noise = '';
    this.markNoise();
    this.ohaiSeen = false;
  }

  /** Start counting out-of-packet bytes afresh (to classify the next timeout). */
  markNoise(): void {
    this.noiseSinceMark = 0;
    this.firstNoiseByte = null;
  }

  checkCancelled(): void {
    if (this.signal?.aborted) throw cancelledError(this.stage);
    if (this.closedError) throw this.closedError;
  }

  /** Changes the host side's baud: a gone port is ESP_DISCONNECTED, a refused rate ESP_BAUD_UNSUPPORTED (never a raw error). */
  async setHostBaud(baud: number): Promise<void> {
    try {
      await this.link.setBaudRate(baud);
    } catch (error) {
      if (this.closedError) throw this.closedError;
      const what = `failed while changing to ${baud} baud (${(error as Error).message})`;
      if (isPortGoneError(error)) throw disconnectedError(this.link.path, this.stage, what, error);
      throw new FlashdeckError(
        {
          code: 'ESP_BAUD_UNSUPPORTED',
          stage: this.stage,
          message: `The serial port ${this.link.path} ${what}.`,
          hint: 'Some USB-serial adapters do not support every rate: pick a lower ESP flashing baud in Settings.',
        },
        { cause: error },
      );
    }
  }

  async send(packet: Uint8Array): Promise<void> {
    this.checkCancelled();
    const framed = slipEncode(packet);
    this.trace?.('out', framed);
    this.bytesSent += framed.length;
    // A chip that stops reading (USB-Serial-JTAG while firmware ignores it) stops taking bytes:
    // give up once the port has taken none for four times the frame's wire time (at least 3 s),
    // counted while this process was running to see it (patience.ts), or at once on cancel.
    const patienceMs = Math.max(3000, ((framed.length * 10) / this.link.baudRate) * 1000 * 4);
    const written = this.link.write(framed);
    written.catch(() => {}); // settled by the port closing if we stop waiting
    let patience: Patience | null = null;
    let onAbort = () => {};
    const gaveUp = new Promise<'stalled' | 'cancelled'>((resolve) => {
      patience = startPatience(this.clock, patienceMs, () => resolve('stalled'), { progress: () => this.link.bytesAccepted });
      onAbort = () => resolve('cancelled');
      this.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const first = await Promise.race([written.then(() => 'written' as const), gaveUp]);
      if (first === 'cancelled') throw cancelledError(this.stage);
      if (first === 'stalled') {
        throw new FlashdeckError({
          code: 'ESP_WRITE_FAILED',
          stage: this.stage,
          message: `The board stopped taking data: ${this.link.path} accepted nothing for ${(patienceMs / 1000).toFixed(0)} s.`,
          hint: 'Its USB serial only drains while the ROM loader or firmware reads it: hold BOOT, tap EN (RESET), release BOOT, then retry.',
        });
      }
    } catch (error) {
      if (error instanceof FlashdeckError) throw error;
      if (this.closedError) throw this.closedError;
      throw new FlashdeckError(
        {
          code: 'ESP_WRITE_FAILED',
          stage: this.stage,
          message: `Could not write to ${this.link.path}: ${(error as Error).message}`,
          hint: 'The port went away or is held by another program. Reconnect the board and retry.',
        },
        { cause: error },
      );
    } finally {
      (patience as Patience | null)?.stop();
      this.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Next SLIP frame, or a classified timeout error once `timeoutMs` of silence passed (counted as the host saw it, see patience.ts). */
  async readFrame(timeoutMs: number): Promise<Uint8Array> {
    let expired = false;
    const patience = startPatience(this.clock, timeoutMs, () => {
      expired = true;
      this.wake();
    });
    try {
      for (;;) {
        this.checkCancelled();
        const frame = this.frames.shift();
        if (frame) return frame;
        if (expired) throw this.timeoutError();
        await new Promise<void>((resolve, reject) => {
          this.waiter = {
            resolve: () => {
              this.waiter = null;
              resolve();
            },
            reject: (error) => {
              this.waiter = null;
              reject(error);
            },
          };
        });
      }
    } finally {
      patience.stop();
    }
  }

  /** What silence means, given what has (not) arrived. */
  timeoutError(): FlashdeckError {
    const stage = this.stage;
    if (PANIC_PATTERN.test(this.noise)) {
      return new FlashdeckError({
        code: 'ESP_FIRMWARE_PANIC',
        stage,
        message: `The board printed a crash report instead of answering the loader: "${lastLine(this.noise, PANIC_PATTERN)}".`,
        hint: 'The firmware on the board is crashing, so it is not in download mode. Hold BOOT, tap EN (RESET), release BOOT, then retry.',
      });
    }
    if (this.noiseSinceMark > 0 && this.firstNoiseByte !== null) {
      return new FlashdeckError({
        code: 'ESP_INVALID_HEAD',
        stage,
        message: `Invalid head of packet (${hex(this.firstNoiseByte, 2)}): the board sent ${this.noiseSinceMark} bytes that are not loader packets${printable(this.noise) ? ` ("${printable(this.noise)}")` : ''}.`,
        hint: 'Either the firmware is running (the board did not enter download mode: hold BOOT, tap EN, release BOOT, then retry) or the line is noisy (try a lower baud rate or a better, shorter cable).',
      });
    }
    if (this.bytesReceived === 0) {
      return new FlashdeckError({
        code: 'ESP_NO_DATA',
        stage,
        message: `No serial data received from ${this.link.path}.`,
        hint: 'Check that this is the right port, that the cable carries data (charge-only cables do not), that the USB-serial driver (CP210x/CH340/FTDI) is installed and the board is powered. If the board has no auto-reset, hold BOOT, tap EN, release BOOT, then retry.',
      });
    }
    if (this.decoder.inFrame) {
      return new FlashdeckError({
        code: 'ESP_TIMEOUT',
        stage,
        message: 'Packet content transfer stopped: the board stopped sending in the middle of a reply.',
        hint: 'The connection is unreliable. Try a lower baud rate, another cable or a powered USB hub.',
      });
    }
    return new FlashdeckError({
      code: 'ESP_TIMEOUT',
      stage,
      message: 'Serial data stream stopped: the board stopped answering.',
      hint: 'The board may have reset or lost power. Try a lower baud rate, another cable or a powered USB hub, then retry.',
    });
  }

  /**
   * Send one command and return its response (matched by opcode, status checked).
   * Throws ESP_UNSUPPORTED for "unsupported command" replies in either form.
   */
  async command(op: number, data: Uint8Array = new Uint8Array(0), options: CommandOptions = {}): Promise<Response> {
    const timeoutMs = options.timeoutMs ?? this.timeouts.defaultMs;
    this.markNoise();
    await this.send(encodeCommand(op, data, options.checksum ?? 0));
    const deadline = this.clock.now() + timeoutMs;
    for (let n = 0; n < MAX_FRAMES_PER_COMMAND; n++) {
      const frame = await this.readFrame(Math.max(0, deadline - this.clock.now()));
      const response = decodeResponse(frame);
      if (!response) continue; // OHAI or a mangled frame
      if (response.op !== op) {
        if (options.mayBeUnsupported && response.data.length >= 2 && response.data[0] !== 0 && response.data[1] === ERR_INVALID_MESSAGE) {
          await this.drainUnsupported();
          throw this.unsupported(op);
        }
        continue; // a late reply to an earlier command (extra SYNC replies)
      }
      const payloadLength = options.payloadLength === 'rest' ? Math.max(0, response.data.length - this.statusBytes) : (options.payloadLength ?? 0);
      const status = statusOf(response, payloadLength);
      if (!status) {
        throw new FlashdeckError({
          code: 'ESP_BAD_RESPONSE',
          stage: this.stage,
          message: `${OP_NAMES[op] ?? hex(op, 2)} reply is too short (${response.data.length} bytes).`,
          hint: 'The board answered with something unexpected. Retry; if it persists, try a lower baud rate.',
        });
      }
      if (!status.ok && !options.ignoreStatus) {
        if (options.mayBeUnsupported && status.error === ERR_INVALID_MESSAGE && response.data.length <= this.statusBytes) {
          await this.drainUnsupported();
          throw this.unsupported(op);
        }
        throw new EspCommandError(op, status.error, this.stage);
      }
      return response;
    }
    throw new FlashdeckError({
      code: 'ESP_BAD_RESPONSE',
      stage: this.stage,
      message: `No reply to ${OP_NAMES[op] ?? hex(op, 2)} among ${MAX_FRAMES_PER_COMMAND} packets.`,
      hint: 'Something else is talking on this port. Close other serial programs and retry.',
    });
  }

  private unsupported(op: number): FlashdeckError {
    return new FlashdeckError({
      code: 'ESP_UNSUPPORTED',
      stage: this.stage,
      message: `This loader does not support ${OP_NAMES[op] ?? hex(op, 2)}.`,
      hint: 'The chip or its loader is older than expected; retry, and report the chip model if it persists.',
    });
  }

  /** The ROM repeats an unsupported-command reply (esptool drains ~8 × 14 bytes); swallow the repeats. */
  private async drainUnsupported(): Promise<void> {
    const quietMs = 20;
    const until = this.clock.now() + 300;
    while (this.clock.now() < until) {
      try {
        await this.readFrame(quietMs);
      } catch (error) {
        if (error instanceof FlashdeckError && (error.code === 'CANCELLED' || error.code === 'ESP_DISCONNECTED')) throw error;
        break;
      }
    }
    this.frames = [];
  }

  /** One SYNC plus its 7 echoes. Returns whether the peer is an already running stub. */
  /**
   * Start the flashed application without a reset line (esptool's soft reset): the stub jumps to
   * it on RUN_USER_CODE, which has no reply; the ROM does it on FLASH_BEGIN(0) + FLASH_END(1).
   */
  async runUserCode(): Promise<void> {
    if (this.isStub) {
      await this.send(encodeCommand(Op.RUN_USER_CODE));
      return;
    }
    await this.command(Op.FLASH_BEGIN, words(0, 0, 0x400, 0));
    await this.command(Op.FLASH_END, words(1));
  }

  async sync(): Promise<{ stubRunning: boolean }> {
    const first = await this.command(Op.SYNC, SYNC_PAYLOAD, { timeoutMs: this.timeouts.syncMs });
    let allZero = first.value === 0;
    for (let i = 0; i < 7; i++) {
      try {
        const frame = await this.readFrame(this.timeouts.syncMs);
        const r = decodeResponse(frame);
        if (r && r.op === Op.SYNC && r.value !== 0) allZero = false;
      } catch (error) {
        if (error instanceof FlashdeckError && (error.code === 'CANCELLED' || error.code === 'ESP_DISCONNECTED')) throw error;
        break;
      }
    }
    void ROM_SYNC_VALUE;
    return { stubRunning: allZero };
  }

  async readReg(address: number, timeoutMs?: number): Promise<number> {
    const r = await this.command(Op.READ_REG, words(address), { timeoutMs });
    return r.value;
  }

  async writeReg(address: number, value: number, mask = 0xffffffff, delayUs = 0): Promise<void> {
    await this.command(Op.WRITE_REG, words(address, value, mask, delayUs));
  }

  /** SPI_ATTACH: the ROM wants 8 bytes (hspi_arg, is_legacy + 3 pad), the stub 4. */
  async spiAttach(hspiArg = 0): Promise<void> {
    const data = this.isStub ? words(hspiArg) : new Uint8Array([...words(hspiArg), 0, 0, 0, 0]);
    await this.command(Op.SPI_ATTACH, data);
  }

  async spiSetParams(totalSize: number): Promise<void> {
    await this.command(Op.SPI_SET_PARAMS, words(0, totalSize, 0x10000, 0x1000, 0x100, 0xffff));
  }

  /** CHANGE_BAUDRATE (new, old): old is 0 for the ROM, the current rate for the stub. */
  async changeBaud(newBaud: number, currentBaud: number): Promise<void> {
    await this.command(Op.CHANGE_BAUDRATE, words(newBaud, this.isStub ? currentBaud : 0));
  }

  /** 16 raw MD5 bytes of a flash region (the ROM sends 32 hex characters, the stub 16 bytes). */
  async flashMd5(address: number, size: number): Promise<Uint8Array> {
    const timeoutMs = timeoutPerMb(this.timeouts, this.timeouts.md5PerMbMs, size);
    const payloadLength = this.isStub ? 16 : 32;
    const r = await this.command(Op.SPI_FLASH_MD5, words(address, size, 0, 0), { timeoutMs, payloadLength });
    const payload = r.data.subarray(0, payloadLength);
    if (this.isStub) return payload.slice();
    const text = latin1(payload);
    if (!/^[0-9a-fA-F]{32}$/.test(text)) {
      throw new FlashdeckError({
        code: 'ESP_BAD_RESPONSE',
        stage: this.stage,
        message: `SPI_FLASH_MD5 reply is not 32 hex digits: "${printable(text)}".`,
        hint: 'Retry; if it persists, try a lower baud rate.',
      });
    }
    return Uint8Array.from(text.match(/../g)!.map((h) => parseInt(h, 16)));
  }

  /** GET_SECURITY_INFO: null when the ROM does not know the command (ESP32). */
  async securityInfo(): Promise<{ flags: number; chipId: number | null; apiVersion: number | null } | null> {
    try {
      const r = await this.command(Op.GET_SECURITY_INFO, new Uint8Array(0), { payloadLength: 'rest', mayBeUnsupported: true });
      const payload = r.data.subarray(0, r.data.length - this.statusBytes);
      if (payload.length < 12) return null;
      return {
        flags: readU32(payload, 0),
        chipId: payload.length >= 20 ? readU32(payload, 12) : null,
        apiVersion: payload.length >= 20 ? readU32(payload, 16) : null,
      };
    } catch (error) {
      if (error instanceof FlashdeckError && error.code === 'ESP_UNSUPPORTED') return null;
      if (error instanceof EspCommandError) return null;
      throw error;
    }
  }

  async memBegin(size: number, blocks: number, blockSize: number, offset: number): Promise<void> {
    await this.command(Op.MEM_BEGIN, words(size, blocks, blockSize, offset));
  }

  async memData(seq: number, payload: Uint8Array): Promise<void> {
    const packet = encodeDataCommand(Op.MEM_DATA, seq, payload);
    await this.command(Op.MEM_DATA, packet.subarray(8), { checksum: readU32(packet, 4) });
  }

  /** Jump to `entry`; the ROM may not answer (it is already running the code). */
  async memEnd(entry: number): Promise<void> {
    this.ohaiSeen = false;
    try {
      await this.command(Op.MEM_END, words(entry === 0 ? 1 : 0, entry), { timeoutMs: this.timeouts.memEndRomMs, ignoreStatus: true });
    } catch (error) {
      if (error instanceof FlashdeckError && (error.code === 'CANCELLED' || error.code === 'ESP_DISCONNECTED')) throw error;
    }
  }

  /** Waits for the stub's OHAI frame; false on timeout. */
  async waitForOhai(timeoutMs = this.timeouts.ohaiMs): Promise<boolean> {
    const deadline = this.clock.now() + timeoutMs;
    while (!this.ohaiSeen) {
      const left = deadline - this.clock.now();
      if (left <= 0) return false;
      try {
        await this.readFrame(left);
      } catch (error) {
        if (error instanceof FlashdeckError && (error.code === 'CANCELLED' || error.code === 'ESP_DISCONNECTED')) throw error;
        return this.ohaiSeen;
      }
    }
    this.frames = [];
    return true;
  }

  /** Send a *_DATA block (FLASH_DATA / FLASH_DEFL_DATA / MEM_DATA) with its checksum. */
  async dataBlock(op: number, seq: number, payload: Uint8Array, timeoutMs?: number): Promise<void> {
    const packet = encodeDataCommand(op, seq, payload);
    await this.command(op, packet.subarray(8), { checksum: readU32(packet, 4), timeoutMs });
  }

  private wake(): void {
    this.waiter?.resolve();
  }

  private wakeWithError(error: unknown): void {
    this.waiter?.reject(error);
  }
}

/** A command the loader answered with a failure status. */
export class EspCommandError extends FlashdeckError {
  readonly op: number;
  readonly espError: number;
  constructor(op: number, espError: number, stage: string) {
    super({
      code: 'ESP_COMMAND_FAILED',
      stage,
      message: `${OP_NAMES[op] ?? hex(op, 2)} failed: ${describeError(espError)} (${hex(espError, 2)}).`,
      hint: 'Retry. If it keeps failing, try a lower baud rate, another cable, or a powered USB hub.',
    });
    this.op = op;
    this.espError = espError;
  }
}

export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** A short, printable excerpt for an error message. */
function printable(text: string): string {
  const clean = text
    .replace(/[^\x20-\x7e\n]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > 80 ? '…' + clean.slice(-80) : clean;
}

/** The line that matches `pattern`, from the match on (e.g. "Guru Meditation Error: …"). */
function lastLine(text: string, pattern: RegExp): string {
  const line = text.split(/\r?\n/).find((l) => pattern.test(l)) ?? text;
  const from = line.search(pattern);
  return line
    .slice(Math.max(0, from))
    .replace(/[^\x20-\x7e]/g, '')
    .slice(0, 120);
}

/** The board's port went away (unplugged, or the chip re-enumerated): `what` says when. */
export function disconnectedError(path: string, stage: string, what: string, cause?: unknown): FlashdeckError {
  return new FlashdeckError(
    {
      code: 'ESP_DISCONNECTED',
      stage,
      message: `The serial port ${path} ${what}.`,
      hint: 'The board was unplugged or reset itself onto a new port. Check the cable (try another USB port, avoid unpowered hubs), then retry.',
    },
    { cause: cause ?? undefined },
  );
}
