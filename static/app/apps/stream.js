// BlackStream: the video list (public videos and the viewer's own), publish, watch (opens the
// media in a new tab and counts a view), like/dislike, and delete one's own videos.
// Media is hosted elsewhere: the strict CSP keeps other origins out of this page, so it is
// linked, never embedded.

import { h, replace, field, showFieldError, formatTime, displayName } from '../dom.js?v=38f9f19094';

const VIDEO = `id title description url durationSeconds visibility viewCount likeCount dislikeCount viewerReaction createdAt owner { username fullName }`;
const LIST = `query Videos($after: String, $owner: String) { videos(first: 20, after: $after, owner: $owner) { nodes { ${VIDEO} } pageInfo { hasNextPage endCursor } } }`;
const PUBLISH = `mutation PublishVideo($input: PublishVideoInput!) { publishVideo(input: $input) { ${VIDEO} } }`;
const REACT = `mutation ReactToVideo($input: ReactToVideoInput!) { reactToVideo(input: $input) { ${VIDEO} } }`;
const VIEW = `mutation RecordView($input: RecordViewInput!) { recordView(input: $input) { ${VIDEO} } }`;
const DELETE = `mutation DeleteVideo($input: DeleteVideoInput!) { deleteVideo(input: $input) }`;

const duration = (s) => {
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
};

// "90", "1:30" or "1:02:03" → seconds; NaN otherwise.
const parseDuration = (t) => (/^\d+(:\d{1,2}){0,2}$/.test(t) ? t.split(':').reduce((acc, x) => acc * 60 + Number(x), 0) : NaN);

export default {
  id: 'stream',
  title: 'BlackStream',
  glyph: '▶',
  size: { w: 640, h: 640 },
  mount(ctx) {
    const cards = new Map(); // id -> <li>
    let cursor = null;
    let mine = false;

    const f = {
      title: field('Title', { name: 'title', required: true, maxlength: 200, autocomplete: 'off' }),
      url: field('Video URL', { name: 'url', type: 'url', required: true, placeholder: 'https://…', autocomplete: 'off' }),
      durationSeconds: field('Duration (seconds or m:ss)', { name: 'duration', required: true, inputmode: 'numeric', placeholder: '3:25', autocomplete: 'off' }),
      description: field('Description (optional)', { tag: 'textarea', name: 'description', rows: 2, maxlength: 5000 }),
      visibility: field('Visibility', { tag: 'select', name: 'visibility' }),
    };
    replace(f.visibility.input, ['PUBLIC', 'UNLISTED', 'PRIVATE'].map((v) => h('option', { value: v }, v[0] + v.slice(1).toLowerCase())));
    const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const publishBtn = h('button', { type: 'submit', class: 'primary' }, 'Publish');
    const form = h('form', { class: 'card publish-form', hidden: true }, h('h3', {}, 'Publish a video'), Object.values(f).map((x) => x.row), formError, publishBtn);
    const toggleForm = h('button', { type: 'button', class: 'primary show-publish', onclick: () => (form.hidden = !form.hidden) }, 'Publish…');
    const mineBox = h('label', { class: 'inline' }, h('input', { type: 'checkbox', name: 'mine' }), ' Only mine');
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const list = h('ol', { class: 'video-list', 'aria-label': 'Videos' });
    const empty = h('p', { class: 'muted empty', hidden: true }, 'No videos yet.');
    const more = h('button', { type: 'button', class: 'more', hidden: true }, 'More');
    replace(ctx.body, h('div', { class: 'toolbar' }, toggleForm, mineBox), form, error, empty, list, more);

    const say = (text) => ((error.textContent = text), (error.hidden = !text));

    function videoEl(v) {
      const mineVideo = v.owner.username === ctx.user()?.username;
      const react = (r, label, word, count) =>
        h('button', { type: 'button', class: `react ${r.toLowerCase()}`, 'aria-label': `${word} (${count})`, 'aria-pressed': String(v.viewerReaction === r), onclick: () => setReaction(v, v.viewerReaction === r ? null : r) }, `${label} ${count}`);
      return h(
        'li',
        { class: 'card video', dataset: { id: v.id, visibility: v.visibility } },
        h('h3', { class: 'title' }, v.title),
        h('div', { class: 'muted small' }, displayName(v.owner), ' · ', duration(v.durationSeconds), ' · ', formatTime(v.createdAt), v.visibility !== 'PUBLIC' ? ` · ${v.visibility.toLowerCase()}` : ''),
        v.description && h('p', { class: 'user-text description' }, v.description),
        h(
          'div',
          { class: 'meta' },
          h('a', { class: 'watch', href: v.url, target: '_blank', rel: 'noopener noreferrer nofollow', onclick: () => recordView(v.id) }, 'Watch'),
          h('span', { class: 'views muted' }, `${v.viewCount} view${v.viewCount === 1 ? '' : 's'}`),
          react('LIKE', '▲', 'Like', v.likeCount),
          react('DISLIKE', '▼', 'Dislike', v.dislikeCount),
          mineVideo && h('button', { type: 'button', class: 'link delete', onclick: () => remove(v) }, 'Delete'),
        ),
      );
    }

    function render(v, where = 'replace') {
      const el = videoEl(v);
      const old = cards.get(v.id);
      if (old) old.replaceWith(el);
      else if (where === 'top') list.prepend(el);
      else list.append(el);
      cards.set(v.id, el);
      empty.hidden = true;
    }

    async function load(append = false) {
      try {
        const { videos } = await ctx.gql(LIST, { after: append ? cursor : null, owner: mine ? ctx.user()?.username : null });
        if (!append) {
          cards.clear();
          list.replaceChildren();
        }
        videos.nodes.forEach((v) => render(v, 'end'));
        cursor = videos.pageInfo.endCursor;
        more.hidden = !videos.pageInfo.hasNextPage;
        empty.hidden = cards.size > 0;
        say('');
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    async function setReaction(v, reaction) {
      try {
        const { reactToVideo } = await ctx.gql(REACT, { input: { videoId: v.id, reaction } });
        render(reactToVideo);
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    async function recordView(id) {
      try {
        const { recordView: v } = await ctx.gql(VIEW, { input: { videoId: id } });
        render(v);
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    async function remove(v) {
      try {
        await ctx.gql(DELETE, { input: { id: v.id } });
        cards.get(v.id)?.remove();
        cards.delete(v.id);
        empty.hidden = cards.size > 0;
        ctx.toast('Video deleted');
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      showFieldError(f, null, '', formError);
      formError.hidden = true;
      const secs = parseDuration(f.durationSeconds.input.value.trim());
      if (!Number.isInteger(secs) || secs < 1 || secs > 86400) return showFieldError(f, { field: 'durationSeconds' }, 'Enter a length between 1 second and 24 hours (e.g. 90 or 1:30).', formError);
      const input = { title: f.title.input.value, url: f.url.input.value.trim(), durationSeconds: secs, visibility: f.visibility.input.value };
      if (f.description.input.value) input.description = f.description.input.value;
      publishBtn.disabled = true;
      try {
        const { publishVideo } = await ctx.gql(PUBLISH, { input });
        render(publishVideo, 'top');
        form.reset();
        form.hidden = true;
        ctx.toast('Video published');
      } catch (err) {
        showFieldError(f, err, ctx.describeError(err), formError);
      } finally {
        publishBtn.disabled = false;
      }
    });
    mineBox.querySelector('input').addEventListener('change', (e) => {
      mine = e.target.checked;
      load();
    });
    more.addEventListener('click', () => load(true));
    load();
  },
};
