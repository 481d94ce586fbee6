// The signed-in session, shared by the desktop, Prism and GraphiQL.
//
// Tokens: the access token lives in memory and in sessionStorage (so a reload, or GraphiQL in
// this tab, keeps it); the refresh token lives only in the HttpOnly `refresh_token` cookie that
// POST /api/auth/refresh sets. login/register return a refresh token in the body but set no
// cookie, so right after signing in we trade that token once at /api/auth/refresh to get the
// cookie, and forget it. A localStorage flag remembers that a cookie probably exists, so a page
// opened later (another tab) can resume the session without asking for a password, and a first
// visit does not send a refresh that can only fail.
//
// Renewal: shortly before the access token expires, and once after an UNAUTHENTICATED answer.
// Refresh tokens rotate and re-using a rotated one revokes the whole family, so refreshes from
// several tabs are serialised with a Web Lock (the cookie is shared by all of them).

import { request, upload as uploadRequest, GraphQLError } from './http.js?v=74a064c5e3';

const ACCESS_KEY = 'blackroad.access';
const HINT_KEY = 'blackroad.signedIn';
const RENEW_BEFORE_MS = 60_000;

const ME = `query Me { me { id username fullName email isAdmin primaryWallet { address } } }`;
const AUTH_FIELDS = `accessToken refreshToken expiresIn`;

let access = null; // { token, expiresAt }
let user = null;
let renewTimer = 0;
let refreshing = null;
const events = new EventTarget();

/** Listen to 'signedin', 'signedout', 'user' (profile reloaded) and 'token' (a renewed access token). Returns an unsubscribe. */
export function on(type, fn) {
  events.addEventListener(type, fn);
  return () => events.removeEventListener(type, fn);
}

export const token = () => access?.token ?? null;
export const currentUser = () => user;

function emit(type) {
  events.dispatchEvent(new Event(type));
}

function setAccess(tok, expiresInSecs) {
  access = { token: tok, expiresAt: Date.now() + expiresInSecs * 1000 };
  try {
    sessionStorage.setItem(ACCESS_KEY, JSON.stringify(access));
  } catch {
    // storage disabled: the session lasts as long as the page
  }
  scheduleRenewal();
}

function scheduleRenewal() {
  clearTimeout(renewTimer);
  if (!access) return;
  const wait = Math.max(5_000, access.expiresAt - Date.now() - RENEW_BEFORE_MS);
  renewTimer = setTimeout(() => refresh().catch(() => {}), wait);
}

// A laptop waking from sleep runs late timers late: check on return to the tab.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && access && access.expiresAt - Date.now() < RENEW_BEFORE_MS) {
    refresh().catch(() => {});
  }
});

function clearLocal() {
  const wasSignedIn = user !== null || access !== null;
  clearTimeout(renewTimer);
  access = null;
  user = null;
  try {
    sessionStorage.removeItem(ACCESS_KEY);
    localStorage.removeItem(HINT_KEY);
  } catch {}
  if (wasSignedIn) emit('signedout');
}

function withLock(fn) {
  return navigator.locks ? navigator.locks.request('blackroad-auth-refresh', fn) : fn();
}

// One POST /api/auth/refresh, from the cookie or (right after sign-in) from a body token.
async function exchange(refreshToken) {
  const init = { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (refreshToken) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify({ refresh_token: refreshToken });
  }
  let res;
  try {
    res = await fetch('/api/auth/refresh', init);
  } catch {
    throw new GraphQLError([{ message: 'network error' }]);
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const e = body?.error || {};
    throw new GraphQLError([{ message: e.message || `HTTP ${res.status}`, extensions: { code: e.code || `HTTP_${res.status}` } }], res.status);
  }
  return body; // { access_token, refresh_token, token_type, expires_in }
}

/**
 * Renews the access token from the cookie. Concurrent callers share one request. A refusal
 * (400/401/403: no cookie, expired or revoked) ends the session; a network error or 429 does not.
 */
