// GraphQL over HTTP: one POST to /graphql, and the mapping from `extensions.code` to a message
// a person can act on. No session logic here (that is session.js), so every page can use it.

export const ENDPOINT = '/graphql';

/** An error answered by the server (or the network), carrying the first error's code. */
export class GraphQLError extends Error {
  constructor(errors, status = 0) {
    const first = errors[0] || {};
    super(first.message || 'request failed');
    this.name = 'GraphQLError';
    this.errors = errors;
    this.status = status;
    this.code = first.extensions?.code || (status ? `HTTP_${status}` : 'NETWORK');
    this.field = first.extensions?.field || null;
    this.requestId = first.extensions?.requestId || null;
    this.limit = first.extensions?.limit || null; // which configured limit refused it
  }
}

// Codes whose server message is written for people (the design says `message` is safe to show)
// and more specific than anything we could say: "username is already taken", …
const SERVER_WORDS = new Set(['BAD_USER_INPUT', 'CONFLICT', 'NOT_FOUND', 'INSUFFICIENT_FUNDS']);

const HUMAN = {
  UNAUTHENTICATED: 'You are not signed in, or your session has ended. Please sign in again.',
  FORBIDDEN: 'You are not allowed to do that.',
  BAD_USER_INPUT: 'Please check what you entered.',
  NOT_FOUND: 'That does not exist.',
  CONFLICT: 'That is already taken.',
  RATE_LIMITED: 'Too many requests. Please wait a moment and try again.',
  INSUFFICIENT_FUNDS: 'Not enough funds for this amount and fee.',
  SERVICE_UNAVAILABLE: 'The server is busy. Please try again in a moment.',
  INTERNAL: 'Something went wrong on the server.',
  BAD_REQUEST: 'The server refused the request.',
  GRAPHQL_VALIDATION_FAILED: 'This page and the server disagree about the API. Reload the page.',
  GRAPHQL_PARSE_FAILED: 'This page sent a malformed request. Reload the page.',
  NETWORK: 'Cannot reach the server. Check your connection and try again.',
  AI_NOT_CONFIGURED: 'The AI assistant is not set up on this server.',
  AI_UNAVAILABLE: 'The AI assistant did not answer. Please try again.',
};

// Requests refused by a configured limit (`extensions.limit`), whatever their code.
const LIMITS = {
  storageQuota: 'Not enough storage left for that file.',
  uploadSize: 'That file is larger than the server accepts.',
  bodySize: 'That is larger than the server accepts.',
};

/** The words for a configured limit (`storageQuota`, …), for a refusal made before asking. */
export const describeLimit = (limit) => LIMITS[limit];

/** The message to show for any error thrown by request() (or anything else). */
export function describeError(err) {
  if (!(err instanceof GraphQLError)) return HUMAN.NETWORK;
  if (err.limit && LIMITS[err.limit]) return LIMITS[err.limit];
  if (SERVER_WORDS.has(err.code) && err.message) return capitalise(err.message);
  if (err.code === 'INTERNAL' && err.requestId) return `${HUMAN.INTERNAL} (request ${err.requestId})`;
  return HUMAN[err.code] || `${HUMAN.BAD_REQUEST} (${err.code})`;
}

function capitalise(s) {
  return s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
}

/**
 * Runs one operation. Resolves with `data`; rejects with a GraphQLError when the answer has
 * errors (the first one decides the code), or with code NETWORK when the server is unreachable.
 */
export async function request(query, variables = {}, { token = null, signal } = {}) {
  const headers = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
  };
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(ENDPOINT, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new GraphQLError([{ message: 'network error' }]);
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // 413/429/503 from a proxy, or an HTML error page: no GraphQL body.
  }
  if (body?.errors?.length) throw new GraphQLError(body.errors, res.status);
  if (!res.ok || !body || body.data == null) {
    const code = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 429: 'RATE_LIMITED', 503: 'SERVICE_UNAVAILABLE' }[res.status];
    throw new GraphQLError([{ message: `HTTP ${res.status}`, extensions: code ? { code } : {} }], res.status);
  }
  return body.data;
}

/**
 * One operation with files, per the GraphQL multipart request spec, through XMLHttpRequest so
 * the upload reports progress. `files` maps a variable path ("input.file") to a File/Blob.
 * The `apollo-require-preflight` header is what lets the server accept a multipart request
 * (a plain HTML form cannot send it, so the CSRF protection stays).
 * `onProgress(loaded, total)` follows the upload. Resolves/rejects like request().
 */
export function upload(query, variables, files, { token = null, signal, onProgress } = {}) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    const vars = structuredClone(variables);
    const map = {};
    Object.keys(files).forEach((path, i) => {
      map[String(i)] = [`variables.${path}`];
      const keys = path.split('.');
      let o = vars;
      for (const k of keys.slice(0, -1)) o = o[k];
      o[keys.at(-1)] = null;
    });
    form.append('operations', JSON.stringify({ query, variables: vars }));
    form.append('map', JSON.stringify(map));
    Object.values(files).forEach((file, i) => form.append(String(i), file, file.name || 'file'));

    const xhr = new XMLHttpRequest();
    xhr.open('POST', ENDPOINT);
    xhr.setRequestHeader('apollo-require-preflight', 'true');
    xhr.setRequestHeader('Accept', 'application/graphql-response+json, application/json');
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : 0);
    xhr.onerror = () => reject(new GraphQLError([{ message: 'network error' }]));
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {}
      if (body?.errors?.length) return reject(new GraphQLError(body.errors, xhr.status));
      if (xhr.status < 200 || xhr.status >= 300 || !body || body.data == null) {
        const code = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 413: 'BAD_REQUEST', 429: 'RATE_LIMITED', 503: 'SERVICE_UNAVAILABLE' }[xhr.status];
        const extensions = code ? { code, ...(xhr.status === 413 ? { limit: 'uploadSize' } : {}) } : {};
        return reject(new GraphQLError([{ message: `HTTP ${xhr.status}`, extensions }], xhr.status));
      }
      resolve(body.data);
    };
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(form);
  });
}
