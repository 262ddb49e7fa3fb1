/**
 * Nothing Flashdeck starts goes through a shell: a TinyGo path, a program folder, a port path, a
 * board name and an editor file full of shell metacharacters and spaces reach the program as the
 * very argument the user gave, and none of the commands hidden in them runs. Each hidden command
 * would create a marker file; the test proves the argv the stand-ins received and that no marker exists.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAppServices, type AppServices } from '../../../electron/services/app-services';
import { requestCaller } from '../request-caller';
import type { EventName } from '../../../electron/contract';
import { runTool } from '../../../electron/services/toolchain/tool-runner';
import { openInEditor } from '../../../electron/services/editor-launcher';
import { symbolizeAddress } from '../../../electron/services/console/panic-symbolizer';

const root = resolve(import.meta.dirname, '..', '..', '..');
const STAND_IN = join(root, 'test', 'fixtures', 'tinygo', 'tinygo');

let services: AppServices | null = null;
const temps: string[] = [];
const savedEnv = { ...process.env };
afterEach(async () => {
  await services?.close();
  services = null;
  process.env = { ...savedEnv };
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A name a shell would run five commands from (no "/" so it can be a file name); each would leave a
 * `PWNED-…` file in the working directory of whatever ran it, which is under the test's folder or the process's.
 */
function hostileName(tag: string): string {
  return `${tag} x; touch PWNED-semicolon-${tag} $(touch PWNED-subst-${tag}) \`touch PWNED-backtick-${tag}\` | touch PWNED-pipe-${tag} & touch PWNED-amp-${tag} 'q' "dq"`;
}

function workspace() {
  const base = mkdtempSync(join(tmpdir(), 'flashdeck-hostile-'));
  temps.push(base);
  return { base };
}

/** Marker files a hidden command left behind, anywhere under `base` or in this process's working directory. */
function markersLeft(base: string): string[] {
  const found = (readdirSync(base, { recursive: true }) as string[]).filter((entry) => /(^|\/)PWNED-[^/]*$/.test(entry));
  return [...found, ...readdirSync(process.cwd()).filter((entry) => entry.startsWith('PWNED-'))];
}

/** A program whose spawn argv is appended (JSON) to `log`, placed at `<dir>/<name>`. */
function recordingTool(dir: string, name: string, log: string, stdout = ''): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(
    file,
    `#!${process.execPath}\nrequire('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\nprocess.stdout.write(${JSON.stringify(stdout)});\n`,
  );
  chmodSync(file, 0o755);
  return file;
}

