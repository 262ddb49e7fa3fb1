/**
 * A running TinyGo application with USB-CDC as the host sees it: it prints a line now and then and,
 * like src/machine/usb/cdc/usbcdc.go, reboots into the bootloader when the host sets 1200 baud with
 * DTR low (seen here as: opened at 1200, then DTR dropped or the port closed).
 */
import type { SimDevice, SimSignals, SimSink } from '../common/sim-device';

export class TinyGoAppSim implements SimDevice {
  private sink: SimSink | null = null;
  private baud = 115200;
  touched = false;

  constructor(private readonly onTouch: () => void) {}

  attach(sink: SimSink): void {
    this.sink = sink;
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
    // The application's USB device goes away; the bootloader enumerates instead.
    this.onTouch();
    this.sink?.disconnect();
  }
}
