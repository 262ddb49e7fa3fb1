/**
 * An in-process node-serialport binding whose ports are simulated devices. Unlike a pty it
 * carries DTR/RTS, baud changes and open/close, so reset circuits and 1200-baud touches can be
 * tested. `new SerialPortStream({ binding, path, baudRate })` talks to the registered device.
 */
import type { BindingInterface, BindingPortInterface, OpenOptions, PortInfo, PortStatus, SetOptions, UpdateOptions } from '@serialport/bindings-interface';
import type { SimDevice, SimSignals } from './sim-device';
import { SimWire } from './sim-wire';
import type { FaultPlan } from './faults';

export interface SimPortOptions {
  /** Baud the device's UART starts at (default 115200). */
  baud?: number;
  throttle?: boolean;
  toDeviceFaults?: FaultPlan;
  toHostFaults?: FaultPlan;
  /** USB identity shown by list(). */
  info?: Partial<Omit<PortInfo, 'path'>>;
  /**
   * Fail open() as the OS would: an errno code ('EACCES', 'EBUSY', …), or an error exactly as a
   * platform's binding words it (Windows reports no code, only a message such as "Opening COM3: Access denied").
   */
  openError?: string | { message: string; code?: string };
  /** How long the OS takes to open the port (a USB-serial adapter: milliseconds); what the board sends meanwhile is lost. */
  openMs?: number;
}

class CanceledError extends Error {
  readonly canceled = true;
}

interface RegisteredPort {
  device: SimDevice;
  options: SimPortOptions;
  open?: SimPortBinding;
  deviceBaud: number;
  /** freeze(): writes wait and nothing reaches the host. */
  frozen?: boolean;
  /** dropDuringReset(): control-line changes left before the USB device re-enumerates. */
  dropAfter?: { changes: number; run: () => void };
}

export class SimBinding implements BindingInterface<SimPortBinding> {
  private readonly ports = new Map<string, RegisteredPort>();

  /** Plug a simulated device in at `path`. */
  register(path: string, device: SimDevice, options: SimPortOptions = {}): void {
    const entry: RegisteredPort = { device, options, deviceBaud: options.baud ?? 115200 };
    this.ports.set(path, entry);
    device.attach({
      emit: (bytes) => entry.open?.fromDevice(bytes),
      disconnect: () => this.unplug(path),
      setDeviceBaud: (baud) => {
        entry.deviceBaud = baud;
        entry.open?.setWireBaud(baud);
      },
    });
  }

  /** Unplug: the open port (if any) fails like a vanished USB device, and list() forgets it. */
  unplug(path: string): void {
    const entry = this.ports.get(path);
    this.ports.delete(path);
    entry?.open?.vanish();
  }

  /**
   * Freezes the line at `path` (a hung adapter, a browned-out board): writes are held unfinished,
   * nothing reaches the host, until thaw(). Closing the port meanwhile cancels the held writes, as
   * the OS bindings do.
   */
  freeze(path: string): void {
    this.requireEntry(path).frozen = true;
  }

  thaw(path: string): void {
    const entry = this.requireEntry(path);
    entry.frozen = false;
    entry.open?.thawed();
  }

  /**
   * Re-enumeration, as a USB-CDC board does when its chip resets: the port vanishes under the host
   * and the same device is plugged in again at the same path after `goneMs`.
   */
  reenumerate(path: string, goneMs: number, onBack?: () => void): void {
    const entry = this.requireEntry(path);
    this.unplug(path);
    setTimeout(() => {
      this.register(path, entry.device, entry.options);
      onBack?.();
    }, goneMs);
  }

  /**
   * The next `afterSignalChanges` DTR/RTS changes reach the device, then it re-enumerates (see
   * reenumerate); `times` (default 1) reset sequences in a row do that.
   */
  dropDuringReset(path: string, options: { afterSignalChanges: number; goneMs: number; times?: number }): void {
    const times = options.times ?? 1;
    this.requireEntry(path).dropAfter = {
      changes: options.afterSignalChanges,
      run: () => this.reenumerate(path, options.goneMs, () => times > 1 && this.dropDuringReset(path, { ...options, times: times - 1 })),
    };
  }

