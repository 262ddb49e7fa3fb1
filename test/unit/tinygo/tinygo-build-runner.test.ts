import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectEspImage } from '../../../drivers/esp32/esp-image';
import { readDfuZip } from '../../../drivers/nrf52/dfu-zip';
import { imageFromHex } from '../../../drivers/nrf52/hex-image';
import { decodeUf2, UF2_FAMILY_NRF52840 } from '../../../drivers/nrf52/uf2';
import { BuildQueue } from '../../../electron/services/toolchain/build-queue';
import { buildAllocReport, buildFlagArgs, runBuild, validateBuildFlags, type BuildRequest } from '../../../electron/services/toolchain/build-runner';
import { GC_KINDS, OPT_LEVELS, PANIC_STRATEGIES, SCHEDULERS, SERIAL_KINDS, buildFlagsSchema, requests } from '../../../electron/contract';
import { resolveProgramSource } from '../../../electron/services/toolchain/program-source';
import { parseTinygoVersion, type TinygoVersion } from '../../../electron/services/toolchain/version';

const FAKE_TINYGO = path.resolve(__dirname, '../../fixtures/tinygo/tinygo');
const PROGRAMS = path.resolve(__dirname, '../../../resources/programs');

function version(raw: string): TinygoVersion {
  return parseTinygoVersion(`tinygo version ${raw} linux/amd64 (using go version go1.23.1 and LLVM version 18.1.2)`)!;
}

let work: string;
let cacheDir: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'flashdeck-build-'));
  cacheDir = path.join(work, 'cache');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function program(name: string, source: string, options: { goMod?: boolean } = {}) {
  const dir = path.join(work, 'src', name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'main.go'), source);
  if (options.goMod !== false) await writeFile(path.join(dir, 'go.mod'), `module example.com/${name}\n\ngo 1.22\n`);
  return resolveProgramSource(dir);
}

const MAIN = 'package main\n\nfunc main() {\n\tprintln("hi")\n}\n';

function request(overrides: Partial<BuildRequest> & Pick<BuildRequest, 'program' | 'target' | 'format'>, fakeEnv: Record<string, string> = {}): BuildRequest {
  const raw = fakeEnv.FAKE_TINYGO_VERSION ?? '0.33.0';
  return {
    tinygoPath: FAKE_TINYGO,
    tinygoVersion: version(raw),
    cacheDir,
    env: { ...process.env, FAKE_TINYGO_VERSION: raw, FAKE_TINYGO_DELAY_MS: '5', ...fakeEnv },
    ...overrides,
  };
}

