/**
 * Chart colours that follow the window's theme: uPlot draws on a canvas, which CSS does not reach,
 * so axes and grid lines take functions that resolve the theme's CSS variables each time a chart
 * draws, and charts redraw when the theme changes (Settings or the OS).
 */
import type uPlot from 'uplot';

let probe: HTMLElement | null = null;
/** Resolved colours until the theme changes: uPlot asks on every draw, and a style lookup each time would cost a layout. */
const cache = new Map<string, string>();

/** A CSS colour variable as the page resolves it now (light-dark() included), e.g. "rgb(89, 99, 110)". */
function resolved(cssVariable: string): string {
  const known = cache.get(cssVariable);
  if (known) return known;
  if (!probe) {
    probe = document.createElement('span');
    probe.hidden = true;
    document.body.append(probe);
  }
  probe.style.color = `var(${cssVariable})`;
  const colour = getComputedStyle(probe).color;
  cache.set(cssVariable, colour);
  return colour;
}

const axisText = () => resolved('--fg-2');
const gridLine = () => resolved('--chart-grid');

/** Axis settings every chart shares: labels in the muted text colour, faint grid lines and ticks. */
export const THEMED_AXIS = { stroke: axisText, grid: { stroke: gridLine }, ticks: { stroke: gridLine } } satisfies Partial<uPlot.Axis>;

/** Calls `redraw` when the theme changes; returns the function that stops listening. */
export function onThemeChange(redraw: () => void): () => void {
  const changed = () => {
    cache.clear();
    redraw();
  };
  const media = matchMedia('(prefers-color-scheme: dark)');
  media.addEventListener('change', changed);
  const observer = new MutationObserver(changed);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  return () => {
    media.removeEventListener('change', changed);
    observer.disconnect();
  };
}
