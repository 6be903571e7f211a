// The report's charts: Vega-Lite specifications compiled to Vega and rendered to SVG in Node (no
// canvas, no browser). Vega's SVG carries each mark's `description` as an aria-label only; a browser
// shows a tooltip for an SVG <title>, so every mark gets one holding the same text (exact numbers).
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One bar, cell or point: where it is, its value, and the tooltip that states it exactly. */
export interface Datum {
  readonly x: string;
  readonly y: string;
  readonly value: number;
  readonly tip: string;
}

const NEGATIVE = '#c0392b';
const POSITIVE = '#2c7fb8';
const FONT = 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif';

const config = {
  font: FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, labelLimit: 420 },
  legend: { labelFontSize: 10, titleFontSize: 11 },
};

const tooltip = { description: { field: 'tip' }, tooltip: { field: 'tip' } } as const;

/** Horizontal bars, one per label in the given order, coloured by sign. */
export function barChart(bars: readonly Datum[], axis: { x: string }): TopLevelSpec {
  return {
    config,
    data: { values: bars.map(b => ({ ...b })) },
    mark: { type: 'bar' },
    width: 420,
    height: { step: 18 },
    encoding: {
      // no title beside the labels (the caption names them), and no cut: Vega only estimates text widths in Node
      y: { field: 'y', type: 'nominal', sort: null, title: null, axis: { labelLimit: 0 } },
      x: { field: 'value', type: 'quantitative', title: axis.x },
      color: { condition: { test: 'datum.value < 0', value: NEGATIVE }, value: POSITIVE },
      ...tooltip,
    },
  };
}

/** Vertical bars over an ordered axis (eigenvalues by index, a profile over tokens). */
export function columnChart(columns: readonly Datum[], axis: { x: string; y: string }, step = 12): TopLevelSpec {
  return {
    config,
    data: { values: columns.map(c => ({ ...c })) },
    mark: { type: 'bar' },
    width: { step },
    height: 160,
    encoding: {
      x: { field: 'x', type: 'ordinal', sort: null, title: axis.x, axis: sparse(columns.map(c => c.x)) },
      y: { field: 'value', type: 'quantitative', title: axis.y },
      color: { condition: { test: 'datum.value < 0', value: NEGATIVE }, value: POSITIVE },
      ...tooltip,
    },
  };
}

export interface HeatmapAxes {
  readonly x: { readonly title: string; readonly labels: readonly string[] };
  readonly y: { readonly title: string; readonly labels: readonly string[] };
  /** `sequential` for values in [0, 1] (attention), `diverging` around 0 (an interaction matrix). */
  readonly scale: 'sequential' | 'diverging';
}

/** A matrix as coloured cells; `cells[i].x` and `.y` are labels of the axes. */
export function heatmap(cells: readonly Datum[], axes: HeatmapAxes, step = 16): TopLevelSpec {
  return {
    config,
    data: { values: cells.map(c => ({ ...c })) },
    mark: { type: 'rect' },
    width: { step },
    height: { step },
    encoding: {
      x: { field: 'x', type: 'ordinal', sort: [...axes.x.labels], title: axes.x.title, axis: sparse(axes.x.labels) },
      y: { field: 'y', type: 'ordinal', sort: [...axes.y.labels], title: axes.y.title, axis: sparse(axes.y.labels) },
      color: {
        field: 'value',
        type: 'quantitative',
        scale:
          axes.scale === 'sequential'
            ? { scheme: 'blues', domain: [0, 1] }
            : { scheme: 'redblue', domainMid: 0, reverse: true },
        title: null,
      },
      ...tooltip,
    },
  };
}

/** An axis of more than 32 labels shows every 8th (every 4th over 24), so that they do not overlap. */
function sparse(labels: readonly string[]) {
  const every = labels.length > 32 ? 8 : labels.length > 24 ? 4 : 1;
  return { values: labels.filter((_, i) => i % every === 0), labelAngle: 0 };
}

/**
 * The chart as SVG, every mark titled with its tooltip, and its ids (a legend's gradient) prefixed by
 * `name`: Vega numbers them from 0 in every chart, and one page holds many charts.
 */
export async function renderSvg(spec: TopLevelSpec, name: string): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return withPrefixedIds(withTitles(await view.toSVG()), name);
  } finally {
    view.finalize();
  }
}

export function withPrefixedIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`).replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`);
}

/**
 * A <title> in every self-closed element that has an aria-label: the marks (Vega writes each as one
 * empty element, its description as the label, already escaped for an attribute, hence for text too).
 */
export function withTitles(svg: string): string {
  return svg.replace(
    /<(path|rect|line|circle|text)\b([^>]*?) aria-label="([^"]*)"([^>]*?)\/>/g,
    (_, tag: string, before: string, label: string, after: string) =>
      `<${tag}${before} aria-label="${label}"${after}><title>${label}</title></${tag}>`,
  );
}