async function gone(pid: number, withinMs = 4000): Promise<boolean> {
  const until = Date.now() + withinMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('runBuild: successful builds with the stand-in tinygo', () => {
  it('ESP32 blink → valid ESP app image (chip 0, checksum, SHA-256) and a parsed full size table', async () => {
    const argsFile = path.join(work, 'args-esp32.jsonl');
    const source = await resolveProgramSource(path.join(PROGRAMS, 'blink'));
    const lines: string[] = [];
    const result = await runBuild(
      request(
        {
          program: source,
          target: 'esp32-coreboard-v2',
          format: 'bin',
          flags: { opt: 'z', ldflags: [{ name: 'main.periodMs', value: '250' }] },
          onLine: (l) => lines.push(l.text),
        },
        { FAKE_TINYGO_ARGS_FILE: argsFile },
      ),
    );
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.artifactPath).toBe(path.join(cacheDir, 'builds', result.buildId, 'blink.bin'));
    const image = await readFile(result.artifactPath!);
    expect(result.artifactBytes).toBe(image.length);
    const summary = inspectEspImage(image, 'blink.bin');
    expect(summary.kind).toBe('tinygo-app');
    expect(summary.chip).toBe('esp32');
    expect(summary.suggestedOffset).toBe(0x1000);
    expect(summary.image).toMatchObject({ checksumOk: true, sha256Ok: true, hashAppended: true });
    expect(summary.problems.filter((p) => p.severity === 'error')).toEqual([]);

    expect(result.sizes?.format).toBe('full');
    expect(result.sizes!.packages.map((p) => p.name)).toContain('flashdeck.dev/programs/blink');
    expect(result.sizes!.packages.find((p) => p.name === 'C stack')).toMatchObject({ bss: 4096 });
    expect(result.sizes!.flash).toBe(result.sizes!.code + result.sizes!.rodata! + result.sizes!.data);
    expect(result).toMatchObject({ tinygoVersion: '0.33.0', target: 'esp32-coreboard-v2', format: 'bin', exitCode: 0, diagnostics: [] });

    const [call] = (await readFile(argsFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(call.cwd).toBe(source.buildDir);
    expect(call.argv).toEqual(['build', '-target=esp32-coreboard-v2', '-o', result.artifactPath, '-size=full', '-opt=z', '-ldflags=-X main.periodMs=250', '.']);
    expect(result.args).toEqual(call.argv);
    expect(lines[0]).toMatch(/^\$ .*tinygo build -target=esp32-coreboard-v2/);
    expect(lines).toContain('   code  rodata    data     bss |   flash     ram | package');
  });

  it('ESP32-C3 on 0.41 → chip id 5, no appended hash (espflasher era)', async () => {
    const source = await resolveProgramSource(path.join(PROGRAMS, 'heap-telemetry'));
    const result = await runBuild(
      request({ program: source, target: 'xiao-esp32c3', format: 'bin', flags: { tags: ['memstats_noheapalloc'] } }, { FAKE_TINYGO_VERSION: '0.41.1' }),
    );
    expect(result.ok).toBe(true);
    const summary = inspectEspImage(await readFile(result.artifactPath!));
    expect(summary).toMatchObject({ kind: 'tinygo-app', chip: 'esp32c3', suggestedOffset: 0 });
    expect(summary.image).toMatchObject({ checksumOk: true, hashAppended: false, sha256Ok: null });
    expect(result.args).toContain('-json');
    expect(result.args).toContain('-tags=memstats_noheapalloc');
  });

  it('nRF52840 feather: .uf2 with family 0xADA52840 from 0x26000, .hex at 0x26000', async () => {
    const source = await resolveProgramSource(path.join(PROGRAMS, 'led-test'));
    const uf2 = await runBuild(request({ program: source, target: 'feather-nrf52840', format: 'uf2' }));
    expect(uf2.ok).toBe(true);
    const decoded = decodeUf2(new Uint8Array(await readFile(uf2.artifactPath!)));
    expect(decoded.blocks.length).toBeGreaterThan(10);
    expect(decoded.problems).toEqual([]);
    expect(decoded.blocks.every((b) => b.flags === 0x2000 && b.familyOrSize === UF2_FAMILY_NRF52840)).toBe(true);
    expect(decoded.blocks[0].targetAddr).toBe(0x26000);
    expect(uf2.sizes?.flash).toBeGreaterThan(7000);

    const hex = await runBuild(request({ program: source, target: 'feather-nrf52840', format: 'hex' }));
    const image = imageFromHex(await readFile(hex.artifactPath!, 'utf8'));
    expect(image.segments[0].address).toBe(0x26000);
    expect(hex.buildId).not.toBe(uf2.buildId);
  });

  it('pca10059 dongle: .zip is the legacy DFU package TinyGo writes', async () => {
    const source = await resolveProgramSource(path.join(PROGRAMS, 'blink'));
    const result = await runBuild(request({ program: source, target: 'pca10059', format: 'zip' }));
    expect(result.ok).toBe(true);
    const zip = readDfuZip(new Uint8Array(await readFile(result.artifactPath!)));
    expect(zip.flavour).toBe('legacy');
    expect(zip.dat.length).toBe(14);
    expect(zip.bin.length).toBeGreaterThan(1000);
  });

  it('-no-debug adds the warning and the runner marks the table incomplete', async () => {
    const source = await resolveProgramSource(path.join(PROGRAMS, 'blink'));
    const result = await runBuild(request({ program: source, target: 'pca10056', format: 'hex', flags: { noDebug: true } }));
    expect(result.ok).toBe(true);
    expect(result.sizes?.incomplete).toBe(true);
    expect(result.args).toContain('-no-debug');
  });

  it('a single .go file without go.mod builds as command-line-arguments', async () => {
    const dir = path.join(work, 'src', 'lone');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'hello.go'), MAIN);
    const source = await resolveProgramSource(path.join(dir, 'hello.go'));
    const result = await runBuild(request({ program: source, target: 'xiao-ble', format: 'uf2' }));
    expect(result.ok).toBe(true);
    expect(path.basename(result.artifactPath!)).toBe('hello.uf2');
    expect(result.args.at(-1)).toBe('hello.go');
    expect(result.sizes!.packages.map((p) => p.name)).toContain('command-line-arguments');
  });

  it('7-digit sizes (large program) parse through the runner', async () => {
    const source = await program('large', `// fake-tinygo: large\n${MAIN}`);
    const result = await runBuild(request({ program: source, target: 'xiao-esp32c3', format: 'bin' }));
    expect(result.ok).toBe(true);
    expect(result.sizes!.code).toBeGreaterThanOrEqual(1_000_000);
  });
});

