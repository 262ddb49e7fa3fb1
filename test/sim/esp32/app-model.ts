/**
 * What the simulated chip's application prints, judged from the flashed image the way a person
 * would guess from `strings`: an image that carries heap-telemetry's labels prints heap samples
 * (an Arduino-plotter line per tick, with a GC sawtooth); anything else says hello. The labels come
 * from the program's Go string constants, which builds (and the stand-in tinygo) keep in rodata.
 */
export interface AppModel {
  /** The line (with \r\n) the app prints on its n-th tick. */
  line(tick: number, chipName: string): string;
}

const HEAP_LABELS = ['uptime_ms:', ',heap_alloc:', ',heap_inuse:', ',heap_idle:'];

export function appModelFor(image: Uint8Array, periodMs: number): AppModel {
  const text = Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString('latin1');
  if (HEAP_LABELS.every((label) => text.includes(label))) {
    const heapSys = 241_776;
    return {
      line(tick) {
        // Allocations grow the heap until the collector frees most of it: the sawtooth users look for.
        const inUse = 1232 + ((tick * 1536) % 40_960);
        return `uptime_ms:${tick * periodMs},heap_alloc:${inUse},heap_inuse:${inUse},heap_idle:${heapSys - inUse},heap_sys:${heapSys},total_alloc:${1376 + tick * 1536},mallocs:${9 + tick * 12},frees:${2 + tick * 11}\r\n`;
      },
    };
  }
  return { line: (tick, chipName) => `Hello from TinyGo on ${chipName} (${tick})\r\n` };
}
