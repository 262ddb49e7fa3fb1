/**
 * A simulated ESP32-family chip on a serial line: boot strapping from the DTR/RTS auto-reset
 * circuit (RTS→EN, DTR→GPIO0) or the USB-Serial-JTAG decoder, ROM banners, the ROM download
 * protocol byte for byte (4 status bytes, hex MD5, 1 KiB flash blocks), and after a stub upload
 * the stub protocol (2 status bytes, raw MD5, 16 KiB blocks acknowledged before they are written,
 * lazy erase). Flash is a NorFlash with realistic, scalable timings.
 *
 * Modelling choices where the hardware is not documented are marked "(model)".
 */
import { appModelFor, type AppOptions } from './app-model';
import { Unzlib } from 'fflate';
import type { SimDevice, SimSignals, SimSink } from '../common/sim-device';
import { SlipReceiver, slipFrame } from '../common/sim-slip';
import { SIM_CHIPS, type SimChipName, type SimChipProfile } from './chip-profiles';
import { NorFlash, W25Q32_TIMING, type FlashTiming, SECTOR, BLOCK } from './nor-flash';

const OP = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  RUN_USER_CODE: 0xd3,
} as const;

// ROM error codes / stub error codes.
const ROM_INVALID = 0x05;
const ROM_CHECKSUM = 0x07;
const ROM_FLASH_WRITE = 0x08;
const ROM_INFLATE = 0x0b;
const ROM_RAM_SIZE = 0x0e;
const ROM_RAM_ADDR = 0x0f;
const STUB_BAD_LEN = 0xc0;
const STUB_CHECKSUM = 0xc1;
const STUB_INVALID_CMD = 0xc3;
const STUB_SPI_FAILED = 0xc4;
const STUB_NOT_FLASH_MODE = 0xc6;
const STUB_INFLATE = 0xc7;
const STUB_TOO_MUCH = 0xc9;

const SYNC_BODY = [0x07, 0x07, 0x12, 0x20, ...new Array(32).fill(0x55)];
const ROM_SYNC_VALUE = 0x20120707;
const ROM_FLASH_BLOCK_MAX = 0x400;
const STUB_FLASH_BLOCK_MAX = 0x4000;
/** The 'late' baud-switch fault: the UART changes rate this long after the CHANGE_BAUDRATE reply. */
export const LATE_BAUD_SWITCH_MS = 60;
const RAM_BLOCK_MAX = 0x1800;

export type SimState = 'reset' | 'download' | 'stub' | 'app' | 'hung';

export interface Esp32SimFaults {
  /** Never answer these opcodes (the command is swallowed). */
  noReplyTo?: number[];
  /** The uploaded stub never starts: MEM_END is answered, then silence until reset. */
  stubNeverStarts?: boolean;
  /** CHANGE_BAUDRATE is acknowledged but the UART keeps its old rate ('ignore'), or changes it only LATE_BAUD_SWITCH_MS after the reply ('late'). */
  baudSwitch?: 'ok' | 'ignore' | 'late';
  /** JEDEC id the flash answers (0xFFFFFF / 0x000000 = flash not responding). */
  flashId?: number;
  /** Multiply erase times (a tired flash chip). */
  slowEraseFactor?: number;
  /** Flash addresses whose programmed value comes out with bit 0 flipped (MD5 mismatch). */
  weakFlashBits?: number[];
  /** Data blocks whose first N arrivals are answered with a checksum error, keyed by seq. */
  checksumErrorsOnSeq?: Record<number, number>;
  /** The app prints a panic instead of normal output. */
  appPanics?: boolean;
}

