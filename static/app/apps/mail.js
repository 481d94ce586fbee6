// RoadMail: folders (Inbox, Sent, Archive, Trash), search, read a message with its thread,
// compose and reply, move and delete. New mail arrives live from `mailReceived`.
// ctx.open('mail', { messageId }) opens one message; ({ compose: { to } }) starts a message.

import { h, replace, field, showFieldError, formatTime, displayName } from '../dom.js?v=38f9f19094';

const USER = `username fullName`;
const ROW = `id subject isRead sentAt folder from { ${USER} } to { ${USER} }`;
const LIST = `query Mailbox($folder: MailFolder, $search: String, $unreadOnly: Boolean, $after: String) {
  mailbox(folder: $folder, search: $search, unreadOnly: $unreadOnly, first: 30, after: $after) { nodes { ${ROW} } pageInfo { hasNextPage endCursor } }
  unreadMailCount }`;
const READ = `query MailMessage($id: ID!) { node(id: $id) { ... on MailMessage { ${ROW} body inReplyTo { id }
  thread { id subject body sentAt from { ${USER} } to { ${USER} } } } } }`;
const SEND = `mutation SendMail($input: SendMailInput!) { sendMail(input: $input) { ${ROW} } }`;
const MARK = `mutation MarkMailRead($input: MarkMailReadInput!) { markMailRead(input: $input) { id isRead } }`;
const MOVE = `mutation MoveMail($input: MoveMailInput!) { moveMail(input: $input) { id folder } }`;
const DELETE = `mutation DeleteMail($input: DeleteMailInput!) { deleteMail(input: $input) }`;
const LIVE = `subscription MailLive { mailReceived { ${ROW} } }`;

const FOLDERS = [
  ['INBOX', 'Inbox'],
  ['SENT', 'Sent'],
  ['ARCHIVE', 'Archive'],
  ['TRASH', 'Trash'],
];

const people = (list) => list.map((u) => displayName(u)).join(', ');

