// Users: search (`users(search:, admin:)`, admins only) and make or unmake an admin through
// `setUserAdmin`, after an inline confirmation; the row is redrawn from the mutation's answer.
// Nobody can remove their own rights (the server refuses it too), so the button is not offered.

import { h, replace, formatTime } from '../../app/dom.js?v=38f9f19094';
import * as session from '../../app/session.js?v=d12d3c08e2';

const USER_FIELDS = `id username fullName email isAdmin createdAt lastLoginAt`;
const SEARCH = `query PrismUsers($search: String, $admin: Boolean, $first: Int, $after: String) {
  users(search: $search, admin: $admin, first: $first, after: $after) { nodes { ${USER_FIELDS} } pageInfo { hasNextPage endCursor } } }`;
const SET_ADMIN = `mutation PrismSetAdmin($input: SetUserAdminInput!) { setUserAdmin(input: $input) { ${USER_FIELDS} } }`;
const HEAD = ['Username', 'Name', 'Email', 'Role', 'Joined', 'Last sign-in', ''];

export default {
  id: 'users',
  title: 'Users',
  mount(ctx) {
    const search = h('input', { name: 'search', type: 'search', placeholder: 'part of a username or email' });
    const role = h('select', { name: 'role' }, h('option', { value: '' }, 'everyone'), h('option', { value: 'true' }, 'admins'), h('option', { value: 'false' }, 'non-admins'));
    const go = h('button', { type: 'submit', class: 'primary' }, 'Search');
    const notice = h('p', { class: 'notice', role: 'status', hidden: true });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const rows = h('tbody');
    const more = h('button', { type: 'button', class: 'more', hidden: true }, 'More users');
    const form = h('form', { class: 'filters' }, h('label', {}, 'Search', search), h('label', {}, 'Role', role), go);
    replace(ctx.body, form, notice, error, h('table', { class: 'events users' }, h('thead', {}, h('tr', {}, HEAD.map((t) => h('th', { scope: 'col' }, t)))), rows), more);

    const me = session.currentUser()?.id;
    let cursor = null;
    const say = (el, text) => ((el.textContent = text), (el.hidden = !text));

    function row(user) {
      const tr = h('tr', { dataset: { username: user.username } });
      const draw = (u) => {
        tr.dataset.admin = String(u.isAdmin);
        const actions = h('td', { class: 'row-actions' });
        const ask = () => {
          const verb = u.isAdmin ? `Remove @${u.username}'s admin rights?` : `Make @${u.username} an admin?`;
          const yes = h('button', { type: 'button', class: u.isAdmin ? 'danger confirm' : 'primary confirm' }, 'Confirm');
          const no = h('button', { type: 'button', class: 'cancel' }, 'Cancel');
          no.addEventListener('click', () => draw(u));
          yes.addEventListener('click', async () => {
            yes.disabled = no.disabled = true;
            say(error, '');
            try {
              const { setUserAdmin: changed } = await ctx.gql(SET_ADMIN, { input: { userId: u.id, admin: !u.isAdmin } });
              draw(changed);
              say(notice, changed.isAdmin ? `@${changed.username} is now an admin.` : `@${changed.username} is no longer an admin.`);
            } catch (e) {
              draw(u);
              say(error, ctx.describeError(e));
            }
          });
          replace(actions, h('span', { class: 'confirm-text' }, verb, ' '), yes, no);
        };
        if (u.id !== me) actions.append(h('button', { type: 'button', class: u.isAdmin ? 'revoke-admin' : 'grant-admin', onclick: ask }, u.isAdmin ? 'Remove admin' : 'Make admin'));
        else actions.append(h('span', { class: 'muted small' }, 'you'));
        replace(tr, h('td', {}, `@${u.username}`), h('td', {}, u.fullName || '—'), h('td', {}, u.email || '—'), h('td', { class: 'role' }, u.isAdmin ? 'admin' : 'user'), h('td', {}, formatTime(u.createdAt)), h('td', {}, u.lastLoginAt ? formatTime(u.lastLoginAt) : 'never'), actions);
      };
      draw(user);
      return tr;
    }

    async function load(append) {
      go.disabled = more.disabled = true;
      say(error, '');
      if (!append) say(notice, '');
      try {
        const { users } = await ctx.gql(SEARCH, { search: search.value.trim() || null, admin: role.value ? role.value === 'true' : null, first: 50, after: append ? cursor : null });
        if (!append) rows.replaceChildren();
        rows.append(...users.nodes.map(row));
        if (!rows.children.length) rows.append(h('tr', {}, h('td', { colspan: HEAD.length, class: 'muted' }, 'No users match.')));
        cursor = users.pageInfo.endCursor;
        more.hidden = !users.pageInfo.hasNextPage;
      } catch (e) {
        say(error, ctx.describeError(e));
      } finally {
        go.disabled = more.disabled = false;
      }
    }
    form.addEventListener('submit', (e) => (e.preventDefault(), load(false)));
    more.addEventListener('click', () => load(true));
    load(false);
  },
};
