/**
 * Handoffs and live sessions: the open handoffs, kept current over the `/admin` socket.io
 * namespace; one live session's turns as they are stored; take it over, write to the visitor and
 * hand it back (operators; the API decides who may). Turn text only ever becomes text nodes.
 */
import { get, may, post, storedKey } from '../api.js';
import { add, confirmAction, fill, h, shortId, table, time } from '../dom.js';
import { attempt, showAlert, showError } from '../feedback.js';
import { field, go, link } from '../nav.js';

const REASONS = { visitor_request: 'the visitor asked for a person', deal_value: 'a deal above the threshold', operator: 'an operator took it over' };
const reason = (handoff) => REASONS[handoff.reason] ?? handoff.reason;
/** What a viewer sees instead of the operator's controls. */
const viewerHint = () => h('p', { class: 'hint' }, 'Watching only: taking over and writing to the visitor need the operator role.');

/** socket.io's browser client, served by the server's socket.io under its configured path. */
let client;
async function connect() {
  const { socketIoPath } = await fetch('/admin/config.json').then((r) => r.json());
  client ??= await import(`${socketIoPath}socket.io.esm.min.js`);
  return client.io('/admin', { path: socketIoPath, auth: { key: storedKey() }, transports: ['websocket', 'polling'] });
}

const author = (turn) => ({ visitor: 'visitor', ai: 'AI agent', system: 'notice' })[turn.author?.kind] ?? (turn.author?.kind === 'person' ? `person: ${turn.author.name}` : turn.role);

/** The open handoffs, waiting first; refetched whenever one changes. */
async function handoffLists(container) {
  const [waiting, active] = await Promise.all([get('handoffs', { state: 'waiting' }), get('handoffs', { state: 'active' })]);
  const rows = (items, held) =>
    items.map((x) => [time(x.requestedAt), h('a', { href: link('live', x.sessionId), 'aria-label': `Watch session ${shortId(x.sessionId)}` }, shortId(x.sessionId)), x.session.siteKey, x.session.channel, reason(x), held ? `${x.takenBy?.name ?? '—'} since ${time(x.takenAt)}` : '']);
  fill(
    container,
    waiting.items.length ? table('Waiting for a person, oldest first', ['Requested', 'Session', 'Site', 'Channel', 'Why', ''], rows(waiting.items, false), { class: 'waiting' }) : h('p', { class: 'empty' }, 'No session is waiting for a person.'),
    active.items.length ? table('Held by a person', ['Requested', 'Session', 'Site', 'Channel', 'Why', 'Held by'], rows(active.items, true), { class: 'held' }) : h('p', { class: 'empty' }, 'No session is held by a person.'),
  );
}

