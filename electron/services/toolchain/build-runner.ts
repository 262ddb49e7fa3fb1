/**
 * Runs `tinygo build` for one program and one target: an argument array (never a shell), every
 * user flag validated, output into its own directory under the cache dir in the format the
 * board's driver wants, always with a size report (and `-json` events where the version has them).
 * Streams log lines, can be cancelled (whole process tree, build dir removed), times out, and
 * returns a typed BuildResult for success and for build failures alike.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { artifactSha256 } from '../store/artifact-hash';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { cancelledError, FlashdeckError, type ErrorCode, type ErrorInfo } from '../../../drivers/common/errors';
import { parseAllocReport, type HeapAllocation } from './alloc-report';
import { describeOverflow, largestOverflowPerRegion, parseDiagnostics, parseJsonBuildOutput, primaryDiagnostic, type Diagnostic } from './diagnostics';
import { killProcessTree, spawnProcessTree } from './process-tree';
import { parseSizeReport, type SizeReport } from './size-report';
import { tinygoFeatures, type TinygoVersion } from './version';
import type { z } from 'zod';
import { buildFlagsSchema, GC_KINDS, MAX_BUILD_TAGS, MAX_LINKER_VARIABLES, OPT_LEVELS, PANIC_STRATEGIES, SCHEDULERS, SERIAL_KINDS, type BuildFlagsDto } from '../../contract';

export const ARTIFACT_FORMATS = ['bin', 'hex', 'uf2', 'zip', 'elf'] as const;
/** `-o` extension: `.bin` for ESP, `.uf2`/`.hex`/`.zip` for nRF52 (ask the board's driver). */
export type ArtifactFormat = (typeof ARTIFACT_FORMATS)[number];

/** The build options of the contract (buildFlagsSchema): the one definition of what is accepted. */
export type BuildFlags = BuildFlagsDto;
export type LinkerVariable = NonNullable<BuildFlags['ldflags']>[number];

function invalidFlag(flag: string, value: unknown, expected: string): FlashdeckError {
  return new FlashdeckError({
    code: 'INVALID_BUILD_FLAG',
    stage: 'build',
    message: `Build option ${flag} has an invalid value ${JSON.stringify(value)}.`,
    hint: `Use ${expected}.`,
  });
}

/** What each option accepts, in the user's words, for the error's hint. */
const EXPECTED: Record<keyof BuildFlags, { flag: string; expected: string }> = {
  opt: { flag: '-opt', expected: `one of ${OPT_LEVELS.join(', ')}` },
  gc: { flag: '-gc', expected: `one of ${GC_KINDS.join(', ')}` },
  scheduler: { flag: '-scheduler', expected: `one of ${SCHEDULERS.join(', ')}` },
  panic: { flag: '-panic', expected: `one of ${PANIC_STRATEGIES.join(', ')}` },
  serial: { flag: '-serial', expected: `one of ${SERIAL_KINDS.join(', ')}` },
  noDebug: { flag: '-no-debug', expected: 'true or false' },
  stackSize: { flag: '-stack-size', expected: 'a byte size such as 4096, 8kb or 16KB' },
  tags: { flag: '-tags', expected: `up to ${MAX_BUILD_TAGS} build tags of letters, digits, "_" and "." only` },
  ldflags: { flag: '-ldflags -X', expected: `up to ${MAX_LINKER_VARIABLES} package-qualified variables such as main.periodMs` },
};

/** The schema's first complaint as INVALID_BUILD_FLAG, naming the flag (and the -X variable). */
function flagError(issue: z.core.$ZodIssue, flags: Record<string, unknown>): FlashdeckError {
  if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
    const [key] = issue.keys;
    return new FlashdeckError({
      code: 'INVALID_BUILD_FLAG',
      stage: 'build',
      message: `"${key}" is not a build option Flashdeck passes to TinyGo.`,
      hint: `Use ${Object.keys(EXPECTED).join(', ')}.`,
    });
  }
  const [key, index, field] = issue.path as [keyof BuildFlags, number | undefined, string | undefined];
  const { flag, expected } = EXPECTED[key];
  const list = flags[key];
  const item = Array.isArray(list) && typeof index === 'number' ? list[index] : undefined;
  if (key === 'ldflags' && item && typeof item === 'object' && field === 'value') {
    const name = (item as { name?: unknown }).name;
    return invalidFlag(
      `-ldflags -X ${String(name)}`,
      (item as { value?: unknown }).value,
      'a value without spaces or quotes (letters, digits and ._:,+-/@%=), at most 200 characters',
    );
  }
  if (key === 'ldflags' && item && typeof item === 'object') return invalidFlag(flag, (item as { name?: unknown }).name, expected);
  return invalidFlag(flag, index !== undefined && Array.isArray(list) ? list[index] : flags[key], expected);
}

