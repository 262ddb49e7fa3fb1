/**
 * EspRomLoader / EspStubLoader: one conversation with an ESP ROM or stub loader over a ByteLink
 * (their LoaderChannel).
 *
 * It frames commands, matches responses by opcode, reads status bytes in the right layout
 * (ROM 4 / stub 2), recognises "unsupported command" replies in both forms, and turns silence
 * and garbage into the distinctions a person can act on (nothing at all / stream stopped /
 * packet cut off / app output or panic instead of packets).
 */
import type { Stage } from '../../electron/contract-values';
import { type ByteLink, isPortGoneError } from '../common/byte-link';
import { FlashdeckError, cancelledError } from '../common/errors';
import { SlipDecoder, slipEncode } from '../common/slip';
import { type DriverClock, wallClock } from '../common/clock';
import { type Patience, startPatience } from '../common/patience';
import type { EspChipSpec } from './chips';
import { quirksOf } from './chip-quirks';
import {
  ERR_INVALID_MESSAGE,
  OHAI,
  OP_NAMES,
  Op,
  ROM_STATUS_BYTES,
  ROM_FLASH_BLOCK,
  STUB_FLASH_BLOCK,
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
  /** The job stage errors are reported under, as the job says (default 'connecting'). */
  stage?: () => Stage;
}

const NOISE_KEEP = 8192;
const MAX_FRAMES_PER_COMMAND = 100;
const PANIC_PATTERN = /Guru Meditation Error|Fatal exception|panic'ed|abort\(\) was called/;

/**
 * The wire side of one loader session, shared by the ROM loader and the stub loader that takes
 * over from it: SLIP framing over the link, frames and out-of-packet text as they arrive, writes
 * that give up on a port that takes nothing, and what each kind of silence means.
 */
export class LoaderChannel {
  readonly link: ByteLink;
  readonly clock: DriverClock;
  readonly timeouts: EspTimeouts;
  readonly signal?: AbortSignal;
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
  private readonly stageOf: () => Stage;
  private ohaiSeen = false;
  private readonly textWatchers = new Set<{ text(more: string): void; closed(): void }>();

  constructor(link: ByteLink, options: LoaderOptions = {}) {
    this.link = link;
    this.clock = options.clock ?? wallClock;
    this.signal = options.signal;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.trace = options.trace;
    this.stageOf = options.stage ?? (() => 'connecting');
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
        const text = latin1(bytes);
        this.noise = (this.noise + text).slice(-NOISE_KEEP);
        for (const watcher of [...this.textWatchers]) watcher.text(text);
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
        for (const watcher of [...this.textWatchers]) watcher.closed();
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

  /** The job stage errors are reported under. */
  get stage(): Stage {
    return this.stageOf();
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
    return this.sendFramed(slipEncode(packet));
  }

  /** Writes an already SLIP-framed packet (see EspLoader.frameDataBlock). */
  async sendFramed(framed: Uint8Array): Promise<void> {
    this.checkCancelled();
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

  /** Drop frames not yet read (repeats of a reply nobody waits for). */
  dropFrames(): void {
    this.frames = [];
  }

  /**
   * Watches out-of-packet text arriving from now on (a ROM banner): `seen` resolves once it matches
   * `pattern`, or once the port closes (nothing more will come); `stop` ends the watch.
   */
  watchText(pattern: RegExp): TextWatch {
    let text = '';
    let done = () => {};
    const seen = new Promise<void>((resolve) => (done = resolve));
    const watcher = {
      text: (more: string) => {
        text = (text + more).slice(-NOISE_KEEP);
        if (pattern.test(text)) stop();
      },
      closed: () => stop(),
    };
    const stop = () => {
      this.textWatchers.delete(watcher);
      done();
    };
    if (this.closedError) stop();
    else this.textWatchers.add(watcher);
    return { seen, stop };
  }

  /** The next OHAI counts (MEM_END is about to start the stub). */
  expectOhai(): void {
    this.ohaiSeen = false;
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
        if (endsTheJob(error)) throw error;
        return this.ohaiSeen;
      }
    }
    this.frames = [];
    return true;
  }

  private wake(): void {
    this.waiter?.resolve();
  }

  private wakeWithError(error: unknown): void {
    this.waiter?.reject(error);
  }
}

/**
 * One loader on the other end: the ROM's or the stub's. They speak the same protocol with
 * different status layouts, block sizes and argument forms; each subclass says how. Loading the
 * stub through the ROM loader gives a stub loader on the same channel (stub-loader.ts).
 */
