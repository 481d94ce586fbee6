// Dashboard: the viewer's figures in one round trip (`dashboard`), and their recent activity.
// Re-read when something happens to the viewer (a notification) or a block is mined; never on
// a timer. Each figure opens the window it summarises.

import { h, replace, formatAmount, formatTime, formatBytes } from '../dom.js?v=38f9f19094';

const DASHBOARD = `query Dashboard { dashboard { balance pendingIncoming unreadMail unreadNotifications followers following posts
  blocksMined devicesOnline storage { usedBytes quotaBytes } recentActivity(first: 10) { id action subjectType createdAt } } }`;
const ON_NOTIFICATION = `subscription DashboardNotifications { notificationAdded { id } }`;
const ON_BLOCK = `subscription DashboardBlocks { blockMined { index } }`;

// `domain.verb` → words for people; unknown actions are shown as they are.
const ACTIONS = {
  'auth.register': 'Created the account',
  'auth.login': 'Signed in',
  'auth.logout': 'Signed out',
  'auth.change_password': 'Changed the password',
  'auth.refresh': 'Renewed the session',
  'wallet.transfer': 'Sent money',
  'wallet.create': 'Created a wallet',
  'chain.mine_block': 'Mined a block',
  'mail.send': 'Sent mail',
  'mail.move': 'Moved mail',
  'mail.delete': 'Deleted mail',
  'social.post.create': 'Posted',
  'social.post.delete': 'Deleted a post',
  'social.comment.add': 'Commented',
  'social.post.like': 'Liked a post',
  'social.follow': 'Followed someone',
  'social.unfollow': 'Unfollowed someone',
  'video.publish': 'Published a video',
  'video.react': 'Reacted to a video',
  'files.upload': 'Uploaded a file',
  'files.create_folder': 'Created a folder',
  'files.rename': 'Renamed a file',
  'files.move': 'Moved a file',
  'files.delete': 'Deleted a file',
  'device.register': 'Registered a device',
  'device.remove': 'Removed a device',
  'device.heartbeat': 'A device reported in',
  'job.submit': 'Started a job',
  'job.cancel': 'Cancelled a job',
  'notification.mark_read': 'Read notifications',
};

export default {
  id: 'dashboard',
  title: 'Dashboard',
  glyph: '▦',
  size: { w: 620, h: 600 },
  mount(ctx) {
    const figures = h('dl', { class: 'stats dashboard-figures' });
    const storageBar = h('span');
    const storageText = h('div', { class: 'muted small' });
    const storage = h('div', { class: 'card' }, h('h3', {}, 'Storage'), h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'Storage used' }, storageBar), storageText);
    const events = h('ol', { class: 'event-list', 'aria-label': 'Recent activity' });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    replace(ctx.body, error, figures, storage, h('section', { class: 'card' }, h('h3', {}, 'Recent activity'), events));

    const say = (text) => ((error.textContent = text), (error.hidden = !text));

    let busy = false;
    let dirty = false;
    async function load() {
      if (busy) return void (dirty = true); // a burst of events: one more read, not one each
      busy = true;
      try {
        const { dashboard: d } = await ctx.gql(DASHBOARD);
        const item = (key, label, value, app) =>
          h('div', { class: 'stat', dataset: { key } }, h('dt', {}, label), h('dd', {}, app && ctx.has(app) ? h('button', { type: 'button', class: 'link', onclick: () => ctx.open(app) }, value) : value));
        replace(
          figures,
          item('balance', 'Balance', formatAmount(d.balance), 'wallet'),
          d.pendingIncoming !== '0' && item('pending', 'Incoming', formatAmount(d.pendingIncoming), 'wallet'),
          item('unreadMail', 'Unread mail', String(d.unreadMail), 'mail'),
          item('unreadNotifications', 'Notifications', String(d.unreadNotifications), 'notifications'),
          item('posts', 'Posts', String(d.posts), 'social'),
          item('followers', 'Followers', String(d.followers), 'social'),
          item('following', 'Following', String(d.following), 'social'),
          item('blocksMined', 'Blocks mined', String(d.blocksMined), 'miner'),
          item('devicesOnline', 'Devices online', String(d.devicesOnline), 'devices'),
        );
        const { usedBytes, quotaBytes } = d.storage;
        storageBar.style.width = `${quotaBytes ? Math.min(100, (usedBytes / quotaBytes) * 100) : 0}%`;
        storageText.textContent = `${formatBytes(usedBytes)} of ${formatBytes(quotaBytes)} used`;
        replace(
          events,
          d.recentActivity.length
            ? d.recentActivity.map((e) => h('li', { class: 'row-item', dataset: { action: e.action } }, h('span', { class: 'grow' }, ACTIONS[e.action] || e.action), h('span', { class: 'muted small' }, formatTime(e.createdAt))))
            : h('li', { class: 'muted' }, 'Nothing yet.'),
        );
        figures.dataset.loaded = 'true';
        say('');
      } catch (e) {
        say(ctx.describeError(e));
      } finally {
        busy = false;
        if (dirty) {
          dirty = false;
          load();
        }
      }
    }

    const live = { next: () => load(), restarted: () => load(), error: (e) => say(`Live updates stopped: ${ctx.describeError(e)}`) };
    ctx.subscribe(ON_NOTIFICATION, {}, live);
    ctx.subscribe(ON_BLOCK, {}, live);
    load();
  },
};
