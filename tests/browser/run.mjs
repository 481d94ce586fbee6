#!/usr/bin/env node
// Browser tests: Debian's chromium, headless, driven by playwright-core against a running
// blackroad-api (see README.md in this folder for the server configuration they expect).
//
//   BASE_URL=http://127.0.0.1:8123 node tests/browser/run.mjs
//
// Env: BASE_URL (required), ARTIFACTS_DIR (screenshots; default target/browser-artifacts),
// CHROMIUM (default /usr/bin/chromium), GRAPHIQL_PATH (default /graphiql), ADMIN_USERNAME (a
// name in the server's ADMIN_USERNAMES: the Prism admin scenario registers it and is admin),
// ONLY (run the scenarios whose name contains this text), SLOW_BASE_URL (a second server whose
// mining takes minutes and whose storage quota is small: cancelling a running job, the quota
// message; the scenarios that need it are skipped without it).
//
// One line per scenario, then "N passed, N failed"; exit code 0 only if all passed. Every wait
// is on a DOM condition or a network event, never a fixed sleep. Any console error, uncaught
// page error, or request to another origin fails the scenario that caused it.

import { chromium } from 'playwright-core';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { staleStamps } from './stamp.mjs';

const BASE_URL = (process.env.BASE_URL || '').replace(/\/+$/, '');
if (!BASE_URL) {
  console.error('run.mjs: set BASE_URL to the server under test, e.g. BASE_URL=http://127.0.0.1:8123');
  process.exit(2);
}
const ORIGIN = new URL(BASE_URL).origin;
const ARTIFACTS = resolve(process.env.ARTIFACTS_DIR || 'target/browser-artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const GRAPHIQL_PATH = process.env.GRAPHIQL_PATH || '/graphiql';
const SLOW_BASE_URL = (process.env.SLOW_BASE_URL || '').replace(/\/+$/, '');
// A username the server makes admin as it registers (its ADMIN_USERNAMES).
const ADMIN_USERNAME = process.env.ADMIN_USERNAME || '';
const ONLY = process.env.ONLY || '';
const TIMEOUT_MS = Number(process.env.STEP_TIMEOUT_MS || 15_000);
const XSS = '<img src=x onerror=window.__xss=1>';
const PASSWORD = 'correct-horse-battery';

mkdirSync(ARTIFACTS, { recursive: true });
const RUN = `${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 5)}`;
let userCounter = 0;
const newName = (tag) => `${tag}_${RUN}_${++userCounter}`.slice(0, 32);

// ---------------------------------------------------------------- GraphQL from the test itself

async function api(query, variables = {}, token = null, base = BASE_URL) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('; ')}`);
  return body.data;
}

async function registerApi(tag, fullName, exactName, base = BASE_URL) {
  const username = exactName || newName(tag);
  const input = { username, email: `${username}@example.test`, password: PASSWORD };
  if (fullName) input.fullName = fullName;
  const { register } = await api(`mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id primaryWallet { address } } } }`, { i: input }, null, base);
  return { username, id: register.user.id, token: register.accessToken, address: register.user.primaryWallet.address };
}

const mineApi = (token) => api(`mutation { mineBlock(input: { maxTransactions: 100 }) { index } }`, {}, token).then((d) => d.mineBlock.index);

// ---------------------------------------------------------------- browser plumbing

let browser;
const openContexts = new Set();

/** A fresh context whose requests to other origins are aborted and recorded as failures. */
async function newContext(scn, options = {}, base = BASE_URL) {
  const origin = new URL(base).origin;
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  context.setDefaultTimeout(TIMEOUT_MS);
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin || url.startsWith('data:')) return route.continue();
    scn.problems.push(`request to another origin: ${url}`);
    return route.abort('blockedbyclient');
  });
  context.on('page', (page) => watch(scn, page));
  openContexts.add(context);
  return context;
}

const subscribed = new WeakMap(); // page -> { names: string[], events: EventEmitter }

function watch(scn, page) {
  // Subscriptions the page starts, by operation name, seen as `subscribe` frames on its sockets.
  // `active`: per open socket, the subscriptions the page started and has not ended.
  const subs = { names: [], tokens: [], events: new EventEmitter(), active: new Map() };
  subscribed.set(page, subs);
  page.on('websocket', (ws) => {
    const live = new Map(); // id -> name
    subs.active.set(ws, live);
    ws.on('close', () => subs.active.delete(ws));
    // The server ends a subscription with `error` or `complete`.
    ws.on('framereceived', ({ payload }) => {
      try {
        const msg = JSON.parse(payload);
        if (msg.type === 'error' || msg.type === 'complete') live.delete(msg.id);
      } catch {}
    });
    ws.on('framesent', ({ payload }) => {
      try {
        const msg = JSON.parse(payload);
        if (msg.type === 'connection_init' || (msg.type === 'ping' && msg.payload)) subs.tokens.push(msg.payload?.Authorization || null);
        if (msg.type === 'complete') live.delete(msg.id);
        if (msg.type !== 'subscribe') return;
        const name = msg.payload.operationName || /subscription\s+(\w+)/.exec(msg.payload.query)?.[1] || '(anonymous)';
        live.set(msg.id, name);
        subs.names.push(name);
        subs.events.emit('subscribe', name);
      } catch {}
    });
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') scn.problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => scn.problems.push(`page error: ${err.message}`));
  // An <img src=x> that got rendered would request /x: that is the XSS we guard against.
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/x') scn.problems.push(`markup from data was rendered: request to ${req.url()}`);
  });
}

/** Operation names of the GraphQL POSTs a page sends from now on (to tell live updates from re-reads). */
function recordOperations(page) {
  const ops = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && new URL(req.url()).pathname === '/graphql') {
      const m = /^\s*(?:query|mutation)\s+(\w+)/.exec(JSON.parse(req.postData() || '{}').query || '');
      ops.push(m ? m[1] : '(anonymous)');
    }
  });
  return ops;
}

/**
 * Resolves once the page has sent a `subscribe` for the operation `name` (at least `count`
 * times in total). The server registers it when it reads that frame, so an event caused
 * after this (by another client, through a UI or over HTTP) reaches the page.
 */
function waitForSubscribe(page, name, count = 1) {
  const subs = subscribed.get(page);
  const seen = () => subs.names.filter((n) => n === name).length >= count;
  if (seen()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (subs.events.off('subscribe', on), reject(new Error(`no subscribe for ${name} within ${TIMEOUT_MS} ms`))), TIMEOUT_MS);
    const on = () => seen() && (clearTimeout(timer), subs.events.off('subscribe', on), resolve());
    subs.events.on('subscribe', on);
  });
}

/** Waits for a condition on what the test recorded (frames, requests), checked every 50 ms. */
async function until(cond, describe) {
  const end = Date.now() + TIMEOUT_MS;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(typeof describe === 'function' ? describe() : describe);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function shot(target, name) {
  await target.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

// ---------------------------------------------------------------- desktop helpers

async function signUpUi(page, { tag = 'user', fullName = '', base = BASE_URL } = {}) {
  const username = newName(tag);
  await page.goto(`${base}/`);
  await page.click('#tab-signup');
  await page.fill('#form-signup input[name=username]', username);
  await page.fill('#form-signup input[name=email]', `${username}@example.test`);
  if (fullName) await page.fill('#form-signup input[name=fullName]', fullName);
  await page.fill('#form-signup input[name=password]', PASSWORD);
  await page.click('#form-signup button[type=submit]');
  await page.waitForSelector('.taskbar');
  return username;
}

async function openApp(page, id) {
  await page.click('.taskbar .start');
  await page.click(`.start-menu [data-app=${id}]`);
  const win = page.locator(`.window[data-app=${id}]`);
  await win.waitFor();
  await focusApp(page, id);
  return win;
}

/** Brings a window to the front through its taskbar button (windows may overlap). */
async function focusApp(page, id) {
  const btn = page.locator(`.task[data-app=${id}]`);
  if ((await btn.getAttribute('aria-pressed')) !== 'true') await btn.click();
  await page.waitForSelector(`.window.active[data-app=${id}]`);
}

const waitText = (locator, text) => locator.filter({ hasText: text }).first().waitFor();

async function walletAddress(page) {
  const win = await openApp(page, 'wallet');
  const code = win.locator('code.address');
  await page.waitForFunction(() => /^RD[0-9a-f]{38}$/.test(document.querySelector('.window[data-app=wallet] code.address')?.textContent || ''));
  return code.textContent();
}

async function assertNoXss(page) {
  const xss = await page.evaluate(() => window.__xss);
  if (xss !== undefined) throw new Error(`window.__xss was set to ${xss}: user data ran as markup`);
  const imgs = await page.locator('#app img').count();
  if (imgs) throw new Error(`${imgs} <img> element(s) in the desktop: user data became markup`);
}

// ---------------------------------------------------------------- scenarios

const scenarios = [];
const scenario = (name, fn) => scenarios.push({ name, fn });

scenario('static UI: strict CSP, current asset stamps, vendored GraphiQL served', async () => {
  const stale = staleStamps();
  if (stale.length) throw new Error(`stale ?v= stamps in ${stale.join(', ')} (run node tests/browser/stamp.mjs)`);
  const res = await fetch(`${BASE_URL}/`);
  const csp = res.headers.get('content-security-policy') || '';
  if (!/default-src 'self'/.test(csp)) throw new Error(`no strict CSP on /: "${csp}"`);
  const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] || /default-src ([^;]*)/.exec(csp)[1];
  if (/unsafe-inline|unsafe-eval|\*|https?:/.test(scriptSrc)) throw new Error(`scripts are not limited to 'self': "${csp}"`);
  for (const path of ['/vendor/react@18.3.1/react.production.min.js', '/vendor/graphiql@3.9.0/graphiql.min.js', '/vendor/graphiql@3.9.0/graphiql.min.css']) {
    const r = await fetch(`${BASE_URL}${path}`);
    if (!r.ok || /text\/html/.test(r.headers.get('content-type') || '')) throw new Error(`${path} is not served (${r.status} ${r.headers.get('content-type')})`);
  }
});

scenario('two users sign up; A sends money to B and it arrives live in B\'s wallet, then is confirmed live', async (scn) => {
  const ctxA = await newContext(scn);
  const ctxB = await newContext(scn);
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  const [, userB] = await Promise.all([signUpUi(a, { tag: 'alice', fullName: 'Alice Sender' }), signUpUi(b, { tag: 'bob' })]);
  await shot(a, 'desktop-signed-in');

  const walletB = await openApp(b, 'wallet');
  await waitText(walletB.locator('.balance'), '100 RC');
  // The copy button puts the address on the clipboard.
  await ctxB.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ORIGIN });
  await walletB.locator('button.copy').click();
  await waitText(walletB.locator('button.copy'), 'Copied');
  const copied = await b.evaluate(() => navigator.clipboard.readText());
  if (copied !== (await walletB.locator('code.address').textContent())) throw new Error(`the clipboard holds "${copied}"`);
  await walletB.locator('.empty').waitFor(); // activity loaded (and nothing in it)
  await waitForSubscribe(b, 'WalletLive');
  const opsB = recordOperations(b);

  const walletA = await openApp(a, 'wallet');
  await waitText(walletA.locator('.balance'), '100 RC');
  await walletA.locator('input[name=to]').fill(userB); // a username is resolved to its primary wallet
  await walletA.locator('input[name=amount]').fill('12.5');
  await walletA.locator('input[name=fee]').fill('0.5');
  await walletA.locator('input[name=message]').fill('for lunch');
  await walletA.locator('button[type=submit]').click();
  await waitText(walletA.locator('.form-ok'), 'Sent 12.5 RC');
  await waitText(walletA.locator('.balance'), '87 RC'); // 100 - 12.5 - 0.5 fee, debited at once

  // B: the transfer appears (pending) without B re-reading the list.
  const row = walletB.locator('li.tx.in[data-status=PENDING]');
  await row.waitFor();
  const text = await row.textContent();
  if (!text.includes('+12.5 RC') || !text.includes('Alice Sender') || !text.includes('for lunch')) throw new Error(`unexpected activity row: ${text}`);
  if (opsB.includes('WalletActivity')) throw new Error('B re-read its activity instead of receiving it live');
  await waitText(walletB.locator('.pending-in'), '12.5 RC incoming');
  await shot(walletB, 'window-wallet-incoming');

  // A mines (up to 100 pending transfers, so leftovers of earlier runs cannot crowd this one
  // out); B sees the confirmation and the credit live.
  await openApp(a, 'miner');
  await a.locator('.window[data-app=miner] input[name=maxTransactions]').fill('100');
  await a.locator('.window[data-app=miner] button.mine').click();
  await waitText(a.locator('.window[data-app=miner] .notice'), 'Mined block');
  await walletB.locator('li.tx.in[data-status=CONFIRMED]').waitFor();
  await waitText(walletB.locator('.balance'), '112.5 RC');
  if (opsB.includes('WalletActivity')) throw new Error('B re-read its activity instead of receiving the confirmation live');
  await focusApp(b, 'wallet');
  await shot(walletB, 'window-wallet-confirmed');
  await shot(a.locator('.window[data-app=miner]'), 'window-miner');
});

scenario('mining a block updates the explorer live in another context; verify the chain', async (scn) => {
  const ctxA = await newContext(scn);
  const ctxB = await newContext(scn);
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  await Promise.all([signUpUi(a, { tag: 'miner' }), signUpUi(b, { tag: 'watcher' })]);

  const exB = await openApp(b, 'explorer');
  await exB.locator('table.blocks tbody tr').first().waitFor();
  await exB.locator('.stats[data-height]').waitFor();
  await waitForSubscribe(b, 'OnBlock');
  const height = Number(await exB.locator('.stats').getAttribute('data-height'));
  const opsB = recordOperations(b);

  const exA = await openApp(a, 'explorer');
  await exA.locator('button.mine').click();
  await waitText(exA.locator('.notice'), `Mined block #${height + 1}`);

  await exB.locator(`table.blocks tr[data-index="${height + 1}"]`).waitFor();
  if (opsB.includes('Blocks')) throw new Error('the explorer re-read the block list instead of receiving the block live');
  await b.waitForFunction((h) => document.querySelector('.window[data-app=explorer] .stats')?.dataset.height === String(h), height + 1);

  await exB.locator('button.verify').click();
  await waitText(exB.locator('.notice'), 'Chain valid');
  await shot(exB, 'window-explorer');
});

