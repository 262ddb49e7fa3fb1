/**
 * npm run bench:history — the size history at scale. Fills a fresh database with 10,000 builds of
 * 60 package rows each through the store (one transaction per build, synchronous=FULL, as the app
 * writes them), then measures:
 *   insert rate (builds/s), and its ratio to the same rows inserted in one raw transaction (the
 *     peer: what SQLite does with no per-build commit);
 *   loading one board's history for the chart (history.series): the store query, and the whole
 *     request through the dispatcher (argument and result validation, JSON) as the window asks for it;
 *   diffing two builds by package;
 *   drawing the chart with the 10,000 builds in Chromium (npm run serve + the Size history tab),
 *     from setData to the end of uPlot's draw, measured in the page.
 * Goals: load < 50 ms, diff < 10 ms, draw < 50 ms. Every figure, with its unit, goes to
 * bench/results/history.json.
 *
 *   npm run bench:history -- --builds 2000 --no-browser
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../electron/services/store/database';
import { HistoryService } from '../electron/services/history/history-service';
import { createDispatcher, type Handlers } from '../electron/dispatcher';
import type { SizeHistoryEntry } from '../electron/services/store/size-history';
import { addBoardByPath, launchBrowser, removeDir, startServe } from '../test/e2e/harness';

const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const BUILDS = Number(option('--builds') ?? 10_000);
const PACKAGES = 60;
const BROWSER = !argv.includes('--no-browser');
const BOARD_PATH = '/dev/ttyBENCH0';
const BOARD_ID = `port:${BOARD_PATH}`;
const GOALS = { loadMs: 50, diffMs: 10, drawMs: 50 };

type Figure = { value: number; unit: string };
const fig = (value: number, unit: string): Figure => ({ value: Math.round(value * 1000) / 1000, unit });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A deterministic build: 60 packages whose sizes drift a little from build to build, flags and TinyGo changing now and then. */
function buildEntry(i: number): SizeHistoryEntry {
  let seed = i * 2654435761;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n) + 0;
  const packages = Array.from({ length: PACKAGES }, (_, p) => {
    const code = 200 + p * 37 + rnd(40) + Math.floor(i / 50);
    const rodata = 20 + rnd(30);
    const data = p % 7 === 0 ? 4 + rnd(8) : 0;
    const bss = p % 5 === 0 ? 16 + rnd(64) : 0;
    return {
      name: p === 0 ? 'C stack' : `example.com/pkg${String(p).padStart(2, '0')}`,
      kind: p === 0 ? ('c' as const) : ('go' as const),
      code,
      rodata,
      data,
      bss,
      flash: code + rodata + data,
      ram: data + bss,
    };
  });
  const sum = (k: 'code' | 'rodata' | 'data' | 'bss') => packages.reduce((s, p) => s + p[k], 0);
  return {
    boardId: BOARD_ID,
    target: 'feather-nrf52840',
    program: i % 4 === 0 ? 'heap-telemetry' : 'blink',
    startedAt: Date.UTC(2026, 0, 1) + i * 60_000,
    durationMs: 1200,
    ok: i % 97 !== 0,
    tinygoVersion: i < BUILDS / 2 ? '0.33.0' : '0.34.0',
    flags: i % 100 < 80 ? {} : { opt: 's' },
    sizes:
      i % 97 === 0
        ? null
        : {
            format: 'full',
            code: sum('code'),
            rodata: sum('rodata'),
            data: sum('data'),
            bss: sum('bss'),
            flash: sum('code') + sum('rodata') + sum('data'),
            ram: sum('data') + sum('bss'),
            packages,
          },
    artifactBytes: 120_000,
    artifactSha256: i.toString(16).padStart(64, '0'),
    overflowRegion: i % 97 === 0 ? 'FLASH_TEXT' : null,
    overflowBytes: i % 97 === 0 ? 1024 : null,
    error: i % 97 === 0 ? 'BUILD_OVERFLOW: FLASH_TEXT is 1,024 bytes too small' : null,
  };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'flashdeck-bench-history-'));
  const results: Record<string, unknown> = { builds: BUILDS, packagesPerBuild: PACKAGES, goals: GOALS };
  try {
    const file = join(dataDir, 'flashdeck.sqlite');
    const db = openDatabase(file);
    const history = new HistoryService({ db, targetOf: () => 'feather-nrf52840', capacitySources: async () => ({ tinygoRoot: null, linkerScript: null }) });

    // Insert through the store: one transaction (and fsync) per build.
    const entries = Array.from({ length: BUILDS }, (_, i) => buildEntry(i));
    let started = performance.now();
    for (const entry of entries) history.sizes.record(entry);
    const insertMs = performance.now() - started;
    const insertRate = BUILDS / (insertMs / 1000);

    // Peer: the same rows in one raw transaction, into a scratch database.
    const peer = openDatabase(join(dataDir, 'peer.sqlite'));
    const insertBuild = peer.prepare(`INSERT INTO builds (board_id, target, program, started_at, duration_ms, ok, flags, code) VALUES (?, ?, ?, ?, 1, 1, '{}', ?)`);
    const insertPackage = peer.prepare(`INSERT INTO build_packages (build_id, package, kind, code, rodata, data, bss, flash, ram) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    started = performance.now();
    peer.transaction(() => {
      for (const e of entries) {
        const id = Number(insertBuild.run(e.boardId, e.target, e.program, e.startedAt, e.sizes?.code ?? null).lastInsertRowid);
        for (const p of e.sizes?.packages ?? []) insertPackage.run(id, p.name, p.kind, p.code, p.rodata, p.data, p.bss, p.flash, p.ram);
      }
    })();
    const peerRate = BUILDS / ((performance.now() - started) / 1000);
    peer.close();

    // Loading the chart's series: the store query, then the full request.
    const loads: number[] = [];
    for (let i = 0; i < 15; i++) {
      started = performance.now();
      history.sizes.series(BOARD_ID, BUILDS);
      loads.push(performance.now() - started);
    }
    const handlers = { 'history.series': ({ boardId, limit }: { boardId: string; limit?: number }) => history.sizes.series(boardId, limit) } as unknown as Handlers;
    const dispatch = createDispatcher(handlers);
    const requests: number[] = [];
    for (let i = 0; i < 15; i++) {
      started = performance.now();
      const reply = await dispatch('history.series', { boardId: BOARD_ID, limit: BUILDS });
      JSON.stringify(reply);
      requests.push(performance.now() - started);
      if (!reply.ok) throw new Error(reply.error.message);
    }

    // Diff two builds by package (far apart: different TinyGo and flags).
    const ids = (db.prepare(`SELECT id FROM builds WHERE ok = 1 ORDER BY id`).all() as { id: number }[]).map((r) => r.id);
    const diffs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const a = ids[(i * 37) % ids.length];
      const b = ids[(i * 91 + ids.length / 2) % ids.length];
      started = performance.now();
      history.diff(Math.min(a, b), Math.max(a, b));
      diffs.push(performance.now() - started);
    }
    db.close();

    Object.assign(results, {
      insertRate: fig(insertRate, 'builds/s'),
      insertPackageRowRate: fig(insertRate * PACKAGES, 'package rows/s'),
      insertPeerRate: fig(peerRate, 'builds/s (one raw transaction)'),
      insertRatioToPeer: fig(insertRate / peerRate, 'ratio'),
      loadStoreMedian: fig(median(loads), 'ms'),
      loadRequestMedian: fig(median(requests), 'ms'),
      loadRatioToGoal: fig(median(requests) / GOALS.loadMs, 'ratio'),
      diffMedian: fig(median(diffs), 'ms'),
      diffRatioToGoal: fig(median(diffs) / GOALS.diffMs, 'ratio'),
    });
    console.log(
      `insert        ${insertRate.toFixed(0)} builds/s (${(insertRate * PACKAGES).toFixed(0)} package rows/s), ${(insertRate / peerRate).toFixed(3)} of one raw transaction (${peerRate.toFixed(0)} builds/s)`,
    );
    console.log(
      `load          store ${median(loads).toFixed(1)} ms, full request ${median(requests).toFixed(1)} ms for ${BUILDS} builds (goal < ${GOALS.loadMs} ms: ratio ${(median(requests) / GOALS.loadMs).toFixed(2)})`,
    );
    console.log(`diff          ${median(diffs).toFixed(2)} ms by package (goal < ${GOALS.diffMs} ms: ratio ${(median(diffs) / GOALS.diffMs).toFixed(3)})`);

    if (BROWSER) {
      const serve = await startServe({ dataDir });
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        await page.goto(serve.url);
        await addBoardByPath(page, BOARD_PATH);
        await page.getByRole('tab', { name: 'Size history' }).click();
        const chart = page.getByTestId('size-chart');
        const okBuilds = entries.filter((e) => e.ok).length;
        await chart.and(page.locator(`[data-points="${okBuilds}"]`)).waitFor({ timeout: 60_000 });
        await chart.and(page.locator('[data-draw-ms]')).waitFor({ timeout: 10_000 });
        const firstMs = Number(await chart.getAttribute('data-draw-ms'));
        // Redraws (what zoom, pan and every new build cost): "Show all builds" redraws the whole series.
        const renders: number[] = [];
        for (let i = 0; i < 15; i++) {
          const before = Number(await chart.getAttribute('data-renders'));
          await page.getByRole('button', { name: 'Show all builds' }).click();
          await page.waitForFunction((n) => Number(document.querySelector('[data-testid="size-chart"]')?.getAttribute('data-renders')) > n, before);
          renders.push(Number(await chart.getAttribute('data-render-ms')));
        }
        const drawMs = median(renders);
        Object.assign(results, {
          drawChartFirst: fig(firstMs, 'ms (setData to drawn, incl. first layout)'),
          drawChart: fig(drawMs, 'ms (median redraw)'),
          drawRatioToGoal: fig(drawMs / GOALS.drawMs, 'ratio'),
        });
        console.log(
          `draw          ${drawMs.toFixed(1)} ms per redraw of ${okBuilds} builds in Chromium, first draw ${firstMs.toFixed(1)} ms (goal < ${GOALS.drawMs} ms: ratio ${(drawMs / GOALS.drawMs).toFixed(2)})`,
        );
      } finally {
        await browser.close();
        await serve.stop();
      }
    }
  } finally {
    removeDir(dataDir);
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/history.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
  console.log('wrote bench/results/history.json');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