export abstract class EspLoader {
  abstract readonly kind: 'rom' | 'stub';
  /** Status bytes at the end of every reply (ROM 4, stub 2). */
  abstract readonly statusBytes: number;
  /** Flash data per FLASH_DATA / FLASH_DEFL_DATA block (ROM 1 KiB, stub 16 KiB). */
  abstract readonly flashBlockSize: number;

  constructor(readonly channel: LoaderChannel) {}

  get link(): ByteLink {
    return this.channel.link;
  }
  get clock(): DriverClock {
    return this.channel.clock;
  }
  get timeouts(): EspTimeouts {
    return this.channel.timeouts;
  }
  get stage(): Stage {
    return this.channel.stage;
  }
  /** Bytes written to the link (for wire-efficiency figures). */
  get bytesSent(): number {
    return this.channel.bytesSent;
  }
  /** Text received outside packets (boot banners, app output), most recent last. */
  get noiseText(): string {
    return this.channel.noiseText;
  }
  flushInput(): Promise<void> {
    return this.channel.flushInput();
  }
  setHostBaud(baud: number): Promise<void> {
    return this.channel.setHostBaud(baud);
  }
  dispose(): void {
    this.channel.dispose();
  }

  /**
   * Send one command and return its response (matched by opcode, status checked).
   * Throws ESP_UNSUPPORTED for "unsupported command" replies in either form.
   */
  async command(op: number, data: Uint8Array = new Uint8Array(0), options: CommandOptions = {}): Promise<Response> {
    return this.exchange({ op, framed: slipEncode(encodeCommand(op, data, options.checksum ?? 0)) }, options);
  }

  /** Sends one framed command and returns its response (command()'s rules). */
  private async exchange({ op, framed }: FramedCommand, options: CommandOptions): Promise<Response> {
    const timeoutMs = options.timeoutMs ?? this.timeouts.defaultMs;
    this.channel.markNoise();
    await this.channel.sendFramed(framed);
    const deadline = this.clock.now() + timeoutMs;
    for (let n = 0; n < MAX_FRAMES_PER_COMMAND; n++) {
      const frame = await this.channel.readFrame(Math.max(0, deadline - this.clock.now()));
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
        await this.channel.readFrame(quietMs);
      } catch (error) {
        if (endsTheJob(error)) throw error;
        break;
      }
    }
    this.channel.dropFrames();
  }

  /** One SYNC plus its 7 echoes. Returns whether the peer is an already running stub (it answers 0, the ROM 0x20120707). */
  async sync(): Promise<{ stubRunning: boolean }> {
    const first = await this.command(Op.SYNC, SYNC_PAYLOAD, { timeoutMs: this.timeouts.syncMs });
    let allZero = first.value === 0;
    for (let i = 0; i < 7; i++) {
      try {
        const frame = await this.channel.readFrame(this.timeouts.syncMs);
        const r = decodeResponse(frame);
        if (r && r.op === Op.SYNC && r.value !== 0) allZero = false;
      } catch (error) {
        if (endsTheJob(error)) throw error;
        break;
      }
    }
    return { stubRunning: allZero };
  }

  /** `mayBeRefused`: a loader that rejects READ_REG (Secure Download Mode) in either reply form throws ESP_UNSUPPORTED at once. */
  async readReg(address: number, timeoutMs?: number, options: { mayBeRefused?: boolean } = {}): Promise<number> {
    const r = await this.command(Op.READ_REG, words(address), { timeoutMs, mayBeUnsupported: options.mayBeRefused });
    return r.value;
  }

  async writeReg(address: number, value: number, mask = 0xffffffff, delayUs = 0): Promise<void> {
    await this.command(Op.WRITE_REG, words(address, value, mask, delayUs));
  }

  /** SPI_ATTACH with the loader's argument form. */
  async spiAttach(hspiArg = 0): Promise<void> {
    await this.command(Op.SPI_ATTACH, this.spiAttachArgs(hspiArg));
  }
  protected abstract spiAttachArgs(hspiArg: number): Uint8Array;

  async spiSetParams(totalSize: number): Promise<void> {
    await this.command(Op.SPI_SET_PARAMS, words(0, totalSize, 0x10000, 0x1000, 0x100, 0xffff));
  }

  /** CHANGE_BAUDRATE (new, old): each loader says how it takes the two words. */
  async changeBaud(chip: EspChipSpec, newBaud: number, currentBaud: number): Promise<void> {
    await this.command(Op.CHANGE_BAUDRATE, words(...(await this.changeBaudArgs(chip, newBaud, currentBaud))));
  }
  protected abstract changeBaudArgs(chip: EspChipSpec, newBaud: number, currentBaud: number): Promise<[number, number]>;

  /** 16 raw MD5 bytes of a flash region. */
  async flashMd5(address: number, size: number): Promise<Uint8Array> {
    const timeoutMs = timeoutPerMb(this.timeouts, this.timeouts.md5PerMbMs, size);
    const r = await this.command(Op.SPI_FLASH_MD5, words(address, size, 0, 0), { timeoutMs, payloadLength: this.md5ReplyLength });
    return this.md5FromReply(r.data.subarray(0, this.md5ReplyLength));
  }
  protected abstract readonly md5ReplyLength: number;
  protected abstract md5FromReply(payload: Uint8Array): Uint8Array;

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

  /** Send a *_DATA block (FLASH_DATA / FLASH_DEFL_DATA / MEM_DATA) with its checksum. */
  async dataBlock(op: number, seq: number, payload: Uint8Array, timeoutMs?: number): Promise<void> {
    await this.sendDataBlock(frameDataBlock(op, seq, payload), timeoutMs);
  }

  /** Send a *_DATA block framed ahead of time (the writer frames the next block while this one is on the wire). */
  async sendDataBlock(block: FramedCommand, timeoutMs?: number): Promise<void> {
    await this.exchange(block, { timeoutMs });
  }

  /**
   * FLASH_BEGIN / FLASH_DEFL_BEGIN, its arguments built here and nowhere else: the size to erase
   * (the ROM erases it now, rounded up to whole blocks when compressed; the stub as data comes),
   * the block count and size, the offset, and the `encrypted` word where the loader takes one.
   */
  async flashBegin(chip: EspChipSpec, write: { offset: number; size: number; blocks: number; compressed: boolean }): Promise<void> {
    const eraseSize = this.flashEraseSize(write.size, write.compressed);
    const args = [eraseSize, write.blocks, this.flashBlockSize, write.offset];
    if (this.kind === 'stub' || chip.romFlashBeginHasEncryptedWord) args.push(0);
    const timeoutMs = this.kind === 'stub' ? this.timeouts.defaultMs : timeoutPerMb(this.timeouts, this.timeouts.eraseRegionPerMbMs, eraseSize);
    await this.command(write.compressed ? Op.FLASH_DEFL_BEGIN : Op.FLASH_BEGIN, words(...args), { timeoutMs });
  }

  /** The size FLASH_BEGIN announces for `size` image bytes: the ROM erases whole blocks of a compressed write. */
  flashEraseSize(size: number, compressed: boolean): number {
    return compressed && this.kind === 'rom' ? Math.ceil(size / this.flashBlockSize) * this.flashBlockSize : size;
  }

  /** After the last block: the stub acknowledges data before writing it, so END collects the status of the last block; the ROM has answered each block already. */
  abstract flashFinish(compressed: boolean): Promise<void>;

  /** Erases the whole flash. */
  abstract eraseFlash(chip: EspChipSpec, flashSize: number): Promise<void>;

  /** Start the flashed application without a reset line (esptool's soft reset). */
  abstract runUserCode(chip: EspChipSpec): Promise<void>;
}

