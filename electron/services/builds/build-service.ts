/**
 * Builds from the app: checks the toolchain, resolves what to build (a bundled program, a dropped
 * folder or .go file, an uploaded .go file), runs `tinygo build` for the board's target in the
 * format its flasher wants, one build at a time per board, streams the log, records every build
 * (failures too) in the size history, and optionally hands the artifact to the flash service.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BuildFlagsDto, BuildSource, BuildSummary, EventPayload, RequestResult, ToolchainHealthDto } from '../../contract';
import type { EventHub } from '../../dispatcher';
import { FlashdeckError, toErrorInfo } from '../../../drivers/common/errors';
import type { BoardRegistry } from '../ports/board-registry';
import type { SettingsStore } from '../store/settings-store';
import type { SizeHistory } from '../store/size-history';
import type { FlashService } from '../flash/flash-service';
import { modelOf } from '../flash/flash-service';
import { findBoard } from '../../../drivers/common/board-catalogue';
import { BuildQueue } from '../toolchain/build-queue';
import { primaryDiagnostic, type Diagnostic } from '../toolchain/diagnostics';
import { planNrfFlash, assertToolForPlan, type ToolProbe } from '../../../drivers/nrf52';
import { probeToolOnPath, tinygoFlashArgs } from './external-tools';
import { runTinygoFlash } from './tinygo-flash';
import { RetainedBuildLog } from './build-log';
import { buildAllocReport, buildFlagArgs, runBuild, type ArtifactFormat, type BuildLogLine, type BuildResult } from '../toolchain/build-runner';
import { nodeLocatorContext, toolchainEnv, toolchainHealth, type LocatorContext, type ToolchainHealth } from '../toolchain/tinygo-locator';
import { pruneBuildDirs } from '../toolchain/build-cache';
import type { TinygoFeatures, TinygoVersion } from '../toolchain/version';
import { resolveProgramSource } from '../toolchain/program-source';
import { programRevision, type ProgramRevision } from '../toolchain/program-revision';
import { JsonFileTargetCache, TargetService } from '../toolchain/targets';
import { PROGRAMS, findProgram, programBuildTags, programSupportsTarget } from '../../../resources/programs/catalogue';

export interface BuildServiceOptions {
  hub: EventHub;
  registry: BoardRegistry;
  settings: SettingsStore;
  history: SizeHistory;
  flash: FlashService;
  /** resources/programs (bundled TinyGo programs). */
  programsDir: string;
  /** Per-build output directories and uploads go below it. */
  cacheDir: string;
  locator?: LocatorContext;
  /** Whether an external flash tool is installed (tests); default: run it from PATH. */
  toolProbe?: ToolProbe;
  /** Called with the artifact of every successful build (the console resolves panic addresses with it). */
  onArtifact?: (boardId: string, artifactPath: string) => void;
}

interface ResolvedProgram {
  name: string;
  buildDir: string;
  packageArg: string;
  tags: string[];
  /** The folder or file the user built (null for bundled programs). */
  path: string | null;
}

export interface BuildStartOptions {
  /** The flag experiment the build belongs to (recorded with it). */
  experimentId?: number | null;
  /**
   * Build for this TinyGo target with no board behind `boardId` (the command line's
   * `flashdeck build DIR --target T`, e.g. a CI size check): the artifact format comes from the
   * catalogue entry of the target, and the build is recorded under `boardId` like any other.
   */
  target?: string;
}

const LOG_BATCH_MS = 50;

export class BuildService {
  private readonly queue = new BuildQueue();
  /** The newest health check of the TinyGo path in Settings (a check of an older path never replaces it). */
  private healthCache: { key: string; at: number; value: ToolchainHealth } | null = null;
  /** Checks running now, per path, so requests that arrive together share one. */
  private readonly healthChecks = new Map<string, Promise<ToolchainHealth>>();
  private targetCache: Promise<JsonFileTargetCache> | null = null;
  /** Background ELF links (for symbolising panics); aborted on quit. */
  private readonly elfBuilds = new AbortController();
  /** The newest successful build per board: a slower ELF link of an older build must not win. */
  private readonly latestBuild = new Map<string, string>();
  private readonly locator: LocatorContext;
  /** Each board's latest build as announced (state, then summary): what a window connecting mid-build catches up on. */
  private readonly announced = new Map<string, Omit<RequestResult<'build.jobs'>[number], 'log' | 'logFrom'>>();
  /** The log of each build in `announced` (bounded), replayed to a window that missed lines. */
  private readonly logs = new Map<string, RetainedBuildLog>();

