/**
 * npm run bench:telemetry — telemetry speed, two figures:
 *  1. The plotter-line decoder in Node, lines/s over a mix of heap lines (Arduino and Teleplot),
 *     generic series and console text. Goal ≥ 400,000 lines/s; printed with its ratio to the goal
 *     and to the most lines a 2 Mbaud link can carry (its shortest plottable line, `a:1\r\n`).
 *  2. End to end in Chromium: a simulated board streams 5,000 samples/s of 8 series (one Arduino
 *     line per sample, magnitudes from units to hundreds of thousands, so several axes) through a
 *     real pseudo-terminal into `npm run serve` and the Telemetry tab, for 60 s, which fills the
 *     view's ring (131,072 samples × 8 series ≈ 1 M points) after 26 s. Renderer frame time p50/p95
 *     (goal p95 ≤ 16.7 ms) and renderer JS heap after a GC at 10 s and 60 s (must plateau).
 * Every figure, with its unit, goes to bench/results/telemetry.json.
 *
 *   npm run bench:telemetry -- --seconds 30
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession } from 'playwright-core';
import { launchBrowser, projectRoot, removeDir, startServe } from '../test/e2e/harness';
import { attachToPty } from '../simulators/common/pty-transport';
import { PacedStreamer, percentile } from './paced-stream';
import { decodePlotterLine } from '../electron/services/telemetry/plotter-line';

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
};
const SECONDS = Number(flag('--seconds') ?? 60);
const SAMPLES_PER_SECOND = 5000;
const SERIES = 8;

function decoderThroughput(): { linesPerSecond: number; lines: number; seconds: number } {
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) {
    lines.push(
      `uptime_ms:${i * 100},heap_alloc:${1232 + i},heap_inuse:${1232 + i},heap_idle:${240544 - i},heap_sys:241776,total_alloc:${1376 + i * 7},mallocs:${9 + i},frees:${2 + i}\r\n`,
    );
    lines.push(`>heap_inuse:${1232 + i}\r\n`);
    lines.push(`temp:${(20 + (i % 50) / 10).toFixed(1)} hum:${40 + (i % 20)}\r\n`);
    lines.push(`>volts:${(3.3 - (i % 10) / 100).toFixed(2)}§V\r\n`);
    lines.push(`I (${i}) wifi: some log text that is not plotted\r\n`);
  }
  let decoded = 0;
  for (const line of lines) if (decodePlotterLine(line)) decoded++; // warm up
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < 3000) {
    for (const line of lines) if (decodePlotterLine(line)) decoded++;
    count += lines.length;
  }
  const seconds = (performance.now() - started) / 1000;
  if (decoded === 0) throw new Error('the decoder decoded nothing');
  return { linesPerSecond: Math.round(count / seconds), lines: count, seconds };
}

/** 8 series per line, `SAMPLES_PER_SECOND` lines per second. */
class SampleStreamer extends PacedStreamer {
  start(seconds: number): Promise<void> {
    return this.run(seconds);
  }

  protected due(elapsedMs: number): string {
    const due = Math.floor((elapsedMs / 1000) * SAMPLES_PER_SECOND);
    let text = '';
    while (this.sent < due) {
      const n = ++this.sent;
      const s = Math.sin(n / 500);
      text += `a:${(s * 3).toFixed(3)},b:${(Math.cos(n / 700) * 5).toFixed(3)},c:${n % 100},d:${Math.round(1000 + s * 800)},e:${Math.round(2000 + (n % 1000))},f:${Math.round(120_000 + s * 90_000)},g:${Math.round(240_000 - (n % 5000))},h:${(s * 0.01).toFixed(5)}\r\n`;
    }
    return text;
  }
}

/** JS heap after a GC, and the typed arrays' backing stores (outside the JS heap) where Chromium reports them. */
async function heapMb(cdp: CDPSession): Promise<{ js: number; backing: number | null }> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize, backingStorageSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
  const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  return { js: mb(usedSize), backing: backingStorageSize === undefined ? null : mb(backingStorageSize) };
}

const round1 = (value: number) => Math.round(value * 10) / 10;

