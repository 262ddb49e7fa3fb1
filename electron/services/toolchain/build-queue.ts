/**
 * One build at a time per board: builds for the same board wait in order; builds for different
 * boards run side by side. A queued build can be cancelled before it starts; a running one is
 * cancelled through the AbortSignal its job receives.
 */
import { cancelledError } from '../../../drivers/common/errors';
import type { BuildState } from '../../contract-values';

export type QueuedJobState = BuildState;

export interface QueuedJob<T> {
  id: string;
  boardId: string;
  label: string;
  readonly state: QueuedJobState;
  /** Resolves with the job's value; rejects with the job's error or CANCELLED. */
  promise: Promise<T>;
  /** Cancels whether queued or running. Returns false when already finished. */
  cancel(): boolean;
}

export interface QueueSnapshotEntry {
  id: string;
  boardId: string;
  label: string;
  state: 'queued' | 'running';
  /** 0 = running, 1 = next, … */
  position: number;
}

interface Entry {
  id: string;
  boardId: string;
  label: string;
  state: QueuedJobState;
  controller: AbortController;
  start: () => void;
  reject: (error: unknown) => void;
}

export class BuildQueue {
  private readonly lanes = new Map<string, Entry[]>();
  private readonly listeners = new Set<(snapshot: QueueSnapshotEntry[]) => void>();
  private nextId = 1;
  /** Ids stay unique across app runs (build dirs and history may outlive the process). */
  private readonly idPrefix = `build-${Date.now().toString(36)}`;

  /**
   * Adds a job for `boardId`. `job` receives a signal that fires on cancel (or when the optional
   * outside `signal` fires) and must reject promptly when it does.
   */
  enqueue<T>(boardId: string, job: (signal: AbortSignal) => Promise<T>, options: { label?: string; signal?: AbortSignal; id?: string } = {}): QueuedJob<T> {
    const controller = new AbortController();
    const id = options.id ?? `${this.idPrefix}-${this.nextId++}`;
    let resolveOuter!: (value: T) => void;
    let rejectOuter!: (error: unknown) => void;
    const promise = new Promise<T>((resolve, reject) => {
      resolveOuter = resolve;
      rejectOuter = reject;
    });
    // Callers that only cancel may never await; do not report those as unhandled.
    promise.catch(() => undefined);

    const entry: Entry = {
      id,
      boardId,
      label: options.label ?? id,
      state: 'queued',
      controller,
      reject: rejectOuter,
      start: () => {
        entry.state = 'running';
        this.emit();
        let running: Promise<T>;
        try {
          running = job(controller.signal);
        } catch (error) {
          running = Promise.reject(error);
        }
        running
          .then(
            (value) => {
              entry.state = controller.signal.aborted ? 'cancelled' : 'done';
              resolveOuter(value);
            },
            (error) => {
              entry.state = controller.signal.aborted ? 'cancelled' : 'failed';
              rejectOuter(error);
            },
          )
          .finally(() => this.finish(entry));
      },
    };

    const cancel = (): boolean => {
      if (entry.state === 'queued') {
        entry.state = 'cancelled';
        controller.abort();
        const lane = this.lanes.get(boardId) ?? [];
        lane.splice(lane.indexOf(entry), 1);
        if (lane.length === 0) this.lanes.delete(boardId);
        rejectOuter(cancelledError('queued'));
        this.emit();
        return true;
      }
      if (entry.state === 'running') {
        controller.abort();
        return true;
      }
      return false;
    };
    options.signal?.addEventListener('abort', cancel, { once: true });
    if (options.signal?.aborted) cancel();

    const lane = this.lanes.get(boardId) ?? [];
    if (entry.state === 'queued') {
      lane.push(entry);
      this.lanes.set(boardId, lane);
      if (lane.length === 1) entry.start();
      else this.emit();
    }
    return {
      id,
      boardId,
      label: entry.label,
      get state() {
        return entry.state;
      },
      promise,
      cancel,
    };
  }

  /** Cancels one job by id (queued or running). */
  cancel(id: string): boolean {
    for (const lane of this.lanes.values()) {
      const entry = lane.find((e) => e.id === id);
      if (!entry) continue;
      if (entry.state === 'queued') {
        entry.state = 'cancelled';
        entry.controller.abort();
        lane.splice(lane.indexOf(entry), 1);
        entry.reject(cancelledError('queued'));
        this.emit();
        return true;
      }
      entry.controller.abort();
      return true;
    }
    return false;
  }

  /** Cancels every job of one board, or of all boards. */
  cancelAll(boardId?: string): void {
    const lanes = boardId ? [this.lanes.get(boardId) ?? []] : [...this.lanes.values()];
    for (const lane of lanes) for (const entry of [...lane].reverse()) this.cancel(entry.id);
  }

  /** Running and waiting jobs, per board in order. */
  snapshot(boardId?: string): QueueSnapshotEntry[] {
    const out: QueueSnapshotEntry[] = [];
    for (const [board, lane] of this.lanes) {
      if (boardId && board !== boardId) continue;
      lane.forEach((e, position) => {
        if (e.state === 'queued' || e.state === 'running') out.push({ id: e.id, boardId: board, label: e.label, state: e.state, position });
      });
    }
    return out;
  }

  /** Called on every change with the full snapshot; returns an unsubscribe function. */
  onChange(listener: (snapshot: QueueSnapshotEntry[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private finish(entry: Entry): void {
    const lane = this.lanes.get(entry.boardId);
    if (lane) {
      const index = lane.indexOf(entry);
      if (index >= 0) lane.splice(index, 1);
      if (lane.length === 0) this.lanes.delete(entry.boardId);
      else lane[0].start();
    }
    this.emit();
  }

  private emit(): void {
    if (this.listeners.size === 0) return;
    const snapshot = this.snapshot();
    for (const listener of this.listeners) listener(snapshot);
  }
}