  private requireEntry(path: string): RegisteredPort {
    const entry = this.ports.get(path);
    if (!entry) throw new Error(`No simulated port at ${path}`);
    return entry;
  }

  wiresOf(path: string): { toDevice: SimWire; toHost: SimWire } | undefined {
    const open = this.ports.get(path)?.open;
    return open ? { toDevice: open.toDevice, toHost: open.toHost } : undefined;
  }

  async list(): Promise<PortInfo[]> {
    return [...this.ports.entries()].map(([path, { options }]) => ({
      path,
      manufacturer: options.info?.manufacturer,
      serialNumber: options.info?.serialNumber,
      pnpId: options.info?.pnpId,
      locationId: options.info?.locationId,
      vendorId: options.info?.vendorId,
      productId: options.info?.productId,
    }));
  }

  async open(options: OpenOptions): Promise<SimPortBinding> {
    const entry = this.ports.get(options.path);
    const gone = () => Object.assign(new Error(`Error: No such file or directory, cannot open ${options.path}`), { code: 'ENOENT' });
    if (!entry) throw gone();
    if (entry.options.openError) {
      const failure = entry.options.openError;
      if (typeof failure !== 'string') throw Object.assign(new Error(failure.message), failure.code ? { code: failure.code } : {});
      throw Object.assign(new Error(`Error: ${failure}, cannot open ${options.path}`), { code: failure });
    }
    const busy = () => Object.assign(new Error(`Error Resource temporarily unavailable Cannot lock port`), { code: 'EBUSY' });
    if (entry.open) throw busy();
    if (entry.options.openMs) {
      await new Promise((resolve) => setTimeout(resolve, entry.options.openMs));
      if (this.ports.get(options.path) !== entry) throw gone(); // unplugged meanwhile
      if (entry.open) throw busy();
    }
    const port = new SimPortBinding(entry, {
      dataBits: 8,
      lock: true,
      stopBits: 1,
      parity: 'none',
      rtscts: false,
      xon: false,
      xoff: false,
      xany: false,
      hupcl: true,
      ...options,
    } as Required<OpenOptions>);
    entry.open = port;
    entry.device.hostBaudChanged?.(options.baudRate);
    entry.device.hostOpened?.();
    // Opening a real tty asserts DTR and RTS.
    entry.device.setSignals?.({ dtr: true, rts: true });
    return port;
  }
}

export class SimPortBinding implements BindingPortInterface {
  isOpen = true;
  readonly toDevice: SimWire;
  readonly toHost: SimWire;
  private inbox: Buffer[] = [];
  /** Writes held while the line is frozen: delivered on thaw, cancelled on close. */
  private held: { bytes: Uint8Array; settle: (error?: Error) => void }[] = [];
  private pendingRead: ((error?: Error) => void) | null = null;
  private signals: SimSignals = { dtr: true, rts: true };
  private vanished = false;

  constructor(
    private readonly entry: RegisteredPort,
    readonly openOptions: Required<OpenOptions>,
  ) {
    const { options } = entry;
    this.toDevice = new SimWire(
      { baud: entry.deviceBaud, throttle: options.throttle, faults: options.toDeviceFaults },
      (bytes) => this.deliverToDevice(bytes),
      () => this.vanish(),
    );
    this.toHost = new SimWire(
      { baud: entry.deviceBaud, throttle: options.throttle, faults: options.toHostFaults },
      (bytes) => this.queueForHost(bytes),
      () => this.vanish(),
    );
  }

  /** Host and device UARTs at different bauds hear garbage, as on a real line. */
  private get baudMismatch(): boolean {
    return this.openOptions.baudRate !== this.entry.deviceBaud;
  }

  private deliverToDevice(bytes: Uint8Array): void {
    this.entry.device.receive(this.baudMismatch ? garble(bytes) : bytes);
  }