describe('runBuild: failures return a failed BuildResult', () => {
  it('compile errors → diagnostics with positions, no artifact and no build dir', async () => {
    const source = await program('broken', `// fake-tinygo: compile-error\n${MAIN}`);
    const result = await runBuild(request({ program: source, target: 'pca10056', format: 'hex' }));
    expect(result.ok).toBe(false);
    expect(result.artifactPath).toBeUndefined();
    expect(result.sizes).toBeUndefined();
    expect(result.diagnostics).toHaveLength(3);
    expect(result.diagnostics[0]).toEqual({
      severity: 'error',
      kind: 'compile',
      package: 'example.com/broken',
      file: 'main.go',
      absoluteFile: path.join(source.buildDir, 'main.go'),
      line: 4,
      column: 6,
      message: 'declared and not used: a',
    });
    expect(result.error).toMatchObject({ code: 'BUILD_COMPILE_ERROR', stage: 'build', message: 'main.go:4:6: declared and not used: a (and 2 more errors)' });
    expect(result.exitCode).toBe(1);
    expect(existsSync(path.join(cacheDir, 'builds', result.buildId))).toBe(false);
  });

  it('compile errors as -json events on 0.42', async () => {
    const source = await program('broken-json', `// fake-tinygo: syntax-error\n${MAIN}`);
    const result = await runBuild(request({ program: source, target: 'xiao-esp32c3', format: 'bin' }, { FAKE_TINYGO_VERSION: '0.42.0' }));
    expect(result.args).toContain('-json');
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        kind: 'compile',
        package: 'example.com/broken-json',
        file: 'main.go',
        absoluteFile: path.join(source.buildDir, 'main.go'),
        line: 3,
        column: 11,
        message: "expected ')', found 'var'",
      },
    ]);
  });

  it('nRF flash overflow → BUILD_OVERFLOW with the overflow bytes and region', async () => {
    const source = await program('huge', `// fake-tinygo: overflow\n${MAIN}`);
    const result = await runBuild(request({ program: source, target: 'feather-nrf52840', format: 'uf2' }));
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('BUILD_OVERFLOW');
    expect(result.error?.hint).toMatch(/optimizing-binaries/);
    expect(result.diagnostics[0]).toMatchObject({ kind: 'link-overflow', region: 'FLASH_TEXT', overflowBytes: 9052 });
    expect(result.sizes).toBeUndefined();
  });

  it('ESP IRAM overflow (raw ld.lld), the 0.36 prefix, the pre-0.33 form and -json events all give the bytes', async () => {
    const source = await program('huge-esp', `// fake-tinygo: overflow\n${MAIN}`);
    const esp = await runBuild(request({ program: source, target: 'esp32-coreboard-v2', format: 'bin' }));
    expect(esp.diagnostics[0]).toMatchObject({ kind: 'link-overflow', region: 'IRAM', section: '.text', overflowBytes: 9052 });
    const v036 = await runBuild(request({ program: source, target: 'pca10056', format: 'hex' }, { FAKE_TINYGO_VERSION: '0.36.0' }));
    expect(v036.diagnostics[0]).toMatchObject({ kind: 'link-overflow', region: 'FLASH_TEXT', overflowBytes: 9052 });
    const old = await runBuild(request({ program: source, target: 'pca10056', format: 'hex' }, { FAKE_TINYGO_VERSION: '0.31.2' }));
    expect(old.diagnostics).toEqual([expect.objectContaining({ kind: 'link-overflow', region: 'FLASH_TEXT', overflowBytes: 9052 })]);
    const ram = await program('huge-ram', `// fake-tinygo: ram-overflow\n${MAIN}`);
    const json = await runBuild(request({ program: ram, target: 'pca10056', format: 'hex' }, { FAKE_TINYGO_VERSION: '0.42.0' }));
    expect(json.error?.code).toBe('BUILD_OVERFLOW');
    expect(json.diagnostics[0]).toMatchObject({ region: 'RAM', overflowBytes: 2717 });
  });

  it('-gc=none with heap allocations → undefined runtime.alloc with a GC hint', async () => {
    const source = await resolveProgramSource(path.join(PROGRAMS, 'alloc-stress'));
    const result = await runBuild(request({ program: source, target: 'pca10056', format: 'hex', flags: { gc: 'none' } }));
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('BUILD_UNDEFINED_SYMBOL');
    expect(result.diagnostics[0]).toMatchObject({ kind: 'undefined-symbol', symbol: 'runtime.alloc', file: 'main.go' });
    expect(result.error?.hint).toMatch(/-gc=none/);
  });

  it('Go missing and Go version gate', async () => {
    const source = await resolveProgramSource(path.join(PROGRAMS, 'blink'));
    const missing = await runBuild(request({ program: source, target: 'pca10056', format: 'hex' }, { FAKE_TINYGO_GO: 'missing' }));
    expect(missing.error).toMatchObject({ code: 'GO_NOT_FOUND' });
    const gate = await program('gate', `// fake-tinygo: go-version\n${MAIN}`);
    const tooNew = await runBuild(request({ program: gate, target: 'pca10056', format: 'hex' }));
    expect(tooNew.error?.code).toBe('GO_VERSION_UNSUPPORTED');
    expect(tooNew.error?.hint).toContain('1.19 to 1.23');
  });

  it('a crash without diagnostics still says what happened', async () => {
    const crash = await program('crash', `// fake-tinygo: crash\n${MAIN}`);
    const result = await runBuild(request({ program: crash, target: 'pca10056', format: 'hex' }));
    expect(result.error).toMatchObject({ code: 'BUILD_FAILED' });
    expect(result.error?.message).toContain('status 2');
  });

  it('exit 0 without an artifact → BUILD_NO_ARTIFACT', async () => {
    const none = await program('none', `// fake-tinygo: no-artifact\n${MAIN}`);
    const result = await runBuild(request({ program: none, target: 'pca10056', format: 'hex' }));
    expect(result).toMatchObject({ ok: false, error: { code: 'BUILD_NO_ARTIFACT' } });
  });

  it('a tinygo that cannot start → TINYGO_NOT_RUNNABLE', async () => {
    const source = await resolveProgramSource(path.join(PROGRAMS, 'blink'));
    const result = await runBuild({ ...request({ program: source, target: 'pca10056', format: 'hex' }), tinygoPath: path.join(work, 'no-such-tinygo') });
    expect(result).toMatchObject({ ok: false, error: { code: 'TINYGO_NOT_RUNNABLE' } });
  });

  it('an old TinyGo whose -json dumps its config is rebuilt without -json', async () => {
    const source = await resolveProgramSource(path.join(PROGRAMS, 'blink'));
    // The installed tinygo is 0.33 but was reported as 0.38 (e.g. a mislabelled dev build).
    const result = await runBuild({ ...request({ program: source, target: 'pca10056', format: 'hex' }), tinygoVersion: version('0.38.0') });
    expect(result.ok).toBe(true);
    expect(result.args).not.toContain('-json');
    expect(result.log.some((l) => l.stream === 'info' && /without -json/.test(l.text))).toBe(true);
    expect(result.sizes).toBeDefined();
  });
});

