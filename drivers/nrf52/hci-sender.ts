/**
 * Reliable sending over the legacy HCI layer with a small window (go-back-N).
 *
 * The device ACKs a frame before processing it, re-ACKs any frame whose sequence number it does not
 * expect without acting on it (nrf52-flashing.md 7.4), and keeps 16 receive buffers. So a few frames
 * may be in flight: an ACK carrying n retires every in-flight frame up to seq n − 1; an ACK that
 * still names the oldest in-flight frame means it was lost, and the window is re-sent from there; a
 * timeout re-sends the window too, a bounded number of times.
 */
import type { Stage } from '../../electron/contract-values';
import { FlashdeckError } from '../common/errors';
import type { DriverClock } from '../common/clock';
import type { FrameReader } from './frame-reader';
import { encodeHciFrame, parseHciAck } from './legacy-hci';

interface InFlight {
  seq: number;
  payload: Uint8Array;
  label: string;
}

export interface HciSenderOptions {
  ackTimeoutMs: number;
  attempts: number;
  signal?: AbortSignal;
  /** A retransmission happened (for the flash log). */
  onRetransmit?(label: string, attempt: number, reason: string): void;
}

export class HciSender {
  /** Sequence number the next new frame gets; the device expects 1 after it starts. */
  private nextSeq = 1;
  private synced = false;
  private readonly inFlight: InFlight[] = [];
  private headAttempts = 1;
  private goBackDoneFor: number | null = null;
  private stage: Stage = 'writing';

  constructor(
    private readonly reader: FrameReader,
    private readonly clock: DriverClock,
    private readonly options: HciSenderOptions,
  ) {}

  /** Label of the oldest unacknowledged frame (or the last one sent), for error messages. */
  currentLabel = '';

  /** Sequence number of the last frame the device accepted. */
  get lastAcceptedSeq(): number {
    return (this.nextSeq - this.inFlight.length + 7) & 7;
  }

  /** Queues a frame, waiting first until fewer than `window` frames are unacknowledged. */
  async send(payload: Uint8Array, label: string, stage: Stage, window: number): Promise<void> {
    this.stage = stage;
    while (this.inFlight.length >= window) await this.awaitProgress();
    const frame: InFlight = { seq: this.nextSeq, payload, label };
    this.nextSeq = (this.nextSeq + 1) & 7;
    this.inFlight.push(frame);
    if (this.inFlight.length === 1) {
      this.headAttempts = 1;
      this.currentLabel = label;
    }
    await this.reader.write(encodeHciFrame(frame.seq, payload));
  }

  /** Waits until every frame is acknowledged. */
  async flush(stage: Stage): Promise<void> {
    this.stage = stage;
    while (this.inFlight.length) await this.awaitProgress();
  }

  private async resendWindow(): Promise<void> {
    for (const frame of this.inFlight) await this.reader.write(encodeHciFrame(frame.seq, frame.payload));
  }

  private async awaitProgress(): Promise<void> {
    const deadline = this.clock.now() + this.options.ackTimeoutMs;
    for (;;) {
      const left = deadline - this.clock.now();
      const reply = left > 0 ? await this.reader.next(left, this.options.signal, this.stage) : undefined;
      if (!reply) return this.onTimeout();
      const ack = parseHciAck(reply);
      if (ack === undefined) continue;
      const retired = this.inFlight.findIndex((f) => ((f.seq + 1) & 7) === ack);
      if (retired >= 0) {
        this.inFlight.splice(0, retired + 1);
        this.synced = true;
        this.headAttempts = 1;
        this.goBackDoneFor = null;
        if (this.inFlight.length) this.currentLabel = this.inFlight[0].label;
        return;
      }
      const head = this.inFlight[0];
      if (!head) continue;
      if (!this.synced) {
        // The device expects another sequence number (state from an earlier session): renumber and resend.
        this.synced = true;
        this.inFlight.forEach((f, i) => (f.seq = (ack + i) & 7));
        this.nextSeq = (ack + this.inFlight.length) & 7;
        await this.resendWindow();
        return;
      }
      if (ack === head.seq && this.goBackDoneFor !== head.seq && this.inFlight.length > 1) {
        // A later frame arrived while the device still waits for the head: the head was lost.
        this.goBackDoneFor = head.seq;
        this.options.onRetransmit?.(head.label, this.headAttempts, 'lost');
        await this.resendWindow();
        return;
      }
      // Stale or duplicate ACK: keep waiting.
    }
  }

  private async onTimeout(): Promise<void> {
    const head = this.inFlight[0];
    if (!head) return;
    if (this.headAttempts >= this.options.attempts) {
      throw new FlashdeckError({
        code: 'NRF_DFU_NO_ACK',
        stage: this.stage,
        message: `The bootloader on ${this.reader.path} did not acknowledge ${head.label} after ${this.options.attempts} attempts.`,
        hint: 'Check the cable and that the board is in the bootloader (double-tap RESET: the LED pulses), then retry. The board is not bricked: it stays in the bootloader.',
      });
    }
    this.headAttempts++;
    this.goBackDoneFor = null;
    this.options.onRetransmit?.(head.label, this.headAttempts, 'timeout');
    await this.resendWindow();
  }
}
