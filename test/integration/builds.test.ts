import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAppServices, type AppServices } from '../../electron/services/app-services';
import { requestCaller } from './request-caller';
import type { EventName } from '../../electron/contract';

const root = resolve(import.meta.dirname, '..', '..');
const STAND_IN = join(root, 'test', 'fixtures', 'tinygo', 'tinygo');
const PORT = { path: '/dev/ttyACM-dk', vendorId: '1366', productId: '1015', serialNumber: '000683000001' };

let services: AppServices | null = null;
const temps: string[] = [];
afterEach(async () => {
  await services?.close();
  services = null;
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function setUp(toolInstalled: boolean) {
  const dataDir = mkdtempSync(join(tmpdir(), 'flashdeck-builds-'));
  temps.push(dataDir);
  services = await createAppServices({
    dataDir,
    mode: 'serve',
    version: 'test',
    programsDir: join(root, 'resources', 'programs'),
    lister: async () => [PORT],
    toolProbe: async () => toolInstalled,
    log: () => {},
  });
  const events: { name: EventName; payload: any }[] = [];
  services.hub.subscribe((name, payload) => events.push({ name, payload }));
  const call = requestCaller(services.handlers);
  await call('settings.update', { tinygoPath: STAND_IN });
  const [board] = await call('boards.list', {});
  await call('boards.update', { boardId: board.id, target: 'pca10040' });
  const next = (name: EventName, match: (payload: any) => boolean = () => true, timeoutMs = 20_000) =>
    new Promise<any>((resolvePromise, reject) => {
      const found = events.find((e) => e.name === name && match(e.payload));
      if (found) return resolvePromise(found.payload);
      const timer = setTimeout(() => reject(new Error(`no ${name} within ${timeoutMs} ms`)), timeoutMs);
      const stop = services!.hub.subscribe((n, payload) => {
        if (n === name && match(payload)) {
          clearTimeout(timer);
          stop();
          resolvePromise(payload);
        }
      });
    });
  return { call, next, board, dataDir, events };
}

function program(marker = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'flashdeck-prog-'));
  temps.push(dir);
  writeFileSync(join(dir, 'go.mod'), 'module example.com/dk\n\ngo 1.22\n');
  writeFileSync(join(dir, 'main.go'), `${marker}package main\n\nimport "machine"\n\nfunc main() { machine.LED.Configure(machine.PinConfig{Mode: machine.PinOutput}) }\n`);
  return dir;
}

describe('builds for boards that need a probe (tinygo flash)', () => {
  it('names the missing tool and how to install it, after recording the build', async () => {
    const { call, next, board } = await setUp(false);
    const { buildId } = await call('build.start', { boardId: board.id, source: { kind: 'path', path: program() }, flash: true });
    const summary = await next('build.finished', (p) => p.buildId === buildId);
    expect(summary.ok).toBe(true);
    expect(summary.error).toMatchObject({ code: 'NRF_TOOL_MISSING' });
    expect(`${summary.error.message} ${summary.error.hint}`).toMatch(/OpenOCD/);
    const history = await call('history.sizes', { boardId: board.id });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ ok: true, target: 'pca10040' });
    expect(history[0].flash).toBeGreaterThan(0);
  });

  it('runs tinygo flash for the board as a flash job; a failing tool is a failed flash, recorded as such', async () => {
    const { call, next, board } = await setUp(true);
    const first = await call('build.start', { boardId: board.id, source: { kind: 'path', path: program() }, flash: true });
    const built = await next('build.finished', (p) => p.buildId === first.buildId);
    expect(built.error).toBeNull();
    expect(built.flashJobId).toBeTruthy();
    const flashed = await next('flash.finished', (p) => p.jobId === built.flashJobId);
    expect(flashed).toMatchObject({ ok: true, outcome: { verifiedBy: 'tinygo flash' } });

    const second = await call('build.start', { boardId: board.id, source: { kind: 'path', path: program('// fake-tinygo: flash-fail\n') }, flash: true });
    const built2 = await next('build.finished', (p) => p.buildId === second.buildId);
    const failed = await next('flash.finished', (p) => p.jobId === built2.flashJobId);
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatchObject({ code: 'TINYGO_FLASH_FAILED', message: expect.stringMatching(/failed to flash .*exit status 2/) });
    const log = await call('flash.history', { boardId: board.id });
    expect(log.map((entry: any) => entry.ok)).toEqual([false, true]);
    // The flash records the hash of the build it wrote: the board leads back to that build.
    const rows = await call('history.sizes', { boardId: board.id });
    expect(log[1].artifactSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(log[1].artifactSha256).toBe(rows.find((r: any) => r.id === built.historyId).artifactSha256);
    expect(services!.history.runningBuild(board.id)?.id).toBe(built.historyId);
  });
});