describe('runBuild: cancel and timeout', () => {
  it('cancel kills tinygo and its child, removes the partial artifact and build dir', async () => {
    const pidFile = path.join(work, 'slow.pids');
    const source = await program('slow', `// fake-tinygo: slow\n${MAIN}`);
    const controller = new AbortController();
    let sawSlow!: () => void;
    const slowStarted = new Promise<void>((resolve) => (sawSlow = resolve));
    const pending = runBuild(
      request(
        { program: source, target: 'xiao-esp32c3', format: 'bin', buildId: 'cancel-me', signal: controller.signal, onLine: (l) => /slow build/.test(l.text) && sawSlow() },
        { FAKE_TINYGO_PID_FILE: pidFile, FAKE_TINYGO_SLOW_MS: '60000' },
      ),
    );
    await slowStarted;
    const buildDir = path.join(cacheDir, 'builds', 'cancel-me');
    expect((await readdir(buildDir)).length).toBe(1); // the half-written artifact exists now
    const [tinygoPid, childPid] = (await readFile(pidFile, 'utf8')).trim().split(' ').map(Number);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED', stage: 'build' });
    expect(await gone(tinygoPid)).toBe(true);
    expect(await gone(childPid)).toBe(true);
    expect(existsSync(buildDir)).toBe(false);
  });

  it('times out: tree killed, dir removed, failed result with BUILD_TIMEOUT', async () => {
    const pidFile = path.join(work, 'timeout.pids');
    const source = await program('slow2', `// fake-tinygo: slow\n${MAIN}`);
    const started = Date.now();
    const result = await runBuild(
      request({ program: source, target: 'pca10056', format: 'hex', buildId: 'too-slow', timeoutMs: 1500 }, { FAKE_TINYGO_PID_FILE: pidFile, FAKE_TINYGO_SLOW_MS: '60000' }),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ ok: false, error: { code: 'BUILD_TIMEOUT', stage: 'build' } });
    const [tinygoPid, childPid] = (await readFile(pidFile, 'utf8')).trim().split(' ').map(Number);
    expect(await gone(tinygoPid)).toBe(true);
    expect(await gone(childPid)).toBe(true);
    expect(existsSync(path.join(cacheDir, 'builds', 'too-slow'))).toBe(false);
  });

  it('an already-aborted signal never spawns', async () => {
    const argsFile = path.join(work, 'args-aborted.jsonl');
    const source = await resolveProgramSource(path.join(PROGRAMS, 'blink'));
    const controller = new AbortController();
    controller.abort();
    await expect(runBuild(request({ program: source, target: 'pca10056', format: 'hex', signal: controller.signal }, { FAKE_TINYGO_ARGS_FILE: argsFile }))).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    expect(existsSync(argsFile)).toBe(false);
  });
});

