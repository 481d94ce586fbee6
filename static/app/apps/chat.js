// AI chat: conversations, and a message box; the assistant's reply appears token by token from
// `chatReply(conversationId)` and is re-read from the server once it is complete.

import { h, replace, formatTime } from '../dom.js?v=38f9f19094';

const MESSAGE = `id role content status errorCode createdAt`;
const CONVERSATIONS = `query Conversations($after: String) { conversations(first: 30, after: $after) { nodes { id title updatedAt } pageInfo { hasNextPage endCursor } } }`;
const MESSAGES = `query ChatMessages($id: ID!) { node(id: $id) { ... on Conversation { id title messages(first: 100) { nodes { ${MESSAGE} } } } } }`;
const SEND = `mutation SendChatMessage($input: SendChatMessageInput!) { sendChatMessage(input: $input) { ${MESSAGE} conversation { id title } } }`;
const DELETE = `mutation DeleteConversation($input: DeleteConversationInput!) { deleteConversation(input: $input) }`;
const REPLY = `subscription ChatReply($conversationId: ID!) { chatReply(conversationId: $conversationId) { messageId delta done errorCode } }`;

// Why a reply failed (`errorCode`), in words; the provider's own error text is never shown.
const FAILED = {
  AI_NOT_CONFIGURED: 'The AI assistant is not set up on this server.',
  AI_UNAVAILABLE: 'The AI assistant did not answer. Please try again.',
  AI_TIMEOUT: 'The AI assistant took too long to answer. Please try again.',
  AI_BAD_RESPONSE: 'The AI assistant sent an answer that could not be read. Please try again.',
  RATE_LIMITED: 'You have used today\'s AI messages. Please try again tomorrow.',
};
const failedText = (code) => FAILED[code] || 'The assistant could not answer this one.';