/** The chip's ROM loader: 4 status bytes, 1 KiB flash blocks, erases in FLASH_BEGIN, MD5 as hex text. */
export class EspRomLoader extends EspLoader {
  readonly kind = 'rom';
  readonly statusBytes = ROM_STATUS_BYTES;
  readonly flashBlockSize = ROM_FLASH_BLOCK;
  protected readonly md5ReplyLength = 32;

  constructor(channel: LoaderChannel);
  constructor(link: ByteLink, options?: LoaderOptions);
  constructor(linkOrChannel: ByteLink | LoaderChannel, options: LoaderOptions = {}) {
    super(linkOrChannel instanceof LoaderChannel ? linkOrChannel : new LoaderChannel(linkOrChannel, options));
  }

  /** 8 bytes: hspi_arg, is_legacy + 3 pad. */
  protected spiAttachArgs(hspiArg: number): Uint8Array {
    return new Uint8Array([...words(hspiArg), 0, 0, 0, 0]);
  }

  /** The ROM takes 0 for the old rate, and on some chips a corrected new one (chip-quirks.ts). */
  protected async changeBaudArgs(chip: EspChipSpec, newBaud: number): Promise<[number, number]> {
    const corrected = quirksOf(chip.name).romBaudArgument;
    return [corrected ? await corrected(this, newBaud) : newBaud, 0];
  }

