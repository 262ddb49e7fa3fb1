/**
 * How many requests one serve-mode window may have Flashdeck working on, and how much it may leave
 * unread: past `maxInFlight` its requests wait their turn and reading from its socket pauses (TCP
 * pushes back on the sender), past `maxQueued` a request is refused at once, and while more than
 * `pauseBufferedBytes` of answers and events wait to be read, its requests are not read either.
 * A window that leaves more than `maxUnreadBytes` unread is disconnected. So a flood from one
 * connection costs bounded memory and the other windows keep their answers coming.
 */
export interface FlowLimits {
  maxInFlight: number;
  maxQueued: number;
  pauseBufferedBytes: number;
  maxUnreadBytes: number;
}

export const SERVE_FLOW_LIMITS: FlowLimits = {
  maxInFlight: 32,
  maxQueued: 4096,
  pauseBufferedBytes: 8 * 1024 * 1024,
  maxUnreadBytes: 256 * 1024 * 1024,
};

/** The parts of a `ws` WebSocket the flow steers. */
export interface FlowSocket {
  readonly bufferedAmount: number;
  readonly isPaused: boolean;
  pause(): void;
  resume(): void;
  terminate(): void;
}

export interface FlowState {
  inFlight: number;
  queued: number;
  bufferedBytes: number;
  paused: boolean;
}

export class RequestFlow {
  private inFlight = 0;
  private readonly queue: (() => Promise<void>)[] = [];
  private closed = false;

  constructor(
    private readonly socket: FlowSocket,
    private readonly limits: FlowLimits = SERVE_FLOW_LIMITS,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Runs `work` now or when a slot frees; false (and nothing runs) when too many already wait. */
  admit(work: () => Promise<void>): boolean {
    if (this.closed || this.queue.length >= this.limits.maxQueued) return false;
    this.queue.push(work);
    this.update();
    return true;
  }

  /**
   * Call after sending to the window and when a send completes: starts waiting requests while the
   * window reads what it is sent, and pauses or resumes reading from it.
   */
  update(): void {
    if (this.closed) return;
    if (this.socket.bufferedAmount > this.limits.maxUnreadBytes) {
      this.log(`A window left ${(this.socket.bufferedAmount / 1048576).toFixed(1)} MiB unread; disconnecting it (it reconnects when it reads again).`);
      this.close();
      this.socket.terminate();
      return;
    }
    const reading = () => this.socket.bufferedAmount <= this.limits.pauseBufferedBytes;
    while (this.inFlight < this.limits.maxInFlight && this.queue.length && reading()) this.start(this.queue.shift()!);
    const busy = this.queue.length > 0 || this.inFlight >= this.limits.maxInFlight || !reading();
    if (busy && !this.socket.isPaused) this.socket.pause();
    else if (!busy && this.socket.isPaused) this.socket.resume();
  }

  /** The connection ended: queued requests are dropped, nothing resumes it. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  state(): FlowState {
    return { inFlight: this.inFlight, queued: this.queue.length, bufferedBytes: this.socket.bufferedAmount, paused: this.socket.isPaused };
  }

  private start(work: () => Promise<void>): void {
    this.inFlight++;
    work()
      .catch((error: unknown) => this.log(`A request failed outside its handler: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.inFlight--;
        this.update();
      });
  }
}