export interface Esp32SimOptions {
  chip?: SimChipName;
  /** State at start: 'download' (ROM waiting, as on a pty), 'spi' (the app is running), 'off'. */
  bootMode?: 'download' | 'spi';
  /** USB-Serial-JTAG reset decoding instead of the two-transistor circuit. */
  usbJtag?: boolean;
  /**
   * Board wiring for the UART bridge: 'full' (RTS→EN, DTR→GPIO0; default), 'en-only' (no GPIO0
   * transistor: resets always boot the app, "wrong boot mode"), 'none' (no auto-reset at all).
   */
  autoReset?: 'full' | 'en-only' | 'none';
  flashSize?: number;
  mac?: Uint8Array;
  revision?: { major: number; minor: number };
  /** 'mismatched-opcode' (default) or 'matching-opcode' reply to unsupported commands. (model) */
  unsupportedReply?: 'mismatched-opcode' | 'matching-opcode';
  /** Device-side delays × scale (0 = instant; 1 = datasheet timings). */
  timeScale?: number;
  flashTiming?: Partial<FlashTiming>;
  /** Delay between EN rising and the ROM sampling GPIO0 (EN's RC constant). (model) */
  enRiseDelayMs?: number;
  /** App output period in SPI-boot mode; 0 = silent app. */
  appOutputIntervalMs?: number;
  /** How the app behaves (its line format, a leak, a reboot mid-session); read at each boot. */
  app?: AppOptions;
  faults?: Esp32SimFaults;
  /** Flash contents at power-on (e.g. a previously flashed app). */
  preload?: { address: number; bytes: Uint8Array }[];
  /** Timers (injectable). */
  setTimeout?: (run: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

interface WriteSession {
  compressed: boolean;
  offset: number;
  /** Bytes to erase/write (uncompressed). */
  size: number;
  blockSize: number;
  blocks: number;
  nextSeq: number;
  written: number;
  /** Stub: end of the region already erased. */
  erasedUntil: number;
  inflater?: Unzlib;
  inflateError?: boolean;
  /** Deferred error from the stub's background write (reported with the next ack). */
  pendingError: number;
}

export interface BootRecord {
  mode: 'download' | 'spi';
  /** In SPI mode: whether a valid image for this chip was found at the bootloader offset. */
  appFound: boolean;
}

export class Esp32SimDevice implements SimDevice {
  readonly chip: SimChipProfile;
  readonly flash: NorFlash;
  readonly options: Esp32SimOptions;
  faults: Esp32SimFaults;
  state: SimState = 'reset';
  /** Every boot, in order (tests assert the reset sequences with it). */
  readonly boots: BootRecord[] = [];
  /** Opcodes received, in order (for protocol assertions). */
  readonly commandLog: number[] = [];
  /** Device UART baud. */
  baud = 115200;
  /** Bytes heard and sent per stretch of constant baud (benchmarks turn this into wire time). */
  readonly wireLog: { baud: number; bytesIn: number; bytesOut: number }[] = [{ baud: 115200, bytesIn: 0, bytesOut: 0 }];
  stubUploads = 0;

  private sink: SimSink | null = null;
  private readonly decoder: SlipReceiver;
  private queue: { frame: Uint8Array; at: number }[] = [];
  /** Milliseconds complete commands waited for the chip to finish earlier work (flash-bound time). */
  busyWaitMs = 0;
  /**
   * Milliseconds replies waited for flash work of their own command (the ROM erasing in
   * FLASH_BEGIN or programming a block, ERASE_*, the flash read behind SPI_FLASH_MD5, or an
   * erase under way when the command needed the flash). Work after the reply is not counted.
   */
  flashHeldMs = 0;
  private busy = false;
  /** The command being handled, until it has replied. */
  private handling: { replied: boolean } | null = null;
  private epoch = 0;
  private regs = new Map<number, number>();
  private mem = new Map<number, Uint8Array>();
  private memSession: { size: number; blocks: number; blockSize: number; offset: number; nextSeq: number } | null = null;
  private write: WriteSession | null = null;
  private attached = false;
  private signals: SimSignals = { dtr: false, rts: false };
  private jtagDownloadLatch = false;
  private jtagInReset = false;
  private bootTimer: unknown = null;
  /** The app's one reboot (options.app.rebootAfterTicks) happened. */
  private appRebooted = false;
  private appTimer: unknown = null;
  private seqErrors = new Map<number, number>();
  private readonly timing: FlashTiming;
  private readonly mac: Uint8Array;
  private readonly revision: { major: number; minor: number };
  private flashParamsSize: number;

  constructor(options: Esp32SimOptions = {}) {
    this.options = options;
    this.chip = SIM_CHIPS[options.chip ?? 'esp32'];
    this.flash = new NorFlash(options.flashSize ?? 4 * 1024 * 1024);
    this.flashParamsSize = this.flash.size;
    this.faults = { ...options.faults };
    this.timing = { ...W25Q32_TIMING, ...options.flashTiming };
    this.mac = options.mac ?? Uint8Array.from([0x24, 0x6f, 0x28, 0x12, 0x34, 0x56]);
    this.revision = options.revision ?? { major: 3, minor: 1 };
    for (const a of this.faults.weakFlashBits ?? []) this.flash.weakBits.add(a);
    for (const p of options.preload ?? []) this.flash.bytes.set(p.bytes, p.address);
    this.decoder = new SlipReceiver('delimited', (frame) => this.enqueue(frame), 0x8000);
  }

  /** Bytes that crossed the UART (both directions) since the last resetWireLog(). */
  wireBytes(): number {
    return this.wireLog.reduce((n, s) => n + s.bytesIn + s.bytesOut, 0);
  }

  /** Seconds those bytes occupy the line: Σ bytes × 10 bits / baud. */
  wireSeconds(): number {
    return this.wireLog.reduce((t, s) => t + ((s.bytesIn + s.bytesOut) * 10) / s.baud, 0);
  }

  resetWireLog(): void {
    this.busyWaitMs = 0;
    this.flashHeldMs = 0;
    this.wireLog.splice(0, this.wireLog.length, { baud: this.baud, bytesIn: 0, bytesOut: 0 });
  }

  // ---- SimDevice -------------------------------------------------------------------------

  attach(sink: SimSink): void {
    this.sink = sink;
    const start = this.options.bootMode ?? 'download';
    // Power-on: a pty board sits in the mode it was strapped into; no banner reaches the host.
    this.boot(start, { quiet: true });
  }

  receive(bytes: Uint8Array): void {
    this.wireLog[this.wireLog.length - 1].bytesIn += bytes.length;
    if (this.state !== 'download' && this.state !== 'stub') return;
    this.decoder.push(bytes);
  }

  hostBaudChanged(): void {
    // The UART does not care what the host thinks; a mismatch garbles (the transport models that).
  }

  setSignals(signals: SimSignals): void {
    const wiring = this.options.autoReset ?? 'full';
    if (wiring === 'none' && !this.options.usbJtag) return;
    this.signals = wiring === 'en-only' && !this.options.usbJtag ? { dtr: false, rts: signals.rts } : { ...signals };
    const { dtr, rts } = this.signals;
    if (this.options.usbJtag) {
      // USB-Serial-JTAG (ESP32-C3 TRM table): RTS=0,DTR=1 sets the download flag; RTS=0,DTR=0
      // clears it; entering RTS=1,DTR=0 resets the chip, which boots per the flag. (model)
      if (!rts && dtr) this.jtagDownloadLatch = true;
      if (!rts && !dtr) this.jtagDownloadLatch = false;
      const resetNow = rts && !dtr;
      if (resetNow && !this.jtagInReset) {
        const download = this.jtagDownloadLatch;
        this.holdInReset();
        this.bootTimer = this.later(() => {
          this.bootTimer = null;
          if (this.state === 'reset') this.boot(download ? 'download' : 'spi');
        }, this.options.enRiseDelayMs ?? 5);
      }
      this.jtagInReset = resetNow;
      return;
    }
    // Two-transistor circuit: EN low only for RTS=1,DTR=0; GPIO0 low only for DTR=1,RTS=0.
    const inReset = rts && !dtr;
    if (inReset && this.state !== 'reset') this.holdInReset();
    else if (!inReset && this.state === 'reset' && this.bootTimer === null) {
      // GPIO0 is sampled once EN has risen through its RC delay.
      this.bootTimer = this.later(() => {
        this.bootTimer = null;
        if (this.state !== 'reset' || (this.signals.rts && !this.signals.dtr)) return;
        this.boot(this.signals.dtr && !this.signals.rts ? 'download' : 'spi');
      }, this.options.enRiseDelayMs ?? 5);
    }
  }

  // ---- boot and reset --------------------------------------------------------------------

  /** EN low: everything stops, the UART returns to its power-on rate. */
  holdInReset(): void {
    this.epoch++;
    this.state = 'reset';
    this.queue = [];
    this.decoder.reset();
    this.write = null;
    this.memSession = null;
    this.attached = false;
    this.cancel(this.appTimer);
    this.appTimer = null;
    if (this.bootTimer !== null) {
      this.cancel(this.bootTimer);
      this.bootTimer = null;
    }
    if (this.baud !== 115200) this.setBaud(115200);
  }

  /** The user holds BOOT and taps EN (a board or port without auto-reset): the ROM loader starts. */
  pressBootAndTapEn(): void {
    this.holdInReset();
    this.boot('download');
  }

  /** Software reset (stub FLASH_END(0), watchdog), or the user taps EN with BOOT released: boot again as strapped now. */
  softReset(): void {
    this.holdInReset();
    const download = !this.options.usbJtag && this.signals.dtr && !this.signals.rts;
    this.boot(download ? 'download' : 'spi');
  }

  private boot(mode: 'download' | 'spi', opts: { quiet?: boolean } = {}): void {
    this.epoch++;
    this.regs = new Map();
    for (const [a, v] of this.chip.efuses(this.mac, this.revision)) this.regs.set(a, v);
    this.regs.set(0x40001000, this.chip.magic);
    if (this.chip.uartClkDiv !== null) this.regs.set(this.chip.uartClkDiv, Math.round(40e6 / this.baud));
    this.mem = new Map();
    this.write = null;
    this.attached = false;
    this.queue = [];
    this.decoder.reset();
    const appFound = mode === 'spi' && this.hasBootableImage();
    this.boots.push({ mode, appFound });
    if (mode === 'download') {
      this.state = 'download';
      if (!opts.quiet) this.emitText(this.chip.romHeader + this.chip.downloadBoot);
      return;
    }
    this.state = 'app';
    if (!opts.quiet) this.emitText(this.chip.romHeader + this.chip.spiBoot + (appFound ? `entry 0x${this.entryPoint().toString(16)}\r\n` : ''));
    this.runApp(appFound);
  }

  private hasBootableImage(): boolean {
    const at = this.chip.bootloaderOffset;
    const b = this.flash.bytes;
    return b[at] === 0xe9 && (b[at + 12] | (b[at + 13] << 8)) === this.chip.imageChipId;
  }

  private entryPoint(): number {
    const b = this.flash.bytes;
    const at = this.chip.bootloaderOffset + 4;
    return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
  }

  /** The app prints a line now and then; an erased flash makes the ROM complain in a loop. */
  private runApp(appFound: boolean): void {
    const period = this.options.appOutputIntervalMs ?? 100;
    if (period <= 0) return;
    let n = 0;
    const epoch = this.epoch;
    const appOptions = this.options.app ?? {};
    const app = appFound ? appModelFor(this.flash.bytes.subarray(this.chip.bootloaderOffset, this.chip.bootloaderOffset + 0x100000), period, appOptions) : null;
    const tick = () => {
      if (this.epoch !== epoch || this.state !== 'app') return;
      if (app && appOptions.rebootAfterTicks && n === appOptions.rebootAfterTicks && !this.appRebooted) {
        // A brown-out: the chip restarts and the app begins again at uptime 0.
        this.appRebooted = true;
        this.emitText('Brownout detector was triggered\r\n\r\n');
        this.boot('spi');
        return;
      }
      if (!app) this.emitText('invalid header: 0xffffffff\r\n');
      else if (this.faults.appPanics && n === 2) {
        this.emitText("Guru Meditation Error: Core  0 panic'ed (LoadProhibited). Exception was unhandled.\r\n");
      } else {
        const text = app.line(n, this.chip.displayName);
        if (text) this.emitText(text);
      }
      n++;
      this.appTimer = this.later(tick, period);
    };
    this.appTimer = this.later(tick, period);
  }

  // ---- command processing ----------------------------------------------------------------

  private enqueue(frame: Uint8Array): void {
    this.queue.push({ frame, at: performance.now() });
    // The simulator runs inside the app too ("Try with a simulated board"): a fault in it ends this command, never the process.
    this.pump().catch((error: unknown) => {
      this.busy = false;
      this.queue = [];
      this.emitText(`simulator fault: ${error instanceof Error ? error.message : String(error)}\r\n`);
    });
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length && (this.state === 'download' || this.state === 'stub')) {
        const { frame, at } = this.queue.shift()!;
        this.busyWaitMs += performance.now() - at;
        const epoch = this.epoch;
        this.handling = { replied: false };
        try {
          await this.handle(frame, epoch);
        } finally {
          this.handling = null;
        }
      }
    } finally {
      this.busy = false;
      const idle = this.idleWaiters.splice(0);
      for (const wake of idle) wake();
    }
  }