export default {
  id: 'chat',
  title: 'AI chat',
  glyph: '✦',
  size: { w: 720, h: 600 },
  mount(ctx) {
    let current = null; // conversation id; null: a new one starts with the next message
    let stopReply = null;
    const bubbles = new Map(); // message id -> element

    const newBtn = h('button', { type: 'button', class: 'primary new-chat', onclick: () => select(null) }, 'New chat');
    const convList = h('ol', { class: 'chat-list', 'aria-label': 'Conversations' });
    const nav = h('nav', { 'aria-label': 'Conversations' }, newBtn, convList);
    const heading = h('h3', { class: 'conversation-title' }, 'New chat');
    const log = h('div', { class: 'chat-log', 'aria-live': 'polite', 'aria-label': 'Messages' });
    const box = h('textarea', { name: 'message', rows: 3, maxlength: 8000, placeholder: 'Ask anything…', 'aria-label': 'Message' });
    const sendBtn = h('button', { type: 'submit', class: 'primary' }, 'Send');
    const delBtn = h('button', { type: 'button', class: 'delete', hidden: true }, 'Delete chat');
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'chat-form' }, box, error, h('div', { class: 'actions' }, sendBtn, delBtn));
    replace(ctx.body, h('div', { class: 'split' }, nav, h('div', { class: 'chat-main' }, heading, log, form)));

    const say = (text) => ((error.textContent = text), (error.hidden = !text));

    function bubble(m) {
      const el = h('div', { class: `chat-msg ${m.role.toLowerCase()} ${m.status === 'failed' ? 'failed' : ''}`, dataset: { id: m.id, status: m.status } }, m.content);
      if (m.status === 'failed') el.append(h('div', { class: 'muted small fail-reason', dataset: { code: m.errorCode || '' } }, failedText(m.errorCode)));
      return el;
    }

    function put(m) {
      const el = bubble(m);
      const old = bubbles.get(m.id);
      if (old) old.replaceWith(el);
      else log.append(el);
      bubbles.set(m.id, el);
      el.scrollIntoView({ block: 'end' });
      return el;
    }

    async function loadConversations() {
      try {
        const { conversations } = await ctx.gql(CONVERSATIONS);
        replace(
          convList,
          conversations.nodes.map((c) =>
            h('li', {}, h('button', { type: 'button', class: 'conversation', dataset: { id: c.id }, 'aria-current': String(c.id === current), title: formatTime(c.updatedAt), onclick: () => select(c.id) }, c.title || 'Untitled')),
          ),
        );
        return conversations.nodes;
      } catch (e) {
        say(ctx.describeError(e));
        return [];
      }
    }

    async function loadMessages() {
      if (!current) return;
      const id = current;
      try {
        const { node } = await ctx.gql(MESSAGES, { id });
        if (id !== current) return;
        if (!node) return select(null);
        heading.textContent = node.title || 'Untitled';
        const streaming = new Map([...bubbles].filter(([, el]) => el.dataset.status === 'streaming'));
        bubbles.clear();
        log.replaceChildren();
        for (const m of node.messages.nodes) {
          // Keep what streamed in already if it is ahead of the stored (partial) text.
          const live = streaming.get(m.id);
          if (m.status === 'streaming' && live && live.textContent.length > m.content.length) {
            log.append(live);
            bubbles.set(m.id, live);
          } else put(m);
        }
      } catch (e) {
        say(ctx.describeError(e));
      }
    }

    function onChunk({ messageId, delta, done, errorCode }) {
      log.querySelector('.empty')?.remove();
      let el = bubbles.get(messageId);
      if (!el) el = put({ id: messageId, role: 'ASSISTANT', content: '', status: 'streaming' });
      if (delta) el.append(delta); // a text node: the reply is text, never markup
      el.scrollIntoView({ block: 'end' });
      if (done) {
        el.dataset.status = errorCode ? 'failed' : 'complete';
        if (errorCode) el.append(h('div', { class: 'muted small fail-reason', dataset: { code: errorCode } }, failedText(errorCode)));
        loadMessages(); // the stored reply (and a failure, if it failed)
        loadConversations(); // the first reply titles a new conversation
      }
    }

    function follow(id) {
      stopReply?.();
      stopReply = ctx.subscribe(REPLY, { conversationId: id }, {
        next: ({ chatReply }) => id === current && onChunk(chatReply),
        error: (e) => say(`Live replies stopped: ${ctx.describeError(e)}`),
        restarted: () => loadMessages(),
      });
    }

    function select(id) {
      current = id;
      bubbles.clear();
      log.replaceChildren();
      say('');
      delBtn.hidden = !id;
      convList.querySelectorAll('.conversation').forEach((b) => b.setAttribute('aria-current', String(b.dataset.id === id)));
      stopReply?.();
      stopReply = null;
      if (!id) {
        heading.textContent = 'New chat';
        log.append(h('p', { class: 'muted empty' }, 'Start a conversation: the assistant answers as it thinks.'));
        return;
      }
      // Listen first, then read: a reply under way is caught by one or the other.
      follow(id);
      loadMessages();
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const content = box.value.trim();
      if (!content) return;
      say('');
      sendBtn.disabled = true;
      const input = { content };
      if (current) input.conversationId = current;
      try {
        const { sendChatMessage: m } = await ctx.gql(SEND, { input });
        box.value = '';
        if (!current && m.conversation) {
          // A new conversation: follow it (its reply may be under way already: select()
          // listens, then reads what is stored), and list it.
          select(m.conversation.id);
          loadConversations();
        } else {
          log.querySelector('.empty')?.remove();
          put(m);
        }
      } catch (err) {
        say(ctx.describeError(err));
        // The message may be stored even when the assistant is unavailable (AI_NOT_CONFIGURED).
        if (current) loadMessages();
        else loadConversations();
      } finally {
        sendBtn.disabled = false;
      }
    });
    box.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        form.requestSubmit();
      }
    });

    delBtn.addEventListener('click', async () => {
      try {
        await ctx.gql(DELETE, { input: { id: current } });
        select(null);
        loadConversations();
      } catch (err) {
        say(ctx.describeError(err));
      }
    });

    select(null);
    loadConversations();
  },
};
