/**
 * Flash jobs: one per board at a time. A job loads the file, picks the board family's flasher,
 * leases the board's port from its console session, runs the driver with progress events, records
 * the attempt (success or failure) in the flash log, and hands the port back.
 */
import type { BindingInterface } from '@serialport/bindings-interface';
import { randomUUID } from 'node:crypto';
import type { Board, EventPayload, FileRef, ImageSummary, RequestResult } from '../../contract';
import type { EventHub } from '../../dispatcher';
import { findBoard, type BoardModel } from '../../../drivers/common/board-catalogue';
import { FlashdeckError, toErrorInfo } from '../../../drivers/common/errors';
import { throttleProgress, type FlashOutcome, type ProgressListener } from '../../../drivers/common/flash-job';
import type { BoardRegistry } from '../ports/board-registry';
import type { FlashLog } from '../store/flash-log';
import { artifactSha256 } from '../store/artifact-hash';
import type { SettingsStore } from '../store/settings-store';
import { loadFileRef, type LoadedFile } from './file-input';
import type { FamilyFlasher, FlashInput, FlashRun } from './family-flasher';
import type { PortLease } from '../ports/port-lease';
import { textFileProblem } from './text-file';
import { IMAGE_KINDS, takesAddress, type FlashMethod } from '../../contract-values';

/** Given by the console's port sessions: closes the port for the driver and reopens it after. */
export type { PortLease };
export type LeasePort = (boardId: string, reason: string) => Promise<PortLease>;

export interface FlashServiceOptions {
  registry: BoardRegistry;
  hub: EventHub;
  settings: SettingsStore;
  flashLog: FlashLog;
  flashers: Record<'esp32' | 'nrf52', FamilyFlasher>;
  leasePort?: LeasePort;
  /** node-serialport binding the drivers open ports with: the OS one unless the app simulates boards (or a test passes a simulator's). */
  binding?: BindingInterface;
  now?: () => number;
  /** Where what cannot reach the window goes (the app's log). */
  log?: (line: string) => void;
}

/** What a running job gets from the service: the leased port's path, cancellation, progress, the console to hand the port to. */
interface JobContext {
  path: string;
  signal: AbortSignal;
  onProgress: ProgressListener;
  handOver: NonNullable<FlashRun['handOver']>;
}

interface Job {
  id: string;
  boardId: string;
  controller: AbortController;
}

export class FlashService {
  private readonly jobs = new Map<string, Job>();
  /** Each board's latest job, running or finished: what a window that connects mid-job catches up on. */
  private readonly latest = new Map<string, RequestResult<'flash.jobs'>[number]>();

  constructor(private readonly options: FlashServiceOptions) {}

  async inspect(boardId: string, file: FileRef, offset?: number): Promise<ImageSummary> {
    const board = this.options.registry.require(boardId);
    const loaded = await loadFileRef(file);
    return this.summarise(board, loaded, offset).summary;
  }

  /** Starts a job and returns its id at once; progress and the outcome arrive as events. */
  async start(boardId: string, file: FileRef, options: { offset?: number; force?: boolean; eraseAll?: boolean; espFlashBaud?: number } = {}): Promise<{ jobId: string }> {
    const board = this.options.registry.require(boardId);
    this.assertIdle(boardId);
    if (!board.present)
      throw new FlashdeckError({
        code: 'BOARD_NOT_CONNECTED',
        stage: 'starting',
        message: `${board.path} is not plugged in.`,
        hint: 'Plug the board in (or check the port path) and try again.',
      });
    const loaded = await loadFileRef(file);
    const { summary, flasher, input } = this.summarise(board, loaded, options.offset);
    if (options.offset !== undefined && !takesAddress(summary.kind))
      throw new FlashdeckError({
        code: 'ADDRESS_NOT_APPLICABLE',
        stage: 'validating',
        message: `${input.fileName} is ${IMAGE_KINDS[summary.kind]}: it carries its own addresses, so a flash address does not apply.`,
        hint: 'Flash it without an address (the command line: leave out --address).',
      });
    const blocking = summary.problems.filter((p) => p.severity === 'error');
    if (blocking.length && !(options.force && summary.overridable)) {
      throw new FlashdeckError({
        code: blocking[0].code,
        stage: 'validating',
        message: blocking.map((p) => p.message).join(' '),
        hint: summary.overridable ? 'Pick the right file or board, or confirm "flash anyway" if you know why.' : 'Pick another file, or give the flash address.',
      });
    }
    const job = this.newJob(boardId);
    const { settings, registry } = this.options;
    const flags = { force: Boolean(options.force), eraseAll: Boolean(options.eraseAll) };
    const what = {
      fileName: input.fileName,
      method: summary.method,
      bytes: input.bytes.length,
      flashBytes: summary.writes?.bytes ?? input.bytes.length,
      artifactSha256: artifactSha256(loaded.bytes),
      path: board.path,
      returnIds: flasher!.returnIdentities?.(input) ?? [],
    };
    const onChipDetected = (detected: { chip: string; description: string }) => this.noteChip(boardId, detected);
    this.launch(
      this.run(job, what, ({ path, signal, onProgress, handOver }) =>
        flasher!.flash({
          ...input,
          ...flags,
          path,
          handOver,
          espFlashBaud: options.espFlashBaud ?? settings.get().espFlashBaud,
          portWatch: registry.portWatch,
          signal,
          onProgress,
          onChipDetected,
          binding: this.options.binding,
        }),
      ),
    );
    return { jobId: job.id };
  }

