/**
 * Messages above the view: a success in the polite status region, an error in the alert region.
 * A 401 means the key is no good any more: the app signs out (it listens for `closer:unauthorized`).
 */
import { ApiError, describeError } from './api.js';
import { fill, h } from './dom.js';

const region = (id) => document.getElementById(id);
let pending = '';

/** A notice for the next rendered view (after an action that navigates or reloads). */
export function flash(message) {
  pending = message;
}

/** What the router does before it renders a view: old messages go, a flashed one shows. */
export function resetMessages() {
  notify(pending);
  pending = '';
}

export function notify(message) {
  fill(region('alert'));
  fill(region('notice'), message ? h('p', {}, message) : null);
}

export function showAlert(message) {
  fill(region('notice'));
  fill(region('alert'), h('p', {}, message));
}

export function showError(err) {
  if (err instanceof ApiError && err.status === 401) window.dispatchEvent(new CustomEvent('closer:unauthorized', { detail: describeError(err) }));
  else showAlert(describeError(err));
}

/** Runs an action started by the admin (a button), reporting its failure instead of losing it. */
export async function attempt(action) {
  try {
    return await action();
  } catch (err) {
    showError(err);
    return undefined;
  }
}
