import { curveSvg, smooth } from './plots';

describe('result plots', () => {
  it('smooths each (series, seed) line on its own with a centered window', () => {
    const points = [1, 2, 3, 4].flatMap((step) => [
      { step, series: 'hian', seed: 1, value: step },
      { step, series: 'grpo', seed: 1, value: 10 },
    ]);
    const hian = smooth(points, 3).filter((p) => p.series === 'hian').map((p) => p.value);
    expect(hian).toEqual([1.5, 2, 3, 3.5]);
    expect(smooth(points, 3).filter((p) => p.series === 'grpo').every((p) => p.value === 10)).toBe(true);
  });

  it('renders a band and a line per estimator to SVG', async () => {
    const points = [1, 2, 3].flatMap((step) => [1, 2].flatMap((seed) => ['hian', 'grpo'].map((series) => ({ step, series, seed, value: step * seed }))));
    const svg = await curveSvg(points, { title: 'conversion rate', yTitle: 'rate' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('conversion rate');
    expect(svg).toContain('hian');
    expect(svg).toContain('grpo');
    expect((svg.match(/<path/g) ?? []).length).toBeGreaterThanOrEqual(4);
  });
});
