/**
 * npm run bench:console — console throughput end to end: a simulated board streams
 * sequence-numbered lines through a real pseudo-terminal into `npm run serve` and the Console tab
 * in Chromium, at UART rates (115200, 1 Mbaud, 2 Mbaud: 10 bits per byte) and at 1 MB/s (USB-CDC),
 * for 30 s each. Prints and writes to bench/results/console.json:
 *   lines sent vs received (counted in the renderer's data model, not the DOM), dropped bytes,
 *   renderer frame time p50/p95 (ms), renderer JS heap at 10 s and 30 s (MB, after a GC),
 *   main-process CPU (% of one core).
 * Goals: zero loss at every rate; p95 frame ≤ 33 ms at 2 Mbaud and ≤ 50 ms at 1 MB/s.
 *
 *   npm run bench:console -- --seconds 10 --rates 115200,2000000
 *   npm run bench:console -- --ansi     (every line coloured like ESP-IDF logs: the view's worst case)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { launchBrowser, projectRoot, removeDir, startServe } from '../test/e2e/harness';
import { attachToPty } from '../simulators/common/pty-transport';
import { PacedStreamer, percentile } from './paced-stream';

interface Rate {
  name: string;
  /** Payload bytes per second. */
  bytesPerSecond: number;
}

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
};
const SECONDS = Number(flag('--seconds') ?? 30);
const ANSI = argv.includes('--ansi');
const ALL_RATES: Rate[] = [
  { name: '115200 baud', bytesPerSecond: 115200 / 10 },
  { name: '1 Mbaud', bytesPerSecond: 1_000_000 / 10 },
  { name: '2 Mbaud', bytesPerSecond: 2_000_000 / 10 },
  { name: '1 MB/s USB-CDC', bytesPerSecond: 1_000_000 },
];
const RATES = flag('--rates')
  ? ALL_RATES.filter((rate) =>
      flag('--rates')!
        .split(',')
        .some((r) => Math.round(rate.bytesPerSecond * (rate.name.includes('USB') ? 1 : 10)) === Number(r)),
    )
  : ALL_RATES;

/** Streams `seq N\r\n` lines at a fixed byte rate. */
class SequenceStreamer extends PacedStreamer {
  private bytesPerSecond = 0;
  private budget = 0;

  start(bytesPerSecond: number, seconds: number): Promise<void> {
    this.bytesPerSecond = bytesPerSecond;
    this.budget = 0;
    return this.run(seconds);
  }

  protected due(_elapsedMs: number, tickMs: number): string {
    this.budget += (tickMs / 1000) * this.bytesPerSecond;
    let text = '';
    while (this.budget > 0) {
      const n = this.sent + 1;
      const line = ANSI ? `\x1b[0;32mI (${n}) app: seq ${n}\x1b[0m\r\n` : `seq ${n}\r\n`;
      text += line;
      this.budget -= line.length;
      this.sent++;
    }
    return text;
  }
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  // After "(comm) ": state is fields[0]; utime is field 14 overall → index 11, stime → 12.
  return Number(fields[11]) + Number(fields[12]);
}

async function heapMb(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  return Math.round((usedSize / 1024 / 1024) * 10) / 10;
}

async function openConsoleFor(page: Page, path: string): Promise<string> {
  await page.getByLabel('Add a port by path').locator('input').fill(path);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const entry = page.locator(`nav [data-board-id="port:${path}"]`);
  await entry.waitFor();
  await entry.click();
  await page.getByRole('tab', { name: 'Console' }).click();
  await page.getByTestId('console-state').filter({ hasText: 'Connected' }).waitFor();
  return `port:${path}`;
}

interface RateResult {
  rate: string;
  bytesPerSecond: { value: number; unit: 'B/s' };
  durationSeconds: { value: number; unit: 's' };
  linesSent: { value: number; unit: 'lines' };
  linesReceived: { value: number; unit: 'lines' };
  lost: { value: number; unit: 'lines' };
  sequenceIntact: { value: boolean; unit: 'bool' };
  droppedBytes: { value: number; unit: 'B' };
  linesHeldInScrollback: { value: number; unit: 'lines' };
  frameTimeP50: { value: number; unit: 'ms' };
  frameTimeP95: { value: number; unit: 'ms' };
  frames: { value: number; unit: 'frames' };
  rendererHeapAt10s: { value: number; unit: 'MB' };
  rendererHeapAt30s: { value: number; unit: 'MB' };
  mainCpu: { value: number; unit: '% of one core' };
  goalMet: { value: boolean | null; unit: 'bool' };
}

