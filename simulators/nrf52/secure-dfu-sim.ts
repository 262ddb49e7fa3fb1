/**
 * Nordic's Open DFU bootloader (PCA10059, USB 1915:521F) speaking Secure DFU over serial, byte for
 * byte (nrf52-flashing.md 8.1-8.7, 8.10): END-terminated SLIP requests (a bare leading END is an
 * empty packet, as in the SDK), per-type object state with cumulative CRC-32, page erase on data
 * object CREATE, PRN notifications, init command validation on EXECUTE with extended errors, and
 * activation (hash check, response, port drops ~0.5 s later) after the final data EXECUTE.
 */
import { createHash } from 'node:crypto';
import { simCrc32 } from '../common/sim-crc';
import { SlipReceiver, slipFrame } from '../common/sim-slip';
import {
  decodeCommandObject,
  DFU_EXT_ERROR,
  DFU_OBJECT,
  DFU_OP,
  DFU_RESULT,
  FW_TYPE_APPLICATION,
  HASH_SHA256,
  wordAt,
  wordsLe,
  type BootloaderInitCommand,
} from './sim-secure-dfu-codec';
import type { SimDevice, SimSink } from '../common/sim-device';
import { attachToPty, type PtyAttachment } from '../common/pty-transport';
import type { FaultPlan } from '../common/faults';
import { SimFlash } from './sim-flash';
import { NRF52840_TIMING, simDelay, type SimTiming } from './sim-timing';

export interface SecureDfuFaults {
  /** Data objects (0-based index = offset / 4096) whose first transfer gets a flipped bit: CRC mismatch. */
  corruptObjects?: number[];
  /** Never answer anything (a silent device, or not a Secure DFU bootloader at all). */
  silent?: boolean;
  /** Unplug when the data object with this index is created. */
  unplugAtObject?: number;
  /** After the final EXECUTE, drop the port without sending the response. */
  dropWithoutResponse?: boolean;
  /** Stay in the bootloader after a good final EXECUTE. */
  noActivation?: boolean;
}

export interface SecureDfuSimOptions {
  flash?: SimFlash;
  /** Application start (no SoftDevice on the dongle: 0x1000). */
  appStart?: number;
  appEnd?: number;
  /** 2051 for USB CDC, 131 for UART. */
  mtu?: number;
  hwVersion?: number;
  /** FWID of the installed SoftDevice; 0x00 = none. */
  softDeviceFwid?: number;
  /** Installed application version, for downgrade prevention. */
  appVersion?: number;
  /** Reject unsigned init packets (not the open bootloader). */
  requireSignature?: boolean;
  commandMaxSize?: number;
  timing?: Partial<SimTiming>;
  /** Delay between the final response and the port dropping (ms, scaled). */
  activationMs?: number;
  faults?: SecureDfuFaults;
  onActivated?(image: Uint8Array): void;
}

const DATA_OBJECT_MAX = 4096;

export class SecureDfuBootloaderSim implements SimDevice {
  readonly flash: SimFlash;
  readonly appStart: number;
  readonly appEnd: number;
  readonly events: string[] = [];
  activated = false;
  private sink: SimSink | null = null;
  private readonly decoder: SlipReceiver;
  private readonly queue: Uint8Array[] = [];
  private pumping = false;
  private prn = 0;
  private writesSincePrn = 0;
  private currentType: number = DFU_OBJECT.COMMAND;
  private command = { buffer: new Uint8Array(0), size: 0, offset: 0, crc: 0, executed: false };
  private init: BootloaderInitCommand | undefined;
  private data = { objectStart: 0, objectSize: 0, offset: 0, crc: 0, executedOffset: 0, executedCrc: 0 };
  private corruptedOnce = new Set<number>();
  private gone = false;
  private readonly timing: SimTiming;
  private readonly options: SecureDfuSimOptions;

  constructor(options: SecureDfuSimOptions = {}) {
    this.options = options;
    this.flash = options.flash ?? new SimFlash();
    this.appStart = options.appStart ?? 0x1000;
    this.appEnd = options.appEnd ?? 0xe0000;
    this.timing = { ...NRF52840_TIMING, ...options.timing };
    this.decoder = new SlipReceiver('end-terminated', (frame) => this.enqueue(frame), 0x10000);
  }

  attach(sink: SimSink): void {
    this.sink = sink;
  }

