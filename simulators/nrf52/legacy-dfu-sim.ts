/**
 * The Adafruit nRF52 bootloader's legacy serial DFU, byte for byte (nrf52-flashing.md 7.4-7.6, 7.12):
 * SLIP frames that must start with 0xC0, HCI validation that silently drops bad frames, sequence
 * numbers from 1 with re-ACKs for duplicates, the ACK sent before processing, START erasing the
 * app area synchronously (the device is deaf meanwhile), any START/INIT error resetting the board,
 * DATA errors ignored, STOP_DATA checking size + CRC and then either re-enumerating as the app or
 * staying silently in DFU mode.
 *
 * With `startInApp` it first plays the TinyGo application: a 1200-baud open followed by a close
 * (the "touch", seen through the in-process binding) reboots it into the bootloader.
 */
import { simCrc16 } from '../common/sim-crc';
import { SlipReceiver, slipFrame } from '../common/sim-slip';
import { ADAFRUIT_DEVICE_TYPE, ANY_SOFTDEVICE, DFU_PACKET, DFU_UPDATE_APPLICATION, hciAck, readInitPacket, receiveHciPacket } from './sim-hci';
import type { SimDevice, SimSignals, SimSink } from '../common/sim-device';
import { attachToPty, type PtyAttachment } from '../common/pty-transport';
import type { FaultPlan } from '../common/faults';
import { SimFlash } from './sim-flash';
import { NRF52840_TIMING, simDelay, type SimTiming } from './sim-timing';

export interface LegacyDfuFaults {
  /** Drop these well-formed frames (1-based count of valid frames received), as if lost. */
  dropFrames?: number[];
  /** Hold every ACK back this long (ms, unscaled). */
  ackDelayMs?: number;
  /** Send ACKs with a broken header checksum. */
  corruptAcks?: boolean;
  /** Never ACK anything (and process nothing). */
  neverAck?: boolean;
  /** Send every ACK twice. */
  duplicateAcks?: boolean;
  /** After a correct STOP_DATA, stay in DFU mode anyway (as if activation failed). */
  stayAfterStop?: boolean;
  /** Corrupt the flash write of this DATA packet (1-based), so the final CRC check fails. */
  corruptDataPacket?: number;
  /** Unplug after this many valid frames. */
  unplugAfterFrames?: number;
}

export interface LegacyDfuSimOptions {
  flash?: SimFlash;
  /** First application address (end of the installed SoftDevice): 0x26000 for S140 6.1.1. */
  appStart?: number;
  /** End of application space (0xEA000 on nRF52840). */
  appEnd?: number;
  /** FWID of the installed SoftDevice (S140 6.1.1 = 0x00B6). */
  softDeviceFwid?: number;
  timing?: Partial<SimTiming>;
  /** How long activation takes after a good STOP_DATA (ms, scaled). */
  activationMs?: number;
  /** 'usb-cdc': activation and resets make the port vanish; 'uart' (Feather nRF52832): the port stays. */
  link?: 'usb-cdc' | 'uart';
  /** Start as a running TinyGo app that enters the bootloader on a 1200-baud touch. */
  startInApp?: boolean;
  faults?: LegacyDfuFaults;
  /** The image was accepted and the app starts (re-enumeration point for a PortWatch). */
  onActivated?(image: Uint8Array): void;
  /** The bootloader reset (START/INIT rejected). */
  onReset?(reason: string): void;
  /** A 1200-baud touch rebooted the app into the bootloader. */
  onEnterBootloader?(): void;
}

type Mode = 'app' | 'bootloader' | 'activated' | 'reset';
type DfuState = 'idle' | 'started' | 'init-done';

const RX_BUFFERS = 16;
const RX_BUF_SIZE = 600;

export class LegacyDfuBootloaderSim implements SimDevice {
  readonly flash: SimFlash;
  readonly appStart: number;
  readonly appEnd: number;
  readonly events: string[] = [];
  mode: Mode;
  private state: DfuState = 'idle';
  private expectedSeq = 1;
  private sink: SimSink | null = null;
  private readonly decoder: SlipReceiver;
  private readonly queue: Uint8Array[] = [];
  private busy = false;
  private pumping = false;
  private validFrames = 0;
  private dataPackets = 0;
  private imageSize = 0;
  private received = 0;
  private imageCrc: number | undefined;
  private hostBaud = 115200;
  private readonly timing: SimTiming;
  private readonly options: LegacyDfuSimOptions;