/**
 * Checks every flag value with the contract's schema, so nothing can smuggle an extra flag into the
 * argument list. Empty values ("", null) mean "the target's default". Throws INVALID_BUILD_FLAG
 * naming the flag. Returns a clean copy without empty entries.
 */
export function validateBuildFlags(flags: BuildFlags = {}): BuildFlags {
  const given = Object.fromEntries(Object.entries((flags ?? {}) as Record<string, unknown>).filter(([, value]) => value !== undefined && value !== null && value !== ''));
  const parsed = buildFlagsSchema.safeParse(given);
  if (!parsed.success) throw flagError(parsed.error.issues[0], given);
  const { noDebug, tags, ldflags, ...choices } = parsed.data;
  return {
    ...choices,
    ...(noDebug ? { noDebug: true } : {}),
    ...(tags?.length ? { tags: [...tags] } : {}),
    ...(ldflags?.length ? { ldflags: ldflags.map((v) => ({ name: v.name, value: v.value })) } : {}),
  };
}

/** Validated flags as tinygo arguments, one flag per element, `-flag=value` form. */
export function buildFlagArgs(flags: BuildFlags): string[] {
  const f = validateBuildFlags(flags);
  const args: string[] = [];
  if (f.opt) args.push(`-opt=${f.opt}`);
  if (f.gc) args.push(`-gc=${f.gc}`);
  if (f.scheduler) args.push(`-scheduler=${f.scheduler}`);
  if (f.panic) args.push(`-panic=${f.panic}`);
  if (f.serial) args.push(`-serial=${f.serial}`);
  if (f.noDebug) args.push('-no-debug');
  if (f.stackSize) args.push(`-stack-size=${f.stackSize}`);
  // Space-separated: accepted by every TinyGo version (flag.String up to 0.2x, TagsFlag after).
  if (f.tags) args.push(`-tags=${f.tags.join(' ')}`);
  if (f.ldflags) args.push(`-ldflags=${f.ldflags.map((v) => `-X ${v.name}=${v.value}`).join(' ')}`);
  return args;
}

const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

export interface BuildLogLine {
  stream: 'stdout' | 'stderr' | 'info';
  text: string;
  /** Milliseconds since the build started. */
  atMs: number;
}

export interface BuildProgram {
  /** Directory tinygo runs in (ProgramSource.buildDir). */
  buildDir: string;
  /** "." or a file name (ProgramSource.packageArg). */
  packageArg: string;
  /** Artifact base name (ProgramSource.name). */
  name: string;
}

export interface BuildRequest {
  tinygoPath: string;
  /** From probeTinygo / toolchainHealth: decides -json and -size support. */
  tinygoVersion: TinygoVersion;
  program: BuildProgram;
  target: string;
  format: ArtifactFormat;
  flags?: BuildFlags;
  /** App cache dir; builds go to `<cacheDir>/builds/<buildId>/`. */
  cacheDir: string;
  /** Environment for tinygo (toolchainEnv from the locator, so `go` is found). */
  env?: NodeJS.ProcessEnv;
  /** Default 10 minutes: first builds for a target compile the whole runtime. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onLine?: (line: BuildLogLine) => void;
  buildId?: string;
  now?: () => number;
  platform?: NodeJS.Platform;
}

export interface BuildResult {
  ok: boolean;
  buildId: string;
  /** Present only when ok. */
  artifactPath?: string;
  artifactBytes?: number;
  /** SHA-256 (hex) of the artifact: the flash log records the same for what it wrote, linking a board back to this build. */
  artifactSha256?: string;
  format: ArtifactFormat;
  /** Present when TinyGo printed a size table (only after a successful link). */
  sizes?: SizeReport;
  diagnostics: Diagnostic[];
  /** Summary of the failure for the user; absent when ok. */
  error?: ErrorInfo;
  log: BuildLogLine[];
  durationMs: number;
  tinygoVersion: string;
  target: string;
  flags: BuildFlags;
  /** The exact argument list tinygo ran with (for the log and "copy command"). */
  args: string[];
  exitCode: number | null;
}

