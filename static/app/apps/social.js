// Social: the viewer's feed (their posts and those of people they follow), compose, like,
// comment, follow/unfollow by username. New posts arrive live from `postAdded`.
// ctx.open('social', { postId }) scrolls to (or loads) one post.

import { h, replace, field, showFieldError, formatTime, displayName } from '../dom.js?v=38f9f19094';

const USER = `username fullName`;
const COMMENT = `id body createdAt author { ${USER} }`;
const POST = `id body mediaUrl createdAt likeCount commentCount viewerHasLiked author { ${USER} }
  comments(first: 3) { nodes { ${COMMENT} } pageInfo { hasNextPage endCursor } }`;
const FEED = `query Feed($after: String) { feed(first: 20, after: $after) { nodes { ${POST} } pageInfo { hasNextPage endCursor } }
  me { username followerCount followingCount } }`;
const ONE = `query Post($id: ID!) { post(id: $id) { ${POST} } }`;
const COMMENTS = `query PostComments($id: ID!, $after: String) { post(id: $id) { id comments(first: 50, after: $after) { nodes { ${COMMENT} } pageInfo { hasNextPage endCursor } } } }`;
const CREATE = `mutation CreatePost($input: CreatePostInput!) { createPost(input: $input) { ${POST} } }`;
const LIKE = `mutation LikePost($input: LikePostInput!) { likePost(input: $input) { id likeCount viewerHasLiked } }`;
const UNLIKE = `mutation UnlikePost($input: LikePostInput!) { unlikePost(input: $input) { id likeCount viewerHasLiked } }`;
const COMMENT_ADD = `mutation AddComment($input: AddCommentInput!) { addComment(input: $input) { ${COMMENT} } }`;
const PERSON = `query Person($username: String!) { user(username: $username) { ${USER} followerCount followingCount viewerIsFollowing } }`;
const FOLLOW = `mutation Follow($input: FollowInput!) { follow(input: $input) { ${USER} followerCount viewerIsFollowing } }`;
const UNFOLLOW = `mutation Unfollow($input: FollowInput!) { unfollow(input: $input) { ${USER} followerCount viewerIsFollowing } }`;
const LIVE = `subscription FeedLive { postAdded { ${POST} } }`;

