/** How a driver recognises the flashed application when the board re-enumerates. */
import type { PortWatch, SerialPortInfo } from '../common/port-watch';

/**
 * A USB VID:PID as an object ({ vendorId: '239a', productId: '802a' }), as "vvvv:pppp" strings
 * (the board catalogue's `usbApp` list fits directly), or any predicate over a listed port.
 */
export type AppIdentity = { vendorId: string; productId: string } | string | string[] | ((port: SerialPortInfo) => boolean);

function normalise(hex: string | undefined): string {
  return (hex ?? '').toLowerCase().replace(/^0x/, '').padStart(4, '0');
}

export function matchesAppIdentity(identity: AppIdentity, port: SerialPortInfo): boolean {
  if (typeof identity === 'function') return identity(port);
  const id = `${normalise(port.vendorId)}:${normalise(port.productId)}`;
  if (typeof identity === 'string') return id === identity.toLowerCase();
  if (Array.isArray(identity)) return identity.some((candidate) => candidate.toLowerCase() === id);
  return id === `${normalise(identity.vendorId)}:${normalise(identity.productId)}`;
}

export function describeAppIdentity(identity: AppIdentity): string {
  if (typeof identity === 'function') return 'the application';
  const ids = typeof identity === 'string' ? [identity] : Array.isArray(identity) ? identity : [`${identity.vendorId}:${identity.productId}`];
  return `the application (USB ${ids.map((id) => id.toUpperCase()).join(' or ')})`;
}

/** The flashed board's port as listed when the flash began: its path, and its USB serial number where it has one. */
export type BoardPort = Pick<SerialPortInfo, 'path' | 'serialNumber'>;

/** What the ports looked like before the board left for its bootloader reset, to tell the board coming back from boards that were always there. */
export interface PortsBefore {
  ports: SerialPortInfo[];
  board?: BoardPort;
}

/** Lists the ports now, the flashed board's own left out (whatever appears on its path later is the board coming back). */
export async function portsBefore(watch: PortWatch, board?: BoardPort): Promise<PortsBefore> {
  const ports = (await watch.list()).filter((port) => port.path !== board?.path);
  return { ports, board };
}

function sameListing(a: SerialPortInfo, b: SerialPortInfo): boolean {
  return a.path === b.path && usbId(a) === usbId(b) && (a.serialNumber ?? '') === (b.serialNumber ?? '');
}

function usbId(port: SerialPortInfo): string {
  return `${normalise(port.vendorId)}:${normalise(port.productId)}`;
}

/**
 * Waits for the flashed application's port: one matching `identity` that appeared after the flash
 * (a port listed both before the flash and when the bootloader left is another board of the same
 * model, never this one). Where the board had a serial number, a port with that serial number wins;
 * a new port with another serial is taken only if none with ours shows within `preferSerialMs`
 * (some applications report a different serial number than their bootloader).
 */
export async function waitForReturn(
  watch: PortWatch,
  before: PortsBefore,
  identity: AppIdentity,
  timeoutMs: number,
  signal?: AbortSignal,
  preferSerialMs = 2000,
): Promise<SerialPortInfo> {
  const atLeave = await watch.list();
  const alwaysThere = (port: SerialPortInfo) => before.ports.some((b) => sameListing(b, port)) && atLeave.some((a) => sameListing(a, port));
  const returned = (port: SerialPortInfo) => matchesAppIdentity(identity, port) && !alwaysThere(port);
  const serial = before.board?.serialNumber;
  const first = await watch.waitFor(returned, timeoutMs, signal);
  if (!serial || !first.serialNumber || first.serialNumber === serial) return first;
  try {
    return await watch.waitFor((port) => returned(port) && port.serialNumber === serial, preferSerialMs, signal);
  } catch (error) {
    if ((error as { code?: string }).code === 'CANCELLED') throw error;
    return first;
  }
}
