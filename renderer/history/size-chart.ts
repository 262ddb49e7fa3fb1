/**
 * The Size history chart (uPlot): stacked code / rodata / data / bss per build, the board's flash
 * and RAM capacity as lines, and a marker where the TinyGo version, the flags or the program
 * changed. Hover shows the build in the legend; a click (not a drag) selects it; drag zooms,
 * double-click resets, and pan moves the zoomed window.
 */
import uPlot from 'uplot';
import type { BoardCapacity, HistorySeries } from '../../electron/contract';
import { onThemeChange, THEMED_AXIS } from '../lib/chart-theme';
import { bytes, changeMarkers, flagsText, hasSizes, stackedSeries, type ChangeMarker } from './history-model';

export interface SizeChartOptions {
  width: number;
  height: number;
  /** A build was clicked: its id. */
  onSelect: (buildId: number) => void;
}

const BANDS = [
  { key: 'bss', label: 'bss', fill: 'rgba(209, 36, 47, 0.35)', stroke: '#d1242f' },
  { key: 'data', label: 'data', fill: 'rgba(154, 103, 0, 0.45)', stroke: '#9a6700' },
  { key: 'rodata', label: 'rodata', fill: 'rgba(130, 80, 223, 0.45)', stroke: '#8250df' },
  { key: 'code', label: 'code', fill: 'rgba(9, 105, 218, 0.55)', stroke: '#0969da' },
] as const;
const MARKER_COLOURS: Record<ChangeMarker['kinds'][number], string> = { tinygo: '#cf222e', flags: '#8250df', program: '#1a7f37' };

export class SizeChart {
  private readonly plot: uPlot;
  private series: HistorySeries = emptySeries();
  private markers: ChangeMarker[] = [];
  private capacity: BoardCapacity | null = null;
  /** Milliseconds from the last setData to the end of its drawing (read by the benchmark). */
  lastDrawMs = 0;
  private drawStarted: number | null = null;
  private renderStarted = 0;
  private readonly stopThemeWatch: () => void;
  /** Milliseconds uPlot's last draw took (clear to markers), whatever caused it (data, zoom, pan). */
  lastRenderMs = 0;

