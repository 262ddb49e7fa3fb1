/**
 * Secure DFU's SLIP dialect (nrf52-flashing.md 8.1): frames are only *terminated* by 0xC0, never
 * opened with one. This adapts the shared SlipDecoder (which wants C0 … C0) by opening a frame
 * whenever a byte arrives outside one, and reports a bare END the way the SDK sees it: an empty packet.
 */
import { SLIP_END, SlipDecoder, slipEncode, type SlipDecoderHandlers } from '../common/slip';

const OPEN = Uint8Array.of(SLIP_END);

export class EndTerminatedSlipDecoder {
  private readonly decoder: SlipDecoder;

  constructor(
    handlers: SlipDecoderHandlers,
    private readonly onBareEnd?: () => void,
  ) {
    this.decoder = new SlipDecoder(handlers);
  }

  reset(): void {
    this.decoder.reset();
  }

  push(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length) {
      if (!this.decoder.inFrame) {
        if (bytes[i] === SLIP_END) {
          this.onBareEnd?.();
          i++;
          continue;
        }
        this.decoder.push(OPEN);
      }
      const end = bytes.indexOf(SLIP_END, i);
      if (end < 0) {
        this.decoder.push(bytes.subarray(i));
        return;
      }
      this.decoder.push(bytes.subarray(i, end + 1));
      i = end + 1;
    }
  }
}

/** Escaped body + trailing END, without the leading END the SDK would read as an empty packet. */
export function encodeEndTerminated(packet: Uint8Array): Uint8Array {
  return slipEncode(packet).subarray(1);
}
