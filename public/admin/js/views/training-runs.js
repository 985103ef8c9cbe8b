/**
 * Training runs: the list (trigger one now, cancel one: operators), and a run with its curves over
 * the training steps (the run folder's metrics.jsonl lines, `steps` in GET training-runs/:id) and
 * its gate report.
 */
import { get, may, post } from '../api.js';
import { chart } from '../charts.js';
import { add, confirmAction, facts, h, json, number, shortId, table, time } from '../dom.js';
import { attempt, flash } from '../feedback.js';
import { field, filterForm, go, link, pager, reload } from '../nav.js';

const STATES = ['queued', 'preparing', 'training', 'evaluating', 'canary', 'promoted', 'rejected', 'failed', 'cancelled'];
const FINAL = ['canary', 'promoted', 'rejected', 'failed', 'cancelled'];

/** Overrides of the nightly defaults an operator may set for one run (the API's bounds). */
const OVERRIDES = [
  ['steps', 'Steps', 1, 10000],
  ['contexts', 'Contexts per step', 1, 256],
  ['group', 'Sessions per context', 2, 64],
  ['evalSessions', 'Gate sessions', 1, 10000],
  ['maxAgentTurns', 'Agent turns per session', 1, 50],
];

const progress = (m) => (typeof m?.step === 'number' && typeof m?.steps === 'number' ? `${m.step} / ${m.steps}` : '—');
const statusBadge = (status) => h('span', { class: `badge ${status}` }, status);

async function cancel(run) {
  const ok = await confirmAction({
    title: 'Cancel this training run?',
    message: `Run ${shortId(run.id)} (${run.status}): a queued run is cancelled at once, a running one at its next step.`,
    confirmLabel: 'Cancel the run',
  });
  if (!ok) return;
  const done = await attempt(() => post(`training-runs/${encodeURIComponent(run.id)}/cancel`));
  if (!done) return;
  flash(`Run ${shortId(done.id)}: ${done.status === 'cancelled' ? 'cancelled' : 'cancel requested, it stops at its next step'}.`);
  reload();
}

// Queueing and cancelling runs are the operator's: weaker roles are not offered them.
const cancelButton = (run) => (FINAL.includes(run.status) || !may('operator') ? null : h('button', { type: 'button', class: 'danger', onclick: () => cancel(run), 'aria-label': `Cancel run ${shortId(run.id)}` }, 'Cancel'));

function triggerForm() {
  if (!may('operator')) return null;
  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: async (e) => {
        e.preventDefault();
        const body = Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== '').map(([k, v]) => [k, Number(v)]));
        const settings = Object.entries(body).map(([k, v]) => `${k} ${v}`).join(', ') || 'the nightly defaults';
        if (!(await confirmAction({ title: 'Train now?', message: `Queue a training run with ${settings}. A worker picks it up.`, confirmLabel: 'Queue the run' }))) return;
        const run = await attempt(() => post('training-runs', body));
        if (!run) return;
        flash(`Queued run ${shortId(run.id)}.`);
        go('runs', run.id);
      },
    },
    OVERRIDES.map(([name, label, min, max]) => field(label, h('input', { type: 'number', name, min, max, step: 1, placeholder: 'default' }))),
    h('button', { type: 'submit' }, 'Queue a run'),
  );
  return h('details', { class: 'card' }, h('summary', {}, 'Train now (operator)'), h('p', { class: 'hint' }, 'Empty fields keep the nightly defaults; the gate thresholds are the current settings.'), form);
}

export async function renderList(root, { query }) {
  const status = query.get('status') ?? '';
  const page = await get('training-runs', { status, cursor: query.get('cursor') });
  add(
    root,
    h('h1', {}, 'Training runs'),
    triggerForm(),
    filterForm('runs', 'Filter runs', [field('Status', h('select', { name: 'status' }, ['', ...STATES].map((s) => h('option', { value: s, selected: s === status }, s || 'any'))))]),
    page.items.length
      ? table(
          'Training runs, newest first',
          ['Created', 'Status', 'Trigger', 'Estimator', 'Progress', 'Finished', ''],
          page.items.map((r) => [h('a', { href: link('runs', r.id) }, time(r.createdAt)), statusBadge(r.status), r.trigger, r.estimator, progress(r.metrics), time(r.finishedAt), cancelButton(r) ?? '']),
        )
      : h('p', { class: 'empty' }, 'No training runs.'),
    pager('runs', query, page.nextCursor),
  );
}

