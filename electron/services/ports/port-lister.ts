/**
 * Lists serial ports without ever taking the process down.
 *
 * node-serialport's Linux list() spawns `udevadm`; where it is missing (containers, minimal
 * distributions) the spawn error is thrown from an event handler and kills the process. So on
 * Linux we look for udevadm first and, without it, read sysfs ourselves.
 */
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { SerialPortInfo } from '../../../drivers/common/port-watch';

export type PortLister = () => Promise<SerialPortInfo[]>;

export function findOnPath(command: string, pathEnv = process.env.PATH ?? ''): string | null {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** The lister for this machine: node-serialport where it is safe, sysfs on Linux without udevadm. */
export function createSystemPortLister(options: { platform?: NodeJS.Platform; sysfsRoot?: string; pathEnv?: string } = {}): PortLister {
  const platform = options.platform ?? process.platform;
  if (platform === 'linux' && !findOnPath('udevadm', options.pathEnv)) {
    return async () => listFromSysfs(options.sysfsRoot ?? '/sys');
  }
  return async () => {
    const { SerialPort } = await import('serialport');
    const ports = await SerialPort.list();
    return ports.map((port) => ({
      path: port.path,
      vendorId: port.vendorId?.toLowerCase(),
      productId: port.productId?.toLowerCase(),
      serialNumber: port.serialNumber,
      manufacturer: port.manufacturer,
    }));
  };
}

/**
 * Serial ports from /sys/class/tty: every tty backed by a USB device (ttyUSB*, ttyACM*) with the
 * USB identity read from the nearest ancestor that has idVendor, plus on-board UARTs with a
 * device driver other than the legacy 8250 placeholder (ttyAMA*, ttyTHS*, …).
 */
export function listFromSysfs(sysfsRoot = '/sys'): SerialPortInfo[] {
  const classDir = join(sysfsRoot, 'class', 'tty');
  let names: string[];
  try {
    names = readdirSync(classDir);
  } catch {
    return [];
  }
  const ports: SerialPortInfo[] = [];
  for (const name of names.sort()) {
    const deviceLink = join(classDir, name, 'device');
    if (!existsSync(deviceLink)) continue;
    let devicePath: string;
    try {
      devicePath = realpathSync(deviceLink);
    } catch {
      continue;
    }
    const usb = findUsbAncestor(devicePath, sysfsRoot);
    if (usb) {
      ports.push({ path: `/dev/${name}`, ...usb });
      continue;
    }
    const driver = readLink(join(devicePath, 'driver'));
    if (driver && !driver.endsWith('serial8250')) ports.push({ path: `/dev/${name}` });
  }
  return ports;
}

function findUsbAncestor(devicePath: string, sysfsRoot: string): Omit<SerialPortInfo, 'path'> | null {
  let dir = devicePath;
  while (dir.startsWith(sysfsRoot) && dir.length > sysfsRoot.length) {
    const vendorId = readAttribute(dir, 'idVendor');
    const productId = readAttribute(dir, 'idProduct');
    if (vendorId && productId) {
      return {
        vendorId: vendorId.toLowerCase(),
        productId: productId.toLowerCase(),
        serialNumber: readAttribute(dir, 'serial') ?? undefined,
        manufacturer: readAttribute(dir, 'manufacturer') ?? undefined,
      };
    }
    dir = dir.slice(0, dir.lastIndexOf('/'));
  }
  return null;
}

function readAttribute(dir: string, name: string): string | null {
  try {
    return readFileSync(join(dir, name), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function readLink(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}