  constructor(private readonly options: BuildServiceOptions) {
    this.locator = options.locator ?? nodeLocatorContext();
    // Builds waiting behind another build for the same board show their place in line.
    this.queue.onChange((snapshot) => {
      for (const entry of snapshot) {
        if (entry.state === 'queued') this.announceState({ buildId: entry.id, boardId: entry.boardId, program: entry.label, state: 'queued', position: entry.position });
      }
    });
  }

  /** The toolchain as found for the TinyGo path in Settings now; the answer names that path (requestedPath). */
  async health(refresh = false): Promise<ToolchainHealthDto> {
    const requestedPath = this.options.settings.get().tinygoPath;
    const value = await this.toolchain(refresh);
    const { ok, tinygoPath, source, version, goVersion, llvmVersion, host, tinygoRoot, goRoot, problems } = value;
    return { requestedPath, ok, tinygoPath, source, version, goVersion, llvmVersion, host, tinygoRoot, goRoot, problems };
  }

  async targets(): Promise<string[]> {
    const health = await this.requireToolchain();
    return (await this.targetService(health)).listTargets();
  }

  programs() {
    return PROGRAMS.map(({ id, name, description, variables, requiresLed, console, notes }) => ({ id, name, description, variables, requiresLed, console, notes }));
  }

  /** Queues a build for the board; returns at once. Events: build.state, build.log, build.finished. */
  start(boardId: string, source: BuildSource, flags: BuildFlagsDto = {}, thenFlash = false, options: BuildStartOptions = {}): { buildId: string; done: Promise<BuildSummary> } {
    const target = options.target ?? this.targetOf(boardId);
    const label = source.kind === 'program' ? source.program : source.kind === 'path' ? source.path.split(/[\\/]/).pop()! : source.name;
    // The id is ours, not the queue's: the job may start (and emit events) before enqueue returns.
    const buildId = `build-${randomBytes(6).toString('hex')}`;
    const job = this.queue.enqueue(boardId, (signal) => this.build(buildId, boardId, target, label, source, flags, thenFlash, signal, options.experimentId ?? null), {
      label,
      id: buildId,
    });
    void job.promise.catch(() => undefined);
    return { buildId: job.id, done: job.promise };
  }

  /** The board's TinyGo target, or null when it is not known (no error). */
  boardTarget(boardId: string): string | null {
    try {
      return this.targetOf(boardId);
    } catch {
      return null;
    }
  }

  /** TINYGOROOT and the target's linker script from the installed TinyGo (board capacity). */
  async linkerScriptOf(target: string): Promise<{ tinygoRoot: string | null; linkerScript: string | null }> {
    const health = await this.toolchain(false);
    if (!health.ok || !health.tinygoPath) return { tinygoRoot: null, linkerScript: null };
    const info = await (await this.targetService(health)).targetInfo(target);
    return { tinygoRoot: health.tinygoRoot, linkerScript: info.linkerScript ?? null };
  }

  cancel(buildId: string): void {
    this.queue.cancel(buildId);
  }

  async allocReport(boardId: string, source: BuildSource, flags: BuildFlagsDto = {}, pattern?: string) {
    const target = this.targetOf(boardId);
    const health = await this.requireToolchain();
    const program = await this.resolve(source, target, health.features.memStatsHeapAlloc);
    const result = await buildAllocReport({
      tinygoPath: health.tinygoPath,
      tinygoVersion: health.versionInfo,
      program: { buildDir: program.buildDir, packageArg: program.packageArg, name: program.name },
      target,
      flags: { ...flags, tags: [...(flags.tags ?? []), ...program.tags] },
      cacheDir: this.options.cacheDir,
      env: toolchainEnv(this.locator, health.tinygoPath),
      pattern,
    });
    return {
      ok: result.ok,
      allocations: result.allocations.map(({ file, line, column, endLine, reason, detail, escapesAtLine }) => ({ file, line, column, endLine, reason, detail, escapesAtLine })),
      diagnostics: result.diagnostics.map(diagnosticDto),
      error: result.error ?? null,
      note: result.note ?? null,
      durationMs: result.durationMs,
    };
  }

