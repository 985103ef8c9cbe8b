/** Hash links (`#/section/id?query`): filters and cursors live in the address, so Back and reload keep them. */
import { h } from './dom.js';

export function link(section, id, query = {}) {
  const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '')).toString();
  return `#/${section}${id ? `/${encodeURIComponent(id)}` : ''}${search ? `?${search}` : ''}`;
}

export const go = (section, id, query) => {
  location.hash = link(section, id, query);
};

/** A filter form that navigates to its own section with its non-empty fields as the query (cursor dropped). */
export function filterForm(section, label, fields) {
  return h(
    'form',
    {
      class: 'filters',
      'aria-label': label,
      onsubmit: (e) => {
        e.preventDefault();
        go(section, undefined, Object.fromEntries(new FormData(e.currentTarget)));
      },
    },
    fields,
    h('button', { type: 'submit' }, 'Apply'),
  );
}

/** A labelled form control. */
export function field(label, control) {
  return h('label', { class: 'field' }, h('span', {}, label), control);
}

/** Keyset pages: back to the first page, or on with the API's `nextCursor`. */
export function pager(section, query, nextCursor) {
  const filters = Object.fromEntries([...query].filter(([k]) => k !== 'cursor'));
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    query.get('cursor') ? h('a', { href: link(section, undefined, filters) }, '« First page') : null,
    nextCursor ? h('a', { href: link(section, undefined, { ...filters, cursor: nextCursor }) }, 'Next page »') : null,
  );
}

/** Renders the current route again (after a change made from the view). */
export const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));

/** The `from` / `to` date fields of the sessions and metrics filters (UTC days, `to` exclusive). */
export const dateRangeFields = (from, to) => [
  field('From', h('input', { type: 'date', name: 'from', value: from })),
  field('To (exclusive)', h('input', { type: 'date', name: 'to', value: to })),
];
