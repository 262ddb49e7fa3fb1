/**
 * The ESP32 simulator's heap apps, read by the heap view's analysis: alloc-stress's GC sawtooth
 * with NumGC, its slow-leak mode, heap-telemetry in Teleplot form, and the alloc-stress program
 * itself built for the host (Debian go, -tags noled) printing lines the decoder reads.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appModelFor, type AppOptions } from '../../../simulators/esp32/app-model';
import { decodePlotterLine } from '../../../electron/services/telemetry/plotter-line';
import { HeapAnalysis } from '../../../renderer/telemetry/heap-analysis';

const ALLOC_STRESS_IMAGE = Buffer.from('\0uptime_ms:\0,wave:\0,live_bytes:\0,heap_alloc:\0,heap_inuse:\0,heap_idle:\0', 'latin1');
const HEAP_TELEMETRY_IMAGE = Buffer.from('\0uptime_ms:\0,heap_alloc:\0,heap_inuse:\0,heap_idle:\0>uptime_ms:\0', 'latin1');

function analyse(lines: string[]): HeapAnalysis {
  const heap = new HeapAnalysis(8192);
  lines.forEach((line, i) => {
    const sample = decodePlotterLine(line);
    if (sample) heap.append([i], Object.fromEntries(Object.entries(sample.series).map(([k, v]) => [k, [v]])));
  });
  return heap;
}

function run(image: Buffer, ticks: number, options: AppOptions = {}): string[] {
  const app = appModelFor(image, 100, options);
  return Array.from({ length: ticks }, (_, tick) => app.line(tick, 'ESP32'))
    .join('')
    .split('\r\n')
    .filter(Boolean);
}

describe('simulated heap apps', () => {
  it('alloc-stress: a GC sawtooth counted by NumGC, no leak', () => {
    const heap = analyse(run(ALLOC_STRESS_IMAGE, 400));
    expect(heap.figures.gcSource).toBe('NumGC');
    expect(heap.figures.gcCount).toBeGreaterThanOrEqual(5);
    expect(heap.figures.peakInuse).toBeGreaterThan(40_000);
    expect(heap.leak).toBeNull();
  });

  it('alloc-stress leaking 512 B a wave: the leak watch sees the floor rise and projects the end', () => {
    const heap = analyse(run(ALLOC_STRESS_IMAGE, 400, { leakBytesPerWave: 512 }));
    expect(heap.leak).not.toBeNull();
    // 512 B per wave of 17 steps of 0.1 s ≈ 301 B/s.
    expect(heap.leak!.bytesPerSecond).toBeGreaterThan(150);
    expect(heap.leak!.bytesPerSecond).toBeLessThan(600);
  });

  it('heap-telemetry in Teleplot form drives the same heap reading', () => {
    const lines = run(HEAP_TELEMETRY_IMAGE, 60, { format: 'teleplot' });
    expect(lines[0]).toBe('>uptime_ms:0');
    const heap = analyse(lines);
    expect(heap.clock).toBe('device');
    expect(heap.held).toBeGreaterThanOrEqual(59);
    expect(heap.figures.capacity).toBe(241_776);
    expect(heap.figures.gcCount).toBeGreaterThan(0);
  });

  const hasGo = (() => {
    try {
      execFileSync('go', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasGo)('the leaky-cache fixture built for the host: the leak watch sees its cache grow after every GC', { timeout: 120_000 }, async () => {
    const lines = await runOnHost(join(import.meta.dirname, '..', '..', 'fixtures', 'programs', 'leaky-cache'), 600);
    const heap = analyse(lines);
    expect(heap.figures.gcSource).toBe('NumGC');
    expect(heap.figures.gcCount).toBeGreaterThanOrEqual(16);
    expect(heap.leak).not.toBeNull();
    expect(heap.leak!.bytesPerSecond).toBeGreaterThan(0);
  });

  it.skipIf(!hasGo)('the alloc-stress program built for the host prints lines the decoder reads as heap samples', { timeout: 120_000 }, async () => {
    const lines = await runOnHost(join(import.meta.dirname, '..', '..', '..', 'resources', 'programs', 'alloc-stress'), 60, ['-ldflags', '-X main.stepMs=5']);
    const heap = analyse(lines);
    expect(heap.active).toBe(true);
    expect(heap.clock).toBe('device');
    expect(heap.held).toBeGreaterThanOrEqual(55);
    expect(heap.heapSeries).toContain('num_gc');
    expect(heap.figures.allocRate).toBeGreaterThan(0);
  });
});

/** Builds a Go program for the host (`-tags noled`) and returns its first `count` printed lines (print/println go to stderr). */
async function runOnHost(dir: string, count: number, buildArgs: string[] = []): Promise<string[]> {
  const out = mkdtempSync(join(tmpdir(), 'flashdeck-host-program-'));
  try {
    const binary = join(out, 'program');
    execFileSync('go', ['build', '-tags', 'noled', ...buildArgs, '-o', binary, '.'], { cwd: dir, env: { ...process.env, CGO_ENABLED: '0' }, stdio: 'ignore' });
    const child = spawn(binary, [], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.stderr.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (text.split('\n').length > count) resolve();
      });
    });
    child.kill();
    return text.split('\n').slice(0, count);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('simulated alloc-stress out of memory', () => {
  it('a leak that fills the heap ends in the out-of-memory panic, then silence; free heap never goes below zero', () => {
    const lines = run(ALLOC_STRESS_IMAGE, 3000, { leakBytesPerWave: 4096 });
    const panicAt = lines.indexOf('panic: runtime error: out of memory');
    expect(panicAt).toBeGreaterThan(0);
    expect(lines.length).toBe(panicAt + 1);
    const heap = analyse(lines);
    expect(heap.figures.minFree).toBeGreaterThanOrEqual(0);
  });
});
