/**
 * Conversations: the session list with the API's filters and keyset pages, and one conversation
 * with each turn's scores, its compliance violations highlighted, and its conversions. Turn text is
 * whatever a visitor typed: it only ever becomes text nodes (dom.js).
 */
import { get } from '../api.js';
import { add, facts, h, shortId, table, time } from '../dom.js';
import { dateRangeFields, field, filterForm, link, pager } from '../nav.js';

const FILTERS = ['from', 'to', 'outcome', 'modelVersion', 'rule'];

const outcome = (s) => (s.converted ? h('span', { class: 'badge good' }, `converted${s.conversionValue ? ` (${s.conversionValue})` : ''}`) : 'not converted');

export async function renderList(root, { query }) {
  const q = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? '']));
  const page = await get('sessions', { ...q, cursor: query.get('cursor') });
  add(
    root,
    h('h1', {}, 'Conversations'),
    filterForm('sessions', 'Filter conversations', [
      dateRangeFields(q.from, q.to),
      field(
        'Outcome',
        h(
          'select',
          { name: 'outcome' },
          [
            ['', 'any'],
            ['converted', 'converted'],
            ['not_converted', 'not converted'],
          ].map(([value, label]) => h('option', { value, selected: q.outcome === value }, label)),
        ),
      ),
      field('Model version', h('input', { name: 'modelVersion', value: q.modelVersion, placeholder: 'name or id' })),
      field('Rule violated', h('input', { name: 'rule', value: q.rule, placeholder: 'rule id' })),
    ]),
    page.items.length
      ? table(
          'Conversations, newest first',
          ['Started', 'Site', 'Channel', 'Status', 'Turns', 'Outcome', 'Ended'],
          page.items.map((s) => [h('a', { href: link('sessions', s.id) }, time(s.createdAt)), s.siteKey, s.channel, s.status, String(s.turns), outcome(s), time(s.endedAt)]),
          { class: 'sessions' },
        )
      : h('p', { class: 'empty' }, 'No conversations match.'),
    pager('sessions', query, page.nextCursor),
  );
}

/** The newest score of each scorer (a turn rescored later keeps its older rows). */
function latestScores(scores) {
  const newest = new Map();
  for (const s of scores) if (!newest.has(s.scorer) || newest.get(s.scorer).createdAt < s.createdAt) newest.set(s.scorer, s);
  return [...newest.values()].sort((a, b) => a.scorer.localeCompare(b.scorer));
}

const violationsOf = (scores) => scores.filter((s) => s.scorer === 'compliance').flatMap((s) => (Array.isArray(s.evidence?.violations) ? s.evidence.violations : []));

function turnItem(turn) {
  const scores = latestScores(turn.scores);
  const violations = violationsOf(scores);
  return h(
    'li',
    { class: `turn ${turn.role}${violations.length ? ' violating' : ''}`, 'data-turn': turn.id },
    h(
      'div',
      { class: 'turn-head' },
      h('strong', {}, `#${turn.index} ${turn.role === 'person' ? `person: ${turn.authorName ?? 'unnamed'}` : turn.role}`),
      ` · ${time(turn.createdAt)}`,
      turn.modelVersionId ? [' · model ', h('a', { href: link('models', turn.modelVersionId) }, shortId(turn.modelVersionId))] : null,
      turn.latencyMs !== null && turn.latencyMs !== undefined ? ` · ${turn.latencyMs} ms` : null,
    ),
    h('p', { class: 'turn-text' }, turn.text),
    scores.length ? h('ul', { class: 'scores', 'aria-label': 'Scores' }, scores.map((s) => h('li', { class: s.scorer === 'compliance' && violations.length ? 'score bad' : 'score' }, `${s.scorer} ${s.score.toFixed(2)}`))) : null,
    violations.length
      ? h(
          'div',
          { class: 'violations' },
          h('strong', {}, `Compliance violation${violations.length > 1 ? 's' : ''}:`),
          h('ul', {}, violations.map((v) => h('li', {}, `${v.ruleId}${v.severity ? ` (${v.severity})` : ''}${v.match ? `: “${v.match}”` : ''}`))),
        )
      : null,
  );
}

export async function renderDetail(root, { id }) {
  const s = await get(`sessions/${encodeURIComponent(id)}`);
  const value = s.conversions.reduce((sum, c) => sum + (c.value ?? 0), 0);
  add(
    root,
    h('p', {}, h('a', { href: link('sessions') }, '« Conversations')),
    h('h1', {}, `Conversation ${shortId(s.id)}`),
    s.status === 'active' ? h('p', {}, h('a', { href: link('live', s.id) }, 'Watch it live (take over, write, hand back)')) : null,
    facts([
      ['Session', s.id],
      ['Site', s.siteKey],
      ['Channel', s.channel],
      ['Status', s.status],
      ['Started', time(s.createdAt)],
      ['Ended', time(s.endedAt)],
      ['Outcome', s.converted ? h('span', { class: 'badge good' }, `converted: ${s.conversions.length} conversion${s.conversions.length > 1 ? 's' : ''}, value ${value}`) : 'not converted'],
    ]),
    s.conversions.length
      ? table(
          'Conversions',
          ['Source', 'External id', 'Value', 'When'],
          s.conversions.map((c) => [c.source, c.externalId ?? '—', c.currency ? `${c.value} ${c.currency}` : String(c.value), time(c.occurredAt)]),
        )
      : null,
    h('h2', {}, `Turns (${s.turns.length})`),
    s.turns.length ? h('ol', { class: 'turns' }, s.turns.map(turnItem)) : h('p', { class: 'empty' }, 'No turns.'),
  );
}
