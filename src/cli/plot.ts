/**
 * `inspect --plot FILE.svg`: the walk's histograms as one SVG picture (head symbols, path lengths,
 * arity), drawn by Vega (an optional dependency, loaded only here): a maintained grammar of
 * graphics that renders SVG in Node without a browser or a DOM. Where it is not installed, the
 * option says how to get it.
 */
import type { SpaceStats } from '../stats.js';
import { ErrorCode, UsageError } from '../errors.js';

// Bars of one chart, in the order given (most frequent first, or by bucket).
interface Bars {
  title: string;
  bars: { label: string; value: number }[];
}

const WIDTH = 560;
const BAR_PX = 18;
const LABEL_CHARS = 28;

function label(text: string): string {
  return text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text;
}

/** The charts a walk gives: its head symbols, path lengths and arities. */
export function chartsOf(stats: SpaceStats): Bars[] {
  const charts: Bars[] = [];
  if (stats.heads.top.length > 0) charts.push({ title: `head symbols (${stats.heads.top.length} most frequent of ${stats.heads.distinct}): atoms`, bars: stats.heads.top.map((h) => ({ label: label(h.head), value: h.atoms })) });
  charts.push({ title: 'path length (bytes): atoms', bars: Object.entries(stats.pathBytes.histogram).map(([k, v]) => ({ label: k, value: v })) });
  if (stats.expressions > 0) charts.push({ title: 'arity: lists', bars: Object.entries(stats.arity).map(([k, v]) => ({ label: k, value: v })) });
  return charts;
}

/** The Vega specification of `charts`, one above the other, under `title`. */
export function plotSpec(title: string, charts: Bars[]): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    padding: 12,
    background: 'white',
    title: { text: title, anchor: 'start', fontSize: 14 },
    layout: { columns: 1, padding: 36 },
    marks: charts.map((c, i) => {
      const data = `bars${i}`;
      const height = Math.max(1, c.bars.length) * BAR_PX;
      // ranges in pixels: 'width' and 'height' would name the whole view's, not this group's
      return {
        type: 'group',
        title: { text: c.title, anchor: 'start', fontSize: 12 },
        encode: { update: { width: { value: WIDTH }, height: { value: height } } },
        data: [{ name: data, values: c.bars }],
        scales: [
          { name: 'y', type: 'band', domain: { data, field: 'label' }, range: [0, height], padding: 0.15 },
          { name: 'x', type: 'linear', domain: { data, field: 'value' }, range: [0, WIDTH], nice: true, zero: true },
        ],
        axes: [
          { orient: 'left', scale: 'y', labelLimit: 200 },
          { orient: 'bottom', scale: 'x', format: '~s', grid: true, gridOpacity: 0.3 },
        ],
        marks: [
          { type: 'rect', from: { data }, encode: { update: { y: { scale: 'y', field: 'label' }, height: { scale: 'y', band: 1 }, x: { scale: 'x', value: 0 }, x2: { scale: 'x', field: 'value' }, fill: { value: '#4c78a8' } } } },
          { type: 'text', from: { data }, encode: { update: { y: { scale: 'y', field: 'label', band: 0.5 }, x: { scale: 'x', field: 'value', offset: 4 }, text: { signal: "format(datum.value, ',')" }, baseline: { value: 'middle' }, fontSize: { value: 10 } } } },
        ],
      };
    }),
  };
}

/** The picture of a walk, as SVG text. @throws UsageError when Vega is not installed. */
export async function plotSvg(title: string, stats: SpaceStats): Promise<string> {
  let vega: typeof import('vega');
  try {
    vega = await import('vega');
  } catch {
    throw new UsageError(ErrorCode.Usage, '--plot draws with Vega, an optional dependency that is not installed here: npm install vega');
  }
  const view = new vega.View(vega.parse(plotSpec(title, chartsOf(stats)) as never), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