describe('build flags', () => {
  it('turns validated flags into one argument each', () => {
    expect(
      buildFlagArgs({
        opt: 's',
        gc: 'leaking',
        scheduler: 'tasks',
        panic: 'trap',
        serial: 'uart',
        noDebug: true,
        stackSize: '8kb',
        tags: ['noled', 'memstats_noheapalloc'],
        ldflags: [
          { name: 'main.periodMs', value: '250' },
          { name: 'flashdeck.dev/x.Version', value: 'v1.2.3' },
        ],
      }),
    ).toEqual([
      '-opt=s',
      '-gc=leaking',
      '-scheduler=tasks',
      '-panic=trap',
      '-serial=uart',
      '-no-debug',
      '-stack-size=8kb',
      '-tags=noled memstats_noheapalloc',
      '-ldflags=-X main.periodMs=250 -X flashdeck.dev/x.Version=v1.2.3',
    ]);
    expect(buildFlagArgs({})).toEqual([]);
  });

  it.each([
    [{ opt: '-o' }, '-opt'],
    [{ opt: 'z -x' }, '-opt'],
    [{ gc: 'custom' }, '-gc'],
    [{ panic: 'abort' }, '-panic'],
    [{ scheduler: 'coroutines' }, '-scheduler'],
    [{ stackSize: '8kb -o x' }, '-stack-size'],
    [{ tags: ['a b'] }, '-tags'],
    [{ tags: ['-ldflags'] }, '-tags'],
    [{ ldflags: [{ name: 'main.x', value: 'a -X main.y=1' }] }, 'main.x'],
    [{ ldflags: [{ name: 'main.x', value: '"quoted"' }] }, 'main.x'],
    [{ ldflags: [{ name: '-extldflags', value: '1' }] }, '-ldflags -X'],
    [{ ldflags: [{ name: 'periodMs', value: '1' }] }, '-ldflags -X'],
    [{ noDebug: 'yes' }, '-no-debug'],
    // Misspelt options and values fail instead of being dropped or passed on.
    [{ optt: 'z' }, '"optt" is not a build option'],
    [{ noDebugg: true }, '"noDebugg" is not a build option'],
    [{ gc: 'conservativ' }, '-gc'],
    [{ serial: 'usbb' }, '-serial'],
    [{ scheduler: 'Tasks' }, '-scheduler'],
    [{ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, '-tags'],
    [{ ldflags: [{ name: 'main.x', value: '1', nmae: 'main.y' }] }, '-ldflags -X'],
  ])('rejects %j', (flags, flagName) => {
    expect(() => validateBuildFlags(flags as never)).toThrowError(expect.objectContaining({ code: 'INVALID_BUILD_FLAG', message: expect.stringContaining(flagName) }));
  });

  it('accepts every value the contract lists, and empty values mean the target default', () => {
    for (const serial of SERIAL_KINDS) expect(buildFlagArgs({ serial })).toEqual([`-serial=${serial}`]);
    for (const opt of OPT_LEVELS) expect(buildFlagArgs({ opt })).toEqual([`-opt=${opt}`]);
    for (const gc of GC_KINDS) expect(buildFlagArgs({ gc })).toEqual([`-gc=${gc}`]);
    for (const scheduler of SCHEDULERS) expect(buildFlagArgs({ scheduler })).toEqual([`-scheduler=${scheduler}`]);
    for (const panic of PANIC_STRATEGIES) expect(buildFlagArgs({ panic })).toEqual([`-panic=${panic}`]);
    expect(validateBuildFlags({ opt: '' as never, gc: null as never, stackSize: '', noDebug: false, tags: [], ldflags: [] })).toEqual({});
  });

  it('rejects invalid flags, targets and formats before spawning', async () => {
    const argsFile = path.join(work, 'args-invalid.jsonl');
    const source = await resolveProgramSource(path.join(PROGRAMS, 'blink'));
    await expect(
      runBuild(request({ program: source, target: 'pca10056', format: 'hex', flags: { opt: '9' as never } }, { FAKE_TINYGO_ARGS_FILE: argsFile })),
    ).rejects.toMatchObject({ code: 'INVALID_BUILD_FLAG' });
    await expect(runBuild(request({ program: source, target: '-json', format: 'hex' }, { FAKE_TINYGO_ARGS_FILE: argsFile }))).rejects.toMatchObject({ code: 'INVALID_TARGET' });
    await expect(runBuild(request({ program: source, target: 'pca10056', format: 'exe' as never }, { FAKE_TINYGO_ARGS_FILE: argsFile }))).rejects.toMatchObject({
      code: 'INVALID_BUILD_FLAG',
    });
    expect(existsSync(argsFile)).toBe(false);
  });
});

describe('build flags at the contract (the one schema the runner also uses)', () => {
  it('build.start takes -serial, and refuses a misspelt option or value before anything runs', () => {
    const args = (flags: unknown) => requests['build.start'].args.safeParse({ boardId: 'b', source: { kind: 'program', program: 'blink' }, flags });
    expect(args({ serial: 'usb', opt: 'z' }).success).toBe(true);
    expect(args({ seriall: 'usb' }).success).toBe(false);
    expect(args({ serial: 'jtag' }).success).toBe(false);
    expect(args({ gc: 'conservativ' }).success).toBe(false);
    expect(buildFlagsSchema.safeParse({ ldflags: [{ name: 'main.x', value: '1' }] }).success).toBe(true);
  });
});

describe('buildAllocReport', () => {
  it('lists heap allocations of alloc-stress (reason format) and leaves no files behind', async () => {
    const source = await resolveProgramSource(path.join(PROGRAMS, 'alloc-stress'));
    const report = await buildAllocReport(request({ program: source, target: 'pca10056', format: 'elf' }));
    expect(report.ok).toBe(true);
    expect(report.args).toContain('-print-allocs=main.');
    expect(report.args.at(-2)).toBe('-print-allocs=main.');
    const mainGo = path.join(source.buildDir, 'main.go');
    expect(report.allocations.length).toBeGreaterThan(0);
    expect(report.allocations[0]).toMatchObject({ file: mainGo, reason: 'size-not-constant', format: 'reason' });
    const builds = await readdir(path.join(cacheDir, 'builds'));
    expect(builds.filter((b) => b.startsWith('allocs-'))).toEqual([]);
  });

  it('parses the 0.41 cover format, and notes that -opt=0 reports nothing', async () => {
    const source = await resolveProgramSource(path.join(PROGRAMS, 'alloc-stress'));
    const cover = await buildAllocReport(request({ program: source, target: 'pca10056', format: 'elf' }, { FAKE_TINYGO_VERSION: '0.41.0' }));
    expect(cover.allocations[0]).toMatchObject({ format: 'cover', reason: 'unspecified' });
    const opt0 = await buildAllocReport({ ...request({ program: source, target: 'pca10056', format: 'elf' }), flags: { opt: '0' } });
    expect(opt0.allocations).toEqual([]);
    expect(opt0.note).toMatch(/-opt=0/);
  });

  it('rejects a pattern that could be read as a flag', async () => {
    const source = await resolveProgramSource(path.join(PROGRAMS, 'alloc-stress'));
    await expect(buildAllocReport({ ...request({ program: source, target: 'pca10056', format: 'elf' }), pattern: '-o x' })).rejects.toMatchObject({ code: 'INVALID_BUILD_FLAG' });
  });
});

describe('BuildQueue with real builds', () => {
  it('runs builds for one board one at a time in order, other boards in parallel', async () => {
    const queue = new BuildQueue();
    const source = await resolveProgramSource(path.join(PROGRAMS, 'blink'));
    const spans: Record<string, [number, number]> = {};
    const job = (label: string, target: string, format: 'hex' | 'bin') => async (signal: AbortSignal) => {
      const start = Date.now();
      const result = await runBuild(request({ program: source, target, format, signal }, { FAKE_TINYGO_DELAY_MS: '300' }));
      spans[label] = [start, Date.now()];
      return result;
    };
    const a1 = queue.enqueue('board-A', job('a1', 'pca10056', 'hex'));
    const a2 = queue.enqueue('board-A', job('a2', 'pca10056', 'hex'));
    const b1 = queue.enqueue('board-B', job('b1', 'esp32-coreboard-v2', 'bin'));
    expect(queue.snapshot('board-A').map((e) => [e.id, e.state, e.position])).toEqual([
      [a1.id, 'running', 0],
      [a2.id, 'queued', 1],
    ]);
    const results = await Promise.all([a1.promise, a2.promise, b1.promise]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(spans.a2[0]).toBeGreaterThanOrEqual(spans.a1[1]);
    expect(spans.b1[0]).toBeLessThan(spans.a1[1]);
  });
});

describe('runBuild: -json edge cases', () => {
  it('a diagnostic printed both as an event and on stderr is reported once', async () => {
    const source = await program('dup', `// fake-tinygo: compile-error\n${MAIN}`);
    // FAKE_TINYGO_ECHO_STDERR makes the stand-in also write event text to stderr.
    const result = await runBuild(request({ program: source, target: 'pca10056', format: 'hex' }, { FAKE_TINYGO_VERSION: '0.42.0', FAKE_TINYGO_ECHO_STDERR: '1' }));
    expect(result.log.some((l) => l.stream === 'stderr' && l.text.includes('declared and not used'))).toBe(true);
    expect(result.diagnostics.filter((d) => d.message === 'declared and not used: a')).toHaveLength(1);
    expect(result.diagnostics).toHaveLength(3);
  });
});

describe('runBuild: log listener', () => {
  it('a throwing onLine listener does not break the build', async () => {
    const source = await resolveProgramSource(path.join(PROGRAMS, 'blink'));
    const result = await runBuild(
      request({
        program: source,
        target: 'pca10056',
        format: 'hex',
        onLine: () => {
          throw new Error('listener bug');
        },
      }),
    );
    expect(result.ok).toBe(true);
    expect(result.log.length).toBeGreaterThan(3);
  });
});