const readArgv = (log: string): unknown[] =>
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [];

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(process.platform === 'win32')('nothing is spawned through a shell', () => {
  it('a TinyGo path, program folder, port path and board name full of metacharacters reach tinygo as single arguments', async () => {
    const { base } = workspace();
    // The TinyGo installation lives in a folder whose name is a shell command line.
    const tinygoDir = join(base, hostileName('tinygo-dir'), 'bin');
    mkdirSync(tinygoDir, { recursive: true });
    const tinygo = join(tinygoDir, 'tinygo');
    symlinkSync(STAND_IN, tinygo);
    const programDir = join(base, hostileName('program'));
    mkdirSync(programDir);
    writeFileSync(join(programDir, 'go.mod'), 'module example.com/hostile\n\ngo 1.22\n');
    writeFileSync(join(programDir, 'main.go'), 'package main\n\nfunc main() {}\n');
    const argsLog = join(base, 'tinygo-argv.jsonl');
    process.env.FAKE_TINYGO_ARGS_FILE = argsLog;
    const portPath = '/dev/ttyACM0 ; touch PWNED-port $(touch PWNED-port-subst)';

    const dataDir = join(base, 'data');
    services = await createAppServices({
      dataDir,
      mode: 'serve',
      version: 'test',
      programsDir: join(root, 'resources', 'programs'),
      lister: async () => [{ path: portPath, vendorId: '1366', productId: '1015', serialNumber: '000683000001' }],
      toolProbe: async () => true,
      log: () => {},
    });
    const events: { name: EventName; payload: any }[] = [];
    services.hub.subscribe((name, payload) => events.push({ name, payload }));
    const call = requestCaller(services.handlers);

    await call('settings.update', { tinygoPath: tinygo });
    expect(await call('toolchain.health', { refresh: true })).toMatchObject({ ok: true, tinygoPath: tinygo, version: '0.33.0' });
    const [board] = await call('boards.list', {});
    await call('boards.update', { boardId: board.id, target: 'pca10040', name: 'Feather $(touch PWNED-board-name) ; touch PWNED-board' });
    const { buildId } = await call('build.start', { boardId: board.id, source: { kind: 'path', path: programDir }, flash: true });
    const summary = await waitFor(() => events.find((e) => e.name === 'build.finished' && e.payload.buildId === buildId)?.payload, 'build.finished', 30_000);
    expect(summary).toMatchObject({ ok: true });
    // `tinygo flash` (pca10040 is flashed through a probe) ran after the build: wait until it has been started.
    const flashed = await waitFor(() => events.find((e) => e.name === 'flash.finished' && e.payload.jobId === summary.flashJobId)?.payload, 'flash.finished', 30_000);
    expect(flashed).toMatchObject({ ok: true, outcome: { verifiedBy: 'tinygo flash' } });

    // The stand-in logs {cwd, argv} of each run: the folder is its working directory, whole; the port one argument.
    const runs = readArgv(argsLog) as unknown as { cwd: string; argv: string[] }[];
    expect(runs.map((run) => run.argv[0])).toEqual(expect.arrayContaining(['version', 'env', 'build', 'flash']));
    const build = runs.find((run) => run.argv[0] === 'build')!;
    expect(build.cwd).toBe(programDir);
    expect(build.argv).toEqual(['build', '-target=pca10040', '-o', expect.stringMatching(/\.hex$/), '-size=full', '.']);
    const flash = runs.find((run) => run.argv[0] === 'flash')!;
    expect(flash).toEqual({ cwd: programDir, argv: ['flash', '-target=pca10040', `-port=${portPath}`, '.'] });
    expect(markersLeft(base)).toEqual([]);
  });

  it('runTool hands every metacharacter to the program verbatim', async () => {
    const { base } = workspace();
    const log = join(base, 'argv.jsonl');
    const tool = recordingTool(join(base, hostileName('dir')), 'tool with spaces', log, 'done');
    const args = [hostileName('arg'), '$(id)', '`id`', '; id', '| id', '&& id', '> out', '*', '~', '"', "'", '\\', '%PATH%', '!!'];
    const result = await runTool(tool, args, { timeoutMs: 10_000 });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'done' });
    expect(readArgv(log)).toEqual([args]);
    expect(markersLeft(base)).toEqual([]);
    expect(existsSync(join(process.cwd(), 'out'))).toBe(false);
  });

  it('open in editor passes a hostile source file as one argument to VS Code, and refuses programs', async () => {
    const { base } = workspace();
    const log = join(base, 'code-argv.jsonl');
    recordingTool(join(base, 'bin'), 'code', log);
    process.env.PATH = `${join(base, 'bin')}:${process.env.PATH}`;
    const sourceDir = join(base, hostileName('src'));
    mkdirSync(sourceDir);
    const source = join(sourceDir, 'main $(touch x).go');
    writeFileSync(source, 'package main\n');

    expect(await openInEditor(source, 12, 3)).toEqual({ opened: true, how: 'VS Code' });
    expect(await waitFor(() => readArgv(log)[0], 'code to start')).toEqual(['-g', `${source}:12:3`]);

    // What the default application would run rather than show: refused before anything starts.
    const script = join(base, 'run-me.sh');
    writeFileSync(script, `#!/bin/sh\ntouch ${base}/PWNED-ran\n`);
    chmodSync(script, 0o755);
    for (const file of [script, '/bin/sh', join(base, 'evil.desktop'), 'C:\\Windows\\System32\\calc.exe', 'relative/main.go']) {
      await expect(openInEditor(file)).rejects.toMatchObject({ code: 'EDITOR_FILE_REFUSED', stage: 'editor' });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(readArgv(log)).toHaveLength(1);
    expect(markersLeft(base)).toEqual([]);
  });

  it('the panic symbolizer passes the ELF path as one argument', async () => {
    const { base } = workspace();
    const log = join(base, 'symbolizer-argv.jsonl');
    const tool = recordingTool(join(base, hostileName('llvm')), 'llvm-symbolizer', log, 'main.main\n/src/main.go:7:2\n');
    const elfDir = join(base, hostileName('elf'));
    mkdirSync(elfDir);
    const elf = join(elfDir, 'firmware.elf');
    writeFileSync(elf, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]));
    const result = await symbolizeAddress(elf, '0x000012f4', { kind: 'llvm-symbolizer', path: tool });
    expect(result.resolved).toEqual({ function: 'main.main', file: '/src/main.go', line: 7 });
    expect(readArgv(log)).toEqual([[`--obj=${elf}`, '--functions=linkage', '--inlining=false', '0x000012f4']]);
    expect(markersLeft(base)).toEqual([]);
  });
});