  private targetOf(boardId: string): string {
    const board = this.options.registry.require(boardId);
    const target = board.target ?? (board.guess.confidence === 'exact' ? board.guess.targets[0] : undefined);
    if (!target) {
      throw new FlashdeckError({
        code: 'TARGET_REQUIRED',
        stage: 'build',
        message: `Flashdeck does not know which board model (TinyGo target) ${board.name ?? board.path} is.`,
        hint: 'Pick the board model (its TinyGo target) at the top of the window, then build again.',
      });
    }
    return target;
  }

  /**
   * Checks the path in Settings at the time of the call. The Settings path can change while a check
   * runs (the user types a new one right after opening Settings): a check's result is cached only
   * while its path is still the one in Settings, so an older path's slower check never answers for
   * the new path.
   */
  private async toolchain(refresh: boolean): Promise<ToolchainHealth> {
    const currentKey = () => this.options.settings.get().tinygoPath ?? '';
    const key = currentKey();
    const fresh = this.healthCache && this.healthCache.key === key && Date.now() - this.healthCache.at < 60_000;
    if (!refresh && fresh) return this.healthCache!.value;
    const running = this.healthChecks.get(key);
    if (running && !refresh) return running;
    const startedAt = Date.now();
    const check = toolchainHealth({ settingsPath: key || null, ctx: this.locator });
    this.healthChecks.set(key, check);
    try {
      const value = await check;
      const newer = this.healthCache?.key === key && this.healthCache.at > startedAt;
      if (key === currentKey() && !newer) this.healthCache = { key, at: startedAt, value };
      return value;
    } finally {
      if (this.healthChecks.get(key) === check) this.healthChecks.delete(key);
    }
  }

  /** A toolchain that can build, or the first problem as an error. */
  private async requireToolchain(): Promise<ToolchainHealth & { tinygoPath: string; versionInfo: TinygoVersion; features: TinygoFeatures }> {
    const health = await this.toolchain(false);
    if (!health.ok || !health.tinygoPath || !health.versionInfo || !health.features) {
      const first = health.problems[0];
      throw new FlashdeckError(first ?? { code: 'TINYGO_NOT_FOUND', stage: 'toolchain', message: 'TinyGo was not found.', hint: 'Install TinyGo or set its path in Settings.' });
    }
    return health as ToolchainHealth & { tinygoPath: string; versionInfo: TinygoVersion; features: TinygoFeatures };
  }

  /** Stops every queued and running build (app quit): tinygo runs in its own process group. */
  cancelAll(): void {
    this.queue.cancelAll();
    this.elfBuilds.abort();
  }

  private async targetService(health: ToolchainHealth): Promise<TargetService> {
    this.targetCache ??= JsonFileTargetCache.open(join(this.options.cacheDir, 'tinygo-targets.json'));
    return new TargetService({
      tinygoPath: health.tinygoPath!,
      tinygoVersion: health.version ?? 'unknown',
      env: toolchainEnv(this.locator, health.tinygoPath!),
      cache: await this.targetCache,
    });
  }

  private async resolve(source: BuildSource, target: string, memStatsHeapAlloc: boolean): Promise<ResolvedProgram> {
    if (source.kind === 'program') {
      const program = findProgram(source.program);
      if (!program)
        throw new FlashdeckError({
          code: 'PROGRAM_UNKNOWN',
          stage: 'program',
          message: `There is no bundled program "${source.program}".`,
          hint: 'Pick one from the Programs tab.',
        });
      const support = programSupportsTarget(program, target);
      if (!support.ok)
        throw new FlashdeckError({ code: 'PROGRAM_UNSUPPORTED', stage: 'program', message: support.reason, hint: 'Pick another program, or LED test with an LED pin.' });
      return {
        name: program.id,
        buildDir: join(this.options.programsDir, program.id),
        packageArg: '.',
        tags: programBuildTags(program, { memStatsHeapAlloc, target }),
        path: null,
      };
    }
    let path: string;
    if (source.kind === 'upload') {
      const dir = join(this.options.cacheDir, 'uploads', randomBytes(6).toString('hex'));
      await mkdir(dir, { recursive: true });
      path = join(dir, source.name);
      await writeFile(path, Buffer.from(source.dataBase64, 'base64'));
    } else {
      path = source.path;
    }
    const resolved = await resolveProgramSource(path);
    return { name: resolved.name, buildDir: resolved.buildDir, packageArg: resolved.packageArg, tags: [], path: source.kind === 'path' ? source.path : null };
  }