export function refresh() {
  refreshing ??= withLock(async () => {
    try {
      const pair = await exchange(null);
      setAccess(pair.access_token, pair.expires_in);
      try {
        localStorage.setItem(HINT_KEY, '1');
      } catch {}
      emit('token');
      return pair.access_token;
    } catch (e) {
      if ([400, 401, 403].includes(e.status)) clearLocal();
      throw e;
    }
  }).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/**
 * Runs a query or mutation as the signed-in user. An UNAUTHENTICATED answer while we hold a
 * token means it expired or was revoked: refresh once and retry once.
 */
export async function gql(query, variables = {}, { signal } = {}) {
  const tok = token();
  try {
    return await request(query, variables, { token: tok, signal });
  } catch (e) {
    if (!(e instanceof GraphQLError) || e.code !== 'UNAUTHENTICATED' || !tok) throw e;
    if (token() === tok) await refresh(); // else another request renewed it meanwhile
    return request(query, variables, { token: token(), signal });
  }
}

/** An operation with files (see http.js upload), renewed once after UNAUTHENTICATED like gql(). */
export async function upload(query, variables, files, opts = {}) {
  const tok = token();
  try {
    return await uploadRequest(query, variables, files, { ...opts, token: tok });
  } catch (e) {
    if (!(e instanceof GraphQLError) || e.code !== 'UNAUTHENTICATED' || !tok) throw e;
    if (token() === tok) await refresh();
    return uploadRequest(query, variables, files, { ...opts, token: token() });
  }
}

/** GET of a protected resource (a file download) with the bearer token; resolves with the Response. */
export async function fetchAuthorized(url, { signal } = {}) {
  const get = () => fetch(url, { headers: token() ? { Authorization: `Bearer ${token()}` } : {}, credentials: 'same-origin', signal });
  const tok = token();
  let res = await get();
  if (res.status === 401 && tok) {
    if (token() === tok) await refresh();
    res = await get();
  }
  return res;
}

async function loadUser() {
  const data = await gql(ME);
  if (!data.me) throw new GraphQLError([{ message: 'not signed in', extensions: { code: 'UNAUTHENTICATED' } }]);
  user = data.me;
  return user;
}

/** Call once per page: resumes a session from this tab's token or from the cookie. */
export async function restore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(ACCESS_KEY) || 'null');
    if (saved?.token && saved.expiresAt - Date.now() > 10_000) {
      access = saved;
      scheduleRenewal();
    }
  } catch {}
  let hint = false;
  try {
    hint = localStorage.getItem(HINT_KEY) === '1';
  } catch {}
  if (!access && !hint) return null;
  try {
    if (!access) await refresh();
    await loadUser();
    emit('signedin');
    return user;
  } catch (e) {
    if (e instanceof GraphQLError && (e.code === 'UNAUTHENTICATED' || [400, 401, 403].includes(e.status))) {
      clearLocal();
      return null;
    }
    throw e; // server unreachable: let the page say so rather than pretend we are signed out
  }
}

async function start(payload) {
  // Trade the body's refresh token for the HttpOnly cookie (and a fresh pair).
  let tok = payload.accessToken;
  let expires = payload.expiresIn;
  try {
    const pair = await withLock(() => exchange(payload.refreshToken));
    tok = pair.access_token;
    expires = pair.expires_in;
    localStorage.setItem(HINT_KEY, '1');
  } catch {
    // No cookie: the session still works until the access token expires.
  }
  setAccess(tok, expires);
  await loadUser();
  emit('signedin');
  return user;
}

/** Signs in; a wrong password rejects with code UNAUTHENTICATED (shown inline by the caller). */
export async function signIn(login, password) {
  const data = await request(`mutation Login($input: LoginInput!) { login(input: $input) { ${AUTH_FIELDS} } }`, {
    input: { login, password },
  });
  return start(data.login);
}

export async function signUp({ username, email, password, fullName }) {
  const input = { username, email, password };
  if (fullName) input.fullName = fullName;
  const data = await request(`mutation Register($input: RegisterInput!) { register(input: $input) { ${AUTH_FIELDS} } }`, { input });
  return start(data.register);
}

/**
 * Signs this session out (not the user's other devices): the cookie's refresh token is the only
 * handle on this session, so rotate it once to learn it, then revoke it with `logout`.
 */
export async function signOut() {
  try {
    const pair = await withLock(() => exchange(null));
    await request(`mutation Logout($input: LogoutInput) { logout(input: $input) }`, { input: { refreshToken: pair.refresh_token } }, { token: pair.access_token });
  } catch {
    // Already expired or revoked, or offline: forgetting it locally is all that is left to do.
  }
  clearLocal();
}

/** Reloads the viewer (after a profile change, say). */
export const reloadUser = () => loadUser().then((u) => (emit("user"), u));