  /** Resolves when no command is being processed (the stub's idle loop). */
  private whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private idleWaiters: (() => void)[] = [];

  private get isStub(): boolean {
    return this.state === 'stub';
  }

  private reply(op: number, value: number, payload: Uint8Array | number[] = [], status = 0, error = 0, epoch = this.epoch): void {
    if (epoch !== this.epoch) return;
    if (this.handling) this.handling.replied = true;
    const statusBytes = this.isStub ? [status, error] : [status, error, 0, 0];
    const body = [...payload, ...statusBytes];
    const packet = new Uint8Array(8 + body.length);
    const view = new DataView(packet.buffer);
    packet[0] = 0x01;
    packet[1] = op;
    view.setUint16(2, body.length, true);
    view.setUint32(4, value >>> 0, true);
    packet.set(body, 8);
    this.emit(slipFrame(packet));
  }

  private emit(bytes: Uint8Array): void {
    this.wireLog[this.wireLog.length - 1].bytesOut += bytes.length;
    this.sink?.emit(bytes);
  }

  private fail(op: number, romError: number, stubError: number, epoch?: number): void {
    this.reply(op, 0, [], 1, this.isStub ? stubError : romError, epoch);
  }

  private unsupported(op: number): void {
    if (this.isStub) {
      this.reply(op, 0, [], 1, STUB_INVALID_CMD);
      return;
    }
    // The ROM answers an unknown command 8 times with status 1, error 0x05. (model: opcode form switchable)
    const replyOp = this.options.unsupportedReply === 'matching-opcode' ? op : 0x00;
    for (let i = 0; i < 8; i++) this.reply(replyOp, 0, [], 1, ROM_INVALID);
  }