scenario('explorer: block detail with its transactions, transaction detail, search, pending pool', async (scn) => {
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'explorer' });
  const other = await registerApi('payee');
  await mineApi(other.token); // an empty pool, so the explorer's Mine (10 oldest) takes our transfer
  // A pending transfer, from the UI user to `other`, with a message to find again.
  const win = await openApp(page, 'wallet');
  await waitText(win.locator('.balance'), '100 RC');
  await win.locator('input[name=to]').fill(other.address);
  await win.locator('input[name=amount]').fill('3');
  await win.locator('input[name=message]').fill('detail check');
  await win.locator('button[type=submit]').click();
  await waitText(win.locator('.form-ok'), 'Sent 3 RC');

  const ex = await openApp(page, 'explorer');
  await ex.locator('button.nav-pending').click();
  await waitText(ex.locator('.explorer-main tr'), 'detail check');
  await shot(ex, 'window-explorer-pending');

  await ex.locator('button.mine').click();
  const mined = Number(/#(\d+)/.exec(await ex.locator('.notice').filter({ hasText: 'Mined block' }).textContent())[1]);
  await ex.locator('input[name=q]').fill(String(mined));
  await ex.locator('form.toolbar button[type=submit]').click();
  await ex.locator(`.block-detail[data-index="${mined}"]`).waitFor();
  await waitText(ex.locator('.block-detail tbody tr'), 'detail check');
  await shot(ex, 'window-explorer-block');

  await ex.locator('.block-detail tbody tr button.link').first().click();
  await ex.locator('.tx-detail').waitFor();
  await waitText(ex.locator('.tx-detail'), 'Confirmed');
  await waitText(ex.locator('.tx-detail'), `#${mined}`);
  await shot(ex, 'window-explorer-transaction');
});