async function main(): Promise<void> {
  const serve = await startServe();
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const cdp = await page.context().newCDPSession(page);
  await page.goto(serve.url);
  await page.getByRole('heading', { name: 'Connect a board' }).waitFor();
  const results: RateResult[] = [];
  const clockTicks = 100;

  try {
    for (const rate of RATES) {
      const streamer = new SequenceStreamer();
      const pty = await attachToPty(streamer, { baud: Math.round(rate.bytesPerSecond * 10), throttle: false });
      const boardId = await openConsoleFor(page, pty.hostPath);
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
      const before = await page.evaluate((id) => window.__flashdeckConsole!.stats(id)?.linesReceived ?? 0, boardId);
      const cpuStart = cpuTicks(serve.process.pid!);
      const started = performance.now();
      let heapAt10 = NaN;
      const heap10Timer = new Promise<void>((resolve) =>
        setTimeout(
          async () => {
            heapAt10 = await heapMb(cdp);
            resolve();
          },
          Math.min(10, SECONDS / 3) * 1000,
        ),
      );
      await streamer.start(rate.bytesPerSecond, SECONDS);
      await heap10Timer;
      const streamSeconds = (performance.now() - started) / 1000;
      const cpuEnd = cpuTicks(serve.process.pid!);
      const heapAt30 = await heapMb(cdp);
      // Let the last batches arrive and be parsed.
      const deadline = Date.now() + 20_000;
      let stats = await page.evaluate((id) => window.__flashdeckConsole!.stats(id), boardId);
      while (Date.now() < deadline && (stats!.linesReceived - before < streamer.sent || stats!.pending)) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        stats = await page.evaluate((id) => window.__flashdeckConsole!.stats(id), boardId);
      }
      const frames = await page.evaluate(() => {
        const w = window as unknown as { __benchFrames: number[]; __benchRun: boolean };
        w.__benchRun = false;
        return w.__benchFrames.slice(1);
      });
      // The lines still held must be an unbroken run ending at the last line sent.
      // (A pty path can be reused by the next run: look only at this run's lines.)
      const fromThisRun = Math.min(20_000, stats!.linesReceived - before);
      const held = await page.evaluate(([id, count]) => window.__flashdeckConsole!.lines(id).slice(-count), [boardId, fromThisRun] as const);
      const sequence = held
        .map((line) => /seq (\d+)$/.exec(line))
        .filter((m) => m !== null)
        .map((m) => Number(m[1]));
      const intact = sequence.length > 0 && sequence.at(-1) === streamer.sent && sequence.every((n, i) => i === 0 || n === sequence[i - 1] + 1);
      const sorted = [...frames].sort((a, b) => a - b);
      const received = stats!.linesReceived - before;
      const p95 = Math.round(percentile(sorted, 95) * 10) / 10;
      const goal = rate.name === '2 Mbaud' ? p95 <= 33 : rate.name.includes('USB') ? p95 <= 50 : null;
      const result: RateResult = {
        rate: rate.name,
        bytesPerSecond: { value: Math.round(streamer.bytes / streamSeconds), unit: 'B/s' },
        durationSeconds: { value: Math.round(streamSeconds * 10) / 10, unit: 's' },
        linesSent: { value: streamer.sent, unit: 'lines' },
        linesReceived: { value: received, unit: 'lines' },
        lost: { value: streamer.sent - received, unit: 'lines' },
        sequenceIntact: { value: intact, unit: 'bool' },
        droppedBytes: { value: stats!.droppedBytes, unit: 'B' },
        linesHeldInScrollback: { value: stats!.linesHeld, unit: 'lines' },
        frameTimeP50: { value: Math.round(percentile(sorted, 50) * 10) / 10, unit: 'ms' },
        frameTimeP95: { value: p95, unit: 'ms' },
        frames: { value: frames.length, unit: 'frames' },
        rendererHeapAt10s: { value: heapAt10, unit: 'MB' },
        rendererHeapAt30s: { value: heapAt30, unit: 'MB' },
        mainCpu: { value: Math.round(((cpuEnd - cpuStart) / clockTicks / streamSeconds) * 1000) / 10, unit: '% of one core' },
        goalMet: { value: goal === null ? received === streamer.sent : goal && received === streamer.sent, unit: 'bool' },
      };
      results.push(result);
      console.log(
        `${rate.name.padEnd(16)} sent ${result.linesSent.value} received ${received} (lost ${result.lost.value}, dropped ${stats!.droppedBytes} B, sequence ${intact ? 'intact' : 'BROKEN'}) · ` +
          `frame p50 ${result.frameTimeP50.value} ms p95 ${p95} ms · heap ${heapAt10} MB @10s, ${heapAt30} MB @end (${stats!.linesHeld} lines held) · main CPU ${result.mainCpu.value} %`,
      );
      await page.getByTestId('console').getByRole('button', { name: 'Disconnect' }).click();
      streamer.stop();
      await pty.close();
    }
  } finally {
    await browser.close();
    await serve.stop();
    removeDir(serve.dataDir);
  }

  const out = {
    when: new Date().toISOString(),
    secondsPerRate: SECONDS,
    lineFormat: ANSI ? 'ESP-IDF colour: \\x1b[0;32mI (N) app: seq N\\x1b[0m\\r\\n' : 'seq N\\r\\n',
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    scrollbackLines: 100_000,
    pageErrors,
    results,
  };
  const dir = join(projectRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = ANSI ? 'console-ansi.json' : 'console.json';
  writeFileSync(join(dir, file), JSON.stringify(out, null, 2));
  console.log(`Wrote bench/results/${file}`);
  if (results.some((r) => r.lost.value !== 0 || r.droppedBytes.value !== 0)) process.exitCode = 1;
}

await main();
