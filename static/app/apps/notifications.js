// Notifications: the viewer's notifications, newest first, live from `notificationAdded`, with
// "mark read" (one, or all). The taskbar keeps a badge with the unread count for the whole
// session (the `tray` part below), also live: no polling.

import { h, replace, formatTime } from '../dom.js?v=38f9f19094';

const FIELDS = `id kind title body isRead createdAt subject { __typename id }`;
const LIST = `query NotificationList($unreadOnly: Boolean, $after: String) {
  notifications(unreadOnly: $unreadOnly, first: 30, after: $after) { nodes { ${FIELDS} } pageInfo { hasNextPage endCursor } }
  unreadNotificationCount }`;
const COUNT = `query NotificationCount { unreadNotificationCount }`;
const MARK = `mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) }`;
const LIVE = `subscription NotificationLive { notificationAdded { ${FIELDS} } }`;
const BADGE_LIVE = `subscription NotificationBadge { notificationAdded { id } }`;

const KIND = {
  MAIL_RECEIVED: 'Mail',
  NEW_FOLLOWER: 'Follower',
  POST_LIKED: 'Like',
  POST_COMMENTED: 'Comment',
  TRANSFER_RECEIVED: 'Money',
  TRANSFER_CONFIRMED: 'Confirmed',
  JOB_FINISHED: 'Job',
};

// Where a notification's subject opens (by its GraphQL type).
const OPENS = {
  MailMessage: (s) => ['mail', { messageId: s.id }],
  Post: (s) => ['social', { postId: s.id }],
  Comment: () => ['social', {}],
  User: () => ['social', {}],
  Transaction: () => ['wallet', {}],
  Video: () => ['stream', {}],
  Job: () => ['miner', {}],
};

// The window and the badge talk through this: "the unread count may have changed".
const changes = new EventTarget();
const changed = () => changes.dispatchEvent(new Event('changed'));

export default {
  id: 'notifications',
  title: 'Notifications',
  glyph: 'N',
  size: { w: 460, h: 560 },

  // The taskbar badge: read the count once, then follow new notifications and read marks.
  tray(ctx) {
    let busy = false;
    let dirty = false;
    async function load() {
      if (busy) return void (dirty = true);
      busy = true;
      try {
        const { unreadNotificationCount: n } = await ctx.gql(COUNT);
        ctx.setBadge(n);
      } catch {
        // the badge is a hint; the window shows errors
      } finally {
        busy = false;
        if (dirty) {
          dirty = false;
          load();
        }
      }
    }
    ctx.subscribe(BADGE_LIVE, {}, { next: () => load(), restarted: () => load() });
    changes.addEventListener('changed', load);
    load();
  },

  mount(ctx) {
    let unreadOnly = false;
    let cursor = null;
    const rows = new Map(); // id -> { li, n }

    const filter = h('label', { class: 'inline' }, h('input', { type: 'checkbox', name: 'unreadOnly' }), ' Unread only');
    const markAll = h('button', { type: 'button', class: 'mark-all' }, 'Mark all read');
    const countEl = h('span', { class: 'unread-count muted', 'aria-live': 'polite' });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const list = h('ol', { class: 'notification-list', 'aria-label': 'Notifications' });
    const empty = h('p', { class: 'muted empty', hidden: true }, 'Nothing here yet.');
    const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Older');
    replace(ctx.body, h('div', { class: 'toolbar' }, filter, countEl, markAll), error, empty, list, more);

    const say = (text) => ((error.textContent = text), (error.hidden = !text));
    const showCount = (n) => {
      countEl.textContent = n ? `${n} unread` : 'All read';
      countEl.dataset.count = String(n);
    };

    function row(n) {
      let target = n.subject && OPENS[n.subject.__typename]?.(n.subject);
      if (target && !ctx.has(target[0])) target = null;
      const li = h(
        'li',
        { class: `notification ${n.isRead ? 'read' : 'unread'}`, dataset: { id: n.id, kind: n.kind || '' } },
        h('span', { class: 'badge kind' }, KIND[n.kind] || 'Notice'),
        h(
          'div',
          { class: 'n-main' },
          h('div', { class: 'n-title' }, n.title),
          n.body && h('div', { class: 'n-body' }, n.body),
          h('div', { class: 'muted small' }, formatTime(n.createdAt)),
        ),
        h(
          'div',
          { class: 'n-actions' },
          target && h('button', { type: 'button', class: 'link open', onclick: () => (n.isRead || markRead([n.id]), ctx.open(...target)) }, 'Open'),
          !n.isRead && h('button', { type: 'button', class: 'link mark', onclick: () => markRead([n.id]) }, 'Mark read'),
        ),
      );
      return li;
    }

    function upsert(n, atTop) {
      const li = row(n);
      const old = rows.get(n.id);
      if (old) old.li.replaceWith(li);
      else if (atTop) list.prepend(li);
      else list.append(li);
      rows.set(n.id, { li, n });
      empty.hidden = true;
    }

    async function load(append = false) {
      try {
        const { notifications: c, unreadNotificationCount: n } = await ctx.gql(LIST, { unreadOnly, after: append ? cursor : null });
        if (!append) {
          rows.clear();
          list.replaceChildren();
        }
        for (const x of c.nodes) upsert(x, false);
        cursor = c.pageInfo.endCursor;
        more.hidden = !c.pageInfo.hasNextPage;
        empty.hidden = rows.size > 0;
        showCount(n);
        say('');
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    async function markRead(ids) {
      try {
        await ctx.gql(MARK, { input: ids ? { ids } : {} });
        for (const [id, r] of rows) {
          if (ids && !ids.includes(id)) continue;
          if (unreadOnly) {
            r.li.remove();
            rows.delete(id);
          } else upsert({ ...r.n, isRead: true }, false);
        }
        empty.hidden = rows.size > 0;
        const unread = [...rows.values()].filter((r) => !r.n.isRead).length;
        if (!ids) showCount(0);
        else showCount(Math.max(unread, Number(countEl.dataset.count || 0) - ids.length));
        changed();
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    filter.querySelector('input').addEventListener('change', (e) => {
      unreadOnly = e.target.checked;
      load();
    });
    markAll.addEventListener('click', () => markRead(null));
    more.addEventListener('click', () => load(true));

    ctx.subscribe(LIVE, {}, {
      next: ({ notificationAdded: n }) => {
        upsert(n, true);
        showCount(Number(countEl.dataset.count || 0) + (n.isRead ? 0 : 1));
      },
      error: (e) => say(`Live updates stopped: ${ctx.describeError(e)}`),
      restarted: () => load(),
    });
    load();
  },
};
