// Audit events: the live stream (`auditEvents(action:)`) and the log (`events`, paged).
// Rows are built with textContent only: event data holds user-chosen strings (login names…).

import { h, replace, formatTime } from '../../app/dom.js?v=38f9f19094';

const EVENT_FIELDS = `id action actor { username } subjectType subjectId requestId ip data createdAt`;
const LIVE = `subscription PrismAudit($action: String) { auditEvents(action: $action) { ${EVENT_FIELDS} } }`;
const LOG = `query PrismEvents($first: Int, $after: String, $action: String, $actor: String, $since: DateTime, $until: DateTime) {
  events(first: $first, after: $after, action: $action, actor: $actor, since: $since, until: $until) {
    nodes { ${EVENT_FIELDS} } pageInfo { hasNextPage endCursor } } }`;
const MAX_LIVE_ROWS = 500; // the live table is a window on the stream, not an archive

const HEAD = ['Time', 'Action', 'Actor', 'Subject', 'IP', 'Request', 'Data'];

function eventRow(e) {
  return h(
    'tr',
    { dataset: { id: e.id, action: e.action } },
    h('td', {}, formatTime(e.createdAt)),
    h('td', {}, h('code', {}, e.action)),
    h('td', {}, e.actor ? `@${e.actor.username}` : '—'),
    h('td', {}, e.subjectId ? `${e.subjectType} ${e.subjectId}` : e.subjectType),
    h('td', {}, e.ip || '—'),
    h('td', {}, h('code', { class: 'small' }, e.requestId || '—')),
    h('td', {}, h('code', { class: 'small' }, JSON.stringify(e.data))),
  );
}

const table = (tbody) => h('table', { class: 'events' }, h('thead', {}, h('tr', {}, HEAD.map((t) => h('th', { scope: 'col' }, t)))), tbody);

export const live = {
  id: 'live',
  title: 'Live audit',
  mount(ctx) {
    const action = h('input', { name: 'action', placeholder: 'all actions, or e.g. wallet.transfer' });
    const apply = h('button', { type: 'submit', class: 'primary' }, 'Follow');
    const pause = h('button', { type: 'button', 'aria-pressed': 'false' }, 'Pause');
    const clear = h('button', { type: 'button' }, 'Clear');
    const state = h('span', { class: 'muted live-state', role: 'status' });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const rows = h('tbody');
    const form = h('form', { class: 'filters' }, h('label', {}, 'Action', action), apply, pause, clear, state);
    replace(ctx.body, form, error, table(rows));

    let stop = null;
    let paused = false;
    function follow() {
      stop?.();
      rows.replaceChildren(); // a new filter starts a new view of the stream
      error.hidden = true;
      const a = action.value.trim() || null;
      state.textContent = a ? `Following ${a}` : 'Following all actions';
      stop = ctx.subscribe(LIVE, { action: a }, {
        next: ({ auditEvents: e }) => {
          if (paused) return;
          rows.prepend(eventRow(e));
          while (rows.children.length > MAX_LIVE_ROWS) rows.lastElementChild.remove();
        },
        error: (e) => {
          error.textContent = `Live audit stopped: ${ctx.describeError(e)}`;
          error.hidden = false;
          state.textContent = 'Stopped';
        },
      });
    }
    form.addEventListener('submit', (e) => (e.preventDefault(), follow()));
    pause.addEventListener('click', () => {
      paused = !paused;
      pause.textContent = paused ? 'Resume' : 'Pause';
      pause.setAttribute('aria-pressed', String(paused));
    });
    clear.addEventListener('click', () => rows.replaceChildren());
    follow();
  },
};

export const log = {
  id: 'log',
  title: 'Audit log',
  mount(ctx) {
    const f = {
      action: h('input', { name: 'action', placeholder: 'e.g. auth.login_failed' }),
      actor: h('input', { name: 'actor', placeholder: 'username' }),
      since: h('input', { name: 'since', type: 'datetime-local', step: 1 }),
      until: h('input', { name: 'until', type: 'datetime-local', step: 1 }),
    };
    const search = h('button', { type: 'submit', class: 'primary' }, 'Search');
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const rows = h('tbody');
    const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Older events');
    const form = h('form', { class: 'filters' }, h('label', {}, 'Action', f.action), h('label', {}, 'Actor', f.actor), h('label', {}, 'Since', f.since), h('label', {}, 'Until', f.until), search);
    replace(ctx.body, form, error, table(rows), more);

    let cursor = null;
    const iso = (input) => (input.value ? new Date(input.value).toISOString() : null); // local time -> UTC

    async function load(append) {
      error.hidden = true;
      search.disabled = more.disabled = true;
      try {
        const { events } = await ctx.gql(LOG, {
          first: 50,
          after: append ? cursor : null,
          action: f.action.value.trim() || null,
          actor: f.actor.value.trim() || null,
          since: iso(f.since),
          until: iso(f.until),
        });
        if (!append) rows.replaceChildren();
        rows.append(...events.nodes.map(eventRow));
        if (!rows.children.length) rows.append(h('tr', {}, h('td', { colspan: HEAD.length, class: 'muted' }, 'No events match.')));
        cursor = events.pageInfo.endCursor;
        more.hidden = !events.pageInfo.hasNextPage;
      } catch (e) {
        error.textContent = ctx.describeError(e);
        error.hidden = false;
      } finally {
        search.disabled = more.disabled = false;
      }
    }
    form.addEventListener('submit', (e) => (e.preventDefault(), load(false)));
    more.addEventListener('click', () => load(true));
    load(false);
  },
};
