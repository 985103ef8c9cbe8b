/**
 * Models: the registry's versions with their lineage, one version's evaluation, and the admin's
 * promote and roll back (each asked for first; every server hot-swaps to the new champion).
 */
import { get, may, post } from '../api.js';
import { add, confirmAction, facts, h, json, number, shortId, table, time } from '../dom.js';
import { attempt, flash } from '../feedback.js';
import { field, filterForm, link, pager, reload } from '../nav.js';

const STATUSES = ['candidate', 'canary', 'champion', 'retired', 'rejected'];

const versionLink = (v) => h('a', { href: link('models', v.id) }, v.name);
const statusBadge = (v) => [h('span', { class: `badge ${v.status}` }, v.status), v.pinned ? h('span', { class: 'badge' }, 'pinned') : null];

async function promote(version) {
  const form = await confirmAction({
    title: `Promote ${version.name}?`,
    message: 'It becomes the champion now, bypassing the gate, and every server switches to it.',
    confirmLabel: 'Promote',
    extra: field('Pin it (nightly runs do not replace a pinned champion; this also overrides a pinned one)', h('input', { type: 'checkbox', name: 'pin' })),
  });
  if (!form) return;
  const done = await attempt(() => post(`models/${encodeURIComponent(version.id)}/promote`, form.get('pin') ? { pin: true } : {}));
  if (!done) return;
  flash(`${done.champion.name} is the champion${done.previous ? ` (was ${done.previous.name})` : ''}.`);
  reload();
}

async function rollback() {
  const ok = await confirmAction({
    title: 'Roll back the champion?',
    message: 'The previous champion serves again and the current one is marked rolled back (never returned to by a later rollback).',
    confirmLabel: 'Roll back',
  });
  if (!ok) return;
  const done = await attempt(() => post('models/rollback'));
  if (!done) return;
  flash(`Rolled back from ${done.from.name} to ${done.to.name}.`);
  reload();
}

// Promote and roll back are the admin's: weaker roles are not offered them.
const adminActions = (v) =>
  may('admin') &&
  h(
    'div',
    { class: 'actions' },
    v.status === 'champion' ? h('button', { type: 'button', class: 'danger', onclick: rollback }, 'Roll back (admin)') : h('button', { type: 'button', onclick: () => promote(v) }, `Promote ${v.name} (admin)`),
  );

async function endCanary(canary, action) {
  const promote = action === 'promote';
  const ok = await confirmAction({
    title: promote ? `Promote the canary ${canary.version.name} now?` : `Abort the canary ${canary.version.name}?`,
    message: promote ? 'It becomes the champion for every session, whatever the live test says so far.' : 'It is rejected and the champion serves every session again.',
    confirmLabel: promote ? 'Promote' : 'Abort',
  });
  if (!ok) return;
  const done = await attempt(() => post(`canary/${action}`));
  if (!done) return;
  flash(promote ? `${done.version} is the champion.` : `The canary ${done.version} was aborted.`);
  reload();
}

const interval = (i) => (Array.isArray(i) ? `[${number(i[0])}, ${number(i[1])}]` : 'not yet (fewer than 30 sessions per arm)');

/** The running canary and its live test as it stands, then how the last canaries ended. */
function canarySection(current, history) {
  const c = current.canary;
  const running = c
    ? [
        facts([
          ['Version', h('a', { href: link('models', c.version.id) }, c.version.name)],
          ['Share of new sessions', `${Math.round(c.share * 100)}%`],
          ['Since', `${time(c.startedAt)} (${number(c.elapsedHours)} h)`],
          ['Sessions', `canary ${c.sessions.canary}, champion ${c.sessions.champion}`],
          ['Live test', `${c.test}: ${c.reasons.join('; ')}`],
          ['Sessions per arm needed', String(c.sessionsNeeded)],
        ]),
        table('Canary − champion, live (always-valid 95% intervals)', ['Metric', 'Difference', 'Interval'], Object.entries(c.metrics).map(([m, f]) => [m, number(f.difference), interval(f.interval)])),
        may('admin')
          ? h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => endCanary(c, 'promote') }, 'Promote the canary now (admin)'), h('button', { type: 'button', class: 'danger', onclick: () => endCanary(c, 'abort') }, 'Abort the canary (admin)'))
          : null,
      ]
    : h('p', { class: 'empty' }, 'No canary is running: the champion serves every session.');
  const rules = current.rules;
  return [
    h('h2', {}, 'Canary'),
    h('p', { class: 'hint' }, `Promoted when conversion is non-inferior by ${rules.conversionMargin} and no guard is worse by more than ${rules.guardMargin}; rolled back at once when a guard is worse; inconclusive after ${rules.maxCanarySessions} canary sessions or ${rules.maxHours} hours. Sessions a person took over are left out.`),
    running,
    history.items.length
      ? table('Past canaries, newest first', ['Version', 'Champion', 'Share', 'Started', 'Ended', 'Verdict', 'Decided by'], history.items.filter((x) => x.endedAt).map((x) => [x.version, x.champion, `${Math.round(x.share * 100)}%`, time(x.startedAt), time(x.endedAt), x.verdict, x.decidedBy]))
      : null,
  ];
}

const METRIC_LABELS = { conversion: 'conversion', violationsPerTurn: 'violations per turn', repetitionRate: 'repetitive turns', identityQuestions: 'asked "are you a bot?"', agentTurns: 'agent turns per session' };

