// Prism, the admin console at /prism. Anyone not signed in gets the sign-in card; a signed-in
// non-admin gets FORBIDDEN (the server enforces it too: `events` and `auditEvents` refuse
// non-admins); an admin gets the panels listed in panels/index.js.

import { h, replace, displayName } from '../app/dom.js?v=38f9f19094';
import { describeError, GraphQLError } from '../app/http.js?v=74a064c5e3';
import * as session from '../app/session.js?v=d12d3c08e2';
import * as socket from '../app/socket.js?v=d34a241c4e';
import { renderSignIn } from '../app/signin.js?v=fe3102f10a';
import panels from './panels/index.js?v=354310b507';

const root = document.getElementById('app');
let teardown = [];

function reset() {
  for (const fn of teardown.splice(0)) fn();
  replace(root);
}

function bar(user) {
  const out = h('button', { type: 'button', class: 'sign-out', onclick: () => session.signOut() }, 'Sign out');
  return h('header', { class: 'prism-bar' }, h('h1', {}, 'Prism'), h('a', { href: '/' }, 'Desktop'), h('span', { class: 'user-name' }, displayName(user)), out);
}

function showSignIn() {
  reset();
  document.body.dataset.screen = 'signin';
  renderSignIn(root, { heading: 'Prism console', note: 'Administrators only. Sign in with an admin account.' });
}

function showForbidden(user) {
  reset();
  document.body.dataset.screen = 'forbidden';
  root.append(
    bar(user),
    h('div', { class: 'auth-card forbidden', role: 'alert' }, h('h2', {}, 'FORBIDDEN'), h('p', {}, `This console is for administrators, and ${displayName(user)} is not one.`), h('p', {}, h('a', { href: '/' }, 'Back to the desktop'))),
  );
}

// A FORBIDDEN answer in the console means the rights were taken away meanwhile (the server
// also closes this page's socket then, and re-subscribing is refused): re-read the account
// and, if it is no longer an admin, show FORBIDDEN instead of panels that can only fail.
let checking = false;
function recheckRights(err) {
  if (checking || !(err instanceof GraphQLError) || err.code !== 'FORBIDDEN') return;
  checking = true;
  session.reloadUser().then(
    (u) => {
      checking = false;
      if (!u?.isAdmin) route();
    },
    () => (checking = false),
  );
}

function showConsole(user) {
  reset();
  document.body.dataset.screen = 'console';
  const controller = new AbortController();
  const stops = [];
  teardown.push(() => controller.abort(), () => stops.splice(0).forEach((s) => s()));

  const tabs = h('nav', { class: 'prism-tabs', role: 'tablist' });
  const area = h('main');
  root.append(bar(user), tabs, area);
  const mounted = new Map();

  function ctxFor(body) {
    return {
      body,
      signal: controller.signal,
      describeError,
      gql: (q, v) =>
        session.gql(q, v, { signal: controller.signal }).catch((e) => {
          if (e.name === 'AbortError') return new Promise(() => {});
          recheckRights(e);
          return Promise.reject(e);
        }),
      subscribe(q, v, { next, error, restarted }) {
        const failed = (e) => (recheckRights(e), error?.(e));
        const stop = socket.subscribe(q, v, {
          next: (r) => {
            if (r.errors?.length) failed(new GraphQLError(r.errors));
            if (r.data) next(r.data);
          },
          error: failed,
          restarted,
        });
        stops.push(stop);
        return stop;
      },
    };
  }

  function select(panel) {
    for (const b of tabs.children) b.setAttribute('aria-selected', String(b.dataset.panel === panel.id));
    for (const [id, el] of mounted) el.hidden = id !== panel.id;
    if (!mounted.has(panel.id)) {
      // Mounted on first view and kept: a live stream keeps collecting while another tab shows.
      const body = h('section', { class: 'prism-panel', role: 'tabpanel', dataset: { panel: panel.id } });
      mounted.set(panel.id, body);
      area.append(body);
      panel.mount(ctxFor(body));
    }
  }
  for (const p of panels) tabs.append(h('button', { type: 'button', role: 'tab', dataset: { panel: p.id }, onclick: () => select(p) }, p.title));
  select(panels[0]);
}

function route() {
  const user = session.currentUser();
  if (!user) showSignIn();
  else if (!user.isAdmin) showForbidden(user);
  else showConsole(user);
}

session.on('signedin', route);
session.on('signedout', route);
session.restore().then(
  (user) => user || route(),
  (e) => {
    reset();
    root.append(h('p', { class: 'auth-card forbidden', role: 'alert' }, describeError(e)));
  },
);