  /** Kept with the board (it names an unknown board from now on); a failure to keep it never fails the flash. */
  private noteChip(boardId: string, detected: { chip: string; description: string }): void {
    const now = this.options.now ?? Date.now;
    this.options.registry
      .noteDetectedChip(boardId, { ...detected, at: now() })
      .catch((error: unknown) => this.log(`Could not keep the chip read from ${boardId}: ${messageOf(error)}`));
  }

  cancel(jobId: string): void {
    this.jobs.get(jobId)?.controller.abort();
  }

  /** Jobs still running (for shutdown). */
  get running(): number {
    return this.jobs.size;
  }

  /**
   * A board that restarts as another USB device (UF2 bootloader → application, DFU bootloader →
   * app) is another board in the list: find it by the port the driver saw come back, else by the
   * identities it was expected to return as.
   */
  private returnedBoard(boardId: string, outcome: FlashOutcome, usbIds: string[]): string | undefined {
    const boards = this.options.registry.list();
    if (boards.some((board) => board.id === boardId && board.present)) return undefined;
    const appPort = outcome.details.appPort;
    const byPath = appPort ? boards.find((board) => board.path === appPort) : undefined;
    const byId = boards.find((board) => board.present && usbIds.includes(`${board.vendorId}:${board.productId}`));
    return (byPath ?? byId)?.id;
  }

  private summarise(board: Board, file: LoadedFile, offset?: number): { summary: ImageSummary; flasher?: FamilyFlasher; input: FlashInput } {
    const model = modelOf(board);
    const input: FlashInput = { board, model, fileName: file.name, bytes: file.bytes, offset };
    const family = model?.family ?? board.guess.family ?? this.familyByContent(file);
    if (!family) {
      return {
        input,
        summary: {
          fileName: file.name,
          size: file.bytes.length,
          family: null,
          kind: 'unknown',
          chip: null,
          method: null,
          offset: null,
          overridable: false,
          problems: [
            {
              code: 'UNKNOWN_IMAGE',
              severity: 'error',
              message: `Flashdeck does not recognise ${file.name} as an ESP32 or nRF52 image, and the board's family is unknown. Pick the board model (its TinyGo target) above.`,
            },
          ],
        },
      };
    }
    const flasher = this.options.flashers[family];
    return { summary: refuseText(flasher.inspect(input), file), flasher, input };
  }

  private familyByContent(file: LoadedFile): 'esp32' | 'nrf52' | undefined {
    for (const family of ['esp32', 'nrf52'] as const) if (this.options.flashers[family].recognises(file.bytes, file.name)) return family;
    return undefined;
  }

  /**
   * Runs a flash that is not an image write by our drivers (`tinygo flash` for boards that need a
   * probe) as a job like any other: port leased, progress events, recorded in the flash log.
   */
  startExternal(
    boardId: string,
    label: string,
    method: FlashMethod,
    execute: (context: { path: string; signal: AbortSignal; onProgress: ProgressListener }) => Promise<FlashOutcome>,
    /** SHA-256 of the build's artifact the tool writes (same program, flags and toolchain), when known. */
    artifactSha256: string | null = null,
  ): { jobId: string } {
    const board = this.options.registry.require(boardId);
    const job = this.newJob(boardId);
    this.launch(
      this.run(job, { fileName: label, method, bytes: 0, flashBytes: null, path: board.path, returnIds: [], artifactSha256 }, ({ path, signal, onProgress }) =>
        execute({ path, signal, onProgress }),
      ),
    );
    return { jobId: job.id };
  }

  private assertIdle(boardId: string): void {
    if ([...this.jobs.values()].some((job) => job.boardId === boardId)) {
      throw new FlashdeckError({ code: 'FLASH_BUSY', stage: 'starting', message: 'This board is already being flashed.', hint: 'Wait for it to finish or cancel it first.' });
    }
  }

