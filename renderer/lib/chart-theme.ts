/**
 * Chart colours that follow the window's theme: uPlot draws on a canvas, which CSS does not reach,
 * so axes and grid lines take functions that resolve the theme's CSS variables each time a chart
 * draws, and charts redraw when the theme changes (Settings or the OS).
 */
import type uPlot from 'uplot';

let probe: HTMLElement | null = null;

/** A CSS colour variable as the page resolves it now (light-dark() included), e.g. "rgb(89, 99, 110)". */
function resolved(cssVariable: string): string {
  if (!probe) {
    probe = document.createElement('span');
    probe.hidden = true;
    document.body.append(probe);
  }
  probe.style.color = `var(${cssVariable})`;
  return getComputedStyle(probe).color;
}

const axisText = () => resolved('--fg-2');
const gridLine = () => resolved('--chart-grid');

/** Axis settings every chart shares: labels in the muted text colour, faint grid lines and ticks. */
export const THEMED_AXIS = { stroke: axisText, grid: { stroke: gridLine }, ticks: { stroke: gridLine } } satisfies Partial<uPlot.Axis>;

/** Calls `redraw` when the theme changes; returns the function that stops listening. */
export function onThemeChange(redraw: () => void): () => void {
  const media = matchMedia('(prefers-color-scheme: dark)');
  media.addEventListener('change', redraw);
  const observer = new MutationObserver(redraw);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  return () => {
    media.removeEventListener('change', redraw);
    observer.disconnect();
  };
}
