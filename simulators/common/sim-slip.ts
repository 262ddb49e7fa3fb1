/**
 * SLIP as the boards' own firmware receives and sends it, written for the simulators apart from
 * the drivers' codec so that one bug cannot hide on both sides of a cross-check.
 *
 * Two dialects:
 * - 'delimited' (ESP ROM loader and stub, Nordic legacy HCI): a packet is END, body, END; bytes
 *   between packets are ignored, and END END is no packet.
 * - 'end-terminated' (Nordic SDK serial DFU, nrf_dfu_serial slip): every byte belongs to a packet
 *   and END only closes it, so a bare END is an empty packet.
 * A broken escape (ESC then anything but ESC_END / ESC_ESC) drops the packet, as both firmwares do;
 * a packet longer than the receive buffer is dropped whole.
 */
const END = 0xc0;
const ESC = 0xdb;
const ESC_END = 0xdc;
const ESC_ESC = 0xdd;

export type SlipDialect = 'delimited' | 'end-terminated';

/** Escapes `packet` and closes it with END; 'delimited' also opens it with END. */
export function slipFrame(packet: Uint8Array, dialect: SlipDialect = 'delimited'): Uint8Array {
  const out: number[] = dialect === 'delimited' ? [END] : [];
  for (const byte of packet) {
    if (byte === END) out.push(ESC, ESC_END);
    else if (byte === ESC) out.push(ESC, ESC_ESC);
    else out.push(byte);
  }
  out.push(END);
  return Uint8Array.from(out);
}

export class SlipReceiver {
  private body: number[] = [];
  /** 'delimited' only: an END has opened a packet. */
  private inPacket: boolean;
  private escaped = false;
  /** The packet broke (bad escape, overflow): skip to its END. */
  private discarding = false;

  constructor(
    private readonly dialect: SlipDialect,
    private readonly onPacket: (packet: Uint8Array) => void,
    private readonly maxPacket = 0x8000,
  ) {
    this.inPacket = dialect === 'end-terminated';
  }

  /** Forget a half-received packet (the chip was reset). */
  reset(): void {
    this.body = [];
    this.inPacket = this.dialect === 'end-terminated';
    this.escaped = false;
    this.discarding = false;
  }

  push(bytes: Uint8Array): void {
    for (const byte of bytes) this.receiveByte(byte);
  }

  private receiveByte(byte: number): void {
    if (byte === END) return this.endOfPacket();
    if (!this.inPacket || this.discarding) return;
    if (this.escaped) {
      this.escaped = false;
      if (byte === ESC_END) this.keep(END);
      else if (byte === ESC_ESC) this.keep(ESC);
      else this.discarding = true;
      return;
    }
    if (byte === ESC) this.escaped = true;
    else this.keep(byte);
  }

  private endOfPacket(): void {
    const packet = Uint8Array.from(this.body);
    const broken = this.discarding || this.escaped;
    const wasOpen = this.inPacket;
    this.body = [];
    this.escaped = false;
    this.discarding = false;
    if (this.dialect === 'end-terminated') {
      if (!broken) this.onPacket(packet);
      return;
    }
    // Delimited: an END outside a packet opens one; END END is a boundary, not an empty packet.
    if (!wasOpen || (!broken && packet.length === 0)) {
      this.inPacket = true;
      return;
    }
    this.inPacket = false;
    if (!broken) this.onPacket(packet);
  }

  private keep(byte: number): void {
    if (this.body.length >= this.maxPacket) {
      this.discarding = true;
      this.body = [];
      return;
    }
    this.body.push(byte);
  }
}