  private async handle(frame: Uint8Array, epoch: number): Promise<void> {
    if (frame.length < 8 || frame[0] !== 0x00) return; // not a command: ignored
    const op = frame[1];
    const len = frame[2] | (frame[3] << 8);
    const checksum = u32(frame, 4);
    const data = frame.subarray(8);
    this.commandLog.push(op);
    if (len !== data.length) {
      this.fail(op, ROM_INVALID, STUB_BAD_LEN);
      return;
    }
    if (this.faults.noReplyTo?.includes(op)) return;
    switch (op) {
      case OP.SYNC:
        if (data.length !== SYNC_BODY.length || data.some((b, i) => b !== SYNC_BODY[i])) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
        for (let i = 0; i < 8; i++) this.reply(op, this.isStub ? 0 : ROM_SYNC_VALUE);
        return;
      case OP.READ_REG:
        if (data.length !== 4) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
        return this.reply(op, this.readReg(u32(data, 0)));
      case OP.WRITE_REG: {
        if (data.length !== 16) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
        const [addr, value, mask] = [u32(data, 0), u32(data, 4), u32(data, 8)];
        const old = this.regs.get(addr) ?? 0;
        this.writeReg(addr, ((old & ~mask) | (value & mask)) >>> 0);
        return this.reply(op, 0);
      }
      case OP.SPI_ATTACH:
        // The ESP32-family ROM needs 8 bytes (hspi_arg + is_legacy/padding); the stub 4 or 8.
        if (this.isStub ? data.length !== 4 && data.length !== 8 : data.length !== 8) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
        this.attached = true;
        return this.reply(op, 0);
      case OP.SPI_SET_PARAMS:
        if (data.length !== 24) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
        this.flashParamsSize = u32(data, 4);
        return this.reply(op, 0);
      case OP.CHANGE_BAUDRATE:
        return this.changeBaud(op, data, epoch);
      case OP.GET_SECURITY_INFO:
        return this.securityInfo(op);
      case OP.MEM_BEGIN:
        return this.memBegin(op, data);
      case OP.MEM_DATA:
        return this.memData(op, data, checksum);
      case OP.MEM_END:
        return this.memEnd(op, data, epoch);
      case OP.FLASH_BEGIN:
      case OP.FLASH_DEFL_BEGIN:
        return this.flashBegin(op, data, epoch);
      case OP.FLASH_DATA:
      case OP.FLASH_DEFL_DATA:
        return this.flashData(op, data, checksum, epoch);
      case OP.FLASH_END:
      case OP.FLASH_DEFL_END:
        return this.flashEnd(op, data, epoch);
      case OP.SPI_FLASH_MD5:
        return this.md5(op, data, epoch);
      case OP.ERASE_FLASH:
        if (!this.isStub) return this.unsupported(op);
        await this.flashBound(() => this.wait(this.timing.chipEraseMsPerMb * (this.flash.size / 1048576) * (this.faults.slowEraseFactor ?? 1)));
        if (epoch !== this.epoch) return;
        this.flash.eraseChip();
        return this.reply(op, 0);
      case OP.ERASE_REGION: {
        if (!this.isStub) return this.unsupported(op);
        const [offset, size] = [u32(data, 0), u32(data, 4)];
        if (offset % SECTOR || size % SECTOR) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
        const { ok, ms } = this.flash.eraseRange(offset, size, this.timing);
        await this.flashBound(() => this.wait(ms * (this.faults.slowEraseFactor ?? 1)));
        return ok ? this.reply(op, 0, [], 0, 0, epoch) : this.fail(op, ROM_FLASH_WRITE, STUB_SPI_FAILED, epoch);
      }
      case OP.RUN_USER_CODE:
        if (!this.isStub) return this.unsupported(op);
        this.holdInReset();
        this.boot('spi');
        return;
      default:
        return this.unsupported(op);
    }
  }