scenario('notifications: the taskbar badge counts live, the window lists them and marks them read', async (scn) => {
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  const username = await signUpUi(page, { tag: 'notified' });
  await waitForSubscribe(page, 'NotificationBadge');
  const badge = page.locator('.tray-item[data-app=notifications]');
  await badge.locator('.tray-count').waitFor({ state: 'hidden' });
  const payer = await registerApi('notifier');
  const { user } = await api(`query($u: String!) { user(username: $u) { primaryWallet { address } } }`, { u: username });
  const pay = (m) => api(`mutation($i: TransferInput!) { transfer(input: $i) { hash } }`, { i: { toAddress: user.primaryWallet.address, amount: '1', message: m } }, payer.token);
  await pay('first');
  await page.waitForSelector('.tray-item[data-app=notifications][data-count="1"]');
  await shot(page.locator('.taskbar'), 'taskbar-notification-badge');

  // The window opens from the badge; a new notification arrives in it live.
  await badge.click();
  const win = page.locator('.window[data-app=notifications]');
  await win.locator('li.notification.unread').first().waitFor();
  await waitForSubscribe(page, 'NotificationLive');
  const opsAfter = recordOperations(page);
  await pay('second');
  await page.waitForFunction(() => document.querySelectorAll('.window[data-app=notifications] li.notification.unread').length === 2);
  await page.waitForSelector('.tray-item[data-app=notifications][data-count="2"]');
  if (opsAfter.includes('NotificationList')) throw new Error('the window re-read its list instead of receiving the notification live');
  await shot(win, 'window-notifications');

  await win.locator('button.mark-all').click();
  await page.waitForSelector('.tray-item[data-app=notifications][data-count="0"]');
  await badge.locator('.tray-count').waitFor({ state: 'hidden' });
  if (await win.locator('li.notification.unread').count()) throw new Error('rows still unread after "Mark all read"');
  const { unreadNotificationCount } = await api(`query { unreadNotificationCount }`, {}, (await page.evaluate(() => JSON.parse(sessionStorage.getItem('blackroad.access')))).token);
  if (unreadNotificationCount !== 0) throw new Error(`the server still counts ${unreadNotificationCount} unread`);
});

/** The access token the desktop in `page` holds (to act as that user over HTTP). */
const pageToken = async (page) => JSON.parse(await page.evaluate(() => sessionStorage.getItem('blackroad.access'))).token;

scenario('mail: compose to another user, who receives it live, reads it and replies; archive and delete', async (scn) => {
  const ctxA = await newContext(scn);
  const ctxB = await newContext(scn);
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  const [userA, userB] = await Promise.all([signUpUi(a, { tag: 'mailer', fullName: 'Mail Sender' }), signUpUi(b, { tag: 'mailee' })]);

  const mailB = await openApp(b, 'mail');
  await mailB.locator('.mail-list[data-folder=INBOX]').waitFor({ state: 'attached' });
  await waitForSubscribe(b, 'MailLive');
  const opsB = recordOperations(b);

  const mailA = await openApp(a, 'mail');
  await mailA.locator('button.compose').click();
  await mailA.locator('input[name=to]').fill(userB);
  await mailA.locator('input[name=subject]').fill('Lunch on Friday?');
  await mailA.locator('textarea[name=body]').fill('Shall we meet at noon?\nBring the maps.');
  await mailA.locator('.compose-form button[type=submit]').click();
  await mailA.locator('.mail-list[data-folder=SENT] li.mail').filter({ hasText: 'Lunch on Friday?' }).waitFor();
  await waitForSubscribe(a, 'MailLive');

  // B: the message arrives in the inbox without a re-read; the unread count and badge follow.
  const row = mailB.locator('li.mail.unread').filter({ hasText: 'Lunch on Friday?' });
  await row.waitFor();
  if (!(await row.textContent()).includes('Mail Sender')) throw new Error(`sender missing: ${await row.textContent()}`);
  if (opsB.includes('Mailbox')) throw new Error('the inbox was re-read instead of receiving the mail live');
  await waitText(mailB.locator('.unread-count'), '1 unread');
  await b.waitForSelector('.tray-item[data-app=notifications][data-count="1"]');
  await shot(mailB, 'window-mail-inbox');

  await row.locator('button').first().click();
  const msg = mailB.locator('article.mail-message');
  await msg.waitFor();
  if ((await msg.locator('.body').textContent()) !== 'Shall we meet at noon?\nBring the maps.') throw new Error('the body is not shown as sent');
  await waitText(msg.locator('.from'), `@${userA}`);
  await shot(mailB, 'window-mail-message');

  await mailB.locator('button.reply').click();
  if ((await mailB.locator('input[name=to]').inputValue()) !== userA) throw new Error('the reply is not addressed to the sender');
  await mailB.locator('textarea[name=body]').fill('Noon works.');
  await mailB.locator('.compose-form button[type=submit]').click();
  await mailB.locator('.mail-list[data-folder=SENT] li.mail').filter({ hasText: 'Re: Lunch on Friday?' }).waitFor();

  // A is in SENT, so the reply is announced (a toast); A's inbox then lists it, in a thread.
  await a.locator('.toast').filter({ hasText: 'New mail from' }).waitFor();
  await mailA.locator('button.folder[data-folder=INBOX]').click();
  await mailA.locator('li.mail.unread').filter({ hasText: 'Re: Lunch on Friday?' }).locator('button').first().click();
  await waitText(mailA.locator('section.thread'), 'Shall we meet at noon?');

  // B archives the original, then deletes it (to Trash) and deletes it for good.
  await mailB.locator('button.folder[data-folder=INBOX]').click();
  await mailB.locator('li.mail').filter({ hasText: 'Lunch on Friday?' }).locator('button').first().click();
  await mailB.locator('button.archive').click();
  await mailB.locator('.mail-list[data-folder=INBOX]').waitFor({ state: 'attached' });
  await mailB.locator('button.folder[data-folder=ARCHIVE]').click();
  await mailB.locator('.mail-list[data-folder=ARCHIVE] li.mail').filter({ hasText: 'Lunch on Friday?' }).locator('button').first().click();
  await mailB.locator('button.delete').click();
  await mailB.locator('button.folder[data-folder=TRASH]').click();
  await mailB.locator('.mail-list[data-folder=TRASH] li.mail').filter({ hasText: 'Lunch on Friday?' }).locator('button').first().click();
  await waitText(mailB.locator('button.delete'), 'Delete forever');
  await mailB.locator('button.delete').click();
  await mailB.locator('.empty').filter({ hasText: 'No messages.' }).waitFor(); // back in the (now empty) Trash
  const { mailbox } = await api(`query { mailbox(folder: TRASH) { nodes { subject } } }`, {}, await pageToken(b));
  if (mailbox.nodes.length) throw new Error(`trash still holds ${JSON.stringify(mailbox.nodes)}`);

  // An unknown recipient is named next to the To field, and nothing is sent.
  await mailA.locator('button.compose').click();
  await mailA.locator('input[name=to]').fill(`nobody_${RUN}`);
  await mailA.locator('input[name=subject]').fill('x');
  await mailA.locator('textarea[name=body]').fill('x');
  await mailA.locator('.compose-form button[type=submit]').click();
  await waitText(mailA.locator('.compose-form [role=alert]:not([hidden])'), `nobody_${RUN}`);
});

scenario('social: follow someone, see their new post arrive live in the feed, like and comment', async (scn) => {
  const ctxA = await newContext(scn);
  const ctxB = await newContext(scn);
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  const [userA] = await Promise.all([signUpUi(a, { tag: 'poster', fullName: 'Poster Person' }), signUpUi(b, { tag: 'follower' })]);

  const socialB = await openApp(b, 'social');
  await socialB.locator('.people input[name=username]').fill(userA);
  await socialB.locator('.people button[type=submit]').click();
  await socialB.locator('.person button.follow').click();
  await socialB.locator('.person button.unfollow').waitFor();
  await waitForSubscribe(b, 'FeedLive');

  const socialA = await openApp(a, 'social');
  await waitText(socialA.locator('.my-counts'), 'You have 1 follower');
  await socialA.locator('textarea[name=body]').fill('Hello, followers!\nSecond line.');
  await socialA.locator('.post-form button[type=submit]').click();
  await socialA.locator('li.post').filter({ hasText: 'Hello, followers!' }).waitFor();

  // B's feed shows it live, with its author.
  const post = socialB.locator('li.post').filter({ hasText: 'Hello, followers!' });
  await post.waitFor();
  await waitText(post.locator('.author'), 'Poster Person');
  if ((await post.locator('.body').textContent()) !== 'Hello, followers!\nSecond line.') throw new Error('the post body is not shown as written');
  await post.locator('button.like').click();
  await waitText(socialB.locator('li.post').filter({ hasText: 'Hello, followers!' }).locator('.like-count'), '1 like');
  const again = socialB.locator('li.post').filter({ hasText: 'Hello, followers!' });
  await again.locator('input[name=comment]').fill('Hi there!');
  await again.locator('.comment-form button[type=submit]').click();
  await waitText(socialB.locator('li.post').filter({ hasText: 'Hello, followers!' }).locator('.comment'), 'Hi there!');
  await shot(socialB, 'window-social');

  // A is told about the new follower, the like and the comment.
  await a.waitForSelector('.tray-item[data-app=notifications][data-count="3"]');

  // A post that breaks the rules is refused next to the field, and nothing is posted.
  await socialA.locator('textarea[name=body]').fill('x'.repeat(500));
  await socialA.locator('input[name=mediaUrl]').fill('ftp://example.test/x');
  await socialA.locator('.post-form button[type=submit]').click();
  await socialA.locator('.post-form [aria-invalid=true]').waitFor();
});

