/** How a driver recognises the flashed application when the board re-enumerates. */
import type { SerialPortInfo } from '../common/port-watch';

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