  private newJob(boardId: string): Job {
    this.assertIdle(boardId);
    const job: Job = { id: randomUUID(), boardId, controller: new AbortController() };
    this.jobs.set(job.id, job);
    return job;
  }

  /**
   * One job from lease to log: the attempt is in the flash log from its first moment, and whatever
   * `execute` (or anything around it) does, it is completed there and announced.
   */
  private async run(
    job: Job,
    what: { fileName: string; method: FlashMethod | null; bytes: number; flashBytes: number | null; path: string; returnIds: string[]; artifactSha256: string | null },
    execute: (context: JobContext) => Promise<FlashOutcome>,
  ): Promise<void> {
    const { hub, flashLog } = this.options;
    const now = this.options.now ?? Date.now;
    const startedAt = now();
    const { fileName } = what;
    this.latest.set(job.boardId, { boardId: job.boardId, jobId: job.id, fileName, running: true, finished: null });
    let outcome: FlashOutcome | undefined;
    let failure: unknown;
    let lease: PortLease | undefined;
    let logId: number | undefined;
    const attempt = { boardId: job.boardId, startedAt, method: what.method, fileName, bytes: what.bytes, flashBytes: what.flashBytes, artifactSha256: what.artifactSha256 };
    try {
      logId = flashLog.begin(attempt);
      const emitProgress = throttleProgress((progress) => hub.emit('flash.progress', { jobId: job.id, boardId: job.boardId, fileName, progress }));
      emitProgress({ stage: 'connecting', bytesDone: 0, bytesTotal: what.bytes, bytesPerSecond: 0, etaSeconds: null });
      lease = this.options.leasePort ? await this.options.leasePort(job.boardId, `Flashing ${fileName}`) : { path: what.path, release: async () => {} };
      const leased = lease;
      outcome = await execute({
        path: leased.path,
        signal: job.controller.signal,
        onProgress: emitProgress,
        handOver: (opened, received) => leased.handOver?.(opened, received) ?? false,
      });
    } catch (error) {
      failure = error;
    } finally {
      this.jobs.delete(job.id);
      // The console resumes on its own; a board that does not come back is the console's state to show.
      void lease
        ?.release({ expectReturn: { usbIds: what.returnIds, path: outcome?.details.appPort } })
        .catch((error: unknown) => this.log(`Resuming the console after a flash failed: ${messageOf(error)}`));
    }
    const error = failure ? toErrorInfo(failure, 'flashing') : undefined;
    const result = { durationMs: now() - startedAt, ok: !failure, verifiedBy: outcome?.verifiedBy, errorCode: error?.code, errorMessage: error?.message };
    try {
      if (logId === undefined) flashLog.record({ ...attempt, ...result });
      else flashLog.finish(logId, result);
    } catch (logError) {
      this.log(`Could not record the flash of ${fileName} in the flash log: ${messageOf(logError)}`);
    }
    const returnedBoardId = outcome ? this.returnedBoard(job.boardId, outcome, what.returnIds) : undefined;
    const finished: EventPayload<'flash.finished'> = { jobId: job.id, boardId: job.boardId, fileName, ok: !failure, outcome, error, returnedBoardId };
    this.latest.set(job.boardId, { boardId: job.boardId, jobId: job.id, fileName, running: false, finished });
    hub.emit('flash.finished', finished);
  }

  /** Starts `run` detached: nothing it throws may escape as an unhandled rejection. */
  private launch(run: Promise<void>): void {
    run.catch((error: unknown) => this.log(`A flash job failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
  }

  private log(line: string): void {
    (this.options.log ?? console.error)(line);
  }

  /** Each board's latest job (running, or finished with its outcome). */
  latestJobs(): RequestResult<'flash.jobs'> {
    return [...this.latest.values()];
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The catalogue entry for a board: the pinned target, else a guess that names exactly one board. */
export function modelOf(board: Board): BoardModel | undefined {
  if (board.target) return findBoard(board.target);
  if (board.guess.confidence === 'exact' && board.guess.targets.length === 1) return findBoard(board.guess.targets[0]);
  return undefined;
}

/**
 * A text file is refused unless the user insists ("Flash it as raw data" is the same confirmation as
 * "flash anyway"); Intel HEX, text by design, is recognised by its content first.
 */
function refuseText(summary: ImageSummary, file: LoadedFile): ImageSummary {
  if (summary.kind === 'hex') return summary;
  const problem = textFileProblem(file.name, file.bytes);
  if (!problem) return summary;
  // A missing address is answered by typing one, not by insisting: it does not decide what may be overridden.
  const othersBlock = summary.problems.some((p) => p.severity === 'error' && p.code !== 'OFFSET_REQUIRED');
  return { ...summary, problems: [problem, ...summary.problems], overridable: othersBlock ? summary.overridable : true };
}