scenario('files: upload with progress, quota bar, folders, rename, move, download, delete', async (scn) => {
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'filer' });
  const win = await openApp(page, 'files');
  await win.locator('.quota[data-used="0"]').waitFor();
  const content = Buffer.alloc(300 * 1024, 'blackroad files test\n');
  // Upload at 100 KiB/s so the progress can be seen moving, and record the multipart requests.
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 100 * 1024 });
  let multipart = 0;
  page.on('request', (req) => {
    if (!/^multipart\/form-data/.test(req.headers()['content-type'] || '')) return;
    multipart++;
    if (req.headers()['apollo-require-preflight'] !== 'true') scn.problems.push('the upload lacks the preflight header');
  });
  await win.locator('input[type=file]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: content });
  await page.waitForFunction(() => {
    const pct = Number(document.querySelector('.window[data-app=files] li.upload')?.dataset.pct);
    return pct > 0 && pct < 100;
  });
  await shot(win, 'window-files-uploading');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const file = win.locator('li.file[data-name="notes.txt"]');
  await file.waitFor();
  await waitText(file, '300 KiB');
  await page.waitForFunction((n) => document.querySelector('.window[data-app=files] .quota')?.dataset.used === String(n), content.length);
  await waitText(win.locator('.quota-text'), '300 KiB of 100 MiB');
  await win.locator('li.upload').waitFor({ state: 'detached' });
  if (multipart !== 1) throw new Error(`expected one multipart request, saw ${multipart}`);
  await shot(win, 'window-files');

  // Download: the same bytes, through GET /files/{id} with the bearer token.
  const [download] = await Promise.all([page.waitForEvent('download'), file.locator('button.download').click()]);
  if (download.suggestedFilename() !== 'notes.txt') throw new Error(`downloaded as ${download.suggestedFilename()}`);
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  if (!readFileSync(path).equals(content)) throw new Error('the downloaded bytes differ from the uploaded ones');

  // Rename, then a folder to move it into.
  await file.locator('button.rename').click();
  await win.locator('input[name=rename]').fill('renamed.txt');
  await win.locator('.rename-form button[type=submit]').click();
  await win.locator('li.file[data-name="renamed.txt"]').waitFor();
  await win.locator('input[name=folderName]').fill('Archive');
  await win.locator('form.mkdir button[type=submit]').click();
  await win.locator('li.folder[data-name="Archive"]').waitFor();
  await win.locator('li.file[data-name="renamed.txt"] button.move').click();
  await win.locator('.move-form button[type=submit]').click();
  await win.locator('li.file[data-name="renamed.txt"]').waitFor({ state: 'detached' });
  await win.locator('li.folder[data-name="Archive"] button.name').click();
  await win.locator('li.file[data-name="renamed.txt"]').waitFor();
  await win.locator('li.file[data-name="renamed.txt"] button.delete').click();
  await win.locator('li.file[data-name="renamed.txt"]').waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.querySelector('.window[data-app=files] .quota')?.dataset.used === '0');
});

scenario('devices: register a device, see it online live after a heartbeat', async (scn) => {
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'devicer' });
  const win = await openApp(page, 'devices');
  await win.locator('button.show-register').click();
  await win.locator('input[name=name]').fill('Kitchen Pi');
  await win.locator('input[name=kind]').fill('sensor');
  await win.locator('.register-form button[type=submit]').click();
  const row = win.locator('li.device').filter({ hasText: 'Kitchen Pi' });
  await row.waitFor();
  await waitForSubscribe(page, 'DevicesLive');
  const id = await row.getAttribute('data-id');
  await api(`mutation($i: DeviceHeartbeatInput!) { deviceHeartbeat(input: $i) { online } }`, { i: { id, status: { temperature: 21.5 } } }, await pageToken(page));
  await win.locator('li.device[data-online=true]').filter({ hasText: 'temperature' }).waitFor();
  await waitText(win.locator('.devices-summary'), '1 of 1 online');
  await shot(win, 'window-devices');
});

scenario('dashboard: the figures in one read, re-read live when a notification arrives', async (scn) => {
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'dasher' });
  await api(`mutation($i: RegisterDeviceInput!) { registerDevice(input: $i) { id } }`, { i: { name: 'Phone', kind: 'phone' } }, await pageToken(page)).then(({ registerDevice }) =>
    pageToken(page).then((t) => api(`mutation($i: DeviceHeartbeatInput!) { deviceHeartbeat(input: $i) { online } }`, { i: { id: registerDevice.id, status: {} } }, t)),
  );
  const dash = await openApp(page, 'dashboard');
  await waitText(dash.locator('.stat[data-key=devicesOnline]'), '1');
  await waitText(dash.locator('.stat[data-key=balance]'), '100 RC');
  await waitForSubscribe(page, 'DashboardNotifications');
  const payer = await registerApi('dashpayer');
  const { me } = await api(`query { me { primaryWallet { address } } }`, {}, await pageToken(page));
  await api(`mutation($i: TransferInput!) { transfer(input: $i) { hash } }`, { i: { toAddress: me.primaryWallet.address, amount: '5' } }, payer.token);
  await waitText(dash.locator('.stat[data-key=unreadNotifications]'), '1');
  await waitText(dash.locator('.stat[data-key=pending]'), '5 RC');
  await shot(dash, 'window-dashboard');
});

scenario('BlackStream: publish a video, react, list', async (scn) => {
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'streamer' });
  const win = await openApp(page, 'stream');
  await win.locator('button.show-publish').click();
  await win.locator('input[name=title]').fill('Road trip');
  await win.locator('input[name=url]').fill('https://videos.example.test/road-trip.mp4');
  await win.locator('input[name=duration]').fill('3:25');
  await win.locator('.publish-form button[type=submit]').click();
  const card = win.locator('li.video').filter({ hasText: 'Road trip' });
  await card.waitFor();
  await waitText(card, '3:25');
  await card.locator('button.react.like').click();
  await win.locator('li.video').filter({ hasText: 'Road trip' }).locator('button.react.like[aria-pressed=true]').waitFor();
  await waitText(win.locator('li.video').filter({ hasText: 'Road trip' }).locator('button.react.like'), '1');
  await shot(win, 'window-stream');

  // Deleting one's own video: gone from the list, and from the server.
  const id = await card.getAttribute('data-id');
  await card.locator('button.delete').click();
  await win.locator(`li.video[data-id="${id}"]`).waitFor({ state: 'detached' });
  await waitText(page.locator('.toasts'), 'Video deleted');
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('blackroad.access')).token);
  const { node } = await api(`query($id: ID!) { node(id: $id) { id } }`, { id }, token);
  if (node) throw new Error('the deleted video is still served');
});

scenario('miner: mining as a background job, its progress and result live', async (scn) => {
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'bgminer' });
  const win = await openApp(page, 'miner');
  await win.locator('.stats .stat').first().waitFor();
  await waitForSubscribe(page, 'MiningJob');
  const before = Number(await win.locator('.stats').getAttribute('data-blocks-mined'));
  await win.locator('button.mine-background').click();
  await win.locator('.job[data-status=SUCCEEDED]').waitFor();
  await waitText(win.locator('.job-text'), 'Mined block #');
  await page.waitForFunction((n) => document.querySelector('.window[data-app=miner] .stats')?.dataset.blocksMined === String(n), before + 1);
  await shot(win, 'window-miner-background');
});

