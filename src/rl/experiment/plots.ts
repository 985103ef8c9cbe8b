import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

export interface CurvePoint {
  step: number;
  /** The line this point belongs to (an estimator). */
  series: string;
  seed: number;
  value: number;
}

/** Centered moving average per (series, seed), so single noisy steps do not hide the trend. */
export function smooth(points: readonly CurvePoint[], window: number): CurvePoint[] {
  const bySeries = new Map<string, CurvePoint[]>();
  for (const p of points) {
    const key = `${p.series}\u0000${p.seed}`;
    bySeries.set(key, [...(bySeries.get(key) ?? []), p]);
  }
  const half = Math.floor(window / 2);
  return [...bySeries.values()].flatMap((line) => {
    const sorted = [...line].sort((a, b) => a.step - b.step);
    return sorted.map((p, i) => {
      const span = sorted.slice(Math.max(0, i - half), i + half + 1);
      return { ...p, value: span.reduce((a, q) => a + q.value, 0) / span.length };
    });
  });
}

/**
 * One training-dynamics figure: per series, the mean over seeds as a line and mean ± one standard
 * deviation over seeds as a band. Rendered to SVG by Vega (no browser, no canvas).
 */
export async function curveSvg(points: readonly CurvePoint[], o: { title: string; yTitle: string }): Promise<string> {
  const x = { field: 'step', type: 'quantitative' as const, title: 'training step' };
  const color = { field: 'series', type: 'nominal' as const, title: 'estimator' };
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: o.title,
    width: 520,
    height: 260,
    data: { values: points as CurvePoint[] },
    layer: [
      { mark: { type: 'errorband', extent: 'stdev', opacity: 0.25 }, encoding: { x, y: { field: 'value', type: 'quantitative', title: o.yTitle }, color } },
      { mark: { type: 'line' }, encoding: { x, y: { aggregate: 'mean', field: 'value', type: 'quantitative', title: o.yTitle }, color } },
    ],
  };
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