async function rendererRun() {
  const serve = await startServe();
  const browser = await launchBrowser();
  const streamer = new SampleStreamer();
  const pty = await attachToPty(streamer, { baud: 2_000_000, throttle: false });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const cdp = await page.context().newCDPSession(page);
    await page.goto(serve.url);
    await page.getByLabel('Add a port by path').locator('input').fill(pty.hostPath);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const entry = page.locator(`nav [data-board-id="port:${pty.hostPath}"]`);
    await entry.waitFor();
    await entry.click();
    await page.getByRole('tab', { name: 'Telemetry' }).click();
    await page.getByRole('button', { name: 'Connect console' }).click();
    const boardId = `port:${pty.hostPath}`;
    // A string, not a function: tsx would wrap named functions in a helper the page lacks.
    await page.evaluate(`(() => {
      window.__benchFrames = [];
      window.__benchRun = true;
      let last = performance.now();
      const loop = (now) => {
        window.__benchFrames.push(now - last);
        last = now;
        if (window.__benchRun) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    })()`);
    let heapAt10 = { js: NaN, backing: null as number | null };
    const heap10 = new Promise<void>((resolve) =>
      setTimeout(
        () =>
          void heapMb(cdp)
            .then((mb) => (heapAt10 = mb))
            .finally(resolve),
        Math.min(10, SECONDS / 3) * 1000,
      ),
    );
    const started = performance.now();
    await streamer.start(SECONDS);
    await heap10;
    const seconds = (performance.now() - started) / 1000;
    const frames = await page.evaluate(() => {
      const w = window as unknown as { __benchFrames: number[]; __benchRun: boolean };
      w.__benchRun = false;
      return w.__benchFrames.slice(1);
    });
    const heapAtEnd = await heapMb(cdp);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const received = await page.evaluate((id) => window.__flashdeckTelemetry!.points(id), boardId);
    const drawn = Number(await page.getByTestId('telemetry-chart').getAttribute('data-points'));
    const axes = await page.getByTestId('telemetry-axis').count();
    const sorted = [...frames].sort((a, b) => a - b);
    return { seconds, frames, sorted, heapAt10, heapAtEnd, received, drawn, axes, pageErrors };
  } finally {
    streamer.stop();
    await browser.close();
    await serve.stop();
    await pty.close();
    removeDir(serve.dataDir);
  }
}

async function main(): Promise<void> {
  const decoder = decoderThroughput();
  const linkLinesPerSecond = 2_000_000 / 10 / 'a:1\r\n'.length;
  console.log(
    `decoder (Node): ${decoder.linesPerSecond.toLocaleString()} lines/s — ${round1(decoder.linesPerSecond / 400_000)}× the 400,000 lines/s goal, ` +
      `${round1(decoder.linesPerSecond / linkLinesPerSecond)}× the ${linkLinesPerSecond.toLocaleString()} shortest plotter lines/s a 2 Mbaud link carries`,
  );

  const run = await rendererRun();
  const p50 = round1(percentile(run.sorted, 50));
  const p95 = round1(percentile(run.sorted, 95));
  const retained = Math.min(run.received, 131_072) * SERIES;
  const plateau = run.heapAtEnd.js <= run.heapAt10.js * 1.25 + 5;
  console.log(
    `renderer (Chromium, ${SAMPLES_PER_SECOND.toLocaleString()} samples/s × ${SERIES} series, ${round1(run.seconds)} s): received ${run.received.toLocaleString()} samples, ` +
      `${retained.toLocaleString()} points retained, ${run.axes} axes, ${run.drawn.toLocaleString()} points drawn · frame p50 ${p50} ms p95 ${p95} ms (goal ≤ 16.7) · ` +
      `JS heap ${run.heapAt10.js} MB @10 s, ${run.heapAtEnd.js} MB @${Math.round(run.seconds)} s (${plateau ? 'plateau' : 'GROWING'}); ` +
      `typed-array stores ${run.heapAt10.backing ?? '?'} MB @10 s, ${run.heapAtEnd.backing ?? '?'} MB @end`,
  );
  if (run.pageErrors.length) console.log(`page errors: ${run.pageErrors.join(' | ')}`);

  const results = {
    decoder: {
      linesPerSecond: { value: decoder.linesPerSecond, unit: 'lines/s' },
      goal: { value: 400_000, unit: 'lines/s' },
      ratioToGoal: { value: round1(decoder.linesPerSecond / 400_000), unit: '×' },
      ratioTo2MbaudShortestLines: { value: round1(decoder.linesPerSecond / linkLinesPerSecond), unit: '×' },
      goalMet: { value: decoder.linesPerSecond >= 400_000, unit: 'bool' },
    },
    renderer: {
      samplesPerSecond: { value: SAMPLES_PER_SECOND, unit: 'samples/s' },
      series: { value: SERIES, unit: 'series' },
      durationSeconds: { value: round1(run.seconds), unit: 's' },
      samplesReceived: { value: run.received, unit: 'samples' },
      pointsRetained: { value: retained, unit: 'points' },
      pointsDrawn: { value: run.drawn, unit: 'points' },
      axes: { value: run.axes, unit: 'axes' },
      frameTimeP50: { value: p50, unit: 'ms' },
      frameTimeP95: { value: p95, unit: 'ms' },
      frames: { value: run.frames.length, unit: 'frames' },
      jsHeapAt10s: { value: run.heapAt10.js, unit: 'MB' },
      jsHeapAtEnd: { value: run.heapAtEnd.js, unit: 'MB' },
      arrayBufferStoresAt10s: { value: run.heapAt10.backing, unit: 'MB' },
      arrayBufferStoresAtEnd: { value: run.heapAtEnd.backing, unit: 'MB' },
      heapPlateaus: { value: plateau, unit: 'bool' },
      goalMet: { value: p95 <= 16.7 && plateau, unit: 'bool' },
    },
  };
  const dir = join(projectRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'telemetry.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`written to bench/results/telemetry.json`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
