/**
 * Faults a simulated wire can inject, driven by a seeded generator so a failing test replays
 * exactly. A plan can be changed while the simulator runs (e.g. noise only after sync).
 */
export interface FaultPlan {
  /** Probability per byte that one random bit flips. */
  noiseRate?: number;
  /** Probability per byte that it is lost. */
  dropRate?: number;
  /** Disconnect (unplug) once this many bytes have crossed the wire in this direction. */
  disconnectAtByte?: number;
  /** Swallow everything (the device hears nothing / says nothing). */
  silent?: boolean;
  /** Seed for the generator; the same seed gives the same faults. */
  seed?: number;
}

/** mulberry32: small, fast, good enough for fault placement. Returns numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultOutcome {
  bytes: Uint8Array;
  /** True once disconnectAtByte has been reached: the transport must unplug. */
  disconnect: boolean;
}

/** Applies a FaultPlan to a byte stream, counting bytes across calls. */
export class FaultInjector {
  private plan: FaultPlan = {};
  private random: () => number = seededRandom(1);
  private bytesSeen = 0;

  constructor(plan: FaultPlan = {}) {
    this.setPlan(plan);
  }

  setPlan(plan: FaultPlan): void {
    this.plan = { ...plan };
    this.random = seededRandom(plan.seed ?? 1);
    this.bytesSeen = 0;
  }

  get active(): boolean {
    const p = this.plan;
    return Boolean(p.noiseRate || p.dropRate || p.silent || p.disconnectAtByte !== undefined);
  }

  apply(input: Uint8Array): FaultOutcome {
    const p = this.plan;
    if (!this.active) {
      this.bytesSeen += input.length;
      return { bytes: input, disconnect: false };
    }
    let limit = input.length;
    let disconnect = false;
    if (p.disconnectAtByte !== undefined && this.bytesSeen + input.length >= p.disconnectAtByte) {
      limit = Math.max(0, p.disconnectAtByte - this.bytesSeen);
      disconnect = true;
    }
    this.bytesSeen += limit;
    if (p.silent) return { bytes: new Uint8Array(0), disconnect };
    const out: number[] = [];
    for (let i = 0; i < limit; i++) {
      if (p.dropRate && this.random() < p.dropRate) continue;
      let byte = input[i];
      if (p.noiseRate && this.random() < p.noiseRate) byte ^= 1 << Math.floor(this.random() * 8);
      out.push(byte);
    }
    return { bytes: Uint8Array.from(out), disconnect };
  }
}