/** Per served version: what the simulator predicts against what live visitors did, with the gap's interval. */
function fidelitySection(fidelity) {
  return [
    h('h2', {}, 'Simulator fidelity'),
    h('p', { class: 'hint' }, 'Each version as live visitors met it and as the strict simulator plays it on personas derived from those very sessions (measured after each nightly run). A gap whose interval excludes 0 is a place where the simulator, and so the offline gate, is wrong about real visitors.'),
    fidelity.items.length
      ? fidelity.items.map((f) =>
          table(
            `${f.version} (${f.status}): ${f.liveSessions} live, ${f.simulatedSessions} simulated sessions, ${time(f.measuredAt)}`,
            ['Metric', 'Live', 'Simulated', 'Gap (simulated − live)', '95% interval'],
            Object.entries(f.gaps).map(([m, g]) => [METRIC_LABELS[m] ?? m, number(g.live), number(g.simulated), number(g.gap), interval(g.ci95)]),
          ),
        )
      : h('p', { class: 'empty' }, 'Not measured yet: a version needs enough live sessions (FIDELITY_MIN_SESSIONS) before a nightly run measures it.'),
  ];
}

export async function renderList(root, { query }) {
  const status = query.get('status') ?? '';
  const [page, current, history, fidelity] = await Promise.all([
    get('models', { status, cursor: query.get('cursor') }),
    get('canary'),
    get('canary/history', { limit: 10 }),
    get('fidelity'),
  ]);
  const byId = new Map(page.items.map((v) => [v.id, v]));
  const parent = (v) => (v.parentId ? (byId.has(v.parentId) ? versionLink(byId.get(v.parentId)) : h('a', { href: link('models', v.parentId) }, shortId(v.parentId))) : '—');
  add(
    root,
    h('h1', {}, 'Models'),
    may('admin') && h('div', { class: 'actions' }, h('button', { type: 'button', class: 'danger', onclick: rollback }, 'Roll back the champion (admin)')),
    filterForm('models', 'Filter versions', [field('Status', h('select', { name: 'status' }, ['', ...STATUSES].map((s) => h('option', { value: s, selected: s === status }, s || 'any'))))]),
    page.items.length
      ? table(
          'Model versions, newest first',
          ['Version', 'Status', 'Trained from', 'Training run', 'Estimator', 'Created', 'Promoted', ''],
          page.items.map((v) => [
            versionLink(v),
            statusBadge(v),
            parent(v),
            v.runId ? h('a', { href: link('runs', v.runId) }, shortId(v.runId)) : '—',
            v.estimator ?? '—',
            time(v.createdAt),
            time(v.promotedAt),
            v.status === 'champion' || !may('admin') ? '' : h('button', { type: 'button', onclick: () => promote(v), 'aria-label': `Promote ${v.name}` }, 'Promote'),
          ]),
        )
      : h('p', { class: 'empty' }, 'No model versions.'),
    pager('models', query, page.nextCursor),
    canarySection(current, history),
    fidelitySection(fidelity),
  );
}

/** The gate's figures as stored on the version: candidate against champion where both are given. */
function evaluation(metrics) {
  const gate = metrics?.gate;
  if (!gate || typeof gate !== 'object') return Object.keys(metrics ?? {}).length ? json(metrics) : h('p', { class: 'empty' }, 'No evaluation stored (a served or imported model).');
  const figures = Object.entries(gate).filter(([, v]) => v && typeof v === 'object' && 'candidate' in v);
  return [
    facts([
      ['Gate decision', typeof gate.promote === 'boolean' ? (gate.promote ? 'promote' : 'reject') : '—'],
      ['Gate sessions', gate.sessions ?? '—'],
      ...(Array.isArray(gate.reasons) && gate.reasons.length ? [['Reasons', gate.reasons.join('; ')]] : []),
      ...(metrics.blocked ? [['Not promoted because', metrics.blocked]] : []),
    ]),
    figures.length ? table('Held-out evaluation', ['Figure', 'This version', 'Champion then', 'Difference'], figures.map(([k, f]) => [k, number(f.candidate), number(f.champion), number(f.difference)])) : null,
    h('details', {}, h('summary', {}, 'Stored metrics'), json(metrics)),
  ];
}

export async function renderDetail(root, { id }) {
  const v = await get(`models/${encodeURIComponent(id)}`);
  const { parents, adapter, run } = v.lineage;
  add(
    root,
    h('p', {}, h('a', { href: link('models') }, '« Models')),
    h('h1', {}, `${v.name} `, statusBadge(v)),
    adminActions(v),
    facts([
      ['Version', v.id],
      ['Estimator', v.estimator ?? '—'],
      ['Created', time(v.createdAt)],
      ['Promoted', time(v.promotedAt)],
      ['Retired', time(v.retiredAt)],
      ['Rolled back', time(v.rolledBackAt)],
      ['Training data', v.dataWindowStart ? `${time(v.dataWindowStart)} to ${time(v.dataWindowEnd)}` : '—'],
      ['Artifacts', v.artifactPath],
    ]),
    h('h2', {}, 'Lineage'),
    h('ol', { class: 'lineage', 'aria-label': 'This version, then the versions it was trained from' }, h('li', {}, h('strong', {}, v.name), ` (${v.status})`), parents.map((p) => h('li', {}, versionLink(p), ` (${p.status})`))),
    facts([
      ['Training run', run ? [h('a', { href: link('runs', run.id) }, shortId(run.id)), ` ${run.trigger}, ${run.estimator}, ${run.status}, finished ${time(run.finishedAt)}`] : '—'],
      ['Adapter', adapter ? [`rank ${adapter.rank} on ${adapter.targets.join(', ')}, over `, adapter.base ? versionLink(adapter.base) : shortId(adapter.baseVersionId)] : 'none (full weights)'],
    ]),
    h('h2', {}, 'Evaluation'),
    evaluation(v.metrics),
    h('details', {}, h('summary', {}, 'Model configuration'), json(v.config)),
  );
}
