import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { addBoardByPath, launchBrowser, projectRoot, removeDir, screenshot, startServe, type ServeProcess, openWindow, useStandInTinygo, STAND_IN_TINYGO } from './harness';

/** Real TinyGo linker scripts laid out as a TINYGOROOT: capacity comes from circuitplay-bluefruit.ld there. */
const TINYGO_ROOT = join(projectRoot, 'test', 'fixtures', 'tinygo', 'root');

/** What the stand-in tinygo prints for a build: rerun its last `build` invocation and read the total row. */
function printedTotal(argsFile: string, match: (argv: string[]) => boolean): { flash: number; ram: number } {
  const calls = readFileSync(argsFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { cwd: string; argv: string[] })
    .filter((c) => c.argv[0] === 'build' && c.argv.includes('-size=full') && match(c.argv));
  const { cwd, argv } = calls[calls.length - 1];
  const out = join(mkdtempSync(join(tmpdir(), 'flashdeck-rerun-')), 'rerun.uf2');
  const rerun = argv.map((a, i) => (argv[i - 1] === '-o' ? out : a.startsWith('-o=') ? `-o=${out}` : a));
  const { stdout } = spawnSync(STAND_IN_TINYGO, rerun, { cwd, encoding: 'utf8', env: { ...process.env, FAKE_TINYGO_ARGS_FILE: '' } });
  const total = /^\s*\d+\s+\d+\s+\d+\s+\d+\s+\|\s+(\d+)\s+(\d+)\s+\|\s+total\s*$/m.exec(stdout);
  if (!total) throw new Error(`no total row in:\n${stdout}`);
  return { flash: Number(total[1]), ram: Number(total[2]) };
}

