/**
 * A board's identity across replugs and resets: the USB serial number where there is one,
 * else VID:PID plus path (TinyGo apps set no serial number), else the path alone.
 */
import type { SerialPortInfo } from '../../../drivers/common/port-watch';
import { usbIdOf } from '../../../drivers/common/board-catalogue';

export function boardIdOf(port: SerialPortInfo): string {
  const usb = usbIdOf(port.vendorId, port.productId);
  if (usb && port.serialNumber) return `usb:${usb}:${port.serialNumber}`;
  if (usb) return `usb:${usb}@${port.path}`;
  return `port:${port.path}`;
}

export function manualBoardId(path: string): string {
  return `port:${path}`;
}