scenario('AI chat: a new conversation, then a reply that streams in token by token', async (scn) => {
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'chatter' });
  const win = await openApp(page, 'chat');
  await win.locator('textarea[name=message]').fill('hello there');
  await win.locator('.chat-form button[type=submit]').click();
  // The new conversation is selected, and its reply arrives (streamed, or already stored).
  await win.locator('.conversation[aria-current=true]').waitFor();
  await win.locator('.chat-msg.assistant[data-status=complete]').filter({ hasText: 'Echo: hello there' }).waitFor();

  // In the open conversation the reply is watched as it grows: the page sees partial text first.
  await waitForSubscribe(page, 'ChatReply');
  const sentence = 'one two three four five six seven eight';
  await win.locator('textarea[name=message]').fill(sentence);
  const partials = page.evaluate(([full, ms]) => new Promise((resolve) => {
    const seen = new Set();
    setTimeout(() => resolve({ timedOut: true, seen: [...seen] }), ms);
    const log = document.querySelector('.window[data-app=chat] .chat-log');
    const look = () => {
      for (const el of log.querySelectorAll('.chat-msg.assistant')) {
        const t = el.textContent;
        if (t.startsWith('Echo: one') && t !== `Echo: ${full}`) seen.add(t);
        if (t === `Echo: ${full}` && el.dataset.status === 'complete') return resolve({ seen: [...seen] });
      }
    };
    new MutationObserver(look).observe(log, { childList: true, subtree: true, characterData: true, attributes: true });
  }), [sentence, TIMEOUT_MS]);
  await win.locator('.chat-form button[type=submit]').click();
  const { timedOut, seen } = await partials;
  if (timedOut) throw new Error(`no complete reply "Echo: ${sentence}" within ${TIMEOUT_MS} ms (partials: ${JSON.stringify(seen)})`);
  if (seen.length < 2) throw new Error(`the reply did not stream in: partial texts seen ${JSON.stringify(seen)}`);
  await win.locator('.chat-msg.user').filter({ hasText: sentence }).waitFor();
  await shot(win, 'window-chat');

  // Deleting the open conversation: it leaves the list, and the window starts a new chat.
  const id = await win.locator('.conversation[aria-current=true]').getAttribute('data-id');
  await win.locator('button.delete').click();
  await win.locator(`.conversation[data-id="${id}"]`).waitFor({ state: 'detached' });
  await waitText(win.locator('.conversation-title'), 'New chat');
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('blackroad.access')).token);
  const { conversations } = await api(`{ conversations(first: 50) { nodes { id } } }`, {}, token);
  if (conversations.nodes.some((c) => c.id === id)) throw new Error('the deleted conversation is still listed by the server');
});

scenario('XSS: a post, a mail subject, a video title and a device name of <img src=x onerror=…> are shown as text', async (scn) => {
  const attacker = await registerApi('xssposter');
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  const victim = await signUpUi(page, { tag: 'xssvictim' });
  const token = await pageToken(page);
  await api(`mutation($i: FollowInput!) { follow(input: $i) { username } }`, { i: { username: attacker.username } }, token);
  await api(`mutation($i: CreatePostInput!) { createPost(input: $i) { id } }`, { i: { body: XSS } }, attacker.token);
  await api(`mutation($i: SendMailInput!) { sendMail(input: $i) { id } }`, { i: { to: [victim], subject: XSS, body: XSS } }, attacker.token);
  await api(`mutation($i: PublishVideoInput!) { publishVideo(input: $i) { id } }`, { i: { title: XSS, description: XSS, url: 'https://videos.example.test/x.mp4', durationSeconds: 5 } }, attacker.token);
  await api(`mutation($i: RegisterDeviceInput!) { registerDevice(input: $i) { id } }`, { i: { name: XSS, kind: 'sensor' } }, token);

  const social = await openApp(page, 'social');
  const post = social.locator('li.post').filter({ hasText: XSS });
  await post.waitFor();
  if ((await post.locator('.body').textContent()) !== XSS) throw new Error('the post body is not shown as text');
  const mail = await openApp(page, 'mail');
  const row = mail.locator('li.mail').filter({ hasText: XSS });
  await row.waitFor();
  if ((await row.locator('.subject').textContent()) !== XSS) throw new Error('the mail subject is not shown as text');
  await row.locator('button').first().click();
  if ((await mail.locator('article.mail-message .body').textContent()) !== XSS) throw new Error('the mail body is not shown as text');
  const stream = await openApp(page, 'stream');
  const video = stream.locator('li.video').filter({ hasText: XSS }).first();
  await video.waitFor();
  if ((await video.locator('.title').textContent()) !== XSS) throw new Error('the video title is not shown as text');
  const devices = await openApp(page, 'devices');
  const device = devices.locator('li.device').filter({ hasText: XSS });
  await device.waitFor();
  if ((await device.locator('.name').textContent()) !== XSS) throw new Error('the device name is not shown as text');
  const notes = await openApp(page, 'notifications');
  await notes.locator('li.notification').first().waitFor();

  await assertNoXss(page);
  await shot(page, 'xss-windows-shown-as-text');
});

scenario('a wrong password is an inline message, with no reload', async (scn) => {
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  const username = await signUpUi(page, { tag: 'forgetful' });
  await page.click('.taskbar .start');
  await page.click('.start-menu .sign-out');
  await page.waitForSelector('#form-signin');
  let navigations = 0;
  page.on('framenavigated', (f) => f === page.mainFrame() && navigations++);
  await page.evaluate(() => (window.__marker = 'still here'));

  await page.fill('#form-signin input[name=login]', username);
  await page.fill('#form-signin input[name=password]', 'not-the-password');
  await page.click('#form-signin button[type=submit]');
  await waitText(page.locator('#form-signin .form-error'), 'Wrong username or password.');
  await shot(page, 'signin-wrong-password');
  if ((await page.evaluate(() => window.__marker)) !== 'still here' || navigations) throw new Error('the page reloaded');

  await page.fill('#form-signin input[name=password]', PASSWORD);
  await page.click('#form-signin button[type=submit]');
  await page.waitForSelector('.taskbar');
  if ((await page.evaluate(() => window.__marker)) !== 'still here' || navigations) throw new Error('signing in reloaded the page');
});

scenario('sign-out ends the session: the cookie no longer refreshes and a reload shows the sign-in card', async (scn) => {
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'leaver' });
  await openApp(page, 'wallet');
  await page.click('.taskbar .start');
  await page.click('.start-menu .sign-out');
  await page.waitForSelector('#form-signin');
  if (await page.locator('.window').count()) throw new Error('windows survived sign-out');
  const stored = await page.evaluate(() => sessionStorage.getItem('blackroad.access'));
  if (stored) throw new Error('the access token is still in sessionStorage');
  // The browser still has the refresh cookie, but its token was revoked by `logout`.
  const res = await ctx.request.post(`${BASE_URL}/api/auth/refresh`);
  if (res.status() !== 401) throw new Error(`POST /api/auth/refresh after sign-out answered ${res.status()}, expected 401`);
  await page.reload();
  await page.waitForSelector('#form-signin');
});

scenario('an expired or revoked access token is renewed once through the refresh cookie', async (scn) => {
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'renewer' });
  // Replace this tab's access token with garbage, as if it had expired, and reload.
  await page.evaluate(() => sessionStorage.setItem('blackroad.access', JSON.stringify({ token: 'expired.garbage.token', expiresAt: Date.now() + 600_000 })));
  let refreshes = 0;
  page.on('request', (r) => new URL(r.url()).pathname === '/api/auth/refresh' && refreshes++);
  await page.reload();
  await page.waitForSelector('.taskbar');
  if (refreshes !== 1) throw new Error(`expected exactly one refresh, saw ${refreshes}`);
  const win = await openApp(page, 'wallet');
  await waitText(win.locator('.balance'), '100 RC');
  const stored = JSON.parse(await page.evaluate(() => sessionStorage.getItem('blackroad.access')));
  if (stored.token === 'expired.garbage.token') throw new Error('the renewed token was not stored');
});

scenario('XSS: a transfer message and a full name of <img src=x onerror=…> are shown as text', async (scn) => {
  const attacker = await registerApi('mallory');
  await api(`mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { fullName } }`, { i: { fullName: XSS } }, attacker.token);

  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'victim', fullName: XSS }); // the viewer's own name, too
  await waitText(page.locator('.taskbar .user-name'), XSS);
  const address = await walletAddress(page);
  const win = page.locator('.window[data-app=wallet]');
  await win.locator('.empty').waitFor();
  await waitForSubscribe(page, 'WalletLive');

  await api(`mutation($i: TransferInput!) { transfer(input: $i) { hash } }`, { i: { toAddress: address, amount: '1', message: XSS } }, attacker.token);
  const row = win.locator('li.tx.in');
  await row.waitFor();
  const message = await row.locator('.tx-message').textContent();
  if (message !== XSS) throw new Error(`message shown as "${message}"`);
  const who = await row.locator('.who').textContent();
  if (!who.includes(XSS)) throw new Error(`sender shown as "${who}"`);

  await row.locator('button.link').click(); // transaction detail in the explorer
  const ex = page.locator('.window[data-app=explorer]');
  await ex.locator('.tx-detail').waitFor();
  if ((await ex.locator('.tx-detail .tx-message').textContent()) !== XSS) throw new Error('the explorer rendered the message differently');
  await waitText(ex.locator('.tx-detail'), `${XSS} (@${attacker.username})`);

  await assertNoXss(page);
  await shot(page, 'xss-shown-as-text');
});