export const DEFAULT_BUILD_TIMEOUT_MS = 10 * 60_000;

function newBuildId(now: number): string {
  return `${new Date(now).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}`;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'program';
}

interface ProcessOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  cancelled: boolean;
  spawnError?: Error;
}

/** Spawns tinygo, streams lines, enforces timeout and cancellation (tree kill). */
async function runTinygoProcess(request: BuildRequest, args: string[], log: BuildLogLine[], startedAt: number): Promise<ProcessOutcome> {
  const now = request.now ?? Date.now;
  const emit = (stream: BuildLogLine['stream'], text: string) => {
    const line: BuildLogLine = { stream, text, atMs: now() - startedAt };
    log.push(line);
    try {
      request.onLine?.(line);
    } catch {
      // A failing listener must not break the build (or throw inside a stream handler).
    }
  };
  emit('info', `$ ${[request.tinygoPath, ...args].map(quoteForLog).join(' ')}`);

  let child: ChildProcess;
  try {
    child = spawnProcessTree(request.tinygoPath, args, { cwd: request.program.buildDir, env: request.env, platform: request.platform });
  } catch (error) {
    return { exitCode: null, stdout: '', stderr: '', timedOut: false, cancelled: false, spawnError: error as Error };
  }
  let stdout = '';
  let stderr = '';
  const pending = { stdout: '', stderr: '' };
  const onData = (stream: 'stdout' | 'stderr') => (chunk: string) => {
    if (stream === 'stdout') stdout += chunk;
    else stderr += chunk;
    const text = pending[stream] + chunk;
    const parts = text.split(/\r?\n/);
    pending[stream] = parts.pop() ?? '';
    for (const part of parts) emit(stream, part);
  };
  child.stdout?.setEncoding('utf8').on('data', onData('stdout'));
  child.stderr?.setEncoding('utf8').on('data', onData('stderr'));

  let timedOut = false;
  let cancelled = false;
  let killing: Promise<void> | undefined;
  const stop = () => (killing ??= killProcessTree(child, { platform: request.platform }));
  const timer = setTimeout(() => {
    timedOut = true;
    emit('info', `Build timed out after ${Math.round((request.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS) / 1000)} s; stopping tinygo.`);
    void stop();
  }, request.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS);
  const onAbort = () => {
    cancelled = true;
    emit('info', 'Build cancelled; stopping tinygo and everything it started.');
    void stop();
  };
  request.signal?.addEventListener('abort', onAbort, { once: true });

  const outcome = await new Promise<ProcessOutcome>((resolve) => {
    child.on('error', (error) => resolve({ exitCode: null, stdout, stderr, timedOut, cancelled, spawnError: error }));
    child.once('close', (code) => resolve({ exitCode: code, stdout, stderr, timedOut, cancelled }));
  });
  clearTimeout(timer);
  request.signal?.removeEventListener('abort', onAbort);
  if (killing) await killing;
  for (const stream of ['stdout', 'stderr'] as const) if (pending[stream]) emit(stream, pending[stream]);
  return { ...outcome, timedOut, cancelled };
}

