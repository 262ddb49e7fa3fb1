/**
 * A running TinyGo application with USB-CDC as the host sees it: it prints a line now and then and,
 * like src/machine/usb/cdc/usbcdc.go, reboots into the bootloader when the host sets 1200 baud with
 * DTR low (seen here as: opened at 1200, then DTR dropped or the port closed).
 */
import type { SimDevice, SimSignals, SimSink } from '../common/sim-device';

/** What the program prints: one line (or several) per tick, every `periodMs`. */
export interface AppOutput {
  line(tick: number): string;
  periodMs: number;
}

export class UsbCdcProgramSim implements SimDevice {
  private sink: SimSink | null = null;
  private baud = 115200;
  private timer: ReturnType<typeof setInterval> | null = null;
  private tick = 0;
  touched = false;

  constructor(
    private readonly onTouch: () => void,
    private readonly output?: AppOutput,
  ) {}

  attach(sink: SimSink): void {
    this.sink = sink;
    const output = this.output;
    if (output) this.timer = setInterval(() => this.sink?.emit(new TextEncoder().encode(output.line(this.tick++))), output.periodMs);
  }

  /** The board stops running this program (reset, unplug): no more output. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  receive(): void {}

  hostBaudChanged(baud: number): void {
    this.baud = baud;
  }

  setSignals(signals: SimSignals): void {
    if (this.baud === 1200 && !signals.dtr) this.reboot();
  }

  hostClosed(): void {
    if (this.baud === 1200) this.reboot();
  }

  private reboot(): void {
    if (this.touched) return;
    this.touched = true;
    this.stop();
    // The application's USB device goes away; the bootloader enumerates instead.
    this.onTouch();
    this.sink?.disconnect();
  }
}