describe('build lifecycle', () => {
  it('cancels a running build: the process tree is gone and no half-written artifact stays', async () => {
    const { call, next, board, dataDir } = await setUp(true);
    await call('boards.update', { boardId: board.id, target: 'feather-nrf52840' });
    const { buildId } = await call('build.start', { boardId: board.id, source: { kind: 'path', path: program('// fake-tinygo: slow\n') } });
    await next('build.log', (p) => p.buildId === buildId, 10_000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    // A window connecting now learns of the running build, and later of how it ended.
    expect(await call('build.jobs', {})).toEqual([expect.objectContaining({ boardId: board.id, buildId, state: 'running', summary: null })]);
    await call('build.cancel', { buildId });
    const summary = await next('build.finished', (p) => p.buildId === buildId);
    expect(summary).toMatchObject({ ok: false, cancelled: true, artifactPath: null });
    expect(await call('build.jobs', {})).toEqual([expect.objectContaining({ buildId, state: 'cancelled', summary: expect.objectContaining({ cancelled: true }) })]);
    const buildsDir = join(dataDir, 'cache', 'builds');
    expect(existsSync(buildsDir) ? readdirSync(buildsDir) : []).toEqual([]);
    // A cancelled build is not a failed build: nothing in the size history.
    expect(await call('history.sizes', { boardId: board.id })).toEqual([]);
  });

  it('a window that connects mid-build gets the log lines it missed, numbered like the events', async () => {
    const { call, next, board, events } = await setUp(true);
    await call('boards.update', { boardId: board.id, target: 'feather-nrf52840' });
    const { buildId } = await call('build.start', { boardId: board.id, source: { kind: 'path', path: program('// fake-tinygo: slow\n') } });
    await next('build.log', (p) => p.buildId === buildId && p.lines.some((l: any) => /slow build, linking/.test(l.text)), 10_000);
    // What a window would have seen had it been connected: every batch, numbered from 0.
    const sent = events.filter((e) => e.name === 'build.log' && e.payload.buildId === buildId).map((e) => e.payload);
    expect(sent.map((b) => b.from)).toEqual(sent.map((_, i) => sent.slice(0, i).reduce((n, b) => n + b.lines.length, 0)));
    const [running] = await call('build.jobs', {});
    expect(running).toMatchObject({ buildId, state: 'running', logFrom: 0 });
    expect(running.log).toEqual(sent.flatMap((b) => b.lines));
    expect(running.log[0].text).toMatch(/^\$ .*tinygo build -target=feather-nrf52840/);
    expect(running.log.map((l: any) => l.text)).toContain('fake-tinygo: slow build, linking…');
    await call('build.cancel', { buildId });
    await next('build.finished', (p) => p.buildId === buildId);
    // After the end the board's latest build still has its log, with the cancellation line.
    const [ended] = await call('build.jobs', {});
    expect(ended.log.at(-1).text).toMatch(/Build cancelled/);
    // A newer build for the board replaces it, log and all.
    const again = await call('build.start', { boardId: board.id, source: { kind: 'program', program: 'blink' } });
    await next('build.finished', (p) => p.buildId === again.buildId);
    const [latest] = await call('build.jobs', {});
    expect(latest.buildId).toBe(again.buildId);
    expect(latest.log.some((l: any) => /slow build/.test(l.text))).toBe(false);
  });

  it('queues a second build for the same board behind the first, and keeps an ELF of the last one for the console', async () => {
    const { call, next, board } = await setUp(true);
    await call('boards.update', { boardId: board.id, target: 'feather-nrf52840' });
    const a = await call('build.start', { boardId: board.id, source: { kind: 'program', program: 'blink' } });
    const b = await call('build.start', { boardId: board.id, source: { kind: 'program', program: 'heap-telemetry' } });
    const queued = await next('build.state', (p) => p.buildId === b.buildId && p.state === 'queued');
    expect(queued.position).toBe(1);
    // The build waiting in line does not hide the one that runs.
    expect((await call('build.jobs', {}))[0]).toMatchObject({ buildId: a.buildId, state: 'running' });
    const [first, second] = await Promise.all([next('build.finished', (p) => p.buildId === a.buildId), next('build.finished', (p) => p.buildId === b.buildId)]);
    expect(first.ok && second.ok).toBe(true);
    const rows = await call('history.sizes', { boardId: board.id });
    expect(rows.map((r: any) => r.program)).toEqual(['blink', 'heap-telemetry']);
    // Flash formats drop the ELF; it is linked again in the background so console panics resolve.
    await expect.poll(async () => (await call('console.status', { boardId: board.id })).elfPath, { timeout: 10_000 }).toMatch(/heap-telemetry\.elf$/);
    expect(existsSync((await call('console.status', { boardId: board.id })).elfPath)).toBe(true);
  });
});

describe('size history of builds made through the app', () => {
  it('records packages, the git commit and the artifact hash, and flags a build over budget in its result, log and row', async () => {
    const { call, next, board, events } = await setUp(true);
    await call('boards.update', { boardId: board.id, target: 'feather-nrf52840' });
    const dir = program();
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, ...args], { env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    const commit = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD']).toString().trim();

    const first = await call('build.start', { boardId: board.id, source: { kind: 'path', path: dir }, flags: { opt: 's' } });
    const built = await next('build.finished', (p) => p.buildId === first.buildId);
    const [row] = await call('history.sizes', { boardId: board.id });
    expect(row).toMatchObject({ id: built.historyId, programPath: dir, gitCommit: commit, gitDirty: false, flagArgs: ['-opt=s'], sizeFormat: 'full' });
    expect(row.artifactSha256).toBe(createHash('sha256').update(readFileSync(built.artifactPath)).digest('hex'));
    expect(row.artifactBytes).toBe(built.artifactBytes);
    // The package rows are the ones tinygo printed (the summary carries its parsed table).
    const packages = await call('history.packages', { buildId: row.id });
    expect(packages.map((p: any) => [p.name, p.code])).toEqual(built.sizes.packages.map((p: any) => [p.name, p.code]));
    expect(packages.length).toBeGreaterThan(5);

    // A flash budget below what the next build uses: its result, its log and its row say so.
    await call('budgets.set', { boardId: board.id, program: row.program, kind: 'flash', bytes: row.flash - 100 });
    writeFileSync(join(dir, 'extra.go'), 'package main\n\nvar extra = "more"\n');
    const second = await call('build.start', { boardId: board.id, source: { kind: 'path', path: dir } });
    const over = await next('build.finished', (p) => p.buildId === second.buildId);
    expect(over.overBudget).toEqual([expect.objectContaining({ kind: 'flash', limitBytes: row.flash - 100, actualBytes: over.sizes.flash })]);
    const logged = events.filter((e) => e.name === 'build.log' && e.payload.buildId === second.buildId).flatMap((e) => e.payload.lines.map((l: any) => l.text));
    expect(logged).toContain(over.overBudget[0].message);
    const page = await call('history.builds', { boardId: board.id, limit: 1 });
    expect(page).toMatchObject({ total: 2, rows: [{ id: over.historyId, gitDirty: true, overBudget: [{ kind: 'flash' }] }] });
  });
});

describe('flag matrix', () => {
  it("builds one program per variant, one after another, tagged with the experiment; failures keep the tool's reason", async () => {
    const { call, next, board, events } = await setUp(true);
    await call('boards.update', { boardId: board.id, target: 'feather-nrf52840' });
    const dir = mkdtempSync(join(tmpdir(), 'flashdeck-matrix-'));
    temps.push(dir);
    writeFileSync(join(dir, 'go.mod'), 'module example.com/m\n\ngo 1.22\n');
    writeFileSync(join(dir, 'main.go'), 'package main\n\nfunc main() {\n\tgo work()\n\tbuf := make([]byte, n)\n\t_ = buf\n}\n\nvar n = 4\n\nfunc work() {}\n');
    const variants = [{ opt: 'z' }, { opt: 'z', gc: 'none' }, { opt: 'z', scheduler: 'none' }, { opt: 'z', gc: 'leaking', panic: 'trap' }];
    const { experimentId } = await call('experiments.start', { boardId: board.id, source: { kind: 'path', path: dir }, variants });
    await next('experiment.progress', (p) => p.experimentId === experimentId && p.state === 'done', 60_000);
    const progress = events.filter((e) => e.name === 'experiment.progress' && e.payload.experimentId === experimentId).map((e) => e.payload.done);
    expect(progress).toEqual([0, 1, 2, 3, 4]);
    const experiment = await call('experiments.get', { experimentId });
    expect(experiment.builds.map((b: any) => [b.flagArgs.join(' '), b.ok])).toEqual([
      ['-opt=z', true],
      ['-opt=z -gc=none', false],
      ['-opt=z -scheduler=none', false],
      ['-opt=z -gc=leaking -panic=trap', true],
    ]);
    expect(experiment.builds[1].error).toMatch(/linker could not find symbol runtime\.alloc/);
    expect(experiment.builds[2].error).toMatch(/attempted to start a goroutine without a scheduler/);
    expect(experiment.builds.every((b: any) => b.experimentId === experimentId)).toBe(true);
    expect(experiment.builds[3].flash).toBeLessThan(experiment.builds[0].flash);
    expect(await call('experiments.list', { boardId: board.id })).toMatchObject([{ id: experimentId, state: 'done', builds: 4 }]);
    expect((await call('history.builds', { boardId: board.id, experimentId })).total).toBe(4);
  });

  it('cancel stops the running variant and skips the rest', async () => {
    const { call, next, board } = await setUp(true);
    await call('boards.update', { boardId: board.id, target: 'feather-nrf52840' });
    const { experimentId } = await call('experiments.start', {
      boardId: board.id,
      source: { kind: 'path', path: program('// fake-tinygo: slow\n') },
      variants: [{ opt: 'z' }, { opt: 's' }],
    });
    await next('build.state', (p) => p.state === 'running');
    await call('experiments.cancel', { experimentId });
    const end = await next('experiment.progress', (p) => p.experimentId === experimentId && p.state !== 'running', 20_000);
    expect(end).toMatchObject({ state: 'cancelled', done: 1, total: 2 });
    expect((await call('experiments.get', { experimentId })).builds).toEqual([]);
  });
});

describe('link overflows: the build and the size history carry the same figure', () => {
  it('several lines for one region: the largest, as a lower bound when the linker hit its error limit (pre-0.33 lld)', async () => {
    process.env.FAKE_TINYGO_VERSION = '0.31.2';
    try {
      const { call, next, board } = await setUp(true);
      await call('toolchain.health', { refresh: true });
      const { buildId } = await call('build.start', { boardId: board.id, source: { kind: 'path', path: program('// fake-tinygo: overflow-limit\n') } });
      const summary = await next('build.finished', (p) => p.buildId === buildId);
      expect(summary.error).toMatchObject({ code: 'BUILD_OVERFLOW', message: expect.stringMatching(/^RAM is at least 3,399 bytes too small \(section \.data does not fit\)/) });
      expect(summary.diagnostics).toEqual([expect.objectContaining({ kind: 'link-overflow', region: 'RAM', section: '.data', overflowBytes: 3399, overflowLowerBound: true })]);
      const [row] = await call('history.sizes', { boardId: board.id });
      expect(row).toMatchObject({ ok: false, overflowRegion: 'RAM', overflowBytes: 3399, overflowLowerBound: true, error: expect.stringContaining('at least 3,399 bytes') });
    } finally {
      delete process.env.FAKE_TINYGO_VERSION;
    }
  });

  it("GNU ld's wording is an overflow of FLASH_TEXT with its section, not a generic failure", async () => {
    const { call, next, board } = await setUp(true);
    const { buildId } = await call('build.start', { boardId: board.id, source: { kind: 'path', path: program('// fake-tinygo: overflow-gnu\n') } });
    const summary = await next('build.finished', (p) => p.buildId === buildId);
    expect(summary.error).toMatchObject({ code: 'BUILD_OVERFLOW', message: 'FLASH_TEXT is 11,019 bytes too small (section .text does not fit)' });
    const [row] = await call('history.sizes', { boardId: board.id });
    expect(row).toMatchObject({ ok: false, overflowRegion: 'FLASH_TEXT', overflowBytes: 11019 });
  });
});

describe('toolchain health while the TinyGo path changes (issue #12 item 10)', () => {
  it("an older path's slower check neither answers for the new path nor replaces its cached result", async () => {
    const { call } = await setUp(true);
    // The old path: a TinyGo 0.31.2 that takes a while to answer (each of `version` and `env`).
    const dir = mkdtempSync(join(tmpdir(), 'flashdeck-slow-tinygo-'));
    temps.push(dir);
    const slow = join(dir, 'tinygo');
    writeFileSync(slow, `#!/bin/sh\nsleep 0.6\nFAKE_TINYGO_VERSION=0.31.2 exec "${STAND_IN}" "$@"\n`);
    chmodSync(slow, 0o755);
    await call('settings.update', { tinygoPath: slow });
    const oldCheck = call('toolchain.health', { refresh: true });
    await new Promise((r) => setTimeout(r, 100));
    await call('settings.update', { tinygoPath: STAND_IN });
    const newCheck = await call('toolchain.health', { refresh: true });
    expect(newCheck).toMatchObject({ requestedPath: STAND_IN, tinygoPath: STAND_IN, version: '0.33.0' });
    // The old check ends last and says which path it was for.
    expect(await oldCheck).toMatchObject({ requestedPath: slow, version: '0.31.2' });
    // What Settings and builds see now is still the new path's result.
    expect(await call('toolchain.health', {})).toMatchObject({ requestedPath: STAND_IN, version: '0.33.0' });
  });
});
