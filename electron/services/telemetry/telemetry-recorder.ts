/**
 * Records every board's telemetry as sessions in the store: a session starts with the first
 * sample after the console opens (or after a flash), and ends when the console closes or the
 * board is flashed (the next samples come from other firmware). Samples are written about once a
 * second, so a crash loses at most the last second. Alongside, it keeps the heap figures the
 * size-history budgets check: heap capacity, peak heap in use and minimum free heap.
 */
import { HEAP_FIELD_BY_SERIES, freeHeap, heapCapacity, type HeapValues } from '../../contract-values';
import type { TelemetryBatchData } from '../../contract';
import { concatBatches, type SessionHeapFigures, type TelemetrySessionStore } from '../store/telemetry-sessions';

interface Recording {
  boardId: string;
  sessionId: number;
  seq: number;
  pending: TelemetryBatchData[];
  /** Last value of each heap field (a Teleplot stream sends one field per line). */
  latest: HeapValues;
  figures: SessionHeapFigures;
  /** The minimum free heap last reported to onMinFreeHeap. */
  reportedMinFree: number | null;
}

export interface TelemetryRecorderOptions {
  store: TelemetrySessionStore;
  /** How often pending samples are written (ms). */
  flushMs?: number;
  log?: (line: string) => void;
  /** The session's minimum free heap fell (bytes), told once per write at most. */
  onMinFreeHeap?: (boardId: string, bytes: number) => void;
}

export class TelemetryRecorder {
  private readonly recordings = new Map<string, Recording>();
  private timer: NodeJS.Timeout | null = null;
  private readonly flashing = new Set<string>();

  constructor(private readonly options: TelemetryRecorderOptions) {}

  add(boardId: string, batch: TelemetryBatchData): void {
    if (batch.t.length === 0 || this.flashing.has(boardId)) return;
    let recording = this.recordings.get(boardId);
    if (!recording) {
      const sessionId = this.guard(() => this.options.store.begin(boardId, batch.t[0]), `start recording telemetry of ${boardId}`);
      if (sessionId === undefined) return;
      recording = { boardId, sessionId, seq: 0, reportedMinFree: null, pending: [], latest: {}, figures: { heapCapacity: null, peakHeapInuse: null, minFreeHeap: null } };
      this.recordings.set(boardId, recording);
    }
    recording.pending.push(batch);
    updateFigures(recording, batch);
    this.timer ??= setTimeout(() => this.flushAll(), this.options.flushMs ?? 1000);
  }

  /** The board's current session id, if one is recording. */
  sessionOf(boardId: string): number | undefined {
    return this.recordings.get(boardId)?.sessionId;
  }

  /** Writes what is pending and closes the board's session. */
  end(boardId: string): void {
    const recording = this.recordings.get(boardId);
    if (!recording) return;
    this.flush(recording);
    this.recordings.delete(boardId);
    this.guard(() => this.options.store.close(recording.sessionId), `close the telemetry session of ${boardId}`);
  }

  /**
   * A flash starts: the session ends, and lines still on their way from the old firmware (or the
   * new one's first, before the flash is in the log) are not recorded until the flash is, so the
   * next session is the new firmware's and finds its build.
   */
  flashStarted(boardId: string): void {
    this.end(boardId);
    this.flashing.add(boardId);
  }

  flashFinished(boardId: string): void {
    this.flashing.delete(boardId);
  }

  /** A serial-less board came back under a new id: its session goes with it. */
  move(fromBoardId: string, toBoardId: string): void {
    const recording = this.recordings.get(fromBoardId);
    if (!recording || this.recordings.has(toBoardId)) return;
    this.recordings.delete(fromBoardId);
    recording.boardId = toBoardId;
    this.recordings.set(toBoardId, recording);
  }

  flushAll(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const recording of this.recordings.values()) this.flush(recording);
  }

  endAll(): void {
    for (const boardId of [...this.recordings.keys()]) this.end(boardId);
    this.flushAll();
  }

  private flush(recording: Recording): void {
    if (recording.pending.length === 0) return;
    const batch = concatBatches(recording.pending);
    recording.pending = [];
    this.guard(() => this.options.store.appendChunk(recording.sessionId, recording.seq++, batch, recording.figures), 'write telemetry samples');
    const { minFreeHeap } = recording.figures;
    if (minFreeHeap !== null && minFreeHeap !== recording.reportedMinFree && this.options.onMinFreeHeap) {
      recording.reportedMinFree = minFreeHeap;
      const report = this.options.onMinFreeHeap;
      this.guard(() => report(recording.boardId, minFreeHeap), 'check the heap budget');
    }
  }

  /** A store failure (disk full, database locked) is logged; the console and the view go on. */
  private guard<T>(write: () => T, what: string): T | undefined {
    try {
      return write();
    } catch (error) {
      (this.options.log ?? console.error)(`Could not ${what}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
}

function updateFigures(recording: Recording, batch: TelemetryBatchData): void {
  const fields: [string, keyof HeapValues][] = [];
  for (const name in batch.series) {
    const field = HEAP_FIELD_BY_SERIES[name];
    if (field) fields.push([name, field]);
  }
  if (fields.length === 0) return;
  const { latest, figures } = recording;
  for (let i = 0; i < batch.t.length; i++) {
    for (const [name, field] of fields) {
      const value = batch.series[name][i];
      if (value !== null && value !== undefined) latest[field] = value;
    }
    const capacity = heapCapacity(latest);
    const free = freeHeap(latest);
    if (capacity !== undefined) figures.heapCapacity = capacity;
    if (latest.heapInuse !== undefined) figures.peakHeapInuse = Math.max(figures.peakHeapInuse ?? -Infinity, latest.heapInuse);
    if (free !== undefined) figures.minFreeHeap = Math.min(figures.minFreeHeap ?? Infinity, free);
  }
}
