/**
 * A virtualised list of fixed-height rows: only the rows in view exist in the DOM (a small pool
 * reused on every redraw), so 100,000 lines cost the same to show as 50. Rows are addressed by
 * absolute number, so the view keeps its place while the oldest rows are trimmed; "follow" keeps
 * the newest row in view until the user scrolls up. Beyond ~8 M px the scroll range is scaled.
 */

export interface RowSource {
  /** Absolute number of the first row held. */
  first(): number;
  /** Rows held. */
  count(): number;
  /** Fill `element` for row `index` (absolute). */
  render(element: HTMLElement, index: number): void;
}

const MAX_SCROLL_PX = 8_000_000;

export class VirtualRows {
  follow = true;
  private topRow = 0;
  private readonly sizer: HTMLElement;
  private readonly layer: HTMLElement;
  private readonly pool: HTMLElement[] = [];
  private ignoreScroll = false;
  private lastScrollTop = -1;

  constructor(
    private readonly scroller: HTMLElement,
    private readonly source: RowSource,
    private readonly rowHeight: number,
    private readonly onFollowChange: (follow: boolean) => void = () => {},
  ) {
    this.sizer = document.createElement('div');
    this.sizer.className = 'vr-sizer';
    this.layer = document.createElement('div');
    this.layer.className = 'vr-layer';
    scroller.append(this.sizer, this.layer);
    scroller.addEventListener('scroll', this.onScroll, { passive: true });
  }

  destroy(): void {
    this.scroller.removeEventListener('scroll', this.onScroll);
    this.sizer.remove();
    this.layer.remove();
  }

  setFollow(follow: boolean): void {
    if (this.follow === follow) return;
    this.follow = follow;
    this.onFollowChange(follow);
    this.update();
  }

  /** Brings an absolute row into view (a few rows below the top) and stops following. */
  reveal(row: number): void {
    this.topRow = Math.max(this.source.first(), row - 3);
    if (this.follow) {
      this.follow = false;
      this.onFollowChange(false);
    }
    this.update();
  }

  private visibleRows(): number {
    return Math.max(1, Math.ceil(this.scroller.clientHeight / this.rowHeight));
  }

  private geometry(count: number): { scaled: boolean; height: number } {
    const natural = count * this.rowHeight;
    return natural <= MAX_SCROLL_PX ? { scaled: false, height: natural } : { scaled: true, height: MAX_SCROLL_PX };
  }

  /** Redraw: call after the source changed (on an animation frame) or the size changed. */
  update(): void {
    const first = this.source.first();
    const count = this.source.count();
    const visible = this.visibleRows();
    const { scaled, height } = this.geometry(count);
    this.sizer.style.height = `${height}px`;
    const maxTop = Math.max(0, count - visible);
    let offset = this.follow ? maxTop : Math.min(Math.max(0, this.topRow - first), maxTop);
    this.topRow = first + offset;
    const clientHeight = this.scroller.clientHeight;
    const wantScrollTop = scaled ? (maxTop ? (offset / maxTop) * (height - clientHeight) : 0) : offset * this.rowHeight;
    const scrollMax = Math.max(0, height - clientHeight);
    const target = this.follow ? scrollMax : Math.min(wantScrollTop, scrollMax);
    if (Math.abs(this.scroller.scrollTop - target) >= 1) {
      this.ignoreScroll = true;
      this.scroller.scrollTop = target;
      this.lastScrollTop = this.scroller.scrollTop;
    }
    if (!scaled) offset = Math.min(offset, Math.floor(this.scroller.scrollTop / this.rowHeight));
    this.layer.style.transform = `translateY(${scaled ? this.scroller.scrollTop : offset * this.rowHeight}px)`;
    const rows = Math.min(visible + 1, count - offset);
    while (this.pool.length < rows) {
      const row = document.createElement('div');
      row.className = 'vr-row';
      this.layer.append(row);
      this.pool.push(row);
    }
    for (let i = 0; i < this.pool.length; i++) {
      const element = this.pool[i];
      if (i < rows) {
        element.hidden = false;
        this.source.render(element, first + offset + i);
      } else if (!element.hidden) {
        element.hidden = true;
      }
    }
  }

  private readonly onScroll = () => {
    const top = this.scroller.scrollTop;
    if (this.ignoreScroll) {
      this.ignoreScroll = false;
      if (Math.abs(top - this.lastScrollTop) < 1) return;
    }
    this.lastScrollTop = top;
    const count = this.source.count();
    const { scaled, height } = this.geometry(count);
    const clientHeight = this.scroller.clientHeight;
    const maxTop = Math.max(0, count - this.visibleRows());
    const offset = scaled ? Math.round((top / Math.max(1, height - clientHeight)) * maxTop) : Math.floor(top / this.rowHeight);
    this.topRow = this.source.first() + offset;
    const atBottom = top >= height - clientHeight - this.rowHeight / 2;
    if (atBottom !== this.follow) {
      this.follow = atBottom;
      this.onFollowChange(atBottom);
    }
    this.update();
  };
}
