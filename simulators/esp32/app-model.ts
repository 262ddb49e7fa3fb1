/**
 * What the simulated chip's application prints, judged from the flashed image the way a person
 * would guess from `strings`: an image that carries heap-telemetry's labels prints heap samples
 * (an Arduino-plotter line per tick, or Teleplot lines, with a GC sawtooth); one that carries
 * alloc-stress's labels runs its allocation waves against a modelled TinyGo heap (16-byte blocks,
 * a collection when an allocation does not fit or at every fourth wave, NumGC counted); anything
 * else says hello. The labels come from the program's Go string constants, which builds (and the
 * stand-in tinygo) keep in rodata. Options make the app leak (memory that survives every GC) and
 * make the board reboot mid-session (uptime starts again). A leak that fills the heap ends in
 * TinyGo's out-of-memory panic, after which the program prints nothing.
 */
import { selftestModel, type SelftestRig } from './selftest-app';

export interface AppModel {
  /** The text (lines with \r\n) the app prints on its n-th tick since boot. */
  line(tick: number, chipName: string): string;
}

export interface AppOptions {
  /** heap-telemetry's line format (its -X main.format). */
  format?: 'arduino' | 'teleplot';
  /** alloc-stress: bytes per wave that are never freed (a slow leak). */
  leakBytesPerWave?: number;
  /** The board restarts once after this many ticks (a brown-out, a watchdog). */
  rebootAfterTicks?: number;
  /** The selftest fixture program: which of its checks this rig fails or panics in (selftest-app.ts). */
  selftest?: SelftestRig;
}

const HEAP_LABELS = ['uptime_ms:', ',heap_alloc:', ',heap_inuse:', ',heap_idle:'];
/** The string constants heap-telemetry keeps in rodata (resources/programs/heap-telemetry/main.go): a sample image carrying them runs as that program. */
export const HEAP_TELEMETRY_STRINGS = 'uptime_ms:\0,heap_alloc:\0,heap_inuse:\0,heap_idle:\0,heap_sys:\0,total_alloc:\0,mallocs:\0,frees:\0arduino\0';
const ALLOC_STRESS_LABELS = [',wave:', ',live_bytes:'];

export function appModelFor(image: Uint8Array, periodMs: number, options: AppOptions = {}): AppModel {
  const text = Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString('latin1');
  const selftest = selftestModel(text, periodMs, options.selftest);
  if (selftest) return selftest;
  if (HEAP_LABELS.every((label) => text.includes(label))) {
    if (ALLOC_STRESS_LABELS.every((label) => text.includes(label))) return allocStress(periodMs, options);
    return heapTelemetry(periodMs, options);
  }
  return { line: (tick, chipName) => `Hello from TinyGo on ${chipName} (${tick})\r\n` };
}

function heapTelemetry(periodMs: number, options: AppOptions): AppModel {
  const heapSys = 241_776;
  return {
    line(tick) {
      // Allocations grow the heap until the collector frees most of it: the sawtooth users look for.
      const inUse = 1232 + ((tick * 1536) % 40_960);
      const uptime = tick * periodMs;
      const mallocs = 9 + tick * 12;
      const frees = 2 + tick * 11;
      if (options.format === 'teleplot') {
        return `>uptime_ms:${uptime}\r\n>heap_alloc:${inUse}\r\n>heap_inuse:${inUse}\r\n>heap_idle:${heapSys - inUse}\r\n>mallocs:${mallocs}\r\n>frees:${frees}\r\n`;
      }
      return `uptime_ms:${uptime},heap_alloc:${inUse},heap_inuse:${inUse},heap_idle:${heapSys - inUse},heap_sys:${heapSys},total_alloc:${1376 + tick * 1536},mallocs:${mallocs},frees:${frees}\r\n`;
    },
  };
}

/** alloc-stress's main loop (resources/programs/alloc-stress/main.go) against a small block heap. */
function allocStress(periodMs: number, options: AppOptions): AppModel {
  const SLOTS = 16;
  const LARGEST = 2048;
  const HEAP = 65_536;
  const BLOCK = 16;
  const blocks = (size: number) => Math.ceil(size / BLOCK) * BLOCK;
  let state = fresh();
  function fresh() {
    // The runtime's own allocations before main: a small floor.
    return {
      tick: -1,
      wave: 1,
      step: 0,
      inuse: 512,
      reachable: 512,
      live: [] as number[],
      leaked: 0,
      garbageObjects: 0,
      liveObjects: 0,
      mallocs: 4,
      frees: 0,
      totalAlloc: 512,
      numGc: 0,
      outOfMemory: false,
      panicPrinted: false,
    };
  }
  function collect() {
    const s = state;
    s.inuse = s.reachable;
    s.frees += s.garbageObjects;
    s.garbageObjects = 0;
    s.numGc++;
  }
  function allocate(bytes: number, keep: boolean) {
    const s = state;
    const size = blocks(bytes);
    if (s.inuse + size > HEAP) collect();
    if (s.inuse + size > HEAP) {
      // Still no room: TinyGo panics and the program stops.
      s.outOfMemory = true;
      return;
    }
    s.inuse += size;
    s.totalAlloc += size;
    s.mallocs++;
    if (keep) s.reachable += size;
  }
  function advance() {
    const s = state;
    if (s.step < SLOTS) {
      const size = 32 + Math.floor(((LARGEST - 32) * s.step) / (SLOTS - 1));
      allocate(size, true);
      s.live.push(size);
      s.liveObjects++;
      s.step++;
      return;
    }
    // Drop: every buffer becomes garbage; the leak keeps a little each wave.
    for (const size of s.live) s.reachable -= blocks(size);
    s.garbageObjects += s.liveObjects;
    s.live = [];
    s.liveObjects = 0;
    if (options.leakBytesPerWave) {
      allocate(options.leakBytesPerWave, true);
      s.leaked += options.leakBytesPerWave;
    }
    if (s.wave % 4 === 0) collect();
    s.wave++;
    s.step = 0;
  }
  return {
    line(tick) {
      if (tick < state.tick) state = fresh(); // rebooted
      while (state.tick < tick && !state.outOfMemory) {
        state.tick++;
        if (state.tick > 0) advance();
      }
      const s = state;
      if (s.outOfMemory) {
        if (s.panicPrinted) return '';
        s.panicPrinted = true;
        return 'panic: runtime error: out of memory\r\n';
      }
      const liveBytes = s.live.reduce((sum, size) => sum + size, 0);
      return `uptime_ms:${tick * periodMs},wave:${s.wave},live_bytes:${liveBytes},heap_alloc:${s.inuse},heap_inuse:${s.inuse},heap_idle:${HEAP - s.inuse},total_alloc:${s.totalAlloc},mallocs:${s.mallocs},frees:${s.frees},num_gc:${s.numGc}\r\n`;
    },
  };
}
