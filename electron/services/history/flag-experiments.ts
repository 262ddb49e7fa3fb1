/**
 * "Compare flags": one program built for the board's target once per flag variant, one build after
 * another (through the board's build queue, so nothing else builds in between unnoticed). Each
 * build is an ordinary build in the history, tagged with the experiment; progress and the end are
 * announced; cancel stops the running build and skips the rest.
 */
import type { BuildFlagsDto, BuildSource, Experiment } from '../../contract';
import type { EventHub } from '../../dispatcher';
import { FlashdeckError } from '../../../drivers/common/errors';
import type { BuildService } from '../builds/build-service';
import { ExperimentStore } from '../store/experiments';
import type { SizeHistory } from '../store/size-history';
import type { Db } from '../store/database';

interface Running {
  cancelled: boolean;
  currentBuildId: string | null;
}

export class FlagExperiments {
  readonly store: ExperimentStore;
  private readonly running = new Map<number, Running>();

  constructor(private readonly options: { db: Db; builds: BuildService; hub: EventHub; history: SizeHistory; log?: (line: string) => void }) {
    this.store = new ExperimentStore(options.db);
  }

  start(boardId: string, source: BuildSource, variants: BuildFlagsDto[]): { experimentId: number } {
    const target = this.options.builds.boardTarget(boardId);
    if (!target) {
      throw new FlashdeckError({
        code: 'TARGET_REQUIRED',
        stage: 'experiment',
        message: 'Flashdeck does not know which TinyGo target this board is, so it cannot compare flags for it.',
        hint: 'Pick the board model (its TinyGo target) at the top of the window, then compare flags again.',
      });
    }
    if ([...this.running.keys()].some((id) => this.store.get(id)?.boardId === boardId)) {
      throw new FlashdeckError({
        code: 'EXPERIMENT_BUSY',
        stage: 'experiment',
        message: 'A flag comparison is already running for this board.',
        hint: 'Wait for it to finish or cancel it first.',
      });
    }
    const program = source.kind === 'program' ? source.program : source.kind === 'path' ? source.path.split(/[\\/]/).pop()! : source.name;
    const experimentId = this.store.create({ boardId, target, program, variants });
    const state: Running = { cancelled: false, currentBuildId: null };
    this.running.set(experimentId, state);
    void this.run(experimentId, boardId, source, variants, state).catch((error: unknown) => {
      this.store.setState(experimentId, 'failed');
      this.running.delete(experimentId);
      this.options.hub.emit('experiment.progress', { experimentId, boardId, done: 0, total: variants.length, state: 'failed' });
      (this.options.log ?? console.error)(`Flag comparison #${experimentId} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    return { experimentId };
  }

  cancel(experimentId: number): void {
    const state = this.running.get(experimentId);
    if (!state) return;
    state.cancelled = true;
    if (state.currentBuildId) this.options.builds.cancel(state.currentBuildId);
  }

  get(experimentId: number): Experiment {
    const record = this.store.get(experimentId);
    if (!record) {
      throw new FlashdeckError({
        code: 'EXPERIMENT_NOT_FOUND',
        stage: 'experiment',
        message: `There is no flag comparison #${experimentId}.`,
        hint: 'Pick one from the list of earlier comparisons.',
      });
    }
    const builds = this.options.history.page({ boardId: record.boardId, experimentId }, 0, 500).rows.reverse();
    return { ...record, builds };
  }

  private async run(experimentId: number, boardId: string, source: BuildSource, variants: BuildFlagsDto[], state: Running): Promise<void> {
    const { hub, builds } = this.options;
    const total = variants.length;
    let done = 0;
    hub.emit('experiment.progress', { experimentId, boardId, done, total, state: 'running' });
    for (const flags of variants) {
      if (state.cancelled) break;
      const started = builds.start(boardId, source, flags, false, { experimentId });
      state.currentBuildId = started.buildId;
      // A failing variant is a result (its reason is in the history), not the end of the comparison.
      await started.done.catch(() => undefined);
      state.currentBuildId = null;
      done++;
      if (!state.cancelled && done < total) hub.emit('experiment.progress', { experimentId, boardId, done, total, state: 'running' });
    }
    // Stored before it is announced: a window that asks on the last event reads the final state.
    const final = state.cancelled ? 'cancelled' : 'done';
    this.store.setState(experimentId, final);
    this.running.delete(experimentId);
    hub.emit('experiment.progress', { experimentId, boardId, done, total, state: final });
  }
}