function quoteForLog(arg: string): string {
  return /^[A-Za-z0-9_./=:,+@%-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function failureError(diagnostics: Diagnostic[], outcome: ProcessOutcome, tinygoPath: string): ErrorInfo {
  const primary = primaryDiagnostic(diagnostics);
  if (!primary) {
    const tail = outcome.stderr.trim().split(/\r?\n/).slice(-3).join(' ').trim();
    return {
      code: 'BUILD_FAILED',
      stage: 'build',
      message: `tinygo exited with status ${outcome.exitCode}${tail ? `: ${tail}` : ' without saying why'}.`,
      hint: `Run the command shown at the top of the build log in a terminal to see the full output (${tinygoPath}).`,
    };
  }
  const where = primary.file ? `${primary.file}${primary.line ? `:${primary.line}` : ''}${primary.column ? `:${primary.column}` : ''}: ` : '';
  const more = diagnostics.filter((d) => d.severity === 'error').length - 1;
  const codes: Record<string, ErrorCode> = {
    'link-overflow': 'BUILD_OVERFLOW',
    'undefined-symbol': 'BUILD_UNDEFINED_SYMBOL',
    'go-missing': 'GO_NOT_FOUND',
    'go-version': 'GO_VERSION_UNSUPPORTED',
    toolchain: 'TINYGOROOT_NOT_FOUND',
    target: 'BUILD_TARGET_INVALID',
    compile: 'BUILD_COMPILE_ERROR',
    import: 'BUILD_COMPILE_ERROR',
    'flash-tool': 'FLASH_TOOL_FAILED',
  };
  const said = primary.kind === 'link-overflow' ? describeOverflow(primary) : `${where}${primary.message}`;
  return {
    code: codes[primary.kind] ?? 'BUILD_FAILED',
    stage: 'build',
    message: `${said}${more > 0 ? ` (and ${more} more error${more > 1 ? 's' : ''})` : ''}`,
    hint: primary.hint ?? (primary.kind === 'compile' || primary.kind === 'import' ? 'Fix the code at the position shown, then build again.' : 'See the build log for details.'),
  };
}

/** Builds one program. Rejects only with CANCELLED (signal) or INVALID_BUILD_FLAG / INVALID_TARGET. */
export function runBuild(request: BuildRequest): Promise<BuildResult> {
  return runBuildWith(request, []);
}

/** `extraArgs` are internal flags (e.g. -print-allocs) placed before the package argument. */
async function runBuildWith(request: BuildRequest, extraArgs: string[]): Promise<BuildResult> {
  const now = request.now ?? Date.now;
  const startedAt = now();
  if (!TARGET_NAME.test(request.target)) {
    throw new FlashdeckError({ code: 'INVALID_TARGET', stage: 'build', message: `"${request.target}" is not a TinyGo target name.`, hint: 'Pick the board target from the list.' });
  }
  if (!(ARTIFACT_FORMATS as readonly string[]).includes(request.format)) {
    throw invalidFlag('-o', request.format, `one of ${ARTIFACT_FORMATS.join(', ')}`);
  }
  const flags = validateBuildFlags(request.flags);
  if (request.signal?.aborted) throw cancelledError('build');

  const features = tinygoFeatures(request.tinygoVersion);
  const buildId = request.buildId ?? newBuildId(startedAt);
  const outDir = path.join(request.cacheDir, 'builds', safeName(buildId));
  const artifactPath = path.join(outDir, `${safeName(request.program.name)}.${request.format}`);
  await mkdir(outDir, { recursive: true });

  const log: BuildLogLine[] = [];
  let useJson = features.jsonBuildEvents;
  const argsFor = (json: boolean) => [
    'build',
    `-target=${request.target}`,
    '-o',
    artifactPath,
    `-size=${features.sizeFull ? 'full' : 'short'}`,
    ...(json ? ['-json'] : []),
    ...buildFlagArgs(flags),
    ...extraArgs,
    // Never let a file name beginning with "-" read as a flag.
    request.program.packageArg.startsWith('-') ? `./${request.program.packageArg}` : request.program.packageArg,
  ];

  let args = argsFor(useJson);
  let outcome = await runTinygoProcess(request, args, log, startedAt);
  let json = useJson ? parseJsonBuildOutput(outcome.stdout) : null;
  if (json?.configDump && !outcome.cancelled && !outcome.timedOut) {
    // This TinyGo's -json prints its configuration instead of build events: build again without.
    log.push({ stream: 'info', text: 'This TinyGo prints its configuration for -json; building again without -json.', atMs: now() - startedAt });
    useJson = false;
    args = argsFor(false);
    outcome = await runTinygoProcess(request, args, log, startedAt);
    json = null;
  }

  const base = {
    buildId,
    format: request.format,
    log,
    tinygoVersion: request.tinygoVersion.raw,
    target: request.target,
    flags,
    args,
    exitCode: outcome.exitCode,
  };
  const removeOutput = () => rm(outDir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });

  if (outcome.cancelled) {
    await removeOutput();
    throw cancelledError('build');
  }
  if (outcome.spawnError) {
    await removeOutput();
    return {
      ...base,
      ok: false,
      diagnostics: [],
      durationMs: now() - startedAt,
      error: {
        code: 'TINYGO_NOT_RUNNABLE',
        stage: 'build',
        message: `Could not start ${request.tinygoPath}: ${outcome.spawnError.message}`,
        hint: 'Check the TinyGo executable in Settings: it must name the tinygo program itself.',
      },
    };
  }
  if (outcome.timedOut) {
    await removeOutput();
    return {
      ...base,
      ok: false,
      diagnostics: [],
      durationMs: now() - startedAt,
      error: {
        code: 'BUILD_TIMEOUT',
        stage: 'build',
        message: `The build did not finish within ${Math.round((request.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS) / 1000)} s and was stopped.`,
        hint: 'The first build for a target compiles the runtime and can take minutes. Retry: TinyGo keeps what it compiled in its cache, so the next build gets further.',
      },
    };
  }

  // With -json a message may come both as an event and on stderr: keep one of each.
  // Overflow lines split between the two are folded again: one figure per region, the largest.
  const seen = new Set<string>();
  const diagnostics = largestOverflowPerRegion([...(json?.diagnostics ?? []), ...parseDiagnostics(outcome.stderr)])
    .filter((d) => {
      const key = `${d.kind}|${d.file ?? ''}|${d.line ?? ''}|${d.column ?? ''}|${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((d) => (d.file ? { ...d, absoluteFile: path.resolve(request.program.buildDir, d.file) } : d));
  // The size table is plain stdout; should a version wrap it in build-output events, look there too.
  const sizes =
    (json
      ? (parseSizeReport(json.plainText) ??
        parseSizeReport(
          json.events
            .filter((e) => e.Action === 'build-output')
            .map((e) => e.Output ?? '')
            .join(''),
        ))
      : parseSizeReport(outcome.stdout)) ?? undefined;
  const failed = outcome.exitCode !== 0 || json?.failed === true;
  const artifactBytes = failed
    ? 0
    : await stat(artifactPath).then(
        (s) => (s.isFile() ? s.size : 0),
        () => 0,
      );

  if (failed || artifactBytes === 0) {
    await removeOutput();
    const error = failed
      ? failureError(diagnostics, outcome, request.tinygoPath)
      : {
          code: 'BUILD_NO_ARTIFACT' as const,
          stage: 'build' as const,
          message: `tinygo reported success but wrote no ${request.format} file.`,
          hint: `This target may not support .${request.format} output; check the board's output format.`,
        };
    return { ...base, ok: false, diagnostics, ...(sizes ? { sizes } : {}), error, durationMs: now() - startedAt };
  }
  const artifactHash = artifactSha256(await readFile(artifactPath));
  return { ...base, ok: true, artifactPath, artifactBytes, artifactSha256: artifactHash, diagnostics, ...(sizes ? { sizes } : {}), durationMs: now() - startedAt };
}

export interface AllocReportRequest extends Omit<BuildRequest, 'format' | 'buildId'> {
  /** Go regexp of functions to report, e.g. "main." (default) or "." for everything. */
  pattern?: string;
}

export interface AllocReportResult {
  ok: boolean;
  allocations: HeapAllocation[];
  diagnostics: Diagnostic[];
  error?: ErrorInfo;
  /** Set when the report cannot contain anything (e.g. -opt=0). */
  note?: string;
  log: BuildLogLine[];
  durationMs: number;
  args: string[];
}

/** Lets through Go regexp text but not whitespace or a leading "-". */
const ALLOC_PATTERN = /^[^\s-][^\s]{0,199}$/;

/**
 * `tinygo build -print-allocs=<pattern>` to an ELF in a throw-away directory, parsed into heap
 * allocations. The reason format is used where the version prints it; 0.41's cover format is
 * parsed too (positions only).
 */
export async function buildAllocReport(request: AllocReportRequest): Promise<AllocReportResult> {
  const pattern = request.pattern ?? 'main.';
  if (!ALLOC_PATTERN.test(pattern)) throw invalidFlag('-print-allocs', pattern, 'a Go regular expression without spaces, e.g. main.');
  const flags = validateBuildFlags(request.flags);
  const note = flags.opt === '0' ? 'TinyGo reports allocations only when optimising (-opt=1, 2, s or z); -opt=0 prints nothing.' : undefined;
  const buildId = `allocs-${newBuildId((request.now ?? Date.now)())}`;
  const extra = [`-print-allocs=${pattern}`];
  const result = await runBuildWith({ ...request, format: 'elf', buildId, flags }, extra);
  await rm(path.join(request.cacheDir, 'builds', buildId), { recursive: true, force: true });
  const stderr = result.log
    .filter((l) => l.stream === 'stderr')
    .map((l) => l.text)
    .join('\n');
  return {
    ok: result.ok,
    allocations: parseAllocReport(stderr),
    diagnostics: result.diagnostics,
    ...(result.error ? { error: result.error } : {}),
    ...(note ? { note } : {}),
    log: result.log,
    durationMs: result.durationMs,
    args: result.args,
  };
}
