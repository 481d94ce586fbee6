// Devices: the viewer's devices with their online state and last reported status, live from
// `deviceStatusChanged` (going online, offline, each heartbeat); register and remove devices.

import { h, replace, field, showFieldError, formatTime } from '../dom.js?v=38f9f19094';

const DEVICE = `id name kind platform online lastSeenAt status createdAt`;
const LIST = `query Devices { devices { ${DEVICE} } }`;
const REGISTER = `mutation RegisterDevice($input: RegisterDeviceInput!) { registerDevice(input: $input) { ${DEVICE} } }`;
const REMOVE = `mutation RemoveDevice($input: RemoveDeviceInput!) { removeDevice(input: $input) }`;
const LIVE = `subscription DevicesLive { deviceStatusChanged { ${DEVICE} } }`;

export default {
  id: 'devices',
  title: 'Devices',
  glyph: 'D',
  size: { w: 540, h: 560 },
  mount(ctx) {
    const rows = new Map(); // id -> <li>

    const summary = h('p', { class: 'muted devices-summary' });
    const f = {
      name: field('Name', { name: 'name', required: true, maxlength: 64, autocomplete: 'off', placeholder: 'Kitchen Pi' }),
      kind: field('Kind', { name: 'kind', required: true, maxlength: 32, autocomplete: 'off', placeholder: 'sensor' }),
      platform: field('Platform (optional)', { name: 'platform', autocomplete: 'off', placeholder: 'linux-arm64' }),
    };
    const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const addBtn = h('button', { type: 'submit', class: 'primary' }, 'Register');
    const form = h('form', { class: 'card register-form', hidden: true }, h('h3', {}, 'Register a device'), Object.values(f).map((x) => x.row), formError, addBtn);
    const toggle = h('button', { type: 'button', class: 'show-register', onclick: () => (form.hidden = !form.hidden) }, 'Add device…');
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const list = h('ol', { class: 'device-list', 'aria-label': 'Devices' });
    const empty = h('p', { class: 'muted empty', hidden: true }, 'No devices registered.');
    replace(ctx.body, h('div', { class: 'toolbar' }, summary, toggle), form, error, empty, list);

    const say = (text) => ((error.textContent = text), (error.hidden = !text));

    function showSummary() {
      const all = [...rows.values()];
      const online = all.filter((li) => li.dataset.online === 'true').length;
      summary.textContent = `${online} of ${all.length} online`;
      summary.dataset.online = String(online);
      empty.hidden = all.length > 0;
    }

    function statusText(s) {
      if (s == null) return null;
      try {
        return JSON.stringify(s);
      } catch {
        return String(s);
      }
    }

    function deviceEl(d) {
      const status = statusText(d.status);
      return h(
        'li',
        { class: 'row-item device', dataset: { id: d.id, online: String(d.online) } },
        h('span', { class: `dot ${d.online ? 'on' : ''}`, title: d.online ? 'online' : 'offline' }),
        h(
          'div',
          { class: 'grow' },
          h('strong', { class: 'name' }, d.name),
          ' ',
          h('span', { class: 'muted small kind' }, [d.kind, d.platform].filter(Boolean).join(' · ')),
          h('div', { class: 'muted small' }, d.online ? 'Online' : 'Offline', ' · last seen ', d.lastSeenAt ? formatTime(d.lastSeenAt) : 'never'),
          status && h('pre', { class: 'small status user-text' }, status),
        ),
        h('button', { type: 'button', class: 'link remove', onclick: () => remove(d) }, 'Remove'),
      );
    }

    function upsert(d) {
      const li = deviceEl(d);
      const old = rows.get(d.id);
      if (old) old.replaceWith(li);
      else list.append(li);
      rows.set(d.id, li);
      showSummary();
    }

    async function load() {
      try {
        const { devices } = await ctx.gql(LIST);
        rows.clear();
        list.replaceChildren();
        devices.forEach(upsert);
        showSummary();
        say('');
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    async function remove(d) {
      try {
        await ctx.gql(REMOVE, { input: { id: d.id } });
        rows.get(d.id)?.remove();
        rows.delete(d.id);
        showSummary();
        ctx.toast(`Removed ${d.name}`);
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      showFieldError(f, null, '', formError);
      formError.hidden = true;
      const input = { name: f.name.input.value, kind: f.kind.input.value };
      if (f.platform.input.value.trim()) input.platform = f.platform.input.value.trim();
      addBtn.disabled = true;
      try {
        const { registerDevice } = await ctx.gql(REGISTER, { input });
        upsert(registerDevice);
        form.reset();
        form.hidden = true;
      } catch (err) {
        showFieldError(f, err, ctx.describeError(err), formError);
      } finally {
        addBtn.disabled = false;
      }
    });

    ctx.subscribe(LIVE, {}, {
      next: ({ deviceStatusChanged }) => upsert(deviceStatusChanged),
      error: (e) => say(`Live status stopped: ${ctx.describeError(e)}`),
      restarted: () => load(),
    });
    load();
  },
};
