/**
 * The console's "Reset board" button, per board family:
 *   ESP32 (USB-UART bridge): EN pulsed through RTS with IO0 (DTR) released → the app restarts
 *     (drivers/esp32 resetEsp32 'hard'; 'hard-usb' for the USB-Serial-JTAG peripheral);
 *   nRF52 USB-CDC: a 1200-baud touch would enter the UF2 bootloader, so reset here is a DTR
 *     toggle, which TinyGo's USB-CDC treats as the host reconnecting (the app keeps running);
 *   unknown: the ESP-style EN pulse, the common auto-reset wiring on USB-UART boards.
 */
import type { ByteLink } from '../../../drivers/common/byte-link';
import { FlashdeckError } from '../../../drivers/common/errors';
import { isUsbJtag, resetEsp32 } from '../../../drivers/esp32/reset';

export interface ResetTarget {
  family?: 'esp32' | 'nrf52';
  vendorId?: string;
  productId?: string;
}

export function resetDescription(target: ResetTarget): string {
  if (target.family === 'nrf52') {
    return "Toggles DTR off for 100 ms and on again. On nRF52 USB-CDC boards this is a host reconnect, not a chip reset (a 1200-baud touch would enter the bootloader instead); press the board's RESET button for a full reset.";
  }
  if (target.family === 'esp32' && isUsbJtag(target.vendorId, target.productId)) {
    return 'Pulses EN through RTS with IO0 released (USB-Serial-JTAG timing): the chip restarts into its application; the port may re-enumerate.';
  }
  if (target.family === 'esp32') return 'Pulses EN through RTS for 100 ms with IO0 (DTR) held high: the chip restarts into its application.';
  return "Pulses RTS for 100 ms with DTR released (the EN line on ESP-style auto-reset circuits). Pin the board's target for the family's own sequence.";
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

function noControlLines(path: string, cause: unknown): FlashdeckError {
  return new FlashdeckError(
    {
      code: 'PORT_NO_CONTROL_LINES',
      stage: 'reset',
      message: `${path} cannot set DTR/RTS, so Flashdeck cannot reset the board from here.`,
      hint: "Press the board's RESET (EN) button.",
    },
    { cause },
  );
}

/** Runs the family's reset sequence and leaves DTR/RTS as the session expects (both released for ESP). */
export async function resetBoard(link: ByteLink, target: ResetTarget): Promise<string> {
  const description = resetDescription(target);
  try {
    if (target.family === 'nrf52') {
      await link.setSignals({ dtr: false });
      await sleep(100);
      await link.setSignals({ dtr: true });
    } else {
      await resetEsp32(link, target.family === 'esp32' && isUsbJtag(target.vendorId, target.productId) ? 'hard-usb' : 'hard');
    }
  } catch (error) {
    if (error instanceof FlashdeckError && error.code !== 'ESP_NO_CONTROL_LINES') throw error;
    throw noControlLines(link.path, error);
  }
  return description;
}
