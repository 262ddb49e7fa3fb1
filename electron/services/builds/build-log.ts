/**
 * The log lines of one build as they were sent to windows, bounded: a window that (re)connects
 * mid-build gets them through `build.jobs` and can fill in what it missed. Lines are numbered from 0
 * in the order they were sent (`build.log`'s `from` is the number of a batch's first line), so a
 * window can tell the lines it has from the ones it lacks.
 */
import type { EventPayload } from '../../contract';
import { BUILD_LOG_KEPT_LINES } from '../../contract-values';

export type BuildLogLineDto = EventPayload<'build.log'>['lines'][number];

export class RetainedBuildLog {
  private lines: BuildLogLineDto[] = [];
  /** Lines sent before the first one still kept. */
  private dropped = 0;

  constructor(private readonly limit = BUILD_LOG_KEPT_LINES) {}

  /** Number the next batch gets: how many lines were sent so far. */
  get sent(): number {
    return this.dropped + this.lines.length;
  }

  /** Keeps a batch that is being sent; returns its `from`. */
  append(batch: readonly BuildLogLineDto[]): number {
    const from = this.sent;
    this.lines.push(...batch);
    const excess = this.lines.length - this.limit;
    if (excess > 0) {
      this.lines.splice(0, excess);
      this.dropped += excess;
    }
    return from;
  }

  /** The kept lines, and the number of the first of them (lines before it were not kept). */
  snapshot(): { logFrom: number; log: BuildLogLineDto[] } {
    return { logFrom: this.dropped, log: [...this.lines] };
  }
}
