/**
 * The /admin dashboard: sign in with an API key, then hash routes to the views. Each route renders
 * into a fresh container, so a slow answer for a view already left lands in a detached element.
 */
import { forgetKey, signedInAs, storedKey, storeKey } from './api.js';
import { destroyCharts } from './charts.js';
import { fill, h } from './dom.js';
import { notify, resetMessages, showAlert, showError } from './feedback.js';
import * as conversations from './views/conversations.js';
import * as live from './views/live.js';
import * as models from './views/models.js';
import * as overview from './views/overview.js';
import * as runs from './views/training-runs.js';

/** `#/<section>[/<id>][?query]` → the view that renders it. */
const routes = {
  overview: { list: overview.render },
  sessions: { list: conversations.renderList, detail: conversations.renderDetail },
  runs: { list: runs.renderList, detail: runs.renderDetail },
  models: { list: models.renderList, detail: models.renderDetail },
  live: { list: live.render, detail: live.render },
};

const $ = (id) => document.getElementById(id);
let cleanup = () => {};

function parseRoute() {
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [section, id] = path.split('/').map(decodeURIComponent);
  return { section: routes[section] ? section : 'overview', id, query: new URLSearchParams(search) };
}

async function show() {
  if (!storedKey()) return signOut();
  cleanup();
  cleanup = () => {};
  destroyCharts();
  const { section, id, query } = parseRoute();
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === `#/${section}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const container = h('section', { class: 'view', 'aria-busy': 'true' });
  fill($('view'), container);
  resetMessages();
  const render = (id && routes[section].detail) || routes[section].list;
  try {
    const done = await render(container, { id, query });
    if (typeof done === 'function') {
      if (container.isConnected) cleanup = done;
      else done();
    }
  } catch (err) {
    if (container.isConnected) showError(err);
  } finally {
    container.removeAttribute('aria-busy');
  }
}

/** Back to the sign-in form; `refusal` is the server's 401, shown as an error. */
function signOut({ refusal, message } = {}) {
  forgetKey();
  cleanup();
  cleanup = () => {};
  destroyCharts();
  fill($('view'));
  $('sign-in').hidden = false;
  document.querySelector('nav').hidden = true;
  $('sign-out').hidden = true;
  $('signed-in-as').textContent = '';
  if (refusal) showAlert(refusal);
  else notify(message);
  $('key').focus();
}

async function signedIn() {
  let actor;
  try {
    actor = await signedInAs();
  } catch (err) {
    // A refused key signs out with the server's reason (showError raises the 401 event).
    showError(err);
    return;
  }
  $('sign-in').hidden = true;
  document.querySelector('nav').hidden = false;
  $('sign-out').hidden = false;
  $('signed-in-as').textContent = `${actor.name} (${actor.role})`;
  show();
}

$('sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  storeKey($('key').value.trim());
  $('key').value = '';
  signedIn();
});
$('sign-out').addEventListener('click', () => signOut({ message: 'Signed out: the key is no longer kept in this tab.' }));
window.addEventListener('closer:unauthorized', (e) => signOut({ refusal: e.detail }));
window.addEventListener('hashchange', () => storedKey() && show());

if (storedKey()) signedIn();
else signOut();