  private readReg(addr: number): number {
    return this.regs.get(addr) ?? 0;
  }

  private writeReg(addr: number, value: number): void {
    this.regs.set(addr, value);
    // SPI controller: CMD register with the USR bit runs the user command in USR2.
    if (addr === this.chip.spiBase && value & (1 << 18)) {
      const command = (this.regs.get(this.chip.spiUsr2) ?? 0) & 0xffff;
      if (command === 0x9f) {
        const capacity = Math.round(Math.log2(this.flash.size));
        const id = this.faults.flashId ?? (capacity << 16) | (0x40 << 8) | 0xef;
        this.regs.set(this.chip.spiW0, id & 0xffffff);
      }
      this.regs.set(addr, value & ~(1 << 18));
    }
  }

  private changeBaud(op: number, data: Uint8Array, epoch: number): void {
    if (data.length !== 8) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
    const newBaud = u32(data, 0);
    this.reply(op, 0);
    if (this.faults.baudSwitch === 'ignore') return;
    // Switch once the reply has left the UART (or, as a fault, well after).
    const replyMs = (16 * 10 * 1000) / this.baud + 1;
    this.later(
      () => {
        if (epoch === this.epoch) this.setBaud(newBaud);
      },
      this.faults.baudSwitch === 'late' ? LATE_BAUD_SWITCH_MS : replyMs,
    );
  }