  constructor(options: LegacyDfuSimOptions = {}) {
    this.options = options;
    this.flash = options.flash ?? new SimFlash();
    this.appStart = options.appStart ?? 0x26000;
    this.appEnd = options.appEnd ?? 0xea000;
    this.timing = { ...NRF52840_TIMING, ...options.timing };
    this.mode = options.startInApp ? 'app' : 'bootloader';
    this.decoder = new SlipReceiver('delimited', (frame) => this.enqueue(frame), RX_BUF_SIZE);
  }

  attach(sink: SimSink): void {
    this.sink = sink;
  }

  /** The flashed application area. */
  appBytes(length: number): Uint8Array {
    return this.flash.read(this.appStart, length);
  }

  receive(bytes: Uint8Array): void {
    if (this.mode !== 'bootloader') return;
    // On a UART the main loop is deaf while it erases; USB CDC NAKs instead, so nothing is lost.
    if (this.busy && this.options.link === 'uart') return;
    this.decoder.push(bytes);
  }

  hostBaudChanged(baud: number): void {
    this.hostBaud = baud;
  }

  setSignals(_signals: SimSignals): void {}

  hostClosed(): void {
    if (this.mode === 'app' && this.hostBaud === 1200) {
      this.events.push('1200-baud touch: entering the bootloader');
      this.enterBootloader();
      this.options.onEnterBootloader?.();
    }
  }

  /** Reboot into the bootloader (GPREGRET / double-tap): fresh HCI state, sequence expected 1. */
  enterBootloader(): void {
    this.mode = 'bootloader';
    this.state = 'idle';
    this.expectedSeq = 1;
    this.received = 0;
    this.imageSize = 0;
    this.queue.length = 0;
    this.decoder.reset();
  }