  private async build(
    buildId: string,
    boardId: string,
    target: string,
    label: string,
    source: BuildSource,
    flags: BuildFlagsDto,
    thenFlash: boolean,
    signal: AbortSignal,
    experimentId: number | null,
  ): Promise<BuildSummary> {
    const { hub, history } = this.options;
    const startedAt = Date.now();
    const retained = new RetainedBuildLog();
    this.logs.set(buildId, retained);
    // Lines are kept as they are sent, so what a window gets on catch-up never overlaps a batch still to come.
    const sendLog = (lines: BuildLogLine[]) => hub.emit('build.log', { buildId, boardId, from: retained.append(lines), lines });
    let pending: BuildLogLine[] = [];
    let flushTimer: NodeJS.Timeout | null = null;
    const flushLog = () => {
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = null;
      if (pending.length) sendLog(pending);
      pending = [];
    };
    const onLine = (line: BuildLogLine) => {
      pending.push(line);
      flushTimer ??= setTimeout(flushLog, LOG_BATCH_MS);
    };
    this.announceState({ buildId, boardId, program: label, state: 'running', position: 0 });

    let result: BuildResult | null = null;
    let failure: unknown = null;
    let program = label;
    let programPath: string | null = null;
    let revision: ProgramRevision | null = null;
    let flashWithTinygo: (() => { jobId: string }) | null = null;
    let linkElf: (() => Promise<BuildResult>) | null = null;
    try {
      const health = await this.requireToolchain();
      const resolved = await this.resolve(source, target, health.features.memStatsHeapAlloc);
      program = resolved.name;
      programPath = resolved.path;
      // The user's own programs: the commit they were built from (bundled programs are part of Flashdeck).
      if (resolved.path) revision = await programRevision(resolved.buildDir);
      const board = this.options.registry.get(boardId);
      // No board: a build for a target alone takes the format the target's boards use.
      const model = board ? modelOf(board) : findBoard(target);
      const format: ArtifactFormat = model?.outputFormat ?? 'bin';
      const request = {
        tinygoPath: health.tinygoPath,
        tinygoVersion: health.versionInfo,
        program: { buildDir: resolved.buildDir, packageArg: resolved.packageArg, name: resolved.name },
        target,
        format,
        flags: { ...flags, tags: [...(flags.tags ?? []), ...resolved.tags] },
        cacheDir: this.options.cacheDir,
        env: toolchainEnv(this.locator, health.tinygoPath),
        signal,
        onLine,
      };
      result = await runBuild(request);
      const artifactSha256 = result.artifactSha256 ?? null;
      // Keep the cache bounded: the last builds stay (the console symbolises panics with them).
      void pruneBuildDirs(this.options.cacheDir, { keep: result.artifactPath ? [result.artifactPath] : [] }).catch(() => undefined);
      if (result.ok && result.artifactPath && !result.artifactPath.endsWith('.elf')) {
        // Flash formats drop the ELF; link it again (packages are cached) so the console can turn
        // panic addresses into function and file:line. Runs after the flash has started.
        const elfRequest = { ...request, format: 'elf' as const, buildId: `${result.buildId}-elf`, signal: this.elfBuilds.signal, onLine: undefined };
        linkElf = () => runBuild(elfRequest);
      }
      if (board && model?.flashMethod === 'tinygo-flash') {
        // A probe or vendor tool writes this board: `tinygo flash` runs it (the build is cached, so this is quick).
        const tags = [...(flags.tags ?? []), ...resolved.tags];
        const args = tinygoFlashArgs(target, board.present ? board.path : undefined, resolved.packageArg, buildFlagArgs({ ...flags, tags }));
        flashWithTinygo = () =>
          this.options.flash.startExternal(
            boardId,
            `${resolved.name} (tinygo flash)`,
            'tinygo-flash',
            ({ signal: jobSignal, onProgress }) =>
              runTinygoFlash({
                tinygoPath: health.tinygoPath,
                args,
                cwd: resolved.buildDir,
                env: toolchainEnv(this.locator, health.tinygoPath),
                signal: jobSignal,
                onProgress,
                onLine: (line) => sendLog([line]),
              }),
            artifactSha256,
          );
      }
    } catch (error) {
      failure = error;
    }
    flushLog();

    const error = result?.error ?? (failure ? toErrorInfo(failure, 'build') : null);
    const cancelled = signal.aborted || error?.code === 'CANCELLED';
    // The overflow the build's error names (one per region, the largest figure): the history shows the same.
    const primary = result && !result.ok ? primaryDiagnostic(result.diagnostics) : undefined;
    const overflow = primary?.kind === 'link-overflow' ? primary : undefined;
    let historyId: number | null = null;
    let overBudget: BuildSummary['overBudget'] = [];
    if (result || !cancelled) {
      historyId = history.record({
        boardId,
        target,
        program,
        programPath,
        gitCommit: revision?.commit ?? null,
        gitDirty: revision?.dirty ?? null,
        startedAt,
        durationMs: result?.durationMs ?? Date.now() - startedAt,
        ok: Boolean(result?.ok),
        tinygoVersion: result?.tinygoVersion ?? null,
        flags: result?.flags ?? flags,
        sizes: result?.sizes ?? null,
        artifactBytes: result?.artifactBytes ?? null,
        artifactSha256: result?.artifactSha256 ?? null,
        overflowRegion: overflow?.region ?? null,
        overflowBytes: overflow?.overflowBytes ?? null,
        overflowLowerBound: overflow?.overflowLowerBound === true,
        error: error ? `${error.code}: ${error.message}` : null,
        experimentId,
      });
      overBudget = history.get(historyId)?.overBudget ?? [];
      // A build over budget says so in its log, where the user is looking when it finishes.
      if (overBudget.length) sendLog(overBudget.map((breach) => ({ stream: 'info' as const, text: breach.message, atMs: Date.now() - startedAt })));
      hub.emit('history.changed', { boardId });
    }

    let flashJobId: string | null = null;
    let flashError = null;
    if (result?.ok && result.artifactPath) {
      this.options.onArtifact?.(boardId, result.artifactPath);
      if (thenFlash) {
        try {
          if (flashWithTinygo) {
            await assertToolForPlan(planNrfFlash(target), this.options.toolProbe ?? probeToolOnPath);
            flashJobId = flashWithTinygo().jobId;
          } else {
            flashJobId = (await this.options.flash.start(boardId, { path: result.artifactPath })).jobId;
          }
        } catch (e) {
          flashError = toErrorInfo(e, 'flashing');
        }
      }
      this.latestBuild.set(boardId, buildId);
      if (linkElf) {
        void linkElf().then(
          (elf) => elf.ok && elf.artifactPath && this.latestBuild.get(boardId) === buildId && this.options.onArtifact?.(boardId, elf.artifactPath),
          () => undefined,
        );
      }
    }

    const summary: BuildSummary = {
      buildId,
      boardId,
      program,
      target,
      ok: Boolean(result?.ok),
      cancelled,
      artifactPath: result?.artifactPath ?? null,
      artifactBytes: result?.artifactBytes ?? null,
      sizes: result?.sizes ?? null,
      diagnostics: (result?.diagnostics ?? []).map(diagnosticDto),
      error: error ?? flashError,
      durationMs: result?.durationMs ?? Date.now() - startedAt,
      tinygoVersion: result?.tinygoVersion ?? null,
      args: result?.args ?? [],
      flashJobId,
      historyId,
      overBudget,
      experimentId,
    };
    this.announceState({ buildId, boardId, program, state: cancelled ? 'cancelled' : summary.ok ? 'done' : 'failed', position: 0 }, summary);
    hub.emit('build.finished', summary);
    return summary;
  }

  /** Each board's latest build (a build queued behind a running one does not hide it). */
  latestBuilds(): RequestResult<'build.jobs'> {
    return [...this.announced.values()].map((build) => ({ ...build, ...(this.logs.get(build.buildId)?.snapshot() ?? { log: [], logFrom: 0 }) }));
  }

  /** Emits a build's state and remembers it as the board's latest (with its summary once finished). */
  private announceState(state: EventPayload<'build.state'>, summary: BuildSummary | null = null): void {
    const previous = this.announced.get(state.boardId);
    const behindRunning = state.state === 'queued' && previous?.state === 'running' && previous.buildId !== state.buildId;
    if (!behindRunning) {
      this.announced.set(state.boardId, { ...state, summary });
      // Only the boards' latest builds keep their logs.
      if (previous && previous.buildId !== state.buildId) this.logs.delete(previous.buildId);
    }
    this.options.hub.emit('build.state', state);
  }
}

function diagnosticDto(d: Diagnostic) {
  const { severity, kind, message, file, absoluteFile, line, column, package: pkg, region, section, overflowBytes, overflowLowerBound, hint } = d;
  return { severity, kind, message, file: absoluteFile ?? file, line, column, package: pkg, region, section, overflowBytes, overflowLowerBound, hint };
}