/** The curves of a run, one chart per concern, over the training steps. */
function curves(steps) {
  const labels = steps.map((s) => s.step);
  const line = (key) => steps.map((s) => (typeof s[key] === 'number' ? s[key] : null));
  const last = steps[steps.length - 1];
  const summary = (keys) => `${steps.length} steps; at step ${last.step}: ${keys.map(([k, label]) => `${label} ${number(last[k])}`).join(', ')}.`;
  const plot = (title, keys, format) => chart({ title, labels, xTitle: 'step', format, series: keys.map(([k, label, axis]) => ({ label, data: line(k), axis })), summary: summary(keys) });
  return h(
    'div',
    { class: 'charts' },
    // Each horizon on its own scale: the turn reward is orders of magnitude below the session reward.
    plot('Reward per horizon', [['session_reward', 'session (conversion horizon)'], ['turn_reward', 'turn (reply horizon)', 'right']], 'number'),
    plot('Conversion rate', [['conversion_rate', 'conversion']], 'percent'),
    plot('Repetition, bot-like and violation rates', [['repetition_rate', 'repetitive turns'], ['identity_detection_rate', 'bot-like (identity detected)'], ['violations_per_turn', 'violations per turn']], 'percent'),
    plot('KL to the reference policy', [['kl', 'KL']], 'number'),
  );
}

function gateReport(run) {
  const g = run.gate;
  if (!g) return h('p', { class: 'empty' }, 'No gate report yet: the run has not been evaluated.');
  const checks = Array.isArray(g.checks) ? g.checks : [];
  const ci = (c) => (Array.isArray(c) ? `[${number(c[0])}, ${number(c[1])}]` : '—');
  const compared = g.candidate && g.champion ? Object.keys(g.candidate).filter((k) => typeof g.candidate[k] === 'number') : [];
  return [
    facts([
      ['Decision', typeof g.promote === 'boolean' ? (g.promote ? 'promote' : 'reject') : '—'],
      ['Champion', g.championName ?? '—'],
      ['Gate sessions', g.sessions ?? '—'],
      ...(g.blocked ? [['Not promoted because', g.blocked]] : []),
    ]),
    Array.isArray(g.reasons) && g.reasons.length ? h('ul', { class: 'reasons' }, g.reasons.map((r) => h('li', {}, r))) : null,
    checks.length
      ? table(
          'Gate checks (candidate − champion)',
          ['Check', 'Difference', '95% interval', 'Compared', 'Limit', 'Result'],
          checks.map((c) => [c.metric ?? c.rule ?? '—', number(c.difference), ci(c.ci95), number(c.value), number(c.limit), c.passed ? h('span', { class: 'badge good' }, 'passed') : h('span', { class: 'badge bad' }, 'failed')]),
        )
      : null,
    compared.length ? table('Held-out evaluation', ['Figure', 'Candidate', 'Champion'], compared.map((k) => [k, number(g.candidate[k]), number(g.champion[k])])) : null,
    h('details', {}, h('summary', {}, 'Full gate report'), json(g)),
  ];
}

export async function renderDetail(root, { id }) {
  const run = await get(`training-runs/${encodeURIComponent(id)}`);
  const model = (versionId) => (versionId ? h('a', { href: link('models', versionId) }, shortId(versionId)) : '—');
  add(
    root,
    h('p', {}, h('a', { href: link('runs') }, '« Training runs')),
    h('h1', {}, `Training run ${shortId(run.id)} `, statusBadge(run.status)),
    h('div', { class: 'actions' }, cancelButton(run), h('button', { type: 'button', class: 'secondary', onclick: reload }, 'Refresh')),
    facts([
      ['Run', run.id],
      ['Trigger', run.trigger],
      ['Estimator', run.estimator],
      ['Progress', progress(run.metrics)],
      ['Created', time(run.createdAt)],
      ['Started', time(run.startedAt)],
      ['Finished', time(run.finishedAt)],
      ['Attempts', `${run.attempts} of ${run.maxAttempts}`],
      ['Device', run.device ?? '—'],
      ['Base model', model(run.baseModelVersionId)],
      ['Candidate model', model(run.candidateModelVersionId)],
      ...(run.error ? [['Error', run.error]] : []),
    ]),
    h('h2', {}, 'Curves'),
    run.steps.length ? curves(run.steps) : h('p', { class: 'empty' }, 'No per-step metrics: training has not started, or the run folder is on another machine.'),
    h('h2', {}, 'Gate report'),
    gateReport(run),
    h('h2', {}, 'Settings and data'),
    h('details', {}, h('summary', {}, 'Run configuration'), json(run.config)),
    h('details', {}, h('summary', {}, 'Training data'), json(run.data)),
  );
}