/** One live session: its transcript as it grows, who answers the visitor, and the operator's controls. */
function watchPanel(sessionId, socket) {
  const turns = new Map();
  let handoff = null;
  let status = 'active';
  const transcript = h('ol', { class: 'turns', role: 'log', 'aria-live': 'polite', 'aria-label': 'Transcript' });
  const state = h('p', { class: 'live-state' });
  const controls = h('div', { class: 'live-controls' });

  const addTurn = (t) => {
    if (turns.has(t.turnId)) return;
    turns.set(t.turnId, t);
    const item = h('li', { class: `turn ${t.role}`, 'data-turn': t.turnId }, h('div', { class: 'turn-head' }, h('strong', {}, `#${t.index} ${author(t)}`), ` · ${time(t.createdAt)}`), h('p', { class: 'turn-text' }, t.text));
    const after = [...transcript.children].find((li) => turns.get(li.dataset.turn).index > t.index);
    transcript.insertBefore(item, after ?? null);
  };

  const takeOver = async () => {
    const form = await confirmAction({
      title: 'Take over this conversation?',
      message: 'The AI stops replying at once. The visitor is told a person joined, under your display name.',
      confirmLabel: 'Take over',
      extra: field('Display name shown to the visitor (empty: your key’s name)', h('input', { name: 'displayName', maxlength: 60 })),
    });
    if (!form) return;
    const displayName = String(form.get('displayName') ?? '').trim();
    const taken = await attempt(() => post(`sessions/${encodeURIComponent(sessionId)}/takeover`, displayName ? { displayName } : {}));
    if (taken) setHandoff(taken);
  };
  const handBack = async () => {
    if (!(await confirmAction({ title: 'Hand back to the AI?', message: 'The AI answers the next visitor message, with your messages in its history.', confirmLabel: 'Hand back' }))) return;
    const released = await attempt(() => post(`sessions/${encodeURIComponent(sessionId)}/release`));
    if (released) setHandoff(released);
  };
  const messageForm = () => {
    const text = h('textarea', { id: 'person-message', name: 'text', rows: 3, required: true });
    return h(
      'form',
      {
        class: 'send',
        onsubmit: async (e) => {
          e.preventDefault();
          const sent = await attempt(() => post(`sessions/${encodeURIComponent(sessionId)}/messages`, { text: text.value }));
          if (!sent) return;
          addTurn(sent);
          text.value = '';
          text.focus();
        },
      },
      h('label', { for: 'person-message' }, 'Message to the visitor (shown as from a person)'),
      text,
      h('button', { type: 'submit' }, 'Send'),
    );
  };

  /** Shows who answers the visitor; redrawn only when that changes, so a message being typed survives repeated events. */
  let shown = '';
  function setHandoff(next) {
    // A handoff closed with its session: the session is over (ended or timed out).
    if (next?.state === 'closed') status = 'ended';
    handoff = next && (next.state === 'waiting' || next.state === 'active') ? next : null;
    const key = JSON.stringify([status, handoff?.state, handoff?.takenBy, handoff?.requestedAt]);
    if (key === shown) return;
    shown = key;
    if (status !== 'active') {
      fill(state, `The session has ended (${status.replace('_', ' ')}): nobody can write to the visitor any more.`);
      fill(controls);
    } else if (handoff?.state === 'active') {
      fill(state, `Held by ${handoff.takenBy?.name ?? 'a person'} since ${time(handoff.takenAt)}: the AI does not reply.`);
      fill(controls, may('operator') ? [messageForm(), h('button', { type: 'button', class: 'secondary', onclick: handBack }, 'Hand back to the AI')] : viewerHint());
    } else {
      fill(state, handoff ? `Waiting for a person since ${time(handoff.requestedAt)}: ${reason(handoff)}. The AI keeps replying until someone takes over.` : 'The AI is answering.');
      fill(controls, may('operator') ? h('button', { type: 'button', onclick: takeOver }, 'Take over (operator)') : viewerHint());
    }
  }

  // Rooms do not survive a reconnect: watch again on every connect (history and live turns may overlap: one row per turn).
  socket.on('connect', () =>
    socket.emit('session:watch', { sessionId }, (ack) => {
      if (!ack?.ok) return showAlert(`Cannot watch session ${shortId(sessionId)}: ${ack?.error?.message ?? 'no answer'}`);
      status = ack.status;
      ack.history.forEach(addTurn);
      setHandoff(ack.handoff);
    }),
  );
  socket.on('session:turn', (t) => t.sessionId === sessionId && addTurn(t));
  const onChange = (x) => x.sessionId === sessionId && setHandoff(x);
  for (const event of ['handoff:waiting', 'handoff:taken', 'handoff:released']) socket.on(event, onChange);

  return h('section', { class: 'card live-session', 'aria-labelledby': 'live-title' }, h('h2', { id: 'live-title' }, `Live session ${shortId(sessionId)} `, h('a', { href: link('sessions', sessionId) }, '(full record)')), state, transcript, controls);
}

export async function render(root, { id }) {
  const socket = await connect();
  const connection = h('p', { class: 'hint', 'aria-live': 'polite' }, 'Connecting for live updates…');
  const lists = h('div', { class: 'handoffs' });
  // Every listener is registered before the first await below, so none misses the first connect.
  socket.on('connect', () => fill(connection, 'Live: updates arrive as they happen.'));
  socket.on('disconnect', () => fill(connection, 'Live updates interrupted; reconnecting…'));
  socket.on('connect_error', (err) => {
    if (err.message === 'unauthorized') window.dispatchEvent(new CustomEvent('closer:unauthorized', { detail: 'The server refused this key for live updates (unauthorized). Sign in with a valid key.' }));
    else fill(connection, `Live updates unavailable (${err.message}); retrying…`);
  });
  for (const event of ['handoff:waiting', 'handoff:taken', 'handoff:released']) socket.on(event, () => handoffLists(lists).catch(showError));
  const panel = id ? watchPanel(id, socket) : null;

  const watchForm = h(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        go('live', new FormData(e.currentTarget).get('session').trim());
      },
    },
    field('Session id', h('input', { name: 'session', required: true, pattern: '[0-9a-fA-F-]{36}', value: id ?? '' })),
    h('button', { type: 'submit' }, 'Watch'),
  );
  try {
    await handoffLists(lists);
  } catch (err) {
    socket.disconnect();
    throw err;
  }
  add(root, h('h1', {}, 'Handoffs and live sessions'), connection, lists, h('h2', {}, 'Watch a live session'), watchForm, panel);
  return () => socket.disconnect();
}