  /** Plug the dongle back in after an unplug: DFU progress survives (the SDK keeps it in its settings page). */
  replug(): void {
    this.gone = false;
    this.queue.length = 0;
    this.decoder.reset();
    this.data.offset = this.data.executedOffset;
    this.data.crc = this.data.executedCrc;
    this.data.objectSize = 0;
    if (this.options.faults) this.options.faults.unplugAtObject = undefined;
  }

  appBytes(length: number): Uint8Array {
    return this.flash.read(this.appStart, length);
  }

  receive(bytes: Uint8Array): void {
    if (this.gone || this.activated) return;
    this.decoder.push(bytes);
  }

  private enqueue(frame: Uint8Array): void {
    this.queue.push(frame);
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length && !this.gone) await this.handle(this.queue.shift()!);
    } finally {
      this.pumping = false;
    }
  }

  private respond(op: number, result: number, payload: number[] = []): void {
    if (this.options.faults?.silent || this.gone) return;
    this.sink?.emit(slipFrame(Uint8Array.from([DFU_OP.RESPONSE, op, result, ...payload]), 'end-terminated'));
  }

  private extError(op: number, ext: number, why: string): void {
    this.events.push(`op 0x${op.toString(16)}: extended error 0x${ext.toString(16)} (${why})`);
    this.respond(op, DFU_RESULT.EXT_ERROR, [ext]);
  }

  private unplug(reason: string): void {
    this.events.push(reason);
    this.gone = true;
    this.sink?.disconnect();
  }

  private async handle(frame: Uint8Array): Promise<void> {
    if (frame.length === 0) {
      // The SDK's decoder turns a bare END into an empty request and answers it from a stale buffer.
      this.events.push('empty packet (client sent a leading END)');
      this.respond(0x00, DFU_RESULT.INVALID_PARAMETER);
      return;
    }
    const op = frame[0];
    const params = frame.subarray(1);
    switch (op) {
      case DFU_OP.PROTOCOL_VERSION:
        return this.respond(op, DFU_RESULT.SUCCESS, [1]);
      case DFU_OP.PING:
        if (params.length < 1) return this.respond(op, DFU_RESULT.INVALID_PARAMETER);
        return this.respond(op, DFU_RESULT.SUCCESS, [params[0]]);
      case DFU_OP.RECEIPT_NOTIF_SET:
        if (params.length < 2) return this.respond(op, DFU_RESULT.INVALID_PARAMETER);
        this.prn = params[0] | (params[1] << 8);
        this.writesSincePrn = 0;
        return this.respond(op, DFU_RESULT.SUCCESS);
      case DFU_OP.MTU_GET: {
        const mtu = this.options.mtu ?? 2051;
        return this.respond(op, DFU_RESULT.SUCCESS, [mtu & 0xff, mtu >> 8]);
      }
      case DFU_OP.OBJECT_SELECT: {
        const type = params[0];
        if (type === DFU_OBJECT.COMMAND) {
          this.currentType = type;
          return this.respond(op, DFU_RESULT.SUCCESS, wordsLe([this.options.commandMaxSize ?? 512, this.command.offset, this.command.crc]));
        }
        if (type === DFU_OBJECT.DATA) {
          this.currentType = type;
          return this.respond(op, DFU_RESULT.SUCCESS, wordsLe([DATA_OBJECT_MAX, this.data.offset, this.data.crc]));
        }
        return this.respond(op, DFU_RESULT.UNSUPPORTED_TYPE);
      }
      case DFU_OP.OBJECT_CREATE:
        return this.create(op, params);
      case DFU_OP.OBJECT_WRITE:
        return this.write(params);
      case DFU_OP.CRC_GET: {
        const state = this.currentType === DFU_OBJECT.COMMAND ? this.command : this.data;
        return this.respond(op, DFU_RESULT.SUCCESS, wordsLe([state.offset, state.crc]));
      }
      case DFU_OP.OBJECT_EXECUTE:
        return this.currentType === DFU_OBJECT.COMMAND ? this.executeCommand(op) : this.executeData(op);
      case DFU_OP.ABORT:
        this.command = { buffer: new Uint8Array(0), size: 0, offset: 0, crc: 0, executed: false };
        return this.respond(op, DFU_RESULT.SUCCESS);
      default:
        this.events.push(`unsupported opcode 0x${op.toString(16)}`);
        return this.respond(op, DFU_RESULT.OP_CODE_NOT_SUPPORTED);
    }
  }

  private async create(op: number, params: Uint8Array): Promise<void> {
    if (params.length < 5) return this.respond(op, DFU_RESULT.INVALID_PARAMETER);
    const type = params[0];
    const size = wordAt(params, 1);
    if (type === DFU_OBJECT.COMMAND) {
      if (size > (this.options.commandMaxSize ?? 512)) return this.respond(op, DFU_RESULT.INSUFFICIENT_RESOURCES);
      this.currentType = type;
      this.command = { buffer: new Uint8Array(size), size, offset: 0, crc: 0, executed: false };
      this.init = undefined;
      this.data = { objectStart: 0, objectSize: 0, offset: 0, crc: 0, executedOffset: 0, executedCrc: 0 };
      return this.respond(op, DFU_RESULT.SUCCESS);
    }
    if (type !== DFU_OBJECT.DATA) return this.respond(op, DFU_RESULT.UNSUPPORTED_TYPE);
    if (!this.command.executed || !this.init) return this.respond(op, DFU_RESULT.OPERATION_NOT_PERMITTED);
    if (size === 0 || size > DATA_OBJECT_MAX) return this.respond(op, DFU_RESULT.INSUFFICIENT_RESOURCES);
    // A new data object discards a partly written one: progress rolls back to the last executed object.
    const start = this.data.executedOffset;
    if (start + size > this.init.appSize) return this.respond(op, DFU_RESULT.INSUFFICIENT_RESOURCES);
    const index = start / DATA_OBJECT_MAX;
    if (this.options.faults?.unplugAtObject === index) return this.unplug(`unplugged at object ${index}`);
    this.currentType = type;
    this.data.objectStart = start;
    this.data.objectSize = size;
    this.data.offset = start;
    this.data.crc = this.data.executedCrc;
    this.flash.erasePage(this.appStart + start);
    await simDelay(this.timing, this.timing.erasePageMs);
    return this.respond(op, DFU_RESULT.SUCCESS);
  }

  private async write(params: Uint8Array): Promise<void> {
    if (this.currentType === DFU_OBJECT.COMMAND) {
      const room = this.command.size - this.command.offset;
      const piece = params.subarray(0, Math.max(0, room));
      this.command.buffer.set(piece, this.command.offset);
      this.command.offset += piece.length;
      this.command.crc = simCrc32(piece, this.command.crc);
    } else {
      const room = this.data.objectStart + this.data.objectSize - this.data.offset;
      const piece = params.slice(0, Math.max(0, room));
      const index = this.data.objectStart / DATA_OBJECT_MAX;
      if (piece.length && this.options.faults?.corruptObjects?.includes(index) && !this.corruptedOnce.has(index)) {
        this.corruptedOnce.add(index);
        piece[piece.length >> 1] ^= 0x10;
        this.events.push(`fault: corrupted object ${index}`);
      }
      this.flash.write(this.appStart + this.data.offset, piece);
      this.data.offset += piece.length;
      this.data.crc = simCrc32(piece, this.data.crc);
      await simDelay(this.timing, (piece.length / 4) * this.timing.writeWordMs);
    }
    if (this.prn && ++this.writesSincePrn >= this.prn) {
      this.writesSincePrn = 0;
      const state = this.currentType === DFU_OBJECT.COMMAND ? this.command : this.data;
      this.respond(DFU_OP.CRC_GET, DFU_RESULT.SUCCESS, wordsLe([state.offset, state.crc]));
    }
  }

  private executeCommand(op: number): void {
    if (this.command.size === 0 || this.command.offset !== this.command.size) return this.respond(op, DFU_RESULT.OPERATION_NOT_PERMITTED);
    let init: BootloaderInitCommand | undefined;
    try {
      const packet = decodeCommandObject(this.command.buffer);
      if (packet.signed) {
        // The open bootloader has no key; signed packets carry a command it cannot check here.
        return this.extError(op, DFU_EXT_ERROR.WRONG_SIGNATURE_TYPE, 'signed packets are not supported by this simulator');
      }
      init = packet.init;
    } catch (error) {
      return this.extError(op, DFU_EXT_ERROR.WRONG_COMMAND_FORMAT, (error as Error).message);
    }
    if (!init) return this.extError(op, DFU_EXT_ERROR.UNKNOWN_COMMAND, 'no init command');
    if (this.options.requireSignature) return this.extError(op, DFU_EXT_ERROR.SIGNATURE_MISSING, 'unsigned init packet');
    if ((init.type ?? FW_TYPE_APPLICATION) !== FW_TYPE_APPLICATION) return this.extError(op, DFU_EXT_ERROR.INIT_COMMAND_INVALID, 'only applications');
    if (init.hwVersion !== (this.options.hwVersion ?? 52)) return this.extError(op, DFU_EXT_ERROR.HW_VERSION_FAILURE, `hw_version ${init.hwVersion}`);
    if (!init.sdReq.includes(this.options.softDeviceFwid ?? 0x00)) return this.extError(op, DFU_EXT_ERROR.SD_VERSION_FAILURE, `sd_req ${init.sdReq.join(',')}`);
    if (init.fwVersion !== undefined && init.fwVersion < (this.options.appVersion ?? 0)) return this.extError(op, DFU_EXT_ERROR.FW_VERSION_FAILURE, `fw_version ${init.fwVersion}`);
    if (!init.hash || init.hash.hashType !== HASH_SHA256 || init.hash.hash.length !== 32) return this.extError(op, DFU_EXT_ERROR.WRONG_HASH_TYPE, 'hash');
    if (init.appSize === 0 || init.appSize > this.appEnd - this.appStart) return this.extError(op, DFU_EXT_ERROR.INSUFFICIENT_SPACE, `app_size ${init.appSize}`);
    this.init = init;
    this.command.executed = true;
    this.data = { objectStart: 0, objectSize: 0, offset: 0, crc: 0, executedOffset: 0, executedCrc: 0 };
    this.events.push(`init packet accepted: ${init.appSize} bytes`);
    return this.respond(op, DFU_RESULT.SUCCESS);
  }

  private async executeData(op: number): Promise<void> {
    const d = this.data;
    if (!this.init || d.objectSize === 0 || d.offset !== d.objectStart + d.objectSize) return this.respond(op, DFU_RESULT.OPERATION_NOT_PERMITTED);
    d.executedOffset = d.offset;
    d.executedCrc = d.crc;
    if (d.executedOffset < this.init.appSize) return this.respond(op, DFU_RESULT.SUCCESS);
    // Final object: check the hash (stored byte-reversed), activate, reset.
    const image = this.flash.read(this.appStart, this.init.appSize);
    const digest = Uint8Array.from(createHash('sha256').update(image).digest()).reverse();
    if (!this.init.hash || Buffer.compare(Buffer.from(digest), Buffer.from(this.init.hash.hash)) !== 0) {
      return this.extError(op, DFU_EXT_ERROR.VERIFICATION_FAILED, 'image hash');
    }
    this.events.push('image verified: activating');
    if (this.options.faults?.noActivation) return this.respond(op, DFU_RESULT.SUCCESS);
    if (this.options.faults?.dropWithoutResponse) {
      this.activated = true;
      this.options.onActivated?.(image);
      return this.unplug('activated without response');
    }
    this.respond(op, DFU_RESULT.SUCCESS);
    this.activated = true;
    await simDelay(this.timing, this.options.activationMs ?? 500);
    this.options.onActivated?.(image);
    this.unplug('activated: port dropped');
  }
}

export interface StartedSecureDfuSim {
  hostPath: string;
  sim: SecureDfuBootloaderSim;
  flash: SimFlash;
  attachment: PtyAttachment;
  closed: Promise<void>;
  close(): Promise<void>;
}

export interface StartSecureDfuSimOptions extends SecureDfuSimOptions {
  baud?: number;
  throttle?: boolean;
  toDeviceFaults?: FaultPlan;
  toHostFaults?: FaultPlan;
}

/** Serves a PCA10059 open bootloader on a fresh socat pty pair (pass `existing` to re-plug a simulated dongle). */
export async function startSecureDfuSim(options: StartSecureDfuSimOptions = {}, existing?: SecureDfuBootloaderSim): Promise<StartedSecureDfuSim> {
  const sim = existing ?? new SecureDfuBootloaderSim(options);
  const attachment = await attachToPty(sim, {
    baud: options.baud ?? 115200,
    throttle: options.throttle,
    toDeviceFaults: options.toDeviceFaults,
    toHostFaults: options.toHostFaults,
  });
  return { hostPath: attachment.hostPath, sim, flash: sim.flash, attachment, closed: attachment.closed, close: attachment.close };
}
