/**
 * Flash jobs: one per board at a time. A job loads the file, picks the board family's flasher,
 * leases the board's port from its console session, runs the driver with progress events, records
 * the attempt (success or failure) in the flash log, and hands the port back.
 */
import { randomUUID } from 'node:crypto';
import type { Board, FileRef, ImageSummary } from '../../contract';
import type { EventHub } from '../../dispatcher';
import { findBoard, type BoardModel } from '../../../drivers/common/board-catalogue';
import { FlashdeckError, toErrorInfo } from '../../../drivers/common/errors';
import { throttleProgress, type FlashOutcome } from '../../../drivers/common/flash-job';
import type { BoardRegistry } from '../ports/board-registry';
import type { FlashLog } from '../store/flash-log';
import type { SettingsStore } from '../store/settings-store';
import { loadFileRef, type LoadedFile } from './file-input';
import type { FamilyFlasher, FlashInput } from './family-flasher';

/** Given by the console's port sessions: closes the port for the driver and reopens it after. */
export interface PortLease {
  path: string;
  release(options?: { expectReturn?: { usbIds?: string[]; timeoutMs?: number } }): Promise<void>;
}
export type LeasePort = (boardId: string, reason: string) => Promise<PortLease>;

export interface FlashServiceOptions {
  registry: BoardRegistry;
  hub: EventHub;
  settings: SettingsStore;
  flashLog: FlashLog;
  flashers: Record<'esp32' | 'nrf52', FamilyFlasher>;
  leasePort?: LeasePort;
  now?: () => number;
}

interface Job {
  id: string;
  boardId: string;
  controller: AbortController;
}

export class FlashService {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly options: FlashServiceOptions) {}

  async inspect(boardId: string, file: FileRef, offset?: number): Promise<ImageSummary> {
    const board = this.options.registry.require(boardId);
    const loaded = await loadFileRef(file);
    return this.summarise(board, loaded, offset).summary;
  }

  /** Starts a job and returns its id at once; progress and the outcome arrive as events. */
  async start(boardId: string, file: FileRef, options: { offset?: number; force?: boolean; eraseAll?: boolean } = {}): Promise<{ jobId: string }> {
    const board = this.options.registry.require(boardId);
    const busy = [...this.jobs.values()].find((job) => job.boardId === boardId);
    if (busy) throw new FlashdeckError({ code: 'FLASH_BUSY', stage: 'starting', message: 'This board is already being flashed.', hint: 'Wait for it to finish or cancel it first.' });
    if (!board.present) throw new FlashdeckError({ code: 'BOARD_NOT_CONNECTED', stage: 'starting', message: `${board.path} is not connected.`, hint: 'Plug the board in (or check the port path) and try again.' });
    const loaded = await loadFileRef(file);
    const { summary, flasher, input } = this.summarise(board, loaded, options.offset);
    const blocking = summary.problems.filter((p) => p.severity === 'error');
    if (blocking.length && !(options.force && summary.overridable)) {
      throw new FlashdeckError({
        code: blocking[0].code,
        stage: 'validating',
        message: blocking.map((p) => p.message).join(' '),
        hint: summary.overridable ? 'Pick the right file or board, or confirm "flash anyway" if you know why.' : 'Pick another file, or give the flash address.',
      });
    }
    const job: Job = { id: randomUUID(), boardId, controller: new AbortController() };
    this.jobs.set(job.id, job);
    void this.run(job, flasher!, input, summary, { force: Boolean(options.force), eraseAll: Boolean(options.eraseAll) });
    return { jobId: job.id };
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
          details: {},
          problems: [{ code: 'UNKNOWN_IMAGE', severity: 'error', message: `Flashdeck does not recognise ${file.name} as an ESP32 or nRF52 image, and the board's family is unknown. Pick the board's TinyGo target above.` }],
        },
      };
    }
    const flasher = this.options.flashers[family];
    return { summary: flasher.inspect(input), flasher, input };
  }

  private familyByContent(file: LoadedFile): 'esp32' | 'nrf52' | undefined {
    for (const family of ['esp32', 'nrf52'] as const) if (this.options.flashers[family].recognises(file.bytes, file.name)) return family;
    return undefined;
  }

  private async run(job: Job, flasher: FamilyFlasher, input: FlashInput, summary: ImageSummary, flags: { force: boolean; eraseAll: boolean }): Promise<void> {
    const { hub, flashLog, settings, registry } = this.options;
    const now = this.options.now ?? Date.now;
    const startedAt = now();
    const fileName = input.fileName;
    const emitProgress = throttleProgress((progress) => hub.emit('flash.progress', { jobId: job.id, boardId: job.boardId, fileName, progress }));
    let outcome: FlashOutcome | undefined;
    let failure: unknown;
    let lease: PortLease | undefined;
    try {
      emitProgress({ stage: 'connecting', bytesDone: 0, bytesTotal: input.bytes.length, bytesPerSecond: 0, etaSeconds: null });
      lease = this.options.leasePort ? await this.options.leasePort(job.boardId, `Flashing ${fileName}`) : { path: input.board.path, release: async () => {} };
      outcome = await flasher.flash({
        ...input,
        ...flags,
        path: lease.path,
        espFlashBaud: settings.get().espFlashBaud,
        portWatch: registry.portWatch,
        signal: job.controller.signal,
        onProgress: emitProgress,
      });
    } catch (error) {
      failure = error;
    } finally {
      this.jobs.delete(job.id);
      const returnIds = flasher.returnIdentities?.(input) ?? [];
      // The console resumes on its own; a board that does not come back is the console's state to show.
      void lease?.release({ expectReturn: { usbIds: returnIds } }).catch(() => {});
    }
    const durationMs = now() - startedAt;
    const error = failure ? toErrorInfo(failure, 'flashing') : undefined;
    flashLog.record({
      boardId: job.boardId,
      startedAt,
      durationMs,
      ok: !failure,
      method: summary.method ?? 'unknown',
      fileName,
      bytes: input.bytes.length,
      verifiedBy: outcome?.verifiedBy,
      errorCode: error?.code,
      errorMessage: error?.message,
    });
    const returnedBoardId = outcome ? this.returnedBoard(job.boardId, outcome, flasher.returnIdentities?.(input) ?? []) : undefined;
    hub.emit('flash.finished', { jobId: job.id, boardId: job.boardId, fileName, ok: !failure, outcome, error, returnedBoardId });
  }
}

/** The catalogue entry for a board: the pinned target, else a guess that names exactly one board. */
export function modelOf(board: Board): BoardModel | undefined {
  if (board.target) return findBoard(board.target);
  if (board.guess.confidence === 'exact' && board.guess.targets.length === 1) return findBoard(board.guess.targets[0]);
  return undefined;
}
