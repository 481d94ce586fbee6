// The window manager: desktop icons, windows (open, drag by the title bar, focus/raise,
// minimise, close), a taskbar listing them, and the context each app's window gets.
//
// An app is a plain object (see apps/index.js):
//   { id, title, glyph, size: { w, h }, mount(ctx) -> { update?(params) } | undefined }
// `ctx` owns everything a window starts: its requests are aborted, its subscriptions ended and
// its timers cleared when the window closes, so an app cannot leak a loop or a socket listener.

import { h, replace, displayName } from './dom.js?v=38f9f19094';
import { describeError, GraphQLError } from './http.js?v=74a064c5e3';
import * as session from './session.js?v=d12d3c08e2';
import * as socket from './socket.js?v=d34a241c4e';

const PHONE = window.matchMedia('(max-width: 600px)');
const STATUS_TEXT = { online: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…', offline: 'Idle' };

export function createDesktop(root, apps) {
  const byId = new Map(apps.map((a) => [a.id, a]));
  const windows = new Map(); // app id -> window record
  const stops = []; // desktop-level listeners to remove on destroy
  let z = 10;
  let opened = 0;

  const surface = h('main', { class: 'desktop', 'aria-label': 'Desktop' });
  const icons = h(
    'nav',
    { class: 'icons', 'aria-label': 'Apps' },
    apps.map((a) =>
      h('button', { class: 'icon', type: 'button', dataset: { app: a.id }, onclick: () => open(a.id) }, h('span', { class: `glyph glyph-${a.id}`, 'aria-hidden': 'true' }, a.glyph), h('span', { class: 'icon-label' }, a.title)),
    ),
  );
  surface.append(icons);

  // ---- taskbar ----
  const tasks = h('ul', { class: 'tasks', 'aria-label': 'Open windows' });
  const statusEl = h('span', { class: 'socket-status', role: 'status', title: 'Live updates' });
  const userName = h('span', { class: 'user-name' });
  const menu = h('div', { class: 'start-menu', hidden: true, role: 'menu' });
  const startBtn = h('button', { class: 'start', type: 'button', 'aria-haspopup': 'menu', 'aria-expanded': 'false', onclick: () => toggleMenu() }, 'BlackRoad');
  const tray = h('div', { class: 'tray' });
  const taskbar = h('footer', { class: 'taskbar' }, startBtn, menu, tasks, tray, statusEl, userName);
  const toasts = h('div', { class: 'toasts', 'aria-live': 'polite' });
  root.append(surface, taskbar, toasts);

  function renderMenu() {
    const user = session.currentUser();
    replace(
      menu,
      apps.map((a) => h('button', { type: 'button', role: 'menuitem', dataset: { app: a.id }, onclick: () => (toggleMenu(false), open(a.id)) }, a.title)),
      h('hr'),
      h('a', { role: 'menuitem', href: '/graphiql', target: '_blank', rel: 'noopener' }, 'GraphiQL'),
      user?.isAdmin && h('a', { role: 'menuitem', href: '/prism/', target: '_blank', rel: 'noopener' }, 'Prism console'),
      h('button', { type: 'button', role: 'menuitem', class: 'sign-out', onclick: () => (toggleMenu(false), session.signOut()) }, 'Sign out'),
    );
  }
  function toggleMenu(show = menu.hidden) {
    if (show) renderMenu();
    menu.hidden = !show;
    startBtn.setAttribute('aria-expanded', String(show));
  }
  const closeMenuOutside = (e) => !menu.hidden && !menu.contains(e.target) && e.target !== startBtn && toggleMenu(false);
  const closeMenuOnEscape = (e) => e.key === 'Escape' && !menu.hidden && (toggleMenu(false), startBtn.focus());
  document.addEventListener('pointerdown', closeMenuOutside);
  document.addEventListener('keydown', closeMenuOnEscape);
  stops.push(() => document.removeEventListener('pointerdown', closeMenuOutside), () => document.removeEventListener('keydown', closeMenuOnEscape));

  const showUser = () => {
    userName.textContent = displayName(session.currentUser());
  };
  showUser();
  stops.push(session.on('user', showUser));

  const showStatus = () => {
    statusEl.dataset.state = socket.status();
    statusEl.textContent = STATUS_TEXT[socket.status()];
  };
  showStatus();
  stops.push(socket.onStatus(showStatus));

  // ---- tray: apps that keep a live badge while the desktop is up (notifications) ----
  // `app.tray(ctx)` gets gql/subscribe/open and setBadge(n); its subscriptions end with the desktop.
  for (const app of apps.filter((a) => a.tray)) {
    const count = h('span', { class: 'tray-count', hidden: true });
    const btn = h('button', { type: 'button', class: 'tray-item', dataset: { app: app.id }, 'aria-label': app.title, title: app.title, onclick: () => open(app.id) }, h('span', { 'aria-hidden': 'true' }, app.glyph), count);
    tray.append(btn);
    const controller = new AbortController();
    stops.push(() => controller.abort());
    const stopFns = [];
    stops.push(() => stopFns.splice(0).forEach((f) => f()));
    try {
      app.tray({
        gql: (query, variables) =>
          session.gql(query, variables, { signal: controller.signal }).catch((e) => {
            if (e.name === 'AbortError' || controller.signal.aborted) return new Promise(() => {});
            throw e;
          }),
        subscribe(query, variables, { next, error, restarted }) {
          const stop = socket.subscribe(query, variables, {
            next: (result) => {
              if (result.errors?.length) error?.(new GraphQLError(result.errors));
              if (result.data) next(result.data);
            },
            error: (e) => error?.(e),
            restarted: () => restarted?.(),
          });
          stopFns.push(stop);
          return stop;
        },
        setBadge(n) {
          count.hidden = !n;
          count.textContent = n > 99 ? '99+' : String(n || 0);
          btn.dataset.count = String(n || 0);
          btn.setAttribute('aria-label', n ? `${app.title}: ${n} unread` : app.title);
        },
        open: (id, p) => open(id, p),
        toast: (t) => toast(t),
      });
    } catch (err) {
      console.warn(err);
    }
  }

  const toastTimers = new Set();
  stops.push(() => toastTimers.forEach(clearTimeout));
  function toast(text) {
    const t = h('div', { class: 'toast' }, text);
    toasts.append(t);
    const timer = setTimeout(() => (t.remove(), toastTimers.delete(timer)), 4000);
    toastTimers.add(timer);
  }

  // ---- windows ----
  function open(id, params = {}) {
    const app = byId.get(id);
    if (!app) throw new Error(`no app ${id}`);
    const existing = windows.get(id);
    if (existing) {
      focus(existing);
      existing.instance?.update?.(params);
      return;
    }
    const titleId = `wt-${id}`;
    const title = h('h2', { id: titleId }, app.title);
    const body = h('div', { class: 'window-body' });
    const minBtn = h('button', { class: 'win-min', type: 'button', 'aria-label': `Minimise ${app.title}`, title: 'Minimise' }, '–');
    const closeBtn = h('button', { class: 'win-close', type: 'button', 'aria-label': `Close ${app.title}`, title: 'Close' }, '×');
    const bar = h('header', { class: 'titlebar' }, h('span', { class: `glyph glyph-${id}`, 'aria-hidden': 'true' }, app.glyph), title, minBtn, closeBtn);
    const el = h('section', { class: 'window', role: 'dialog', 'aria-labelledby': titleId, dataset: { app: id } }, bar, body);

    const { w = 480, h: height = 520 } = app.size || {};
    const area = surface.getBoundingClientRect();
    const step = (opened++ % 8) * 28;
    el.style.width = `${Math.min(w, area.width - 16)}px`;
    el.style.height = `${Math.min(height, area.height - 16)}px`;
    el.style.left = `${Math.max(0, Math.min(120 + step, area.width - w))}px`;
    el.style.top = `${Math.max(0, Math.min(24 + step, area.height - height))}px`;

    const taskBtn = h('button', { type: 'button', class: 'task', dataset: { app: id }, onclick: () => (rec.active && !el.hidden ? minimise(rec) : focus(rec)) }, app.title);
    const rec = { id, app, el, title, taskBtn, taskItem: h('li', {}, taskBtn), cleanups: [], controller: new AbortController(), active: false, instance: null };
    windows.set(id, rec);
    tasks.append(rec.taskItem);
    surface.append(el);

    closeBtn.addEventListener('click', () => close(id));
    minBtn.addEventListener('click', () => minimise(rec));
    el.addEventListener('pointerdown', () => focus(rec), true);
    el.addEventListener('focusin', () => rec.active || focus(rec));
    bar.addEventListener('pointerdown', (e) => startDrag(e, rec, bar));
    focus(rec);

    try {
      rec.instance = app.mount(makeContext(rec, body, params)) || null;
    } catch (err) {
      console.warn(err); // a bug in one app must not take the desktop down
      replace(body, h('p', { class: 'error', role: 'alert' }, `This window failed to start: ${err.message}`));
    }
    return rec;
  }

  function makeContext(rec, body, params) {
    const { signal } = rec.controller;
    return {
      body,
      params,
      user: () => session.currentUser(),
      setTitle: (t) => {
        rec.title.textContent = t;
        rec.taskBtn.textContent = t;
      },
      // A closed window's requests are aborted; their promises then never settle, so apps need
      // no "am I still open?" checks after every await.
      gql: (query, variables) =>
        session.gql(query, variables, { signal }).catch((e) => {
          if (e.name === 'AbortError' || signal.aborted) return new Promise(() => {});
          throw e;
        }),
      subscribe(query, variables, { next, error, restarted }) {
        const stop = socket.subscribe(query, variables, {
          next: (result) => {
            if (result.errors?.length) error?.(new GraphQLError(result.errors));
            if (result.data) next(result.data);
          },
          error: (e) => error?.(e),
          restarted: () => restarted?.(),
        });
        rec.cleanups.push(stop);
        return stop;
      },
      // Multipart upload with progress (GraphQL multipart request spec); aborted on close.
      upload: (query, variables, files, { onProgress } = {}) =>
        session.upload(query, variables, files, { signal, onProgress }).catch((e) => {
          if (e.name === 'AbortError' || signal.aborted) return new Promise(() => {});
          throw e;
        }),
      // GET with the bearer token (file downloads); resolves with the Response.
      fetch: (url) => session.fetchAuthorized(url, { signal }),
      setTimeout(fn, ms) {
        const id = setTimeout(fn, ms);
        rec.cleanups.push(() => clearTimeout(id));
        return id;
      },
      onClose: (fn) => rec.cleanups.push(fn),
      open: (id, p) => open(id, p),
      has: (id) => byId.has(id), // is that window on this desktop?
      close: () => close(rec.id),
      toast,
      describeError,
    };
  }

  function startDrag(e, rec, bar) {
    if (e.button !== 0 || e.target.closest('button') || PHONE.matches) return;
    e.preventDefault();
    const { el } = rec;
    const x0 = e.clientX - el.offsetLeft;
    const y0 = e.clientY - el.offsetTop;
    bar.setPointerCapture(e.pointerId);
    const move = (ev) => {
      const area = surface.getBoundingClientRect();
      // Keep the title bar reachable: at least 80 px of it inside the desktop, never above it.
      const x = Math.min(Math.max(ev.clientX - x0, 80 - el.offsetWidth), area.width - 80);
      const y = Math.min(Math.max(ev.clientY - y0, 0), area.height - 32);
      el.style.left = `${x}px`;
      el.style.top = `${y}px`;
    };
    const end = () => {
      bar.removeEventListener('pointermove', move);
      bar.removeEventListener('pointerup', end);
      bar.removeEventListener('pointercancel', end);
      el.classList.remove('dragging');
    };
    el.classList.add('dragging');
    bar.addEventListener('pointermove', move);
    bar.addEventListener('pointerup', end);
    bar.addEventListener('pointercancel', end);
  }

  function focus(rec) {
    rec.el.hidden = false;
    rec.el.style.zIndex = String(++z);
    for (const r of windows.values()) {
      r.active = r === rec;
      r.el.classList.toggle('active', r.active);
      r.taskBtn.setAttribute('aria-pressed', String(r.active));
    }
  }

  function focusTopmost() {
    const visible = [...windows.values()].filter((r) => !r.el.hidden);
    visible.sort((a, b) => Number(b.el.style.zIndex) - Number(a.el.style.zIndex));
    if (visible[0]) focus(visible[0]);
  }

  function minimise(rec) {
    rec.el.hidden = true;
    rec.active = false;
    rec.el.classList.remove('active');
    rec.taskBtn.setAttribute('aria-pressed', 'false');
    focusTopmost();
  }

  function close(id) {
    const rec = windows.get(id);
    if (!rec) return;
    windows.delete(id);
    rec.controller.abort();
    for (const fn of rec.cleanups.splice(0)) {
      try {
        fn();
      } catch (e) {
        console.warn(e);
      }
    }
    rec.el.remove();
    rec.taskItem.remove();
    focusTopmost();
  }

  return {
    open,
    close,
    destroy() {
      for (const id of [...windows.keys()]) close(id);
      for (const stop of stops.splice(0)) stop();
      surface.remove();
      taskbar.remove();
      toasts.remove();
    },
  };
}
