/**
 * One uPlot chart of the telemetry view: fed decimated data by the view's single animation-frame
 * redraw, with mouse zoom (drag a range, wheel to zoom around the cursor, shift+wheel or a
 * sideways wheel to pan) reported to the view so every chart on the same clock follows, and
 * optional markers (GC events, the low-heap line) drawn on the canvas.
 */
import uPlot from 'uplot';
import { Decimator, lowerBound } from './decimate';
import { onThemeChange, THEMED_AXIS } from '../lib/chart-theme';

export type XRange = [number, number];

export interface ChartSeries {
  label: string;
  stroke: string;
  fill?: string;
  /** Scale this series uses (default 'y'). */
  scale?: string;
}

export interface ChartMarkers {
  /** Vertical markers (chart x, s). */
  xs: readonly { x: number }[];
  /** A horizontal line (y value) and its label. */
  line?: { y: number; label: string } | null;
}

export interface ChartSpec {
  title: string;
  clock: 'device' | 'host';
  series: ChartSeries[];
  /** Axis label per scale. */
  axes: { scale: string; label: string; side?: 1 | 3 }[];
  bands?: uPlot.Band[];
  markers?: () => ChartMarkers;
  format?: (value: number) => string;
}

export class TimeChart {
  readonly plot: uPlot;
  private readonly decimator = new Decimator();
  private readonly data: (Float64Array | (number | null)[])[] = [];
  /** Points drawn last time (for tests and the bench). */
  drawnPoints = 0;
  /** A pause in the samples longer than this (s) breaks the lines: a silent board is not a straight line. */
  private silenceSeconds = Infinity;

  constructor(
    readonly element: HTMLElement,
    readonly spec: ChartSpec,
    private readonly onZoom: (clock: 'device' | 'host', range: XRange | null) => void,
  ) {
    const width = Math.max(300, element.clientWidth);
    const format = spec.format ?? ((v: number) => v.toLocaleString('en-US'));
    const markers = spec.markers;
    this.plot = new uPlot(
      {
        width,
        height: 200,
        title: spec.title,
        legend: { show: false },
        cursor: { drag: { x: true, y: false, setScale: false } },
        scales: { x: { time: spec.clock === 'host' } },
        series: [
          { label: spec.clock === 'device' ? 'uptime (s)' : 'time' },
          ...spec.series.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            fill: s.fill,
            width: 1.5,
            scale: s.scale ?? 'y',
            spanGaps: false,
            points: { show: false },
            gaps: this.silences,
          })),
        ],
        bands: spec.bands,
        axes: [
          { ...THEMED_AXIS, label: spec.clock === 'device' ? 'device uptime (s)' : undefined },
          ...spec.axes.map((axis) => ({
            scale: axis.scale,
            label: axis.label,
            side: axis.side ?? 3,
            ...THEMED_AXIS,
            grid: axis.side === 1 ? { show: false } : THEMED_AXIS.grid,
            size: 80,
            values: (_u: uPlot, splits: number[]) => splits.map(format),
          })),
        ],
        hooks: {
          setSelect: [
            (u) => {
              if (u.select.width < 3) return;
              const range: XRange = [u.posToVal(u.select.left, 'x'), u.posToVal(u.select.left + u.select.width, 'x')];
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              this.onZoom(spec.clock, range);
            },
          ],
          draw: markers ? [(u) => drawMarkers(u, markers())] : [],
        },
      },
      [[], ...spec.series.map(() => [])] as unknown as uPlot.AlignedData,
      element,
    );
    this.plot.over.addEventListener('wheel', this.wheel, { passive: false });
    this.stopThemeWatch = onThemeChange(() => this.plot.redraw(false));
  }

  private readonly stopThemeWatch: () => void;

  /** Draws samples [start, start+count) of x and ys (decimated to about two points per pixel), within `zoom` when set. */
  update(x: Float64Array, ys: Float64Array[], start: number, count: number, zoom: XRange | null): void {
    let from = start;
    let n = count;
    if (zoom && count > 0) {
      // One sample either side, so lines reach the edges.
      from = Math.max(start, lowerBound(x, start, count, zoom[0]) - 1);
      const to = Math.min(start + count, lowerBound(x, start, count, zoom[1]) + 1);
      n = Math.max(0, to - from);
    }
    this.silenceSeconds = silenceThreshold(x, from, n);
    const out = this.decimator.run(x, ys, from, n, Math.max(200, Math.round(this.plot.bbox.width / devicePixelRatio) * 2));
    this.data.length = 0;
    this.data.push(out.x, ...out.ys);
    this.drawnPoints = out.length;
    this.plot.batch(() => {
      this.plot.setData(this.data as uPlot.AlignedData, !zoom);
      if (zoom) this.plot.setScale('x', { min: zoom[0], max: zoom[1] });
    });
  }

  setShow(index: number, show: boolean): void {
    this.plot.setSeries(index + 1, { show });
  }

  resize(): void {
    if (this.element.clientWidth > 0) this.plot.setSize({ width: this.element.clientWidth, height: 200 });
  }

  destroy(): void {
    this.stopThemeWatch();
    this.plot.over.removeEventListener('wheel', this.wheel);
    this.plot.destroy();
  }

  /** uPlot's gap refiner: adds a break wherever consecutive points are further apart than a silence. */
  private readonly silences = (u: uPlot, _series: number, idx0: number, idx1: number, found: uPlot.Series.Gaps): uPlot.Series.Gaps => {
    const xs = u.data[0];
    const max = this.silenceSeconds;
    let added = false;
    for (let i = idx0 + 1; i <= idx1; i++) {
      if (xs[i] - xs[i - 1] <= max) continue;
      found.push([Math.round(u.valToPos(xs[i - 1], 'x', true)) + 1, Math.round(u.valToPos(xs[i], 'x', true)) - 1]);
      added = true;
    }
    if (added) found.sort((a, b) => a[0] - b[0]);
    return found;
  };

  private readonly wheel = (event: WheelEvent) => {
    const { min, max } = this.plot.scales.x;
    if (min === undefined || max === undefined || max <= min) return;
    event.preventDefault();
    const span = max - min;
    const sideways = event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY);
    if (sideways) {
      const shift = (span * (event.shiftKey ? event.deltaY : event.deltaX)) / 500;
      this.onZoom(this.spec.clock, [min + shift, max + shift]);
      return;
    }
    const at = this.plot.posToVal(event.offsetX, 'x');
    const factor = event.deltaY < 0 ? 0.8 : 1.25;
    this.onZoom(this.spec.clock, [at - (at - min) * factor, at + (max - at) * factor]);
  };
}