describe('Size history and flag matrix in Chromium (stand-in tinygo)', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const work = mkdtempSync(join(tmpdir(), 'flashdeck-size-history-'));
  const argsFile = join(work, 'tinygo-args.jsonl');

  beforeAll(async () => {
    [serve, browser] = await Promise.all([startServe({ env: { FAKE_TINYGO_ROOT: TINYGO_ROOT, FAKE_TINYGO_ARGS_FILE: argsFile } }), launchBrowser()]);
    ({ page, errors } = await openWindow(browser, serve.url, { viewport: { width: 1400, height: 1000 }, acceptDownloads: true }));
    await addBoardByPath(page, '/dev/ttyHISTORY0', { target: 'circuitplay-bluefruit', guess: 'Circuit Playground Bluefruit' });
    await useStandInTinygo(page);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    if (serve) removeDir(serve.dataDir);
    removeDir(work);
  });

  async function buildOnly(program: RegExp) {
    await page.getByRole('tab', { name: 'Programs' }).click();
    await page.getByRole('button', { name: program }).click();
    await page.getByRole('button', { name: 'Build only' }).click();
    await page
      .getByTestId('build-state')
      .filter({ hasText: /^Done$/ })
      .waitFor({ timeout: 30_000 });
  }

  it('records builds with capacity from the installed TinyGo, headroom and the size the tool printed', async () => {
    await buildOnly(/^Blink/);
    // The same program with -opt=s: a flags change the chart marks.
    await page.getByText('Build options').click();
    await page.locator('label', { hasText: '-opt' }).locator('select').selectOption('s');
    await page.getByRole('button', { name: 'Build only' }).click();
    await page.getByText('Build options').click();

    await page.getByRole('tab', { name: 'Size history' }).click();
    const chart = page.getByTestId('size-chart');
    await chart.and(page.locator('[data-points="2"]')).waitFor();
    // Capacity read from targets/circuitplay-bluefruit.ld: FLASH_TEXT 0xED000-0x26000, RAM 37K.
    await expect(chart.getAttribute('data-capacity-flash')).resolves.toBe('815104');
    await expect(chart.getAttribute('data-capacity-ram')).resolves.toBe('37888');
    await expect(page.getByTestId('capacity-source').textContent()).resolves.toContain('targets/circuitplay-bluefruit.ld → targets/arm.ld');

    const printed = printedTotal(argsFile, (argv) => argv.includes('-opt=s'));
    await expect(page.getByTestId('size-latest').textContent()).resolves.toContain(`flash ${printed.flash.toLocaleString('en-US')} B`);
    const flashHeadroom = page.getByTestId('headroom-flash');
    await expect(flashHeadroom.textContent()).resolves.toContain(`Flash: ${printed.flash.toLocaleString('en-US')} B of 815,104 B used`);
    await expect(flashHeadroom.getAttribute('data-level')).resolves.toBe('ok');
    await expect(page.getByTestId('headroom-ram').textContent()).resolves.toContain(`Static RAM: ${printed.ram.toLocaleString('en-US')} B of 37,888 B used`);

    // A click on the chart selects a build.
    const box = (await chart.locator('.u-over').boundingBox())!;
    await page.mouse.click(box.x + box.width - 4, box.y + box.height / 2);
    await expect(page.getByTestId('selected-build').textContent()).resolves.toMatch(/Build #\d+\s+blink/);
    await screenshot(page, 'size-history');
  });

  it('marks the flags change on the chart', async () => {
    await page.getByRole('tab', { name: 'Size history' }).click();
    const chart = page.getByTestId('size-chart');
    await expect.poll(() => chart.getAttribute('data-markers'), { timeout: 10_000 }).toBe('1');
    await expect(page.getByTestId('change-marker').textContent()).resolves.toContain('flags target defaults → -opt=s');
  });

  it('compares two builds by package, filters the table, flags a build over budget and exports the history', async () => {
    await page.getByRole('tab', { name: 'Size history' }).click();
    const rows = page.getByTestId('size-row');
    await expect.poll(() => rows.count()).toBe(2);
    await rows.nth(0).getByRole('checkbox').check();
    await rows.nth(1).getByRole('checkbox').check();
    const diff = page.getByTestId('build-diff');
    await diff.waitFor();
    await expect(page.getByTestId('diff-also').textContent()).resolves.toContain('Flags (target defaults) → -opt=s.');
    // -opt=s grows the code of the packages that have code: they are listed, largest change first.
    const first = await page.getByTestId('diff-row').first().textContent();
    expect(first).toMatch(/\+[\d,]+ B code/);

    await page.getByLabel('Filter by flag').fill('-opt=s');
    await page.getByLabel('Filter by flag').press('Enter');
    await expect.poll(() => rows.count()).toBe(1);
    await expect(page.getByTestId('history-count').textContent()).resolves.toBe('1–1 of 1 builds');
    await page.getByLabel('Filter by flag').fill('');
    await page.getByLabel('Filter by flag').press('Enter');
    await expect.poll(() => rows.count()).toBe(2);

    // A flash budget below the latest build: its row says by how much.
    const printed = printedTotal(argsFile, (argv) => argv.includes('-opt=s'));
    const budget = page.getByLabel('Flash at most (bytes)');
    await budget.fill(String(printed.flash - 100));
    await budget.press('Enter');
    await page.getByTestId('budget-saved').waitFor();
    await expect(page.getByTestId('over-budget').first().textContent()).resolves.toBe(
      `Over the flash budget: ${printed.flash.toLocaleString('en-US')} B used of ${(printed.flash - 100).toLocaleString('en-US')} B (+100 B).`,
    );

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    const csv = readFileSync((await file.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(csv[0]).toMatch(/^build_id,started_at,program,/);
    // One line per package of each build (the full tables the stand-in printed).
    expect(csv.length).toBeGreaterThan(10);
    // Text that a spreadsheet would run as a formula (a leading -, =, + or @) is prefixed with '.
    expect(csv.filter((line) => /,'-opt=s[ ,]/.test(line)).length).toBeGreaterThan(5);
    expect(file.suggestedFilename()).toMatch(/\.csv$/);
  });

  it('compares flags: one build per variant, the smallest marked, failures with what tinygo said, stored as builds', async () => {
    await page.getByRole('tab', { name: 'Programs' }).click();
    await page.getByRole('button', { name: /^Allocation stress/ }).click();
    await page.getByRole('region', { name: 'Allocation stress' }).getByRole('button', { name: 'Compare flags…' }).click();
    const matrix = page.getByTestId('flag-matrix');
    // Defaults: -opt z,s × -gc conservative,leaking; add -gc=none (fails to link: the program allocates).
    await matrix.locator('fieldset', { hasText: '-gc' }).getByLabel('none').check();
    await matrix.getByRole('button', { name: 'Build 6 variants' }).click();
    await page.getByTestId('matrix-progress').filter({ hasText: 'finished: 6 of 6 variants, 2 failed' }).waitFor({ timeout: 60_000 });
    const results = matrix.getByTestId('matrix-row');
    await expect(results.count()).resolves.toBe(6);
    await expect(matrix.locator('[data-testid="matrix-row"][data-ok="false"]').count()).resolves.toBe(2);
    await expect(matrix.locator('[data-ok="false"] [data-testid="matrix-result"]').first().textContent()).resolves.toContain('linker could not find symbol runtime.alloc');
    // The smallest flash is the one the tool printed smallest among the variants that built.
    const smallest = await matrix.getByTestId('matrix-smallest').locator('xpath=ancestor::tr').textContent();
    const built = ['-opt=z -gc=conservative', '-opt=z -gc=leaking', '-opt=s -gc=conservative', '-opt=s -gc=leaking'].map((flags) => ({
      flags,
      flash: printedTotal(argsFile, (argv) => flags.split(' ').every((f) => argv.includes(f)) && argv.includes('-scheduler=tasks') && !argv.includes('-gc=none')).flash,
    }));
    const min = built.reduce((a, b) => (b.flash < a.flash ? b : a));
    expect(smallest).toContain(min.flags);
    expect(smallest).toContain(`${min.flash.toLocaleString('en-US')} B`);
    await screenshot(page, 'flag-matrix');

    // Stored as builds: the history has them, and the comparison opens again later.
    await page.getByRole('tab', { name: 'Size history' }).click();
    await expect.poll(() => page.getByTestId('history-count').textContent(), { timeout: 10_000 }).toMatch(/of 8 builds/);
    await page.getByRole('tab', { name: 'Programs' }).click();
    await page.getByRole('button', { name: /^Allocation stress/ }).click();
    await page.getByRole('region', { name: 'Allocation stress' }).getByRole('button', { name: 'Compare flags…' }).click();
    await page.getByText('Earlier comparisons on this board (1)').click();
    await page.getByRole('button', { name: /#\d+ alloc-stress.*6 of 6 variants, finished/ }).click();
    await expect.poll(() => page.getByTestId('matrix-row').count(), { timeout: 10_000 }).toBe(6);
    expect(errors).toEqual([]);
  });
});
