/**
 * Line and bar charts with Chart.js (its UMD build, `window.Chart`, served from the installed
 * package at /admin/vendor/chart.js/). Each chart is a <figure> whose canvas has a text label; the
 * views put the figures behind it in tables next to it.
 */
import { h } from './dom.js';

const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#9a6700', '#8250df', '#1b7c83', '#bc4c00', '#57606a'];
const live = new Set();

const formatters = {
  percent: (v) => `${(v * 100).toFixed(v !== 0 && Math.abs(v) < 0.1 ? 1 : 0)}%`,
  number: (v) => (Number.isInteger(v) ? String(v) : v.toPrecision(3)),
  count: (v) => String(v),
};

/**
 * `{ title, labels, series: [{ label, data, axis }], type: 'line' | 'bar', format: 'percent' | 'number' | 'count',
 * stacked, xTitle, summary }` → a figure holding the chart (drawn once it is in the page). A series
 * with `axis: 'right'` gets its own scale on the right, titled with its label: quantities of unlike
 * magnitude (the two reward horizons) must not share one axis, where the smaller reads as flat.
 */
export function chart({ title, labels, series, type = 'line', format = 'number', stacked = false, xTitle, summary = '' }) {
  const canvas = h('canvas', { role: 'img', 'aria-label': `${title}. ${summary}`.trim() });
  const tick = formatters[format];
  const valueAxis = { stacked, beginAtZero: true, ticks: { callback: tick, ...(format === 'count' ? { precision: 0 } : {}) } };
  const right = series.find((s) => s.axis === 'right');
  const left = series.filter((s) => s.axis !== 'right');
  const axisTitle = (s) => ({ display: !!right, text: s.map((x) => x.label).join(', ') });
  const instance = new window.Chart(canvas, {
    type,
    data: {
      labels,
      datasets: series.map((s, i) => ({
        label: s.label,
        data: s.data,
        borderColor: COLORS[i % COLORS.length],
        backgroundColor: type === 'bar' ? COLORS[i % COLORS.length] : `${COLORS[i % COLORS.length]}33`,
        pointRadius: labels.length > 40 ? 0 : 2,
        borderWidth: 2,
        // Straight segments between measured points: a spline overshoots (a rate below 0 %).
        tension: 0,
        yAxisID: s.axis === 'right' ? 'right' : 'y',
      })),
    },
    options: {
      // Charts redraw on every visit; animating them only delays reading (and screenshots).
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${c.parsed.y === null ? '—' : tick(c.parsed.y)}` } },
      },
      scales: {
        x: { stacked, title: { display: !!xTitle, text: xTitle } },
        y: { ...valueAxis, title: axisTitle(left) },
        ...(right ? { right: { ...valueAxis, position: 'right', grid: { drawOnChartArea: false }, title: axisTitle([right]) } } : {}),
      },
    },
  });
  live.add(instance);
  return h('figure', { class: 'chart' }, h('figcaption', {}, title), h('div', { class: 'chart-box' }, canvas));
}

/** Frees the charts of the view being left (Chart.js keeps resize observers on them). */
export function destroyCharts() {
  for (const c of live) c.destroy();
  live.clear();
}