  private enqueue(frame: Uint8Array): void {
    if (this.queue.length >= RX_BUFFERS) {
      this.events.push('rx buffers full: frame dropped');
      return;
    }
    this.queue.push(frame);
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length && this.mode === 'bootloader') await this.handleFrame(this.queue.shift()!);
    } finally {
      this.pumping = false;
    }
  }

  private sendAck(): void {
    const faults = this.options.faults ?? {};
    const ack = hciAck(this.expectedSeq);
    if (faults.corruptAcks) ack[3] ^= 0x01;
    const frame = slipFrame(ack);
    const send = () => {
      if (this.mode !== 'bootloader') return;
      this.sink?.emit(frame);
      if (faults.duplicateAcks) this.sink?.emit(frame);
    };
    if (faults.ackDelayMs) setTimeout(send, faults.ackDelayMs);
    else send();
  }

  private async handleFrame(frame: Uint8Array): Promise<void> {
    const faults = this.options.faults ?? {};
    const parsed = receiveHciPacket(frame);
    if (!parsed.ok) {
      this.events.push(`dropped frame: ${parsed.reason}`);
      return;
    }
    this.validFrames++;
    if (faults.unplugAfterFrames !== undefined && this.validFrames > faults.unplugAfterFrames) {
      this.events.push('unplugged');
      this.mode = 'reset';
      this.sink?.disconnect();
      return;
    }
    if (faults.dropFrames?.includes(this.validFrames)) {
      this.events.push(`fault: frame ${this.validFrames} lost`);
      return;
    }
    if (faults.neverAck) return;
    if (parsed.seq !== this.expectedSeq) {
      this.events.push(`seq ${parsed.seq} != expected ${this.expectedSeq}: re-ACK`);
      this.sendAck();
      return;
    }
    this.expectedSeq = (this.expectedSeq + 1) & 7;
    this.sendAck();
    await this.handleDfuPacket(parsed.payload);
  }

  private reset(reason: string): void {
    this.events.push(`reset: ${reason}`);
    this.mode = 'reset';
    this.options.onReset?.(reason);
    if (this.options.link === 'uart') {
      // The CP2104 stays; the board reboots into the bootloader (the app area is invalid after START).
      this.enterBootloader();
    } else {
      this.sink?.disconnect();
    }
  }

  private async handleDfuPacket(payload: Uint8Array): Promise<void> {
    if (payload.length < 4) return;
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    const type = view.getUint32(0, true);
    // The transport converts the length into whole 32-bit words: trailing bytes are truncated.
    const words = Math.floor((payload.length - 4) / 4);
    const body = payload.subarray(4, 4 + words * 4);
    const bodyView = new DataView(body.buffer, body.byteOffset, body.byteLength);
    switch (type) {
      case DFU_PACKET.START: {
        if (this.state !== 'idle') return this.reset('START while not idle');
        if (body.length < 16) return this.reset('START too short');
        const mode = bodyView.getUint32(0, true);
        const sdSize = bodyView.getUint32(4, true);
        const blSize = bodyView.getUint32(8, true);
        const appSize = bodyView.getUint32(12, true);
        if (mode !== DFU_UPDATE_APPLICATION || sdSize || blSize) return this.reset('START: only application updates are supported');
        if (appSize % 4 !== 0) return this.reset('START: size not a multiple of 4');
        if (appSize === 0 || appSize > this.appEnd - this.appStart) return this.reset(`START: image of ${appSize} bytes does not fit`);
        this.imageSize = appSize;
        this.received = 0;
        this.busy = true;
        const pages = Math.ceil(appSize / this.flash.pageSize);
        this.events.push(`START: erasing ${pages} pages`);
        this.flash.eraseRange(this.appStart, appSize);
        await simDelay(this.timing, pages * this.timing.erasePageMs);
        this.busy = false;
        this.state = 'started';
        return;
      }
      case DFU_PACKET.INIT: {
        if (this.state !== 'started') return this.reset('INIT before START');
        const init = readInitPacket(body);
        if (!init) return this.reset('INIT too short');
        if (init.deviceType !== ADAFRUIT_DEVICE_TYPE) return this.reset(`INIT: device type 0x${init.deviceType.toString(16)} forbidden`);
        const installed = this.options.softDeviceFwid ?? 0x00b6;
        if (!init.softDevices.includes(ANY_SOFTDEVICE) && !init.softDevices.includes(installed)) return this.reset('INIT: SoftDevice requirement not met');
        if (init.imageCrc16 === undefined) return this.reset('INIT: no CRC extension');
        this.imageCrc = init.imageCrc16;
        this.state = 'init-done';
        return;
      }
      case DFU_PACKET.DATA: {
        // Errors here are ignored by the real bootloader ((void)dfu_data_pkt_handle).
        if (this.state !== 'init-done') return;
        if (this.received + body.length > this.imageSize) return;
        this.dataPackets++;
        const data = body.slice();
        if (this.options.faults?.corruptDataPacket === this.dataPackets) data[0] ^= 0xff;
        this.flash.write(this.appStart + this.received, data);
        this.received += data.length;
        await simDelay(this.timing, (data.length / 4) * this.timing.writeWordMs);
        return;
      }
      case DFU_PACKET.STOP_DATA: {
        if (this.state !== 'init-done') return;
        const written = this.flash.read(this.appStart, this.received);
        const ok = this.received === this.imageSize && simCrc16(written) === this.imageCrc;
        this.events.push(`STOP_DATA: ${ok ? 'image valid' : 'size or CRC wrong, staying in DFU mode'}`);
        if (!ok || this.options.faults?.stayAfterStop) return;
        await simDelay(this.timing, this.options.activationMs ?? 300);
        this.mode = 'activated';
        this.events.push('activated: starting the app');
        this.options.onActivated?.(written);
        if (this.options.link === 'uart') this.sink?.emit(new TextEncoder().encode('TinyGo app running\r\n'));
        else this.sink?.disconnect();
        return;
      }
      default:
        return;
    }
  }
}

export interface StartedLegacyDfuSim {
  /** The pty the client opens (e.g. /dev/pts/7). */
  hostPath: string;
  sim: LegacyDfuBootloaderSim;
  flash: SimFlash;
  attachment: PtyAttachment;
  /** Resolves when the simulated board left the pty (activated, reset or unplugged). */
  closed: Promise<void>;
  close(): Promise<void>;
}

export interface StartLegacyDfuSimOptions extends LegacyDfuSimOptions {
  /** UART baud for wire pacing (115200). */
  baud?: number;
  /** Pace bytes at the baud (default true). */
  throttle?: boolean;
  toDeviceFaults?: FaultPlan;
  toHostFaults?: FaultPlan;
}

/** Serves an Adafruit bootloader on a fresh socat pty pair. */
export async function startLegacyDfuSim(options: StartLegacyDfuSimOptions = {}): Promise<StartedLegacyDfuSim> {
  const sim = new LegacyDfuBootloaderSim(options);
  const attachment = await attachToPty(sim, {
    baud: options.baud ?? 115200,
    throttle: options.throttle,
    toDeviceFaults: options.toDeviceFaults,
    toHostFaults: options.toHostFaults,
  });
  return { hostPath: attachment.hostPath, sim, flash: sim.flash, attachment, closed: attachment.closed, close: attachment.close };
}
