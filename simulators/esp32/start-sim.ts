/**
 * Start a simulated ESP board on a transport, for tests, e2e runs and the CLI.
 *
 *   const sim = await startEsp32Sim({ chip: 'esp32c3', transport: 'pty' });
 *   // open sim.hostPath like /dev/ttyUSB0 …; sim.flash.bytes holds the flash contents
 *   await sim.close();
 *
 * 'pty': a socat pseudo-terminal; no DTR/RTS, so the chip starts in download mode.
 * 'binding': the in-process SimBinding at `hostPath`; DTR/RTS drive the reset circuit, so the chip
 * starts running its app and must be reset into the loader like a real board.
 */
import type { FaultPlan } from '../common/faults';
import { attachToPty } from '../common/pty-transport';
import { SimBinding, type SimPortOptions } from '../common/sim-binding';
import type { SimWire } from '../common/sim-wire';
import type { SimChipName } from './chip-profiles';
import { Esp32SimDevice, type Esp32SimOptions } from './esp32-device';
import type { NorFlash } from './nor-flash';

export interface StartEsp32SimOptions extends Esp32SimOptions {
  chip?: SimChipName;
  transport: 'pty' | 'binding';
  /** Initial UART baud (default 115200). */
  baud?: number;
  /** Pace bytes at the baud (default true). */
  throttle?: boolean;
  toDeviceFaults?: FaultPlan;
  toHostFaults?: FaultPlan;
  /**
   * binding: the port path (default /dev/ttySIM-esp32-N). pty: a symlink to open instead of the
   * /dev/pts/N, which stays the same when the board re-enumerates. binding: an existing binding to register on.
   */
  path?: string;
  binding?: SimBinding;
  /** binding: USB identity; defaults to a CP2102 (10c4:ea60), or 303a:1001 when usbJtag. */
  info?: SimPortOptions['info'];
  /** binding: fail open() with this errno ('EBUSY', 'EACCES'). */
  openError?: string;
  /** binding: how long opening the port takes (SimPortOptions.openMs). */
  openMs?: number;
}

export interface Esp32Sim {
  /** Path to open: a /dev/pts/N for 'pty', the registered path for 'binding'. */
  hostPath: string;
  device: Esp32SimDevice;
  flash: NorFlash;
  /** Only for 'binding': pass it to `new SerialPortStream({ binding, path: hostPath, baudRate })`. */
  binding?: SimBinding;
  /** Host→device and device→host wires (faults, throttling, bytesCarried). For 'binding' they exist only while the port is open. */
  wires(): { toDevice: SimWire; toHost: SimWire } | undefined;
  /** Freezes the line (nothing moves either way; the host's writes block) until thaw(). */
  freeze(): void;
  thaw(): void;
  /**
   * The USB device goes away and comes back after `goneMs` (a USB-CDC board resetting), at the
   * same path: the port open now fails under the host. Resolves once the port is back.
   */
  reenumerate(goneMs: number): Promise<void>;
  close(): Promise<void>;
}

let counter = 0;

export async function startEsp32Sim(options: StartEsp32SimOptions): Promise<Esp32Sim> {
  const baud = options.baud ?? 115200;
  if (options.transport === 'pty') {
    const device = new Esp32SimDevice({ ...options, bootMode: options.bootMode ?? 'download' });
    const attach = () =>
      attachToPty(device, {
        baud,
        throttle: options.throttle,
        toDeviceFaults: options.toDeviceFaults,
        toHostFaults: options.toHostFaults,
        hostLink: options.path,
      });
    let attachment = await attach();
    return {
      hostPath: attachment.hostPath,
      device,
      flash: device.flash,
      wires: () => ({ toDevice: attachment.toDevice, toHost: attachment.toHost }),
      freeze: () => attachment.freeze(),
      thaw: () => attachment.thaw(),
      reenumerate: async (goneMs) => {
        await attachment.close();
        await new Promise((resolve) => setTimeout(resolve, goneMs));
        attachment = await attach();
      },
      close: async () => {
        device.holdInReset();
        await attachment.close();
      },
    };
  }
  const device = new Esp32SimDevice({ ...options, bootMode: options.bootMode ?? 'spi' });
  const binding = options.binding ?? new SimBinding();
  const hostPath = options.path ?? `/dev/ttySIM-esp32-${++counter}`;
  binding.register(hostPath, device, {
    baud,
    throttle: options.throttle,
    toDeviceFaults: options.toDeviceFaults,
    toHostFaults: options.toHostFaults,
    openError: options.openError,
    openMs: options.openMs,
    info:
      options.info ??
      (options.usbJtag ? { vendorId: '303a', productId: '1001', manufacturer: 'Espressif' } : { vendorId: '10c4', productId: 'ea60', manufacturer: 'Silicon Labs' }),
  });
  return {
    hostPath,
    device,
    flash: device.flash,
    binding,
    wires: () => binding.wiresOf(hostPath),
    freeze: () => binding.freeze(hostPath),
    thaw: () => binding.thaw(hostPath),
    reenumerate: async (goneMs) => {
      binding.reenumerate(hostPath, goneMs);
      await new Promise((resolve) => setTimeout(resolve, goneMs));
    },
    close: async () => {
      device.holdInReset();
      binding.unplug(hostPath);
    },
  };
}
