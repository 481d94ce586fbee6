// One graphql-transport-ws socket per page, shared by every window's subscriptions.
//
// Hand-written rather than the graphql-ws client because this server renews a socket's token
// with a `ping` whose payload carries the new token (graphql-ws sends pings without payload and
// treats 4401 as fatal). The socket opens with the first subscription and closes with the last;
// after a drop it reconnects with exponential backoff and re-sends every live subscription,
// then tells each one (`restarted`) so its window can re-read what it may have missed.

import * as session from './session.js?v=d12d3c08e2';
import { GraphQLError } from './http.js?v=74a064c5e3';

const PROTOCOL = 'graphql-transport-ws';
const MAX_BACKOFF_MS = 30_000;

const subs = new Map(); // id -> { payload, sink, started }
const events = new EventTarget();
let ws = null;
let acked = false;
let attempt = 0;
let retryTimer = 0;
let nextId = 1;
let state = 'offline'; // offline | connecting | online | reconnecting

export const status = () => state;

/** Listen to socket state changes ('status' events); returns an unsubscribe. */
export function onStatus(fn) {
  events.addEventListener('status', fn);
  return () => events.removeEventListener('status', fn);
}

function setState(s) {
  if (s === state) return;
  state = s;
  events.dispatchEvent(new Event('status'));
}

/**
 * Starts a subscription. `sink.next(result)` gets each execution result ({data, errors}),
 * `sink.error(GraphQLError)` ends it, `sink.restarted()` follows a reconnect. Returns a
 * function that ends it.
 */
export function subscribe(query, variables, sink) {
  const id = String(nextId++);
  const entry = { payload: { query, variables }, sink, started: false };
  subs.set(id, entry);
  if (acked) start(id, entry);
  else connect();
  return () => {
    if (!subs.delete(id)) return;
    if (acked) send({ id, type: 'complete' });
    if (subs.size === 0) closeSocket();
  };
}

function url() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
}

function send(msg) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

function authPayload() {
  const t = session.token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

function start(id, entry) {
  send({ id, type: 'subscribe', payload: entry.payload });
  if (entry.started) entry.sink.restarted?.();
  entry.started = true;
}

function connect() {
  clearTimeout(retryTimer);
  retryTimer = 0;
  if (ws) return;
  setState(attempt ? 'reconnecting' : 'connecting');
  const sock = new WebSocket(url(), PROTOCOL);
  ws = sock;
  sock.onopen = () => sock.send(JSON.stringify({ type: 'connection_init', payload: authPayload() }));
  sock.onmessage = (ev) => sock === ws && onMessage(ev);
  sock.onclose = (ev) => sock === ws && onClose(ev);
}

function onMessage(ev) {
  let msg;
  try {
    msg = JSON.parse(ev.data);
  } catch {
    return;
  }
  const entry = msg.id ? subs.get(msg.id) : null;
  switch (msg.type) {
    case 'connection_ack':
      acked = true;
      attempt = 0;
      setState('online');
      for (const [id, e] of subs) start(id, e);
      break;
    case 'ping':
      send({ type: 'pong' });
      break;
    case 'next':
      entry?.sink.next?.(msg.payload);
      break;
    case 'error': // the operation is over; nothing follows an error
      if (entry) {
        subs.delete(msg.id);
        entry.sink.error?.(new GraphQLError(Array.isArray(msg.payload) ? msg.payload : [{ message: 'subscription failed' }]));
      }
      break;
    case 'complete':
      if (entry) {
        subs.delete(msg.id);
        entry.sink.complete?.();
      }
      break;
  }
}

function onClose(ev) {
  ws = null;
  acked = false;
  if (subs.size === 0) return setState('offline');
  attempt += 1;
  // 4401: our token expired; 4403: it was refused. Renew it (a refusal ends the session, and
  // signing out closes the windows and so these subscriptions), then reconnect: at once the
  // first time, with backoff after that so a token the server keeps refusing cannot spin.
  if ((ev.code === 4401 || ev.code === 4403) && session.token()) {
    setState('reconnecting');
    session.refresh().then(
      () => (attempt === 1 ? connect() : retryLater()),
      () => retryLater(),
    );
    return;
  }
  retryLater();
}

function retryLater() {
  if (ws || retryTimer || subs.size === 0) return;
  setState('reconnecting');
  const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.max(0, attempt - 1));
  retryTimer = setTimeout(connect, base * (0.5 + Math.random() / 2)); // jitter spreads a herd
}

// Closing a socket that is still connecting makes Chrome log an error; let it open first.
function dispose(sock) {
  if (!sock) return;
  sock.onmessage = sock.onclose = null;
  if (sock.readyState === WebSocket.CONNECTING) sock.onopen = () => sock.close(1000);
  else sock.close(1000);
}

function closeSocket() {
  clearTimeout(retryTimer);
  retryTimer = 0;
  dispose(ws);
  ws = null;
  acked = false;
  attempt = 0;
  setState('offline');
}

// A renewed token goes to the server on the open socket, before the old one expires.
session.on('token', () => acked && send({ type: 'ping', payload: authPayload() }));

// Another user (or nobody): the socket's identity is fixed at connection_init, so start over.
// Reconnect a tick later: on sign-out the windows end their subscriptions in this same
// dispatch, and then there is nothing left to reconnect for.
function restart() {
  closeSocket();
  for (const e of subs.values()) e.started = false;
  queueMicrotask(() => subs.size && connect());
}
session.on('signedin', restart);
session.on('signedout', restart);