/** Ten times the median interval between samples (from about 33 spread over the range), at least 2 s. */
export function silenceThreshold(x: Float64Array, start: number, count: number): number {
  if (count < 3) return Infinity;
  const steps: number[] = [];
  const stride = Math.max(1, Math.floor((count - 1) / 33));
  for (let i = start + 1; i < start + count; i += stride) steps.push(x[i] - x[i - 1]);
  steps.sort((a, b) => a - b);
  return Math.max(2, 10 * steps[steps.length >> 1]);
}

function drawMarkers(u: uPlot, markers: ChartMarkers): void {
  const { ctx, bbox } = u;
  const min = u.scales.x.min ?? 0;
  const max = u.scales.x.max ?? 0;
  ctx.save();
  ctx.strokeStyle = 'rgba(207,34,46,0.7)';
  ctx.fillStyle = 'rgba(207,34,46,0.9)';
  ctx.lineWidth = devicePixelRatio;
  ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
  for (const { x } of markers.xs) {
    if (x < min || x > max) continue;
    const px = Math.round(u.valToPos(x, 'x', true));
    ctx.beginPath();
    ctx.moveTo(px, bbox.top);
    ctx.lineTo(px, bbox.top + bbox.height);
    ctx.stroke();
    ctx.beginPath(); // a small triangle on top: "GC here"
    ctx.moveTo(px - 4 * devicePixelRatio, bbox.top);
    ctx.lineTo(px + 4 * devicePixelRatio, bbox.top);
    ctx.lineTo(px, bbox.top + 6 * devicePixelRatio);
    ctx.fill();
  }
  if (markers.line) {
    const py = Math.round(u.valToPos(markers.line.y, 'y', true));
    if (py >= bbox.top && py <= bbox.top + bbox.height) {
      ctx.strokeStyle = 'rgba(154,103,0,0.9)';
      ctx.beginPath();
      ctx.moveTo(bbox.left, py);
      ctx.lineTo(bbox.left + bbox.width, py);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = 'rgba(154,103,0,1)';
      ctx.font = `${11 * devicePixelRatio}px sans-serif`;
      ctx.fillText(markers.line.label, bbox.left + 4 * devicePixelRatio, py - 3 * devicePixelRatio);
    }
  }
  ctx.restore();
}

/** Every chart's canvas stacked into one PNG (titles and axes are on the canvases). */
export function chartsToPng(charts: TimeChart[], heading: string): Promise<Blob> {
  const canvases = charts.map((chart) => chart.plot.ctx.canvas);
  const width = Math.max(1, ...canvases.map((c) => c.width));
  const titleHeight = 28 * devicePixelRatio;
  const height = titleHeight + canvases.reduce((sum, c) => sum + c.height + 24 * devicePixelRatio, 0);
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#1f2328';
  ctx.font = `${14 * devicePixelRatio}px sans-serif`;
  ctx.fillText(heading, 8 * devicePixelRatio, 18 * devicePixelRatio);
  let y = titleHeight;
  charts.forEach((chart, i) => {
    ctx.font = `${12 * devicePixelRatio}px sans-serif`;
    ctx.fillText(chart.spec.title, 8 * devicePixelRatio, y + 14 * devicePixelRatio);
    y += 20 * devicePixelRatio;
    ctx.drawImage(canvases[i], 0, y);
    y += canvases[i].height + 4 * devicePixelRatio;
  });
  return new Promise((resolve, reject) => out.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The browser could not encode the PNG.'))), 'image/png'));
}