export default {
  id: 'mail',
  title: 'RoadMail',
  glyph: '@',
  size: { w: 760, h: 580 },
  mount(ctx) {
    let folder = 'INBOX';
    let search = '';
    let cursor = null;
    let view = 'list'; // list | message | compose
    const rows = new Map(); // id -> <li>

    const folderBtns = FOLDERS.map(([id, label]) => h('button', { type: 'button', class: 'folder', dataset: { folder: id }, onclick: () => showFolder(id) }, label));
    const composeBtn = h('button', { type: 'button', class: 'primary compose', onclick: () => compose() }, 'Compose');
    const unread = h('span', { class: 'muted small unread-count' });
    const nav = h('nav', { 'aria-label': 'Folders' }, composeBtn, folderBtns, unread);
    const main = h('div', { class: 'mail-main' });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    replace(ctx.body, h('div', { class: 'split' }, nav, h('div', {}, error, main)));

    const say = (text) => ((error.textContent = text), (error.hidden = !text));
    const showUnread = (n) => {
      unread.textContent = n ? `${n} unread` : '';
      unread.dataset.count = String(n);
    };

    // ---- list ----
    const searchInput = h('input', { type: 'search', name: 'search', placeholder: 'Search subject and text', 'aria-label': 'Search mail' });
    const searchForm = h('form', { class: 'toolbar', onsubmit: (e) => (e.preventDefault(), (search = searchInput.value.trim()), loadList()) }, searchInput, h('button', { type: 'submit' }, 'Search'));
    const list = h('ol', { class: 'mail-list', 'aria-label': 'Messages' });
    const empty = h('p', { class: 'muted empty', hidden: true }, 'No messages.');
    const more = h('button', { type: 'button', class: 'more', hidden: true, onclick: () => loadList(true) }, 'Older');

    function mailRow(m) {
      const li = h(
        'li',
        { class: `row-item mail ${m.isRead ? 'read' : 'unread'}`, dataset: { id: m.id } },
        h(
          'button',
          { type: 'button', class: 'link grow', onclick: () => openMessage(m.id) },
          h('div', { class: 'subject' }, m.subject || '(no subject)'),
          h('div', { class: 'muted small who' }, m.folder === 'SENT' ? `to ${people(m.to)}` : `from ${displayName(m.from)}`),
        ),
        h('span', { class: 'muted small' }, formatTime(m.sentAt)),
      );
      return li;
    }

    function upsert(m, atTop) {
      const li = mailRow(m);
      const old = rows.get(m.id);
      if (old) old.replaceWith(li);
      else if (atTop) list.prepend(li);
      else list.append(li);
      rows.set(m.id, li);
      empty.hidden = true;
    }

    function showFolder(id) {
      folder = id;
      search = '';
      searchInput.value = '';
      loadList();
    }

    let generation = 0; // only the latest read may render (a slower, older one is dropped)
    async function loadList(append = false) {
      const mine = ++generation;
      view = 'list';
      folderBtns.forEach((b) => b.setAttribute('aria-current', String(b.dataset.folder === folder)));
      if (!append) replace(main, searchForm, empty, list, more);
      try {
        const { mailbox, unreadMailCount } = await ctx.gql(LIST, { folder, search: search || null, after: append ? cursor : null });
        if (mine !== generation) return;
        if (!append) {
          rows.clear();
          list.replaceChildren();
        }
        mailbox.nodes.forEach((m) => upsert(m, false));
        cursor = mailbox.pageInfo.endCursor;
        more.hidden = !mailbox.pageInfo.hasNextPage;
        empty.hidden = rows.size > 0;
        list.dataset.folder = folder;
        showUnread(unreadMailCount);
        say('');
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    // ---- one message ----
    async function openMessage(id) {
      const mine = ++generation;
      view = 'message';
      replace(main, h('p', { class: 'muted' }, 'Loading…'));
      try {
        const { node: m } = await ctx.gql(READ, { id });
        if (mine !== generation) return;
        if (!m) return replace(main, h('p', { class: 'muted' }, 'This message no longer exists.'));
        if (!m.isRead) {
          ctx.gql(MARK, { input: { ids: [id], read: true } }).then(
            () => showUnread(Math.max(0, Number(unread.dataset.count || 0) - 1)),
            (e) => say(ctx.describeError(e)),
          );
        }
        const others = m.thread.filter((t) => t.id !== m.id);
        const act = (label, cls, fn) => h('button', { type: 'button', class: cls, onclick: fn }, label);
        replace(
          main,
          h(
            'div',
            { class: 'actions' },
            act('← Back', 'back', () => loadList()),
            act('Reply', 'reply', () => compose({ to: m.folder === 'SENT' ? m.to.map((u) => u.username) : [m.from.username], subject: /^re:/i.test(m.subject) ? m.subject : `Re: ${m.subject}`, inReplyToId: m.id })),
            m.folder !== 'ARCHIVE' && m.folder !== 'SENT' && act('Archive', 'archive', () => move(m.id, 'ARCHIVE')),
            m.folder !== 'INBOX' && m.folder !== 'SENT' && act('Move to Inbox', 'to-inbox', () => move(m.id, 'INBOX')),
            act(m.folder === 'TRASH' ? 'Delete forever' : 'Delete', 'delete', () => remove(m.id, m.folder === 'TRASH')),
          ),
          h(
            'article',
            { class: 'mail-message card', dataset: { id: m.id } },
            h('h3', { class: 'subject' }, m.subject || '(no subject)'),
            h('dl', { class: 'detail' }, h('dt', {}, 'From'), h('dd', { class: 'from' }, displayName(m.from)), h('dt', {}, 'To'), h('dd', { class: 'to' }, people(m.to)), h('dt', {}, 'Sent'), h('dd', {}, formatTime(m.sentAt))),
            h('div', { class: 'user-text body' }, m.body),
          ),
          others.length > 0 &&
            h(
              'section',
              { class: 'card thread' },
              h('h3', {}, `Conversation (${m.thread.length})`),
              m.thread.map((t) => h('div', { class: `row-item ${t.id === m.id ? 'current' : ''}` }, h('div', { class: 'grow' }, h('strong', {}, displayName(t.from)), ' · ', h('span', { class: 'muted small' }, formatTime(t.sentAt)), h('div', { class: 'user-text' }, t.body)))),
            ),
        );
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    async function move(id, to) {
      try {
        await ctx.gql(MOVE, { input: { ids: [id], folder: to } });
        ctx.toast(`Moved to ${FOLDERS.find(([f]) => f === to)[1]}`);
        loadList();
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    async function remove(id, forever) {
      try {
        await ctx.gql(DELETE, { input: { ids: [id] } });
        ctx.toast(forever ? 'Deleted' : 'Moved to Trash');
        loadList();
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    // ---- compose ----
    function compose(pre = {}) {
      ++generation;
      view = 'compose';
      const f = {
        to: field('To (usernames, separated by commas)', { name: 'to', required: true, autocomplete: 'off', value: (pre.to || []).join(', ') }),
        subject: field('Subject', { name: 'subject', required: true, maxlength: 200, autocomplete: 'off', value: pre.subject || '' }),
        body: field('Message', { tag: 'textarea', name: 'body', rows: 8, required: true }),
      };
      const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
      const send = h('button', { type: 'submit', class: 'primary' }, 'Send');
      const form = h('form', { class: 'compose-form card' }, h('h3', {}, pre.inReplyToId ? 'Reply' : 'New message'), Object.values(f).map((x) => x.row), formError, h('div', { class: 'actions' }, send, h('button', { type: 'button', onclick: () => loadList() }, 'Cancel')));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const to = f.to.input.value.split(/[\s,;]+/).map((s) => s.replace(/^@/, '')).filter(Boolean);
        if (!to.length) return showFieldError(f, { field: 'to' }, 'Name at least one recipient.', formError);
        const input = { to, subject: f.subject.input.value, body: f.body.input.value };
        if (pre.inReplyToId) input.inReplyToId = pre.inReplyToId;
        send.disabled = true;
        try {
          await ctx.gql(SEND, { input });
          ctx.toast('Message sent');
          folder = 'SENT';
          loadList();
        } catch (err) {
          showFieldError(f, err, ctx.describeError(err), formError);
        } finally {
          send.disabled = false;
        }
      });
      replace(main, form);
      (pre.to?.length ? f.body : f.to).input.focus();
    }

    // ---- live ----
    ctx.subscribe(LIVE, {}, {
      next: ({ mailReceived: m }) => {
        showUnread(Number(unread.dataset.count || 0) + (m.isRead ? 0 : 1));
        if (view === 'list' && folder === 'INBOX' && !search) upsert(m, true);
        else ctx.toast(`New mail from ${displayName(m.from)}`);
      },
      error: (e) => say(`Live mail stopped: ${ctx.describeError(e)}`),
      restarted: () => view === 'list' && loadList(),
    });

    const start = (p) => {
      if (p.messageId) openMessage(p.messageId);
      else if (p.compose) compose(p.compose);
    };
    if (ctx.params.messageId || ctx.params.compose) {
      folderBtns[0].setAttribute('aria-current', 'true');
      start(ctx.params);
    } else loadList();
    return { update: start };
  },
};