  constructor(
    private readonly host: HTMLElement,
    private readonly options: SizeChartOptions,
  ) {
    const part =
      (i: number) =>
      (_u: uPlot, _v: number | null, _si: number, idx: number | null): string => {
        const s = this.series;
        if (idx === null || idx === undefined || idx >= s.ids.length || !hasSizes(s, idx)) return '—';
        const own = [s.bss[idx] ?? 0, s.data[idx] ?? 0, s.rodata[idx] ?? 0, s.code[idx]!][i];
        return bytes(own);
      };
    const capacityValue = (which: 'flash' | 'ram') => () => (this.capacity ? bytes(this.capacity[which].bytes) : 'unknown');
    this.plot = new uPlot(
      {
        width: options.width,
        height: options.height,
        cursor: { drag: { x: true, y: false }, points: { show: false } },
        scales: { x: { time: false } },
        legend: { live: true },
        series: [
          {
            label: 'Build',
            value: (_u, v) => {
              const s = this.series;
              const i = v === null || v === undefined ? -1 : Math.round(v);
              if (i < 0 || i >= s.ids.length) return '—';
              const program = s.programs[s.program[i]].name;
              return `#${s.ids[i]} ${program}, ${new Date(s.startedAt[i]).toLocaleString()}, TinyGo ${s.tinygoVersions[s.tinygo[i]] ?? '?'}, ${flagsText(s.flagTexts[s.flags[i]])}${s.ok[i] ? '' : ' (failed)'}`;
            },
          },
          ...BANDS.map((band, i) => ({ label: band.label, stroke: band.stroke, fill: band.fill, width: 1, points: { show: false }, value: part(i) })),
          { label: 'Flash capacity', stroke: '#0969da', dash: [6, 4], width: 1.5, points: { show: false }, value: capacityValue('flash') },
          { label: 'RAM capacity', stroke: '#d1242f', dash: [6, 4], width: 1.5, points: { show: false }, value: capacityValue('ram') },
        ],
        axes: [
          {
            ...THEMED_AXIS,
            label: 'Build',
            values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) && t >= 0 && t < this.series.ids.length ? `#${this.series.ids[t]}` : '')),
          },
          { ...THEMED_AXIS, size: 80, values: (_u, ticks) => ticks.map((t) => (t >= 1024 * 1024 ? `${(t / 1048576).toFixed(1)} MiB` : `${Math.round(t / 1024)} KiB`)) },
        ],
        hooks: {
          drawClear: [() => (this.renderStarted = performance.now())],
          draw: [
            (u) => {
              this.drawMarkers(u);
              this.lastRenderMs = performance.now() - this.renderStarted;
              this.host.dataset.renderMs = this.lastRenderMs.toFixed(2);
              this.host.dataset.renders = String(Number(this.host.dataset.renders ?? 0) + 1);
              if (this.drawStarted !== null) {
                this.lastDrawMs = performance.now() - this.drawStarted;
                this.drawStarted = null;
                this.host.dataset.drawMs = this.lastDrawMs.toFixed(2);
              }
            },
          ],
        },
      },
      [[], [], [], [], [], [], []],
      host,
    );
    this.stopThemeWatch = onThemeChange(() => this.plot.redraw(false));
    // A click selects the build under the cursor; a drag (zoom) does not.
    let down: { x: number; y: number } | null = null;
    this.plot.over.addEventListener('mousedown', (e) => (down = { x: e.clientX, y: e.clientY }));
    this.plot.over.addEventListener('click', (e) => {
      const moved = down ? Math.hypot(e.clientX - down.x, e.clientY - down.y) : 0;
      down = null;
      const idx = this.plot.cursor.idx;
      if (moved < 4 && idx !== null && idx !== undefined && idx < this.series.ids.length) this.options.onSelect(this.series.ids[idx]);
    });
  }

  setData(series: HistorySeries, capacity: BoardCapacity | null): void {
    this.drawStarted = performance.now();
    this.series = series;
    this.capacity = capacity;
    this.markers = changeMarkers(series);
    const s = stackedSeries(series);
    const n = series.ids.length;
    const constant = (value: number | null) => new Float64Array(n).fill(value ?? NaN);
    this.plot.setData([s.x, s.bss, s.data, s.rodata, s.code, constant(capacity?.flash.bytes ?? null), constant(capacity?.ram.bytes ?? null)] as uPlot.AlignedData);
    let ok = 0;
    for (let i = 0; i < n; i++) if (hasSizes(series, i)) ok++;
    Object.assign(this.host.dataset, {
      points: String(ok),
      markers: String(this.markers.length),
      capacityFlash: capacity ? String(capacity.flash.bytes) : '',
      capacityRam: capacity ? String(capacity.ram.bytes) : '',
    });
  }

  /** Markers drawn on the chart, for the list under it. */
  get changeMarkers(): readonly ChangeMarker[] {
    return this.markers;
  }

  /** Moves the visible window by a fraction of its width (negative: towards older builds). */
  pan(fraction: number): void {
    const { min, max } = this.plot.scales.x;
    if (min === undefined || max === undefined || min === null || max === null) return;
    const span = max - min;
    const last = Math.max(0, this.series.ids.length - 1);
    const shift = Math.max(-min, Math.min(last - max, span * fraction));
    this.plot.setScale('x', { min: min + shift, max: max + shift });
  }

  resetZoom(): void {
    this.plot.setScale('x', { min: 0, max: Math.max(1, this.series.ids.length - 1) });
  }

  resize(width: number): void {
    this.plot.setSize({ width, height: this.options.height });
  }

  destroy(): void {
    this.stopThemeWatch();
    this.plot.destroy();
  }

  private drawMarkers(u: uPlot): void {
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    ctx.save();
    ctx.setLineDash([3, 3]);
    ctx.lineWidth = Math.max(1, devicePixelRatio);
    for (const marker of this.markers) {
      const x = Math.round(u.valToPos(marker.index - 0.5, 'x', true));
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
      ctx.strokeStyle = MARKER_COLOURS[marker.kinds[0]];
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.fillStyle = MARKER_COLOURS[marker.kinds[0]];
      ctx.font = `${11 * devicePixelRatio}px sans-serif`;
      ctx.fillText(marker.kinds.map((k) => (k === 'tinygo' ? 'T' : k === 'flags' ? 'F' : 'P')).join(''), x + 3 * devicePixelRatio, top + 12 * devicePixelRatio);
    }
    ctx.restore();
  }
}

/** A series with no builds (the chart before its first load). */
export function emptySeries(): HistorySeries {
  return {
    ids: [],
    startedAt: [],
    ok: [],
    code: [],
    rodata: [],
    data: [],
    bss: [],
    flash: [],
    ram: [],
    program: [],
    programs: [],
    tinygo: [],
    tinygoVersions: [],
    flags: [],
    flagTexts: [],
  };
}