  protected md5FromReply(payload: Uint8Array): Uint8Array {
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

  async flashFinish(): Promise<void> {}

  /** The ROM has no ERASE_FLASH: FLASH_BEGIN over the whole chip erases it. */
  async eraseFlash(chip: EspChipSpec, flashSize: number): Promise<void> {
    const args = [flashSize, 0, this.flashBlockSize, 0];
    if (chip.romFlashBeginHasEncryptedWord) args.push(0);
    await this.command(Op.FLASH_BEGIN, words(...args), {
      timeoutMs: Math.max(this.timeouts.chipEraseMs, timeoutPerMb(this.timeouts, this.timeouts.eraseRegionPerMbMs, flashSize)),
    });
  }

  /** FLASH_BEGIN(0) + FLASH_END(1): the ROM leaves the loader for the app. */
  async runUserCode(chip: EspChipSpec): Promise<void> {
    await this.flashBegin(chip, { offset: 0, size: 0, blocks: 0, compressed: false });
    await this.command(Op.FLASH_END, words(1));
  }

  async memBegin(size: number, blocks: number, blockSize: number, offset: number): Promise<void> {
    await this.command(Op.MEM_BEGIN, words(size, blocks, blockSize, offset));
  }

  /** Jump to `entry`; the ROM may not answer (it is already running the code). */
  async memEnd(entry: number): Promise<void> {
    this.channel.expectOhai();
    try {
      await this.command(Op.MEM_END, words(entry === 0 ? 1 : 0, entry), { timeoutMs: this.timeouts.memEndRomMs, ignoreStatus: true });
    } catch (error) {
      if (endsTheJob(error)) throw error;
    }
  }
}

/** The RAM stub (esp-flasher-stub): 2 status bytes, 16 KiB blocks written as they arrive, raw MD5. */
export class EspStubLoader extends EspLoader {
  readonly kind = 'stub';
  readonly statusBytes = STUB_STATUS_BYTES;
  readonly flashBlockSize = STUB_FLASH_BLOCK;
  protected readonly md5ReplyLength = 16;

  constructor(channel: LoaderChannel);
  constructor(link: ByteLink, options?: LoaderOptions);
  constructor(linkOrChannel: ByteLink | LoaderChannel, options: LoaderOptions = {}) {
    super(linkOrChannel instanceof LoaderChannel ? linkOrChannel : new LoaderChannel(linkOrChannel, options));
  }

  protected spiAttachArgs(hspiArg: number): Uint8Array {
    return words(hspiArg);
  }

  /** The stub's divider is exact: the rate asked for, and the one in use. */
  protected async changeBaudArgs(_chip: EspChipSpec, newBaud: number, currentBaud: number): Promise<[number, number]> {
    return [newBaud, currentBaud];
  }

  protected md5FromReply(payload: Uint8Array): Uint8Array {
    return payload.slice();
  }

  async flashFinish(compressed: boolean): Promise<void> {
    await this.command(compressed ? Op.FLASH_DEFL_END : Op.FLASH_END, words(1), {
      timeoutMs: timeoutPerMb(this.timeouts, this.timeouts.eraseWritePerMbMs, this.flashBlockSize * 4),
    });
  }

  async eraseFlash(): Promise<void> {
    await this.command(Op.ERASE_FLASH, new Uint8Array(0), { timeoutMs: this.timeouts.chipEraseMs });
  }

  /** RUN_USER_CODE has no reply: the stub jumps to the app. */
  async runUserCode(): Promise<void> {
    await this.channel.send(encodeCommand(Op.RUN_USER_CODE));
  }
}

/** The loader that answered SYNC on `channel`: the ROM's, or a stub still running from an earlier session. */
export function loaderOn(channel: LoaderChannel, stubRunning: boolean): EspLoader {
  return stubRunning ? new EspStubLoader(channel) : new EspRomLoader(channel);
}

/** A watch on the text a board prints between packets (LoaderChannel.watchText). */
export interface TextWatch {
  readonly seen: Promise<void>;
  stop(): void;
}

/** A command already checksummed and SLIP-framed, ready for the wire. */
export interface FramedCommand {
  readonly op: number;
  readonly framed: Uint8Array;
}

/** Frames a *_DATA block (16-byte header, payload, checksum) for sendDataBlock. */
export function frameDataBlock(op: number, seq: number, payload: Uint8Array): FramedCommand {
  return { op, framed: slipEncode(encodeDataCommand(op, seq, payload)) };
}

/** Whether an error ends the job at once rather than a try: the user cancelled, or the port is gone. */
export function endsTheJob(error: unknown): boolean {
  return error instanceof FlashdeckError && (error.code === 'CANCELLED' || error.code === 'ESP_DISCONNECTED');
}

/** A command the loader answered with a failure status. */
export class EspCommandError extends FlashdeckError {
  readonly op: number;
  readonly espError: number;
  constructor(op: number, espError: number, stage: Stage) {
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
export function disconnectedError(path: string, stage: Stage, what: string, cause?: unknown): FlashdeckError {
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