export default {
  id: 'social',
  title: 'Social',
  glyph: 'S',
  size: { w: 600, h: 680 },
  mount(ctx) {
    const cards = new Map(); // post id -> { el, post }
    let cursor = null;

    // ---- compose ----
    const f = {
      body: field('What is happening?', { tag: 'textarea', name: 'body', rows: 3, maxlength: 500, required: true }),
      mediaUrl: field('Link (optional)', { name: 'mediaUrl', type: 'url', placeholder: 'https://…', autocomplete: 'off' }),
    };
    const postError = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const postBtn = h('button', { type: 'submit', class: 'primary' }, 'Post');
    const composeForm = h('form', { class: 'card post-form' }, f.body.row, f.mediaUrl.row, postError, postBtn);

    // ---- people ----
    const who = h('input', { name: 'username', placeholder: 'username', autocomplete: 'off', 'aria-label': 'Find a person' });
    const personBox = h('div', { class: 'person' });
    const counts = h('div', { class: 'muted small my-counts' });
    const peopleForm = h('form', { class: 'card people' }, h('h3', {}, 'People'), counts, h('div', { class: 'toolbar' }, who, h('button', { type: 'submit' }, 'Find')), personBox);

    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const feed = h('ol', { class: 'feed', 'aria-label': 'Feed' });
    const empty = h('p', { class: 'muted empty', hidden: true }, 'Your feed is empty: post something, or follow someone.');
    const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Older posts');
    replace(ctx.body, composeForm, peopleForm, error, empty, feed, more);

    const say = (text) => ((error.textContent = text), (error.hidden = !text));

    function commentEl(c) {
      return h('li', { class: 'comment', dataset: { id: c.id } }, h('strong', { class: 'author' }, displayName(c.author)), ' ', h('span', { class: 'user-text body' }, c.body), ' ', h('span', { class: 'muted small' }, formatTime(c.createdAt)));
    }

    function postEl(p) {
      const likeBtn = h('button', { type: 'button', class: 'like', 'aria-pressed': String(p.viewerHasLiked), onclick: () => toggleLike(p.id) }, p.viewerHasLiked ? '♥ Liked' : '♡ Like');
      const commentList = h('ol', { class: 'comments' }, p.comments.nodes.map(commentEl));
      const moreComments = p.comments.pageInfo.hasNextPage && h('button', { type: 'button', class: 'link more-comments', onclick: () => loadComments(p.id) }, `All ${p.commentCount} comments`);
      const input = h('input', { name: 'comment', placeholder: 'Write a comment', maxlength: 500, autocomplete: 'off', 'aria-label': 'Comment' });
      const commentError = h('div', { class: 'form-error', role: 'alert', hidden: true });
      const commentForm = h('form', { class: 'toolbar comment-form' }, input, h('button', { type: 'submit' }, 'Comment'));
      commentForm.addEventListener('submit', async (e) => {
        e.preventDefault();
        if (!input.value.trim()) return;
        try {
          const { addComment: c } = await ctx.gql(COMMENT_ADD, { input: { postId: p.id, body: input.value } });
          input.value = '';
          commentError.hidden = true;
          const cur = cards.get(p.id).post;
          render({ ...cur, commentCount: cur.commentCount + 1, comments: { ...cur.comments, nodes: [...cur.comments.nodes, c] } });
        } catch (err) {
          commentError.textContent = ctx.describeError(err);
          commentError.hidden = false;
        }
      });
      return h(
        'li',
        { class: 'card post', dataset: { id: p.id } },
        h('div', {}, h('strong', { class: 'author' }, displayName(p.author)), ' ', h('span', { class: 'muted small' }, formatTime(p.createdAt))),
        h('div', { class: 'user-text body' }, p.body),
        p.mediaUrl && h('a', { class: 'media', href: p.mediaUrl, target: '_blank', rel: 'noopener noreferrer nofollow' }, p.mediaUrl),
        h('div', { class: 'meta' }, likeBtn, h('span', { class: 'like-count' }, `${p.likeCount} like${p.likeCount === 1 ? '' : 's'}`), h('span', { class: 'muted comment-count' }, `${p.commentCount} comment${p.commentCount === 1 ? '' : 's'}`)),
        commentList,
        moreComments,
        commentForm,
        commentError,
      );
    }

    // Renders (or re-renders in place) one post; new ones go on top or at the end.
    function render(p, where = 'replace') {
      const el = postEl(p);
      const old = cards.get(p.id);
      if (old) old.el.replaceWith(el);
      else if (where === 'top') feed.prepend(el);
      else feed.append(el);
      cards.set(p.id, { el, post: p });
      empty.hidden = true;
      return el;
    }

    async function loadFeed(append = false) {
      try {
        const { feed: c, me } = await ctx.gql(FEED, { after: append ? cursor : null });
        if (!append) {
          cards.clear();
          feed.replaceChildren();
        }
        c.nodes.forEach((p) => render(p, 'end'));
        cursor = c.pageInfo.endCursor;
        more.hidden = !c.pageInfo.hasNextPage;
        empty.hidden = cards.size > 0;
        counts.textContent = `You have ${me.followerCount} follower${me.followerCount === 1 ? '' : 's'} and follow ${me.followingCount}.`;
        say('');
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    async function loadComments(id) {
      try {
        const { post } = await ctx.gql(COMMENTS, { id });
        const cur = cards.get(id)?.post;
        if (post && cur) render({ ...cur, comments: post.comments });
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    async function toggleLike(id) {
      const cur = cards.get(id)?.post;
      if (!cur) return;
      try {
        const { likePost, unlikePost } = await ctx.gql(cur.viewerHasLiked ? UNLIKE : LIKE, { input: { postId: id } });
        const r = likePost || unlikePost;
        render({ ...cards.get(id).post, likeCount: r.likeCount, viewerHasLiked: r.viewerHasLiked });
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    async function showPost(id) {
      const have = cards.get(id);
      if (have) return have.el.scrollIntoView({ block: 'nearest' });
      try {
        const { post } = await ctx.gql(ONE, { id });
        if (post) render(post, 'top').scrollIntoView({ block: 'nearest' });
        else say('That post no longer exists.');
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    composeForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      showFieldError(f, null, '', postError);
      postError.hidden = true;
      const input = { body: f.body.input.value };
      const url = f.mediaUrl.input.value.trim();
      if (url) input.mediaUrl = url;
      postBtn.disabled = true;
      try {
        const { createPost } = await ctx.gql(CREATE, { input });
        render(createPost, 'top'); // postAdded brings it too; the same card is replaced
        composeForm.reset();
      } catch (err) {
        showFieldError(f, err, ctx.describeError(err), postError);
      } finally {
        postBtn.disabled = false;
      }
    });

    function personCard(u) {
      const btn = h('button', { type: 'button', class: u.viewerIsFollowing ? 'unfollow' : 'primary follow' }, u.viewerIsFollowing ? 'Unfollow' : 'Follow');
      btn.addEventListener('click', async () => {
        btn.disabled = true;
        try {
          const data = await ctx.gql(u.viewerIsFollowing ? UNFOLLOW : FOLLOW, { input: { username: u.username } });
          const next = data.follow || data.unfollow;
          replace(personBox, personCard({ ...u, ...next }));
          loadFeed(); // their posts join (or leave) the feed
        } catch (err) {
          btn.disabled = false;
          replace(personBox, personCard(u), h('p', { class: 'form-error', role: 'alert' }, ctx.describeError(err)));
        }
      });
      return h('div', { class: 'row-item', dataset: { username: u.username } }, h('div', { class: 'grow' }, h('strong', { class: 'name' }, displayName(u)), h('div', { class: 'muted small' }, `${u.followerCount} follower${u.followerCount === 1 ? '' : 's'}`)), btn);
    }

    peopleForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const username = who.value.trim().replace(/^@/, '').toLowerCase();
      if (!username) return;
      try {
        const { user } = await ctx.gql(PERSON, { username });
        replace(personBox, user ? personCard(user) : h('p', { class: 'muted' }, 'Nobody by that name.'));
      } catch (err) {
        replace(personBox, h('p', { class: 'form-error', role: 'alert' }, ctx.describeError(err)));
      }
    });
    more.addEventListener('click', () => loadFeed(true));

    ctx.subscribe(LIVE, {}, {
      next: ({ postAdded: p }) => render(p, cards.has(p.id) ? 'replace' : 'top'),
      error: (e) => say(`Live feed stopped: ${ctx.describeError(e)}`),
      restarted: () => loadFeed(),
    });
    loadFeed().then(() => ctx.params.postId && showPost(ctx.params.postId));
    return { update: (p) => p.postId && showPost(p.postId) };
  },
};