  private setBaud(baud: number): void {
    this.baud = baud;
    this.wireLog.push({ baud, bytesIn: 0, bytesOut: 0 });
    if (this.chip.uartClkDiv !== null) this.regs.set(this.chip.uartClkDiv, Math.round(40e6 / baud));
    this.sink?.setDeviceBaud(baud);
  }

  private securityInfo(op: number): void {
    // The flasher stub answers GET_SECURITY_INFO only where the ROM has it (ESP32-S2 and later: it
    // calls the ROM's routine); the ESP32's stub, like its ROM, rejects it as an invalid command.
    if (this.chip.securityInfoLength === 0) return this.unsupported(op);
    const payload = new Uint8Array(this.chip.securityInfoLength);
    const view = new DataView(payload.buffer);
    if (payload.length >= 20) {
      view.setUint32(12, this.chip.imageChipId, true);
      view.setUint32(16, 1, true);
    }
    this.reply(op, 0, payload);
  }

  private memBegin(op: number, data: Uint8Array): void {
    if (data.length !== 16) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
    const [size, blocks, blockSize, offset] = [u32(data, 0), u32(data, 4), u32(data, 8), u32(data, 12)];
    if (size > 0x60000 || blockSize > RAM_BLOCK_MAX || blocks * blockSize < size) return this.fail(op, ROM_RAM_SIZE, STUB_BAD_LEN);
    if (offset < 0x3f000000 || offset + size > 0x50000000) return this.fail(op, ROM_RAM_ADDR, STUB_BAD_LEN);
    this.memSession = { size, blocks, blockSize, offset, nextSeq: 0 };
    this.mem.set(offset, new Uint8Array(size));
    this.reply(op, 0);
  }

  private memData(op: number, data: Uint8Array, checksum: number): void {
    const s = this.memSession;
    const block = this.parseDataBlock(data, checksum);
    if (!s) return this.fail(op, ROM_INVALID, STUB_NOT_FLASH_MODE);
    if ('error' in block) return this.fail(op, block.error === 'checksum' ? ROM_CHECKSUM : ROM_INVALID, block.error === 'checksum' ? STUB_CHECKSUM : STUB_BAD_LEN);
    if (block.seq !== s.nextSeq || block.seq * s.blockSize + block.payload.length > s.size) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
    this.mem.get(s.offset)!.set(block.payload, block.seq * s.blockSize);
    s.nextSeq++;
    this.reply(op, 0);
  }

  private memEnd(op: number, data: Uint8Array, epoch: number): void {
    if (data.length !== 8) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
    const [noJump, entry] = [u32(data, 0), u32(data, 4)];
    this.reply(op, 0);
    this.memSession = null;
    if (noJump !== 0) return;
    const inUploadedCode = [...this.mem.entries()].some(([at, bytes]) => entry >= at && entry < at + bytes.length);
    // Jumping anywhere but into uploaded code, or a stub that crashes: the chip hangs until reset.
    if (!inUploadedCode || this.faults.stubNeverStarts) {
      this.state = 'hung';
      return;
    }
    this.stubUploads++;
    this.later(() => {
      if (epoch !== this.epoch) return;
      this.state = 'stub';
      this.attached = true; // esp-flasher-stub attaches the flash itself
      this.emit(slipFrame(Uint8Array.from([0x4f, 0x48, 0x41, 0x49])));
    }, this.scaled(5));
  }

  /** `len, seq, 0, 0` + payload, checksum over payload. */
  private parseDataBlock(data: Uint8Array, checksum: number): { seq: number; payload: Uint8Array } | { error: 'length' | 'checksum' } {
    if (data.length < 16) return { error: 'length' };
    const len = u32(data, 0);
    const seq = u32(data, 4);
    const payload = data.subarray(16);
    if (len !== payload.length) return { error: 'length' };
    let c = 0xef;
    for (const b of payload) c ^= b;
    if (c !== (checksum & 0xff)) return { error: 'checksum' };
    return { seq, payload };
  }

  private async flashBegin(op: number, data: Uint8Array, epoch: number): Promise<void> {
    if (data.length !== 16 && data.length !== 20) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
    if (!this.attached) return this.fail(op, ROM_FLASH_WRITE, STUB_SPI_FAILED); // (model) ROM needs SPI_ATTACH first
    const [size, blocks, blockSize, offset] = [u32(data, 0), u32(data, 4), u32(data, 8), u32(data, 12)];
    const compressed = op === OP.FLASH_DEFL_BEGIN;
    const maxBlock = this.isStub ? STUB_FLASH_BLOCK_MAX : ROM_FLASH_BLOCK_MAX;
    if (blockSize > maxBlock || offset + size > this.flash.size) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
    this.write = {
      compressed,
      offset,
      size,
      blockSize,
      blocks,
      nextSeq: 0,
      written: 0,
      erasedUntil: offset,
      pendingError: 0,
      inflater: compressed ? this.makeInflater() : undefined,
    };
    this.seqErrors.clear();
    if (!this.isStub) {
      // The ROM erases the whole region inside FLASH_BEGIN before answering.
      const { ok, ms } = this.flash.eraseRange(offset, size, this.timing);
      await this.flashBound(() => this.wait(ms * (this.faults.slowEraseFactor ?? 1)));
      if (epoch !== this.epoch) return;
      if (!ok) return this.fail(op, ROM_FLASH_WRITE, STUB_SPI_FAILED);
      this.write.erasedUntil = offset + size;
    } else {
      this.startEraseAhead(this.write);
    }
    this.reply(op, 0);
  }

