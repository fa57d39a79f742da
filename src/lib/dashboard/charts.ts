import * as echarts from 'echarts';

/**
 * Server-side charts (ADR 0014): Apache ECharts renders to an SVG string on the server (SSR mode), the
 * page inlines it, and no chart JavaScript reaches the browser. Every chart stands beside a table with the
 * same numbers; the SVG is marked as an image labelled by its caption.
 */

export interface Series {
  name: string;
  data: number[];
  /** 'bar' (default) or 'line' */
  type?: 'bar' | 'line';
  stack?: string;
}

export interface ChartSpec {
  categories: string[];
  series: Series[];
  width?: number;
  height?: number;
  /** horizontal bars (long category names) */
  horizontal?: boolean;
  /** axis values are percentages 0–100 */
  percent?: boolean;
}

const PALETTE = ['#1f6f8b', '#e07a1f', '#3a8d3f', '#b23a48', '#6b5ca5', '#8a8a8a'];

/**
 * Rendered charts by their input: the same numbers give the same SVG, so a figure that did not change is
 * not drawn again (ECharts takes ~10 ms a chart). A changed figure is a different key, never a stale chart.
 */
const CACHE_MAX = 500;
const cache = new Map<string, string>();

export function clearChartCache(): void {
  cache.clear();
}

/** Renders a bar/line chart to an SVG string; deterministic for the same input (and cached by it). */
export function renderChartSvg(spec: ChartSpec): string {
  const key = JSON.stringify(spec);
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const svg = drawChart(spec);
  cache.set(key, svg);
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
  return svg;
}

function drawChart(spec: ChartSpec): string {
  const width = spec.width ?? 480;
  const height = spec.height ?? (spec.horizontal ? Math.max(160, 28 * spec.categories.length + 60) : 260);
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    const valueAxis = { type: 'value' as const, max: spec.percent ? 100 : undefined, axisLabel: { formatter: spec.percent ? '{value}%' : '{value}' }, minInterval: spec.percent ? undefined : 1 };
    const categoryAxis = { type: 'category' as const, data: spec.categories, axisLabel: { interval: spec.horizontal ? 0 : 'auto' as const, fontSize: 12 } };
    chart.setOption({
      animation: false,
      color: PALETTE,
      textStyle: { fontFamily: 'sans-serif' },
      grid: { left: 8, right: 28, top: spec.series.length > 1 ? 40 : 16, bottom: 8, containLabel: true },
      legend: spec.series.length > 1 ? { top: 4, data: spec.series.map((s) => s.name) } : undefined,
      xAxis: spec.horizontal ? valueAxis : categoryAxis,
      yAxis: spec.horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
      series: spec.series.map((s) => ({ name: s.name, type: s.type ?? 'bar', data: s.data, stack: s.stack, barMaxWidth: 28, label: spec.categories.length <= 12 && !s.stack ? { show: true, position: spec.horizontal ? 'right' : 'top', fontSize: 10 } : undefined })),
    });
    return cspSafe(chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}

/** The SVG with role="img" and an aria-labelledby pointing at the figure's caption. */
export function accessibleSvg(svg: string, captionId: string): string {
  return svg.replace(/^<svg /, `<svg role="img" aria-labelledby="${captionId}" focusable="false" `);
}

/**
 * The site's CSP allows no inline styles (style-src 'self'), so the SVG must carry none: the hover
 * <style> block (no use without JS) goes, and style="a:b" attributes become SVG presentation attributes.
 */
export function cspSafe(svg: string): string {
  return svg
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/ style="([^"]*)"/g, (_m, body: string) =>
      body
        .split(';')
        .map((d) => d.trim())
        .filter(Boolean)
        .map((d) => {
          const i = d.indexOf(':');
          const name = d.slice(0, i).trim();
          const value = d.slice(i + 1).trim();
          return /^[a-z-]+$/.test(name) ? ` ${name}="${value.replace(/"/g, '&quot;')}"` : '';
        })
        .join(''),
    );
}