scenario('one socket for the desktop: it reconnects after a drop, re-subscribes, and after a 4401 renews its token', async (scn) => {
  const ctx = await newContext(scn);
  // Sit between page and server so the test can cut the socket.
  const sockets = [];
  await ctx.routeWebSocket(/\/graphql$/, (ws) => {
    ws.connectToServer(); // forwards both ways
    sockets.push(ws);
  });
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'flaky' });
  const address = await walletAddress(page);
  const wallet = page.locator('.window[data-app=wallet]');
  await wallet.locator('.empty').waitFor();
  await openApp(page, 'explorer');
  await Promise.all([waitForSubscribe(page, 'WalletLive'), waitForSubscribe(page, 'OnBlock')]);
  if (sockets.length !== 1) throw new Error(`two windows opened ${sockets.length} sockets, expected one`);
  const payer = await registerApi('payer');

  // A drop: the client reconnects (backoff) and re-sends both subscriptions.
  const opsAfterDrop = recordOperations(page);
  await sockets[0].close({ code: 4000, reason: 'test drop' });
  await Promise.all([waitForSubscribe(page, 'WalletLive', 2), waitForSubscribe(page, 'OnBlock', 2)]);
  if (sockets.length !== 2) throw new Error(`expected one new socket, saw ${sockets.length - 1}`);
  await page.waitForSelector('.socket-status[data-state=online]');
  // …and the windows re-read what they may have missed meanwhile (checked below).
  await api(`mutation($i: TransferInput!) { transfer(input: $i) { hash } }`, { i: { toAddress: address, amount: '2', message: 'after the drop' } }, payer.token);
  await waitText(wallet.locator('li.tx.in'), 'after the drop');
  for (const op of ['WalletActivity', 'Blocks']) if (!opsAfterDrop.includes(op)) throw new Error(`no ${op} re-read after the reconnect`);

  // 4401 (token expired): one refresh through the cookie, then a new socket with the new token.
  let refreshes = 0;
  page.on('request', (r) => new URL(r.url()).pathname === '/api/auth/refresh' && refreshes++);
  const tokens = subscribed.get(page).tokens;
  await sockets[1].close({ code: 4401, reason: 'token expired' });
  await waitForSubscribe(page, 'WalletLive', 3);
  if (refreshes !== 1) throw new Error(`expected one refresh after 4401, saw ${refreshes}`);
  const [before, after] = tokens.slice(-2);
  if (!after?.startsWith('Bearer ') || after === before) throw new Error('the new socket did not start with the renewed token');
  await api(`mutation($i: TransferInput!) { transfer(input: $i) { hash } }`, { i: { toAddress: address, amount: '3', message: 'after the renewal' } }, payer.token);
  await waitText(wallet.locator('li.tx.in'), 'after the renewal');
});

scenario('windows at 1280×800: open, drag by the title bar, focus/raise, minimise, close; taskbar lists them', async (scn) => {
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'mover' });
  const wallet = await openApp(page, 'wallet');
  const explorer = await openApp(page, 'explorer');
  await openApp(page, 'miner');
  const tasks = await page.locator('.tasks .task').allTextContents();
  if (tasks.join(',') !== 'Wallet,RoadChain,Miner') throw new Error(`taskbar lists ${tasks}`);

  // Drag the wallet by its title bar (it is behind the others: the press raises it first).
  await focusApp(page, 'wallet');
  const before = await wallet.boundingBox();
  const bar = await wallet.locator('.titlebar h2').boundingBox();
  await page.mouse.move(bar.x + 10, bar.y + bar.height / 2);
  await page.mouse.down();
  await page.mouse.move(bar.x + 610, bar.y + bar.height / 2 + 60, { steps: 8 });
  await page.mouse.up();
  const after = await wallet.boundingBox();
  if (Math.abs(after.x - before.x - 600) > 2 || Math.abs(after.y - before.y - 60) > 2) throw new Error(`window moved from ${JSON.stringify(before)} to ${JSON.stringify(after)}`);

  // The explorer comes to the front from the taskbar; a press on the part of the wallet that
  // sticks out to its right raises the wallet again.
  await focusApp(page, 'explorer');
  const z = async (loc) => Number(await loc.evaluate((el) => el.style.zIndex));
  if (!((await z(explorer)) > (await z(wallet)))) throw new Error('focus did not raise the explorer');
  const ex = await explorer.boundingBox();
  const w = await wallet.boundingBox();
  if (w.x + w.width < ex.x + ex.width + 20) throw new Error('the wallet does not stick out from behind the explorer');
  await page.mouse.click((ex.x + ex.width + w.x + w.width) / 2, w.y + 12);
  await page.waitForSelector('.window.active[data-app=wallet]');
  if (!((await z(wallet)) > (await z(explorer)))) throw new Error('a press did not raise the wallet');

  // Minimise and restore from the taskbar.
  await wallet.locator('.win-min').click();
  await wallet.waitFor({ state: 'hidden' });
  await page.locator('.task[data-app=wallet]').click();
  await wallet.waitFor({ state: 'visible' });

  await shot(page, 'desktop-three-windows');
  for (const id of ['wallet', 'explorer', 'miner']) {
    await focusApp(page, id);
    await page.locator(`.window[data-app=${id}] .win-close`).click();
    await page.locator(`.window[data-app=${id}]`).waitFor({ state: 'detached' });
  }
  if (await page.locator('.tasks .task').count()) throw new Error('closed windows are still in the taskbar');
  // With no window open, the windows' subscriptions are ended: only the taskbar's
  // notification badge still listens.
  const left = () => [...subscribed.get(page).active.values()].flatMap((m) => [...m.values()]).sort().join();
  await until(() => left() === 'NotificationBadge', () => `subscriptions left after closing every window: ${left()}`);
});

scenario('phone viewport (390×844): a window opens as a full-screen sheet and closes', async (scn) => {
  const ctx = await newContext(scn, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'phone' });
  await shot(page, 'phone-desktop');
  const win = await openApp(page, 'wallet');
  await waitText(win.locator('.balance'), '100 RC');
  const box = await win.boundingBox();
  const bar = await page.locator('.taskbar').boundingBox();
  if (box.x !== 0 || Math.round(box.width) !== 390 || box.y !== 0 || Math.round(box.y + box.height) !== Math.round(bar.y)) {
    throw new Error(`window is not a full-screen sheet: ${JSON.stringify(box)} (taskbar at ${bar.y})`);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  if (overflow) throw new Error('the page scrolls sideways at 390 px');
  await shot(page, 'phone-window-wallet');
  await win.locator('.win-close').tap();
  await win.waitFor({ state: 'detached' });
  // A two-column window (folders | messages) stacks its columns on a phone.
  const mail = await openApp(page, 'mail');
  await mail.locator('.mail-list[data-folder=INBOX]').waitFor({ state: 'attached' });
  const wide = await mail.evaluate((el) => el.querySelector('.window-body').scrollWidth > el.querySelector('.window-body').clientWidth);
  if (wide) throw new Error('the mail window scrolls sideways at 390 px');
  await shot(page, 'phone-window-mail');
  await mail.locator('.win-close').tap();
  await mail.waitFor({ state: 'detached' });
  await page.locator('.icons').waitFor();
});

