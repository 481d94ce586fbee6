// RoadChain explorer: chain figures, the blocks list (new blocks arrive live from `blockMined`),
// block and transaction detail, the pending pool, verifyChain, and mining a block.
// ctx.open('explorer', { block: 3 }) or ({ tx: hash }) shows one of them.

import { h, replace, formatAmount, formatTime, shortHash, displayName } from '../dom.js?v=38f9f19094';

const BLOCK_ROW = `index hash timestamp transactionCount reward miner { username fullName }`;
const TX_ROW = `hash fromAddress toAddress amount fee message status createdAt`;
const STATS = `query ChainStats { chainStats { height totalTransactions pendingTransactions difficulty totalSupply averageBlockTimeSeconds } }`;
const BLOCKS = `query Blocks($after: String) { blocks(first: 20, after: $after) { nodes { ${BLOCK_ROW} } pageInfo { hasNextPage endCursor } } }`;
const BLOCK = `query Block($index: Int, $hash: String) { block(index: $index, hash: $hash) {
  ${BLOCK_ROW} previousHash nonce difficulty transactions(first: 100) { nodes { ${TX_ROW} } } } }`;
const TX = `query Tx($hash: String!) { transaction(hash: $hash) { ${TX_ROW} confirmedAt block { index hash }
  fromWallet { owner { username fullName } } toWallet { owner { username fullName } } } }`;
const PENDING = `query Pending { pendingTransactions(first: 50) { nodes { ${TX_ROW} } totalCount } }`;
const VERIFY = `query Verify { verifyChain { valid checkedBlocks firstInvalidIndex reason } }`;
const MINE = `mutation Mine($input: MineBlockInput) { mineBlock(input: $input) { ${BLOCK_ROW} } }`;
const ON_BLOCK = `subscription OnBlock { blockMined { ${BLOCK_ROW} } }`;
const ON_TX = `subscription OnTx { transactionAdded { hash } }`;

