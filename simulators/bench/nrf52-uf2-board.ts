/**
 * A simulated Adafruit Feather nRF52840 for the window's bench: its program's USB serial port lives
 * in the bench's in-process binding while the program runs (a 1200-baud touch reboots it into the
 * bootloader, as TinyGo's USB-CDC does), and its UF2 bootloader drive is a folder under the bench's
 * drive root (Uf2DriveSim: the bootloader's own block rules). What the program prints is judged from
 * the flashed bytes, as the ESP32 simulator does.
 */
import { mkdir } from 'node:fs/promises';
import nodePath from 'node:path';
import type { SerialPortInfo } from '../../drivers/common/port-watch';
import type { SimBinding } from '../common/sim-binding';
import { appModelFor, HEAP_TELEMETRY_STRINGS } from '../esp32/app-model';
import { UsbCdcProgramSim } from '../nrf52/usb-cdc-program-sim';
import { appFiles, tinygoApp } from '../nrf52/fixtures';
import { appStartBehind } from '../nrf52/sim-uf2';
import { SimPortWatch } from '../nrf52/sim-port-watch';
import { Uf2DriveSim } from '../nrf52/uf2-drive-sim';

const SOFT_DEVICE = 'S140 6.1.1';
export const FEATHER_APP_START = appStartBehind(SOFT_DEVICE);
/** The Feather nRF52840's program, as TinyGo's USB-CDC enumerates it. */
const FEATHER_APP_ID = { vendorId: '239a', productId: '8029', manufacturer: 'Adafruit' };

/** A program image shaped like a TinyGo build of heap-telemetry for the Feather (vector table, its labels in rodata). */
export function nrf52HeapTelemetryApp(): Uint8Array {
  const app = tinygoApp(24 * 1024, FEATHER_APP_START, 51);
  app.set(new TextEncoder().encode(HEAP_TELEMETRY_STRINGS), 20 * 1024);
  return app;
}

/** The sample as the UF2 file the user would drop. */
export function nrf52HeapTelemetrySample(): Uint8Array {
  return appFiles(nrf52HeapTelemetryApp(), FEATHER_APP_START).uf2;
}

export class SimulatedUf2Board {
  readonly drive: Uf2DriveSim;
  private program: UsbCdcProgramSim | null = null;

  constructor(
    private readonly binding: SimBinding,
    readonly path: string,
    readonly serialNumber: string,
    driveRoot: string,
    private readonly periodMs: number,
  ) {
    // The bootloader announces and withdraws the program's port on its USB bus: here, the bench's binding.
    const plug = () => this.plugProgram();
    const unplug = () => this.unplugProgram();
    class BindingBus extends SimPortWatch {
      override add(port: SerialPortInfo): void {
        super.add(port);
        plug();
      }
      override remove(portPath: string): void {
        super.remove(portPath);
        unplug();
      }
    }
    this.drive = new Uf2DriveSim({
      mountRoot: nodePath.join(driveRoot, serialNumber),
      softDevice: SOFT_DEVICE,
      appPort: { path, ...FEATHER_APP_ID, serialNumber },
      portWatch: new BindingBus(),
      startInBootloader: false,
      mountDelayMs: 300,
      reenumerateDelayMs: 500,
    });
  }

  async start(program: Uint8Array | null): Promise<void> {
    if (program) this.drive.flash.bytes.set(program, FEATHER_APP_START);
    await mkdir(nodePath.dirname(this.drive.driveDir), { recursive: true });
    await this.drive.start();
  }

  /** RESET pressed once: the program starts again (its port re-enumerates). */
  reset(): string {
    if (this.drive.state === 'bootloader') {
      this.drive.leaveBootloader().catch(() => {});
      return 'RESET pressed: the bootloader starts the program in flash; its port comes back in a moment.';
    }
    this.unplugProgram();
    setTimeout(() => this.plugProgram(), 300);
    return 'RESET pressed: the program starts again; its port comes back in a moment.';
  }

  /** RESET double-tapped: the bootloader starts and mounts its drive. */
  doubleReset(): string {
    this.drive.enterBootloader().catch(() => {});
    return 'RESET double-tapped: the bootloader mounts its FTHR840BOOT drive; copy a UF2 file to it (the Flash tab does).';
  }

  async close(): Promise<void> {
    this.unplugProgram();
    await this.drive.stop();
  }

  private plugProgram(): void {
    this.unplugProgram();
    const appBytes = this.drive.appBytes(FEATHER_APP_START, 0x20000);
    const flashed = appBytes.some((byte) => byte !== 0xff);
    const model = flashed ? appModelFor(appBytes, this.periodMs) : null;
    const program = new UsbCdcProgramSim(() => this.doubleReset(), model ? { line: (tick) => model.line(tick, 'nRF52840'), periodMs: this.periodMs } : undefined);
    this.program = program;
    this.binding.register(this.path, program, { info: { ...FEATHER_APP_ID, serialNumber: this.serialNumber } });
  }

  private unplugProgram(): void {
    this.program?.stop();
    this.program = null;
    this.binding.unplug(this.path);
  }
}