  private makeInflater(): Unzlib {
    const inflater = new Unzlib((chunk) => {
      const w = this.write;
      if (w) this.pendingChunks.push(chunk);
    });
    return inflater;
  }

  private pendingChunks: Uint8Array[] = [];

  private async flashData(op: number, data: Uint8Array, checksum: number, epoch: number): Promise<void> {
    const w = this.write;
    if (!w || w.compressed !== (op === OP.FLASH_DEFL_DATA)) return this.fail(op, ROM_INVALID, STUB_NOT_FLASH_MODE);
    const block = this.parseDataBlock(data, checksum);
    if ('error' in block) return this.fail(op, block.error === 'checksum' ? ROM_CHECKSUM : ROM_INVALID, block.error === 'checksum' ? STUB_CHECKSUM : STUB_BAD_LEN);
    const injected = this.faults.checksumErrorsOnSeq?.[block.seq] ?? 0;
    const seen = this.seqErrors.get(block.seq) ?? 0;
    if (seen < injected) {
      this.seqErrors.set(block.seq, seen + 1);
      return this.fail(op, ROM_CHECKSUM, STUB_CHECKSUM);
    }
    const maxBlock = this.isStub ? STUB_FLASH_BLOCK_MAX : ROM_FLASH_BLOCK_MAX;
    if (block.payload.length > Math.min(maxBlock, w.blockSize)) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
    // (model) A repeat of the previous block is a retransmission after a lost reply: acknowledge it.
    if (block.seq === w.nextSeq - 1) return this.reply(op, 0, [], w.pendingError ? 1 : 0, w.pendingError);
    if (block.seq !== w.nextSeq) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
    if (!w.compressed && block.payload.length !== w.blockSize) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
    w.nextSeq++;

    if (this.isStub) {
      // The stub acknowledges first (reporting the previous block's outcome), then writes while
      // the host sends the next block.
      const previous = w.pendingError;
      this.reply(op, 0, [], previous ? 1 : 0, previous);
      // The chip works in parallel with the host; in one process, yield first so the simulated
      // CPU work (inflate, program) does not delay the host's reaction to this ack.
      await new Promise((resolve) => setTimeout(resolve, 2));
      const error = await this.applyBlock(w, block.payload, block.seq === w.blocks - 1);
      if (error && !w.pendingError) w.pendingError = error;
      return;
    }
    const error = await this.applyBlock(w, block.payload, block.seq === w.blocks - 1);
    if (epoch !== this.epoch) return;
    if (error) return this.fail(op, error, error);
    this.reply(op, 0);
  }

  /** Inflate (if compressed), erase lazily (stub), program; returns an error code or 0. */
  private async applyBlock(w: WriteSession, payload: Uint8Array, final: boolean): Promise<number> {
    let bytes: Uint8Array;
    if (w.compressed) {
      if (w.inflateError) return this.isStub ? STUB_INFLATE : ROM_INFLATE;
      this.pendingChunks = [];
      try {
        w.inflater!.push(payload, final);
      } catch {
        w.inflateError = true;
        return this.isStub ? STUB_INFLATE : ROM_INFLATE;
      }
      bytes = concat(this.pendingChunks);
      this.pendingChunks = [];
    } else if (this.isStub) {
      // The stub trims the final block's padding: it writes exactly the size FLASH_BEGIN announced
      // (esptool's flasher stub, handle_flash_data), so it never runs past the region it erases.
      bytes = payload.subarray(0, Math.max(0, w.size - w.written));
    } else {
      bytes = payload;
    }
    const limit = w.compressed ? w.size : w.blocks * w.blockSize;
    if (w.written + bytes.length > limit) return this.isStub ? STUB_TOO_MUCH : ROM_INFLATE;
    const at = w.offset + w.written;
    if (this.isStub) {
      // The erase-ahead may not have reached this far yet: erase the rest now, in order.
      while (w.erasedUntil < at + bytes.length) await this.useFlash(() => this.eraseNextUnit(w));
    }
    const error = await this.useFlash(async () => {
      const programMs = this.flash.program(at, bytes, this.timing);
      if (programMs === null) return this.isStub ? STUB_SPI_FAILED : ROM_FLASH_WRITE;
      await this.wait(programMs);
      return 0;
    });
    if (!error) w.written += bytes.length;
    return error;
  }

