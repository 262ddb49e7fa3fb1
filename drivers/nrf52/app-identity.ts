/** How a driver recognises the flashed application when the board re-enumerates. */
import type { SerialPortInfo } from '../common/port-watch';

/** A USB VID:PID ("239a", "802a"; case-insensitive) or any predicate over a listed port. */
export type AppIdentity = { vendorId: string; productId: string } | ((port: SerialPortInfo) => boolean);

export function matchesAppIdentity(identity: AppIdentity, port: SerialPortInfo): boolean {
  if (typeof identity === 'function') return identity(port);
  return (
    (port.vendorId ?? '').toLowerCase() === identity.vendorId.toLowerCase() &&
    (port.productId ?? '').toLowerCase() === identity.productId.toLowerCase()
  );
}

export function describeAppIdentity(identity: AppIdentity): string {
  return typeof identity === 'function' ? 'the application' : `the application (USB ${identity.vendorId.toUpperCase()}:${identity.productId.toUpperCase()})`;
}
