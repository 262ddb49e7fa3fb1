/**
 * SLIP framing (RFC 1055 as used by the ESP ROM loader and Nordic's serial DFU).
 *
 * A frame is `0xC0`, the body with `0xC0` → `0xDB 0xDC` and `0xDB` → `0xDB 0xDD`, then `0xC0`.
 * `SlipDecoder` is streaming: feed it whatever chunks the port delivers; it reports whole frames,
 * bytes that arrive outside any frame (firmware output, noise) and broken escapes separately, so a
 * driver can tell "the board is running its app" from "a packet got corrupted".
 */
export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

/** Frame one packet: leading END, escaped body, trailing END. */
export function slipEncode(packet: Uint8Array): Uint8Array {
  let specials = 0;
  for (const b of packet) if (b === SLIP_END || b === SLIP_ESC) specials++;
  const out = new Uint8Array(packet.length + specials + 2);
  let o = 0;
  out[o++] = SLIP_END;
  for (const b of packet) {
    if (b === SLIP_END) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_END;
    } else if (b === SLIP_ESC) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_ESC;
    } else {
      out[o++] = b;
    }
  }
  out[o++] = SLIP_END;
  return out;
}

export interface SlipDecoderHandlers {
  /** A complete, unescaped frame body (never empty). */
  onFrame(frame: Uint8Array): void;
  /** Bytes that arrived while no frame was open (app output, boot banner, line noise). */
  onNoise?(bytes: Uint8Array): void;
  /** `0xDB` followed by something other than `0xDC`/`0xDD`; the open frame is dropped. */
  onInvalidEscape?(byte: number, partialFrame: Uint8Array): void;
  /** A frame grew past `maxFrameLength`; it is dropped. */
  onOverflow?(length: number): void;
}

export interface SlipDecoderOptions {
  /** Frames longer than this are dropped (protects against a stream that never closes a frame). */
  maxFrameLength?: number;
}

/**
 * Streaming decoder. `0xC0 0xC0` is treated as "end of nothing, start of next" rather than as an
 * empty frame, so senders that both open and close every frame with END work unchanged.
 */
export class SlipDecoder {
  private readonly handlers: SlipDecoderHandlers;
  private readonly maxFrameLength: number;
  private buf: Uint8Array;
  private len = 0;
  private open = false;
  private escaping = false;

  constructor(handlers: SlipDecoderHandlers, options: SlipDecoderOptions = {}) {
    this.handlers = handlers;
    this.maxFrameLength = options.maxFrameLength ?? 1 << 20;
    this.buf = new Uint8Array(256);
  }

  /** True while a frame has been opened but not yet closed. */
  get inFrame(): boolean {
    return this.open;
  }

  /** Forget any partial frame (after a baud change or a reset of the peer). */
  reset(): void {
    this.len = 0;
    this.open = false;
    this.escaping = false;
  }

  push(bytes: Uint8Array): void {
    let noiseStart = -1;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (!this.open) {
        if (b === SLIP_END) {
          if (noiseStart >= 0) {
            this.handlers.onNoise?.(bytes.slice(noiseStart, i));
            noiseStart = -1;
          }
          this.open = true;
          this.len = 0;
          this.escaping = false;
        } else if (noiseStart < 0) {
          noiseStart = i;
        }
        continue;
      }
      if (this.escaping) {
        this.escaping = false;
        if (b === SLIP_ESC_END) this.append(SLIP_END);
        else if (b === SLIP_ESC_ESC) this.append(SLIP_ESC);
        else {
          const partial = this.buf.slice(0, this.len);
          this.reset();
          this.handlers.onInvalidEscape?.(b, partial);
          // The offending byte may itself be the END that starts the next frame.
          if (b === SLIP_END) this.open = true;
        }
        continue;
      }
      if (b === SLIP_END) {
        if (this.len === 0) continue; // END END: an empty frame is a frame boundary
        const frame = this.buf.slice(0, this.len);
        this.len = 0;
        this.open = false;
        this.handlers.onFrame(frame);
      } else if (b === SLIP_ESC) {
        this.escaping = true;
      } else {
        this.append(b);
      }
    }
    if (noiseStart >= 0) this.handlers.onNoise?.(bytes.slice(noiseStart));
  }

  private append(b: number): void {
    if (!this.open) return; // dropped by an overflow earlier in this frame
    if (this.len >= this.maxFrameLength) {
      const length = this.len;
      this.reset();
      this.handlers.onOverflow?.(length);
      return;
    }
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = b;
  }
}
