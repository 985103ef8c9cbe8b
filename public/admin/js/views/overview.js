/** Overview: conversion and compliance trends per day and per model version (GET metrics), with their counts. */
import { get } from '../api.js';
import { chart } from '../charts.js';
import { add, h, percent, table } from '../dom.js';
import { dateRangeFields, filterForm, link } from '../nav.js';

const rates = (items) => [
  { label: 'conversion', data: items.map((i) => i.conversionRate) },
  { label: 'violations per agent turn', data: items.map((i) => i.violationRate) },
  { label: 'repetitive turns', data: items.map((i) => i.repetitionRate) },
  { label: 'bot-like turns', data: items.map((i) => i.botLikeRate) },
];

const byRule = (i) =>
  Object.entries(i.violationsByRule)
    .map(([rule, f]) => `${rule}: ${f.violations}`)
    .join(', ') || '—';

const headers = ['Sessions', 'Converted', 'Conversion', 'Agent turns', 'Violations', 'Per agent turn', 'By rule', 'Repetitive', 'Bot-like'];
const cells = (i) => [String(i.sessions), String(i.convertedSessions), percent(i.conversionRate), String(i.agentTurns), String(i.violations), percent(i.violationRate), byRule(i), `${i.repetitiveTurns} (${percent(i.repetitionRate)})`, `${i.botLikeTurns} (${percent(i.botLikeRate)})`];

/** Violations of each rule per group, stacked: which rule drives a compliance change. */
function ruleChart(title, labels, items) {
  const rules = [...new Set(items.flatMap((i) => Object.keys(i.violationsByRule)))].sort();
  if (!rules.length) return h('p', { class: 'empty' }, 'No compliance violations in this range.');
  const series = rules.map((rule) => ({ label: rule, data: items.map((i) => i.violationsByRule[rule]?.violations ?? 0) }));
  return chart({ title, labels, series, type: 'bar', format: 'count', stacked: true, summary: `Violations per rule: ${rules.join(', ')}.` });
}

export async function render(root, { query }) {
  const range = { from: query.get('from') ?? '', to: query.get('to') ?? '' };
  const [byDay, byModel] = await Promise.all([get('metrics', { ...range, groupBy: 'day' }), get('metrics', { ...range, groupBy: 'model' })]);
  add(
    root,
    h('h1', {}, 'Overview'),
    filterForm('overview', 'Date range (UTC, on the session start)', dateRangeFields(range.from, range.to)),
  );
  if (!byDay.items.length) {
    add(root, h('p', { class: 'empty' }, 'No sessions in this range.'));
    return;
  }
  const { repetition, botLikeness } = byDay.thresholds;
  const days = byDay.items.map((i) => i.day);
  const versions = byModel.items.map((i) => i.modelVersion?.name ?? 'no version');
  add(
    root,
    h('p', { class: 'hint' }, `Rates are shares of agent turns (conversion: of sessions). A turn is repetitive when its repetition score is at least ${repetition}, bot-like when its bot-likeness score is at least ${botLikeness}.`),
    h('h2', {}, 'Per day'),
    h(
      'div',
      { class: 'charts' },
      chart({ title: 'Conversion and reply quality per day', labels: days, series: rates(byDay.items), format: 'percent', summary: `${days.length} days from ${days[0]} to ${days[days.length - 1]}.` }),
      ruleChart('Compliance violations per day, by rule', days, byDay.items),
    ),
    table('Per day (UTC), with counts', ['Day', ...headers], byDay.items.map((i) => [i.day, ...cells(i)])),
    h('h2', {}, 'Per model version'),
    h(
      'p',
      { class: 'hint' },
      `Sessions a person took over are left out here (${byModel.personHandledSessions} in this range): their outcome is partly the person's, not the model's. The per-day figures include them.`,
    ),
    byModel.items.length
      ? [
          h(
            'div',
            { class: 'charts' },
            chart({ title: 'Conversion and reply quality per model version', labels: versions, series: rates(byModel.items), type: 'bar', format: 'percent', summary: `${versions.length} versions.` }),
            ruleChart('Compliance violations per model version, by rule', versions, byModel.items),
          ),
          table(
            'Per model version (a session counts for each version that wrote one of its agent turns)',
            ['Version', ...headers],
            byModel.items.map((i) => [i.modelVersion ? h('a', { href: link('models', i.modelVersion.id) }, i.modelVersion.name) : 'no version', ...cells(i)]),
          ),
        ]
      : h('p', { class: 'empty' }, 'No agent turns in this range.'),
  );
}