  /**
   * The flash chip does one thing at a time (erase or program): operations queue here.
   */
  private useFlash<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.flashBound(() => this.flashQueue.then(operation));
    this.flashQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Flash work: while the command being handled has not replied, its reply waits for it (flashHeldMs). */
  private flashBound<T>(work: () => Promise<T>): Promise<T> {
    const command = this.handling && !this.handling.replied ? this.handling : null;
    const started = performance.now();
    const run = work();
    if (command) {
      const count = () => {
        if (!command.replied) this.flashHeldMs += performance.now() - started;
      };
      run.then(count, count);
    }
    return run;
  }

  private flashQueue: Promise<void> = Promise.resolve();

  /**
   * Stub erase-ahead (model, after esptool's legacy stub, which erases the next sectors while it
   * waits for the next command): while no command is being processed, the FLASH_BEGIN region is
   * erased in the background, 64 KiB blocks where aligned and whole, else 4 KiB sectors.
   */
  private startEraseAhead(w: WriteSession): void {
    const epoch = this.epoch;
    void (async () => {
      while (this.write === w && epoch === this.epoch && w.erasedUntil < w.offset + w.size) {
        // Only between commands: a command being processed erases what it needs itself.
        await this.whenIdle();
        if (this.write !== w || epoch !== this.epoch) return;
        await this.useFlash(() => this.eraseNextUnit(w));
      }
    })();
  }

  private async eraseNextUnit(w: WriteSession): Promise<void> {
    const regionEnd = w.offset + w.size;
    if (w.erasedUntil >= regionEnd) return;
    const from = w.erasedUntil;
    let next: number;
    let ms: number;
    if (from % BLOCK === 0 && regionEnd - from >= BLOCK) {
      this.flash.eraseBlock(from);
      next = from + BLOCK;
      ms = this.timing.blockEraseMs;
    } else {
      this.flash.eraseSector(from);
      next = from - (from % SECTOR) + SECTOR;
      ms = this.timing.sectorEraseMs;
    }
    await this.wait(ms * (this.faults.slowEraseFactor ?? 1));
    w.erasedUntil = Math.max(w.erasedUntil, next);
  }

  private async flashEnd(op: number, data: Uint8Array, epoch: number): Promise<void> {
    if (data.length !== 4) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
    const stay = u32(data, 0) !== 0;
    const w = this.write;
    const error = w?.pendingError ?? 0;
    this.write = null;
    if (!this.isStub && !w) return this.fail(op, ROM_INVALID, STUB_NOT_FLASH_MODE);
    this.reply(op, 0, [], error ? 1 : 0, error);
    if (stay && this.isStub) return;
    // ROM: 1 = run user code; 0 = reboot. Stub 0 = reboot. Leave after the reply is out.
    this.later(
      () => {
        if (epoch !== this.epoch) return;
        if (stay) {
          this.holdInReset();
          this.boot('spi');
        } else this.softReset();
      },
      (20 * 10 * 1000) / this.baud + 1,
    );
  }

  private async md5(op: number, data: Uint8Array, epoch: number): Promise<void> {
    if (data.length !== 16) return this.fail(op, ROM_INVALID, STUB_BAD_LEN);
    if (!this.attached) return this.fail(op, ROM_FLASH_WRITE, STUB_SPI_FAILED);
    const [addr, size] = [u32(data, 0), u32(data, 4)];
    const digest = await this.useFlash(async () => {
      const d = this.flash.md5(addr, size);
      if (d) await this.wait((this.timing.md5MsPerMb * (this.isStub ? 1 : 3) * size) / 1048576);
      return d;
    });
    if (!digest) return this.fail(op, 0x09, STUB_SPI_FAILED);
    if (epoch !== this.epoch) return;
    if (this.isStub) this.reply(op, 0, digest);
    else this.reply(op, 0, [...Buffer.from(Buffer.from(digest).toString('hex'), 'latin1')]);
  }

  // ---- helpers ---------------------------------------------------------------------------

  private emitText(text: string): void {
    this.emit(new Uint8Array(Buffer.from(text, 'latin1')));
  }

  private scaled(ms: number): number {
    return ms * (this.options.timeScale ?? 1);
  }

  private wait(ms: number): Promise<void> {
    const t = this.scaled(ms);
    if (t <= 0) return Promise.resolve();
    return new Promise((resolve) => this.later(resolve, t));
  }

  /** `run` after `ms` real milliseconds (callers scale device delays themselves). */
  private later(run: () => void, ms: number): unknown {
    const set = this.options.setTimeout ?? ((r: () => void, t: number) => setTimeout(r, t));
    return set(run, ms);
  }

  private cancel(handle: unknown): void {
    if (handle === null || handle === undefined) return;
    const clear = this.options.clearTimeout ?? ((h: unknown) => clearTimeout(h as NodeJS.Timeout));
    clear(handle);
  }
}

function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
