/**
 * The size history as the window and the command line ask for it: pages of builds, a build's
 * packages, diffs, exports, the board's capacity, budgets, and which build runs on a board now
 * (its last verified flash → the artifact's SHA-256 → the build that made it).
 */
import type { BoardCapacity, BudgetBreach, BudgetKind, BuildDiff, Budgets, HistoryExportFormat, SizeHistoryRow } from '../../contract';
import { FlashdeckError } from '../../../drivers/common/errors';
import type { Db } from '../store/database';
import { BudgetStore } from '../store/budgets';
import { SizeHistory, type HistoryFilter } from '../store/size-history';
import { boardCapacity, type CapacitySources } from './board-capacity';
import { budgetBreaches } from './budget-check';
import { diffBuilds } from './build-diff';
import { exportHistory } from './history-export';

export interface HistoryServiceOptions {
  db: Db;
  /** The board's TinyGo target (pinned, or an exact guess), or null. */
  targetOf: (boardId: string) => string | null;
  /** Where the installed TinyGo keeps the target's linker script; nulls when TinyGo is not usable. */
  capacitySources: (target: string) => Promise<CapacitySources>;
}

/** What checkHeapBudget found: the build running on the board, and the heap budget breach if any. */
export interface HeapBudgetVerdict {
  build: SizeHistoryRow | null;
  budgetBytes: number | null;
  breach: BudgetBreach | null;
}

export class HistoryService {
  readonly sizes: SizeHistory;
  readonly budgets: BudgetStore;

  constructor(private readonly options: HistoryServiceOptions) {
    this.sizes = new SizeHistory(options.db);
    this.budgets = new BudgetStore(options.db);
  }

  page(filter: HistoryFilter, offset = 0, limit = 50) {
    return { ...this.sizes.page(filter, offset, limit), ...this.sizes.facets(filter.boardId) };
  }

  diff(fromBuildId: number, toBuildId: number): BuildDiff {
    const from = this.requireBuild(fromBuildId);
    const to = this.requireBuild(toBuildId);
    return diffBuilds(from, this.sizes.packages(fromBuildId), to, this.sizes.packages(toBuildId));
  }

  export(boardId: string, format: HistoryExportFormat) {
    return exportHistory(boardId, this.sizes.exportRows(boardId), format);
  }

  async capacity(boardId: string): Promise<BoardCapacity | null> {
    const target = this.options.targetOf(boardId);
    return target ? this.capacityOf(target) : null;
  }

  async capacityOf(target: string): Promise<BoardCapacity | null> {
    return boardCapacity(target, await this.options.capacitySources(target).catch(() => ({ tinygoRoot: null, linkerScript: null })));
  }

  /** The board's newest build with sizes and the capacity of the target it was built for: its flash and RAM headroom. */
  async latestSizes(boardId: string): Promise<{ latestBuild: SizeHistoryRow | null; capacity: BoardCapacity | null }> {
    const latestBuild = this.sizes.latestSized(boardId) ?? null;
    return { latestBuild, capacity: latestBuild ? await this.capacityOf(latestBuild.target) : null };
  }

  setBudget(boardId: string, program: string, kind: BudgetKind, bytes: number | null): Budgets {
    return this.budgets.set(boardId, program, kind, bytes);
  }

  /** The build whose artifact the board's last verified flash wrote, if Flashdeck built it. */
  runningBuild(boardId: string): SizeHistoryRow | null {
    return this.sizes.running(boardId) ?? null;
  }

  /**
   * Heap telemetry reports the lowest free heap of a session: it is kept on the running build (so
   * the history shows it) and judged against the board's heap budget for that program.
   */
  checkHeapBudget(boardId: string, minFreeHeapBytes: number): HeapBudgetVerdict {
    const build = this.runningBuild(boardId);
    if (!build) return { build: null, budgetBytes: null, breach: null };
    this.sizes.noteFreeHeap(build.id, minFreeHeapBytes);
    const budgets = this.budgets.get(boardId, build.program);
    const [breach] = budgetBreaches({ flash: null, ram: null, heap: budgets.heap }, { flash: null, ram: null, minFreeHeap: Math.round(minFreeHeapBytes) });
    return { build: this.sizes.get(build.id) ?? build, budgetBytes: budgets.heap, breach: breach ?? null };
  }

  private requireBuild(id: number): SizeHistoryRow {
    const row = this.sizes.get(id);
    if (!row) {
      throw new FlashdeckError({
        code: 'BUILD_NOT_FOUND',
        stage: 'history',
        message: `There is no build #${id} in the size history.`,
        hint: 'Pick two builds from the table; the list may have changed since it was shown.',
      });
    }
    return row;
  }
}
