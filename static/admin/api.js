// The moderator API, with the session handled in one place: the CSRF token
// lives in memory only (from sign-in or GET /auth/me); a 401 opens the
// sign-in dialog over the page and the request is retried once the
// moderator has signed in again, so nothing they were doing is lost.

const BASE = '/api/v1';

export const session = {
  me: null,         // {username, display_name, role, csrf_token}
  onChange: () => {},
};

/** A refused request: status and the problem+json body. */
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }

  /** Field messages of a 422, as one sentence. */
  get fields() {
    const errors = this.problem.errors || [];
    return errors.map((e) => `${e.field} ${e.message}`).join('; ');
  }

  /** What to tell the moderator. */
  get explanation() {
    return this.fields || this.message;
  }
}

let signingIn = null;   // a promise while the sign-in dialog is up
let signInHandler = null;

/** Registers the function that shows the sign-in dialog and resolves once signed in. */
export function onSignInNeeded(handler) {
  signInHandler = handler;
}

/** Waits for a sign-in (one dialog however many requests are waiting). */
export function needSignIn(expired) {
  if (!signingIn) {
    signingIn = signInHandler(expired).finally(() => { signingIn = null; });
  }
  return signingIn;
}

const ROLES = ['moderator', 'editor', 'admin'];

/** Whether the signed-in account has at least `role`. */
export function hasRole(role) {
  return !!session.me && ROLES.indexOf(session.me.role) >= ROLES.indexOf(role);
}

async function readProblem(res) {
  try {
    return await res.json();
  } catch {
    return { title: res.statusText };
  }
}

/**
 * Calls the API. `body` is sent as JSON. Resolves with the parsed answer
 * (null for 204); rejects with ApiError for any other refusal; a network
 * failure rejects with ApiError status 0.
 */
export async function api(method, path, body, options = {}) {
  let csrfRetried = false;
  for (;;) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && session.me) headers['X-CSRF-Token'] = session.me.csrf_token;
    let res;
    try {
      res = await fetch(BASE + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        keepalive: !!options.keepalive,
      });
    } catch (e) {
      throw new ApiError(0, { detail: 'The server could not be reached. Check the connection.' });
    }
    if (res.status === 401 && !options.noSignIn) {
      await needSignIn(true);
      continue;
    }
    if (res.status === 403 && method !== 'GET' && !csrfRetried) {
      const problem = await readProblem(res);
      if (/CSRF/.test(problem.detail || '')) {
        // Signed in again in another tab: fetch this session's token.
        csrfRetried = true;
        await refreshMe();
        continue;
      }
      throw new ApiError(403, problem);
    }
    if (!res.ok) throw new ApiError(res.status, await readProblem(res));
    if (res.status === 204) return null;
    return res.json();
  }
}

/** GET /auth/me; null when not signed in. */
export async function refreshMe() {
  try {
    const me = await api('GET', '/auth/me', undefined, { noSignIn: true });
    setMe(me);
    return me;
  } catch (e) {
    if (e.status === 401) {
      setMe(null);
      return null;
    }
    throw e;
  }
}

function setMe(me) {
  const before = session.me && session.me.username;
  session.me = me;
  session.onChange(before !== (me && me.username));
}

/** POST /auth/login; the password is used for this request only. */
export async function signIn(username, password) {
  const me = await api('POST', '/auth/login', { username, password }, { noSignIn: true });
  setMe(me);
  return me;
}

/** POST /auth/logout. */
export async function signOut() {
  try {
    await api('POST', '/auth/logout', undefined, { noSignIn: true });
  } finally {
    setMe(null);
  }
}

/** Query string from an object, skipping empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