export default {
  id: 'explorer',
  title: 'RoadChain',
  glyph: 'R',
  size: { w: 720, h: 620 },
  mount(ctx) {
    let view = { name: 'blocks' };
    let blocks = []; // newest first, as loaded plus as mined
    let nextCursor = null;
    let hasMore = false;

    const stats = h('dl', { class: 'stats' });
    const search = h('input', { type: 'search', name: 'q', placeholder: 'Block number, block hash or transaction hash', 'aria-label': 'Search the chain' });
    const nav = h(
      'form',
      { class: 'toolbar', onsubmit: (e) => (e.preventDefault(), go(search.value.trim())) },
      h('button', { type: 'button', class: 'nav-blocks', onclick: () => show({ name: 'blocks' }) }, 'Blocks'),
      h('button', { type: 'button', class: 'nav-pending', onclick: () => show({ name: 'pending' }) }, 'Pending'),
      search,
      h('button', { type: 'submit' }, 'Go'),
    );
    const verifyBtn = h('button', { type: 'button', class: 'verify' }, 'Verify chain');
    const mineBtn = h('button', { type: 'button', class: 'primary mine' }, 'Mine block');
    const notice = h('p', { class: 'notice', role: 'status', hidden: true });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const main = h('div', { class: 'explorer-main' });
    replace(ctx.body, stats, nav, h('div', { class: 'actions' }, verifyBtn, mineBtn), notice, error, main);

    const say = (el, text) => ((el.textContent = text), (el.hidden = !text));
    const fail = (e) => say(error, ctx.describeError(e));

    // ---- figures ----
    let statsBusy = false;
    let statsDirty = false;
    async function loadStats() {
      if (statsBusy) return void (statsDirty = true); // coalesce bursts of events into one re-read
      statsBusy = true;
      try {
        const { chainStats: s } = await ctx.gql(STATS);
        const item = (k, v) => h('div', { class: 'stat' }, h('dt', {}, k), h('dd', {}, v));
        replace(
          stats,
          item('Height', String(s.height)),
          item('Transactions', String(s.totalTransactions)),
          item('Pending', String(s.pendingTransactions)),
          item('Difficulty', String(s.difficulty)),
          item('Supply', formatAmount(s.totalSupply)),
          item('Avg block time', s.averageBlockTimeSeconds == null ? '—' : `${s.averageBlockTimeSeconds.toFixed(1)} s`),
        );
        stats.dataset.height = String(s.height);
      } catch (e) {
        fail(e);
      } finally {
        statsBusy = false;
        if (statsDirty) {
          statsDirty = false;
          loadStats();
        }
      }
    }

    // ---- views ----
    function show(v) {
      view = v;
      error.hidden = true;
      if (v.name === 'blocks') return renderBlocks();
      if (v.name === 'pending') return renderPending();
      if (v.name === 'block') return renderBlock(v);
      if (v.name === 'tx') return renderTx(v.hash);
    }

    function go(q) {
      if (/^\d+$/.test(q)) show({ name: 'block', index: Number(q) });
      else if (/^[0-9a-f]{64}$/i.test(q)) lookupHash(q.toLowerCase());
      else if (q) say(error, 'Enter a block number or a 64-character hash.');
    }

    async function lookupHash(hash) {
      try {
        const { block } = await ctx.gql(BLOCK, { hash });
        if (block) return show({ name: 'block', hash });
        show({ name: 'tx', hash });
      } catch (e) {
        fail(e);
      }
    }

    const minerCell = (b) => (b.miner ? displayName(b.miner) : b.index === 0 ? 'genesis' : '—');

    function blockRow(b) {
      return h(
        'tr',
        { dataset: { index: String(b.index) } },
        h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => show({ name: 'block', index: b.index }) }, `#${b.index}`)),
        h('td', {}, h('code', {}, shortHash(b.hash, 12))),
        h('td', {}, minerCell(b)),
        h('td', { class: 'num' }, String(b.transactionCount)),
        h('td', {}, formatTime(b.timestamp)),
      );
    }

    function renderBlocks() {
      const body = h('tbody', {}, blocks.map(blockRow));
      const more = hasMore && h('button', { type: 'button', class: 'more', onclick: () => loadBlocks(true) }, 'Older blocks');
      replace(main, h('table', { class: 'blocks' }, h('thead', {}, h('tr', {}, ['Block', 'Hash', 'Miner', 'Txs', 'Time'].map((t) => h('th', { scope: 'col' }, t)))), body), more);
    }

    async function loadBlocks(older = false) {
      try {
        const { blocks: page } = await ctx.gql(BLOCKS, { after: older ? nextCursor : null });
        const known = new Set(blocks.map((b) => b.index));
        const fresh = page.nodes.filter((b) => !known.has(b.index));
        blocks = older ? blocks.concat(fresh) : mergeNewest(fresh);
        if (older || !nextCursor) {
          nextCursor = page.pageInfo.endCursor;
          hasMore = page.pageInfo.hasNextPage;
        }
        if (view.name === 'blocks') renderBlocks();
      } catch (e) {
        fail(e);
      }
    }

    function mergeNewest(more) {
      const byIndex = new Map(blocks.map((b) => [b.index, b]));
      for (const b of more) byIndex.set(b.index, b);
      return [...byIndex.values()].sort((a, b) => b.index - a.index);
    }

    function addBlock(b) {
      if (blocks.some((x) => x.index === b.index)) return;
      blocks = mergeNewest([b]);
      if (view.name === 'blocks') renderBlocks();
    }

    function txTable(txs) {
      if (!txs.length) return h('p', { class: 'muted' }, 'No transactions.');
      return h(
        'table',
        { class: 'txs' },
        h('thead', {}, h('tr', {}, ['Hash', 'From', 'To', 'Amount', 'Message'].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          {},
          txs.map((t) =>
            h(
              'tr',
              { dataset: { hash: t.hash } },
              h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => show({ name: 'tx', hash: t.hash }) }, shortHash(t.hash))),
              h('td', {}, h('code', {}, shortHash(t.fromAddress))),
              h('td', {}, h('code', {}, shortHash(t.toAddress))),
              h('td', { class: 'num' }, formatAmount(t.amount)),
              h('td', { class: 'tx-message' }, t.message || ''),
            ),
          ),
        ),
      );
    }

    const detail = (pairs) => h('dl', { class: 'detail' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));

    async function renderBlock(v) {
      replace(main, h('p', { class: 'muted' }, 'Loading…'));
      try {
        const { block: b } = await ctx.gql(BLOCK, v.hash ? { hash: v.hash } : { index: v.index });
        if (view !== v) return;
        if (!b) return replace(main, h('p', { class: 'muted' }, 'No such block.'));
        const height = Number(stats.dataset.height ?? b.index);
        replace(
          main,
          h(
            'div',
            { class: 'block-detail', dataset: { index: String(b.index) } },
            h(
              'div',
              { class: 'pager' },
              h('button', { type: 'button', disabled: b.index === 0, onclick: () => show({ name: 'block', index: b.index - 1 }) }, '← Previous'),
              h('h3', {}, `Block #${b.index}`),
              h('button', { type: 'button', disabled: b.index >= height, onclick: () => show({ name: 'block', index: b.index + 1 }) }, 'Next →'),
            ),
            detail([
              ['Hash', h('code', {}, b.hash)],
              ['Previous hash', h('code', {}, b.previousHash)],
              ['Mined', formatTime(b.timestamp)],
              ['Miner', minerCell(b)],
              ['Reward', formatAmount(b.reward)],
              ['Nonce', b.nonce],
              ['Difficulty', String(b.difficulty)],
              ['Transactions', String(b.transactionCount)],
            ]),
            txTable(b.transactions.nodes),
          ),
        );
      } catch (e) {
        fail(e);
      }
    }

    async function renderTx(hash) {
      replace(main, h('p', { class: 'muted' }, 'Loading…'));
      try {
        const { transaction: t } = await ctx.gql(TX, { hash });
        if (view.hash !== hash) return;
        if (!t) return replace(main, h('p', { class: 'muted' }, 'No such transaction or block.'));
        const party = (addr, w) => [h('code', {}, addr), w?.owner ? ` · ${displayName(w.owner)}` : ''];
        replace(
          main,
          h(
            'div',
            { class: 'tx-detail', dataset: { hash: t.hash } },
            h('h3', {}, 'Transaction'),
            detail([
              ['Hash', h('code', {}, t.hash)],
              ['Status', h('span', { class: `badge ${t.status.toLowerCase()}` }, t.status === 'PENDING' ? 'Pending' : 'Confirmed')],
              ['From', party(t.fromAddress, t.fromWallet)],
              ['To', party(t.toAddress, t.toWallet)],
              ['Amount', formatAmount(t.amount)],
              ['Fee', formatAmount(t.fee)],
              t.message && ['Message', h('span', { class: 'tx-message' }, t.message)],
              ['Created', formatTime(t.createdAt)],
              ['Confirmed', t.confirmedAt ? formatTime(t.confirmedAt) : '—'],
              ['Block', t.block ? h('button', { type: 'button', class: 'link', onclick: () => show({ name: 'block', index: t.block.index }) }, `#${t.block.index}`) : 'not yet mined'],
            ]),
          ),
        );
      } catch (e) {
        fail(e);
      }
    }

    async function renderPending() {
      replace(main, h('p', { class: 'muted' }, 'Loading…'));
      try {
        const { pendingTransactions: p } = await ctx.gql(PENDING);
        if (view.name !== 'pending') return;
        replace(main, h('h3', {}, `Pending pool (${p.totalCount}, oldest first)`), txTable(p.nodes));
      } catch (e) {
        fail(e);
      }
    }

    // ---- actions ----
    verifyBtn.addEventListener('click', async () => {
      verifyBtn.disabled = true;
      say(notice, 'Verifying every block…');
      try {
        const { verifyChain: r } = await ctx.gql(VERIFY);
        notice.dataset.valid = String(r.valid);
        say(notice, r.valid ? `Chain valid: ${r.checkedBlocks} blocks checked.` : `Chain INVALID at block #${r.firstInvalidIndex}: ${r.reason || 'unknown reason'} (${r.checkedBlocks} checked).`);
      } catch (e) {
        notice.hidden = true;
        fail(e);
      } finally {
        verifyBtn.disabled = false;
      }
    });

    mineBtn.addEventListener('click', async () => {
      mineBtn.disabled = true;
      say(notice, 'Mining…');
      try {
        const { mineBlock: b } = await ctx.gql(MINE, { input: { maxTransactions: 10 } });
        say(notice, `Mined block #${b.index} with ${b.transactionCount} transaction(s); reward ${formatAmount(b.reward)}.`);
        addBlock(b); // the subscription brings it too; whichever is first wins
      } catch (e) {
        notice.hidden = true;
        fail(e);
      } finally {
        mineBtn.disabled = false;
      }
    });

    // ---- live ----
    ctx.subscribe(ON_BLOCK, {}, {
      next: ({ blockMined }) => {
        addBlock(blockMined);
        loadStats();
        if (view.name === 'pending') renderPending();
      },
      error: (e) => say(error, `Live blocks stopped: ${ctx.describeError(e)}`),
      restarted: () => (loadBlocks(), loadStats()),
    });
    ctx.subscribe(ON_TX, {}, {
      next: () => {
        loadStats();
        if (view.name === 'pending') renderPending();
      },
      error: (e) => say(error, `Live transactions stopped: ${ctx.describeError(e)}`),
    });

    loadStats();
    loadBlocks();
    if (ctx.params.block != null) show({ name: 'block', index: ctx.params.block });
    else if (ctx.params.tx) show({ name: 'tx', hash: ctx.params.tx });
    else renderBlocks();

    return {
      update(p) {
        if (p.block != null) show({ name: 'block', index: p.block });
        else if (p.tx) show({ name: 'tx', hash: p.tx });
      },
    };
  },
};
