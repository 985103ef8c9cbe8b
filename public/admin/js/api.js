/**
 * The admin REST API (`/api/v1/admin`, docs/admin.md) with the key the admin pasted in. The key is
 * kept in sessionStorage: it lasts while the tab is open and is gone after "Sign out" or closing it.
 */
const KEY_STORE = 'closer.admin.key';
const BASE = '/api/v1/admin';

export const storedKey = () => sessionStorage.getItem(KEY_STORE);
export const storeKey = (key) => sessionStorage.setItem(KEY_STORE, key);
export const forgetKey = () => {
  sessionStorage.removeItem(KEY_STORE);
  actor = null;
};

/** Roles, weakest first (as the API ranks them). */
const ROLES = ['viewer', 'operator', 'admin'];
/** The signed-in key's `{ name, role }` (GET /me), read once per sign-in. */
let actor = null;
export const signedInAs = async () => (actor ??= await get('me'));
/**
 * Whether the signed-in key's role reaches `role`: the views leave out what it may not do. Only a
 * convenience; the API's 403 is what guarantees it.
 */
export const may = (role) => actor !== null && ROLES.indexOf(actor.role) >= ROLES.indexOf(role);

/** A refusal by the API: its HTTP status and `{ code, message }` body. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** `GET`s with a query object (empty values left out); other methods send `body` as JSON. */
export async function api(method, path, { query, body } = {}) {
  const params = new URLSearchParams(Object.entries(query ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  const search = params.toString();
  const url = `${BASE}/${path}${search ? `?${search}` : ''}`;
  const headers = { authorization: `Bearer ${storedKey() ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'unreachable', 'the server could not be reached');
  }
  const payload = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, payload?.code ?? 'error', payload?.message ?? res.statusText);
  return payload;
}

export const get = (path, query) => api('GET', path, { query });
export const post = (path, body = {}) => api('POST', path, { body });

/** What to tell the admin about a failed call. */
export function describeError(err) {
  if (!(err instanceof ApiError)) return `Something went wrong in the dashboard: ${err?.message ?? err}`;
  if (err.status === 401) return `The server refused this key (401 unauthorized): ${err.message}. Sign in with a valid key.`;
  if (err.status === 403) return `This key's role may not do that (403 forbidden): ${err.message}.`;
  if (err.status === 0) return `The server could not be reached. Check the connection and try again.`;
  return `${err.code} (${err.status}): ${err.message}`;
}