scenario('GraphiQL offline: a query with the pre-filled token and a subscription, no other origin contacted', async (scn) => {
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  const username = await signUpUi(page, { tag: 'graphiql' });
  const { token } = await registerApi('graphiqlminer');
  const html = await (await fetch(`${BASE_URL}${GRAPHIQL_PATH}`)).text();
  if (!html.includes('/graphiql/graphiql.js')) throw new Error(`GET ${GRAPHIQL_PATH} is not the self-hosted static/graphiql/index.html (route it there, or set GRAPHIQL_PATH)`);
  await page.goto(`${BASE_URL}${GRAPHIQL_PATH}`);
  await page.waitForSelector('.graphiql-container .CodeMirror');

  // The header editor starts with this tab's desktop token.
  const editors = async () => page.evaluate(() => [...document.querySelectorAll('.graphiql-container .CodeMirror')].map((el) => el.CodeMirror.getValue()));
  if (!(await editors()).some((v) => /"Authorization": "Bearer [\w.-]+"/.test(v))) throw new Error('the header editor has no Authorization header');

  // GraphiQL works out the operation to run from the editor after a short debounce; wait until
  // it has, or Execute would still send the previous operation's name.
  const setQuery = async (q) => {
    await page.evaluate((text) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(text), q);
    const name = /^\s*\w+\s+(\w+)/.exec(q)[1];
    await page.waitForFunction((n) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.operationName === n, name);
  };
  const result = () => page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() || '');

  await setQuery('query Who { me { username } }');
  await page.click('.graphiql-execute-button');
  await page.waitForFunction((u) => (document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() || '').includes(u), username);
  await shot(page, 'graphiql-query');

  await setQuery('mutation Bio { updateProfile(input: { bio: "set from GraphiQL" }) { username bio } }');
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(() => (document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() || '').includes('set from GraphiQL'));

  await setQuery('subscription Blocks { blockMined { index hash } }');
  await page.click('.graphiql-execute-button');
  await waitForSubscribe(page, 'Blocks');
  await page.waitForSelector('.graphiql-execute-button[aria-label^="Stop"]');
  const index = await mineApi(token);
  await page.waitForFunction((i) => (document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() || '').includes(`"index": ${i}`), index);
  if (!(await result()).includes('blockMined')) throw new Error('no blockMined result');
  await shot(page, 'graphiql-subscription');
});

scenario('Prism: anonymous visitors get the sign-in card, non-admins FORBIDDEN', async (scn) => {
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  await page.goto(`${BASE_URL}/prism/`);
  await page.waitForSelector('body[data-screen=signin] #form-signin');
  await shot(page, 'prism-signin');
  const user = await registerApi('notadmin');
  await page.fill('#form-signin input[name=login]', user.username);
  await page.fill('#form-signin input[name=password]', PASSWORD);
  await page.click('#form-signin button[type=submit]');
  await waitText(page.locator('body[data-screen=forbidden] .forbidden'), 'FORBIDDEN');
  await shot(page, 'prism-forbidden');
});

scenario('Prism for an admin: live audit events with a filter, the audit log, server figures', async (scn) => {
  if (!ADMIN_USERNAME) return { skipped: 'set ADMIN_USERNAME to a name in the server\'s ADMIN_USERNAMES' };
  const admin = await registerApi('admin', undefined, ADMIN_USERNAME);
  const actor = await registerApi('audited');

  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  await page.goto(`${BASE_URL}/prism/`);
  await page.fill('#form-signin input[name=login]', admin.username);
  await page.fill('#form-signin input[name=password]', PASSWORD);
  await page.click('#form-signin button[type=submit]');
  await page.waitForSelector('body[data-screen=console]');
  const live = page.locator('.prism-panel[data-panel=live]');
  await waitText(live.locator('.live-state'), 'Following all actions');
  await waitForSubscribe(page, 'PrismAudit');

  // Filtered to chain.mine_block: a transfer does not show, a mined block does.
  await live.locator('input[name=action]').fill('chain.mine_block');
  await live.locator('button[type=submit]').click();
  await waitText(live.locator('.live-state'), 'Following chain.mine_block');
  await waitForSubscribe(page, 'PrismAudit', 2);
  await api(`mutation($i: TransferInput!) { transfer(input: $i) { hash } }`, { i: { toAddress: admin.address, amount: '1' } }, actor.token);
  await mineApi(actor.token);
  await live.locator('tbody tr[data-action="chain.mine_block"]').filter({ hasText: `@${actor.username}` }).waitFor();
  if (await live.locator('tbody tr[data-action="wallet.transfer"]').count()) throw new Error('the filter let a wallet.transfer through');
  await shot(page, 'prism-live-audit');

  await page.click('.prism-tabs [data-panel=log]');
  const log = page.locator('.prism-panel[data-panel=log]');
  await log.locator('input[name=actor]').fill(actor.username);
  await log.locator('button[type=submit]').click();
  // The first page (all actors) is replaced by the search result: only this actor's events.
  await page.waitForFunction((who) => {
    const rows = [...document.querySelectorAll('.prism-panel[data-panel=log] tbody tr')];
    return rows.length > 0 && rows.every((r) => r.children[2]?.textContent === who);
  }, `@${actor.username}`);
  const actions = await log.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.action));
  for (const want of ['auth.register', 'wallet.transfer', 'chain.mine_block']) {
    if (!actions.includes(want)) throw new Error(`the audit log for the actor lacks ${want}: ${actions}`);
  }
  await shot(page, 'prism-audit-log');

  await page.click('.prism-tabs [data-panel=metrics]');
  await waitText(page.locator('.prism-panel[data-panel=metrics] .stat'), 'Cache hits');
  await shot(page, 'prism-metrics');
});

// ---------------------------------------------------------------- on the slow server
// SLOW_BASE_URL: mining there takes minutes (high difficulty), so a running job can be
// cancelled for certain; its storage quota is small.

scenario('miner: cancelling background mining stops the running job', async (scn) => {
  if (!SLOW_BASE_URL) return { skipped: 'set SLOW_BASE_URL to a server with a high CHAIN_DIFFICULTY' };
  const ctx = await newContext(scn, {}, SLOW_BASE_URL);
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'canceller', base: SLOW_BASE_URL });
  const win = await openApp(page, 'miner');
  await win.locator('.stats .stat').first().waitFor();
  await waitForSubscribe(page, 'MiningJob');
  await win.locator('button.mine-background').click();
  await win.locator('.job[data-status=RUNNING]').waitFor();
  await shot(win, 'window-miner-running');
  await win.locator('button.cancel-job').click();
  await win.locator('.job[data-status=CANCELLED]').waitFor();
  await waitText(win.locator('.job-text'), 'Mining cancelled.');
  if (!(await win.locator('button.cancel-job').isHidden())) throw new Error('Cancel is still offered for a cancelled job');
  if (await win.locator('button.mine-background').isDisabled()) throw new Error('mining cannot be started again');
});

