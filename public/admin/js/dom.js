/**
 * DOM building without HTML parsing: every string becomes a text node or an attribute value, so
 * text from conversations (visitors, the model, people) can never turn into markup or script.
 */

/**
 * `h('a', { href: '#/x', class: 'link', onclick: fn }, 'text', child, [more])`: an element whose
 * string children are text nodes; `on…` props are listeners; null, undefined and false are skipped.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'value') el.value = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  add(el, ...children);
  return el;
}

/** Appends children as `h` does: strings as text nodes, arrays flattened, null, undefined and false skipped. */
export function add(el, ...children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) add(el, ...child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's content with the given children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return add(el, ...children);
}

export const percent = (rate) => (rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`);
export const number = (n, digits = 3) => (n === null || n === undefined || Number.isNaN(n) ? '—' : Number.isInteger(n) ? String(n) : n.toFixed(digits));
/** UTC, to the second: the API's days and ranges are UTC too. */
export const time = (iso) => (iso ? `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC` : '—');
export const shortId = (id) => (id ? id.slice(0, 8) : '—');

/** A table with a caption, header cells and rows of cells (strings or nodes). */
export function table(caption, headers, rows, props = {}) {
  return h(
    'table',
    props,
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c))))),
  );
}

/** A definition list from [term, description] pairs. */
export const facts = (pairs) => h('dl', { class: 'facts' }, pairs.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));

/** Pretty JSON as text (run configs, gate summaries). */
export const json = (value) => h('pre', { class: 'json' }, JSON.stringify(value, null, 2));

/**
 * Asks before a change (promote, roll back, cancel, take over) in a modal <dialog>; `extra` holds
 * optional form controls. Resolves to the dialog's form data, or null when dismissed.
 */
export function confirmAction({ title, message, confirmLabel, extra = [] }) {
  return new Promise((resolve) => {
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'confirm-title' }, title),
      h('p', {}, message),
      extra,
      h('div', { class: 'actions' }, h('button', { type: 'submit', value: 'cancel', class: 'secondary' }, 'Cancel'), h('button', { type: 'submit', value: 'ok' }, confirmLabel)),
    );
    const dialog = h('dialog', { 'aria-labelledby': 'confirm-title' }, form);
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok' ? new FormData(form) : null);
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