  fromDevice(bytes: Uint8Array): void {
    if (this.isOpen) this.toHost.send(bytes);
  }

  setWireBaud(baud: number): void {
    this.toDevice.baud = baud;
    this.toHost.baud = baud;
  }

  private queueForHost(bytes: Uint8Array): void {
    if (!this.isOpen || this.entry.frozen) return;
    this.inbox.push(Buffer.from(this.baudMismatch ? garble(bytes) : bytes));
    const wake = this.pendingRead;
    this.pendingRead = null;
    wake?.();
  }

  /** The USB device disappeared: pending reads fail with a non-cancel error (serialport reports a disconnect). */
  vanish(): void {
    if (this.vanished) return;
    this.vanished = true;
    this.toDevice.close();
    this.toHost.close();
    if (this.entry.open === this) this.entry.open = undefined;
    const wake = this.pendingRead;
    this.pendingRead = null;
    wake?.(Object.assign(new Error('Input/output error: the device was disconnected'), { code: 'EIO', disconnected: true }));
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.isOpen = false;
    this.toDevice.close();
    this.toHost.close();
    if (this.entry.open === this) {
      this.entry.open = undefined;
      // hupcl: closing drops DTR and RTS.
      if (this.openOptions.hupcl) this.entry.device.setSignals?.({ dtr: false, rts: false });
      this.entry.device.hostClosed?.();
    }
    const wake = this.pendingRead;
    this.pendingRead = null;
    wake?.(new CanceledError('port is closed'));
    for (const write of this.held.splice(0)) write.settle(new CanceledError('Write canceled'));
  }

  thawed(): void {
    for (const write of this.held.splice(0)) {
      this.toDevice.send(write.bytes);
      write.settle();
    }
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) throw new CanceledError('Read canceled');
    if (this.vanished) throw Object.assign(new Error('Input/output error'), { code: 'EIO', disconnected: true });
    while (this.inbox.length === 0) {
      await new Promise<void>((resolve, reject) => {
        this.pendingRead = (error) => (error ? reject(error) : resolve());
      });
    }
    let bytesRead = 0;
    while (this.inbox.length && bytesRead < length) {
      const head = this.inbox[0];
      const take = Math.min(head.length, length - bytesRead);
      head.copy(buffer, offset + bytesRead, 0, take);
      bytesRead += take;
      if (take === head.length) this.inbox.shift();
      else this.inbox[0] = head.subarray(take);
    }
    return { buffer, bytesRead };
  }

  async write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) throw new CanceledError('Write canceled');
    if (this.vanished) throw Object.assign(new Error('Input/output error'), { code: 'EIO' });
    if (this.entry.frozen) {
      const bytes = new Uint8Array(buffer);
      return new Promise<void>((resolve, reject) => this.held.push({ bytes, settle: (error) => (error ? reject(error) : resolve()) }));
    }
    this.toDevice.send(new Uint8Array(buffer));
  }

  async update(options: UpdateOptions): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.openOptions.baudRate = options.baudRate;
    this.entry.device.hostBaudChanged?.(options.baudRate);
  }

  async set(options: SetOptions): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    if (this.vanished) throw Object.assign(new Error('Input/output error: the device was disconnected'), { code: 'EIO' });
    // Like the OS binding, every call sets every line (serialport fills in its defaults).
    this.signals = { dtr: options.dtr ?? true, rts: options.rts ?? true };
    this.entry.device.setSignals?.({ ...this.signals });
    const drop = this.entry.dropAfter;
    if (drop && --drop.changes <= 0) {
      this.entry.dropAfter = undefined;
      drop.run();
    }
  }

  async get(): Promise<PortStatus> {
    return { cts: false, dsr: false, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.openOptions.baudRate };
  }

  async flush(): Promise<void> {
    this.inbox = [];
  }

  async drain(): Promise<void> {
    const wait = this.toDevice.backlogMs();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** What a UART at the wrong baud makes of bytes: deterministic nonsense of a similar length. */
function garble(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = (bytes[i] * 37 + 0x55 + i) & 0xff;
  return out;
}