scenario('files: an upload over the storage quota is refused with the quota message, before it is sent', async (scn) => {
  if (!SLOW_BASE_URL) return { skipped: 'set SLOW_BASE_URL to a server with a small FILE_QUOTA_BYTES' };
  const ctx = await newContext(scn, {}, SLOW_BASE_URL);
  const page = await ctx.newPage();
  await signUpUi(page, { tag: 'hoarder', base: SLOW_BASE_URL });
  const win = await openApp(page, 'files');
  await win.locator('.quota[data-used="0"]').waitFor();
  const quota = Number(await win.locator('.quota').getAttribute('data-quota'));
  if (!(quota > 0)) throw new Error(`no quota shown: ${quota}`);
  let multipart = 0;
  page.on('request', (req) => /^multipart\/form-data/.test(req.headers()['content-type'] || '') && multipart++);
  // One byte too many: refused before it is sent (the server would answer 413 storageQuota).
  await win.locator('input[type=file]').setInputFiles({ name: 'too-big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(quota + 1, 7) });
  const row = win.locator('li.upload[data-failed=true]');
  await waitText(row, 'Not enough storage left for that file.');
  if (multipart) throw new Error('a file that cannot fit was sent anyway');
  // What fits is uploaded; then one more byte than what is left is refused too.
  await win.locator('input[type=file]').setInputFiles({ name: 'fits.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(quota - 10, 1) });
  await win.locator('li.file[data-name="fits.bin"]').waitFor();
  await page.waitForFunction((n) => document.querySelector('.window[data-app=files] .quota')?.dataset.used === String(n), quota - 10);
  await win.locator('input[type=file]').setInputFiles({ name: 'eleven.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(11, 2) });
  await waitText(win.locator('li.upload[data-failed=true][data-name="eleven.bin"]'), 'Not enough storage left for that file.');
  await shot(win, 'window-files-quota');
  if ((await win.locator('li.file').count()) !== 1) throw new Error('a file was stored past the quota');
  if (multipart !== 1) throw new Error(`expected only the fitting file to be sent, saw ${multipart} uploads`);
  // The server refuses it too, and says why (for a tab that did not know).
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('blackroad.access')).token);
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: 'mutation($f: Upload!) { uploadFile(input: { file: $f }) { id } }', variables: { f: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', new Blob([Buffer.alloc(11, 2)]), 'eleven.bin');
  const res = await fetch(`${SLOW_BASE_URL}/graphql`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' }, body: form });
  const body = await res.json();
  if (body.errors?.[0]?.extensions?.limit !== 'storageQuota') throw new Error(`the server did not refuse with storageQuota: ${res.status} ${JSON.stringify(body)}`);
});

scenario('Prism jobs: every user\'s jobs live; an admin cancels a running job and retries it', async (scn) => {
  if (!SLOW_BASE_URL) return { skipped: 'set SLOW_BASE_URL to a server with a high CHAIN_DIFFICULTY' };
  if (!ADMIN_USERNAME) return { skipped: 'set ADMIN_USERNAME to a name in the server\'s ADMIN_USERNAMES' };
  const admin = await registerApi('admin', undefined, ADMIN_USERNAME, SLOW_BASE_URL);
  const owner = await registerApi('jobowner', undefined, undefined, SLOW_BASE_URL);
  const ctx = await newContext(scn, {}, SLOW_BASE_URL);
  const page = await ctx.newPage();
  await prismSignIn(page, admin, SLOW_BASE_URL);
  await page.click('.prism-tabs [data-panel=jobs]');
  const panel = page.locator('.prism-panel[data-panel=jobs]');
  await waitForSubscribe(page, 'PrismJobsLive');
  // Another user's job appears live, and its row follows it to RUNNING.
  const submit = `mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }`;
  const { submitJob: { id } } = await api(submit, { i: { kind: 'MINE_BLOCK', payload: { maxTransactions: 1 } } }, owner.token, SLOW_BASE_URL);
  const row = panel.locator(`tbody tr[data-id="${id}"]`);
  await waitText(row, `@${owner.username}`);
  await panel.locator(`tbody tr[data-id="${id}"][data-status=RUNNING]`).waitFor();
  await shot(page, 'prism-jobs');
  await row.locator('button.cancel-job').click();
  await panel.locator(`tbody tr[data-id="${id}"][data-status=CANCELLED]`).waitFor();
  const read = async () => (await api(`query($id: ID!) { job(id: $id) { status } }`, { id }, owner.token, SLOW_BASE_URL)).job.status;
  if ((await read()) !== 'CANCELLED') throw new Error('the server does not have the job cancelled');
  // Retry puts it back to work; cancel it again so the worker is free.
  await row.locator('button.retry-job').click();
  await panel.locator(`tbody tr[data-id="${id}"][data-status=RUNNING]`).waitFor();
  await row.locator('button.cancel-job').click();
  await panel.locator(`tbody tr[data-id="${id}"][data-status=CANCELLED]`).waitFor();
  // The status filter lists only what it names.
  await panel.locator('select[name=status]').selectOption('CANCELLED');
  await panel.locator('button[type=submit]').click();
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('.prism-panel[data-panel=jobs] tbody tr[data-id]')];
    return rows.length > 0 && rows.every((r) => r.dataset.status === 'CANCELLED');
  });
});

// ---------------------------------------------------------------- Prism's other panels

async function prismSignIn(page, admin, base = BASE_URL) {
  await page.goto(`${base}/prism/`);
  await page.fill('#form-signin input[name=login]', admin.username);
  await page.fill('#form-signin input[name=password]', PASSWORD);
  await page.click('#form-signin button[type=submit]');
  await page.waitForSelector('body[data-screen=console]');
}

scenario('Prism users and chain health: make a user an admin (confirmed), verify the chain as a job', async (scn) => {
  if (!ADMIN_USERNAME) return { skipped: 'set ADMIN_USERNAME to a name in the server\'s ADMIN_USERNAMES' };
  const admin = await registerApi('admin', undefined, ADMIN_USERNAME).catch(async () => {
    const { login } = await api(`mutation($i: LoginInput!) { login(input: $i) { accessToken } }`, { i: { login: ADMIN_USERNAME, password: PASSWORD } });
    return { username: ADMIN_USERNAME, token: login.accessToken };
  });
  const promotee = await registerApi('promotee', '<img src=x onerror=window.__xss=1>');
  const ctx = await newContext(scn);
  const page = await ctx.newPage();
  await prismSignIn(page, admin);

  await page.click('.prism-tabs [data-panel=users]');
  const users = page.locator('.prism-panel[data-panel=users]');
  await users.locator('input[name=search]').fill(promotee.username);
  await users.locator('button[type=submit]').click();
  const row = users.locator(`tbody tr[data-username="${promotee.username}"]`);
  await row.locator('td.role').filter({ hasText: 'user' }).waitFor();
  // The admin is never offered to remove their own rights.
  await users.locator('input[name=search]').fill(ADMIN_USERNAME);
  await users.locator('button[type=submit]').click();
  await waitText(users.locator(`tbody tr[data-username="${ADMIN_USERNAME}"]`), 'you');
  if (await users.locator(`tbody tr[data-username="${ADMIN_USERNAME}"] button.revoke-admin`).count()) throw new Error('the admin is offered to remove their own rights');
  await users.locator('input[name=search]').fill(promotee.username);
  await users.locator('button[type=submit]').click();
  // Make admin asks first; Cancel changes nothing.
  await row.locator('button.grant-admin').click();
  await waitText(row.locator('.confirm-text'), `Make @${promotee.username} an admin?`);
  await row.locator('button.cancel').click();
  await row.locator('button.grant-admin').waitFor();
  const isAdmin = async () => (await api(`{ me { isAdmin } }`, {}, promotee.token)).me.isAdmin;
  if (await isAdmin()) throw new Error('cancelling the confirmation made an admin');
  await row.locator('button.grant-admin').click();
  await row.locator('button.confirm').click();
  await row.locator('td.role').filter({ hasText: 'admin' }).waitFor();
  await waitText(users.locator('.notice'), `@${promotee.username} is now an admin.`);
  if (!(await isAdmin())) throw new Error('the server does not have the user as an admin');
  await assertNoXss(page);
  await shot(page, 'prism-users');
  // The new admin opens Prism; when the rights are taken back, their open page turns to
  // FORBIDDEN by itself (the server closes their socket, and re-subscribing is refused).
  const theirs = await (await newContext(scn)).newPage();
  await prismSignIn(theirs, promotee);
  await waitForSubscribe(theirs, 'PrismAudit');
  await row.locator('button.revoke-admin').click();
  await waitText(row.locator('.confirm-text'), `Remove @${promotee.username}'s admin rights?`);
  await row.locator('button.confirm').click();
  await row.locator('td.role').filter({ hasText: 'user' }).waitFor();
  if (await isAdmin()) throw new Error('the server still has the user as an admin');
  await waitText(theirs.locator('body[data-screen=forbidden] .forbidden'), 'FORBIDDEN');

  await page.click('.prism-tabs [data-panel=chain]');
  const chain = page.locator('.prism-panel[data-panel=chain]');
  await chain.locator('.stats .stat').first().waitFor();
  await waitForSubscribe(page, 'PrismChainJob');
  await chain.locator('button.verify-chain').click();
  await chain.locator('.job[data-status=SUCCEEDED]').waitFor();
  await waitText(chain.locator('.verdict[data-valid=true]'), 'The chain is valid');
  await shot(page, 'prism-chain');
});

// ---------------------------------------------------------------- runner

async function main() {
  if (!existsSync(CHROMIUM)) {
    console.error(`run.mjs: no chromium at ${CHROMIUM} (apt-get install -y chromium)`);
    process.exit(2);
  }
  // Playwright gives every launch a fresh temporary --user-data-dir of its own (and refuses one
  // in `args`), deleted on close; the contexts below are isolated from each other as well.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const { name, fn } of scenarios) {
    if (ONLY && !name.includes(ONLY)) continue;
    const scn = { problems: [] };
    const started = Date.now();
    let outcome;
    try {
      outcome = await fn(scn);
      if (scn.problems.length) throw new Error(scn.problems.join('\n      '));
    } catch (e) {
      outcome = e;
    }
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (outcome instanceof Error) {
      failed += 1;
      let n = 0;
      for (const c of openContexts) for (const p of c.pages()) await p.screenshot({ path: join(ARTIFACTS, `FAILED-${name.slice(0, 40).replace(/\W+/g, '-')}-${++n}.png`) }).catch(() => {});
      for (const c of openContexts) for (const p of c.pages()) console.log(`      (page at ${p.url()})`);
      console.log(`FAIL ${name} (${secs}s)\n      ${outcome.message.split('\n').slice(0, 12).join('\n      ')}`);
    } else if (outcome?.skipped) {
      skipped += 1;
      console.log(`skip ${name}: ${outcome.skipped}`);
    } else {
      passed += 1;
      console.log(`ok   ${name} (${secs}s)`);
    }
    for (const c of openContexts) await c.close().catch(() => {});
    openContexts.clear();
  }
  await browser.close();
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  console.log(`screenshots: ${ARTIFACTS}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
