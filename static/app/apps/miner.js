// Miner: the viewer's mining figures (`minerStats`), the blocks they mined, and a button that
// mines the next block. Figures are re-read when any block is mined (from `blockMined`), never
// on a timer.

import { h, replace, formatAmount, formatTime, shortHash } from '../dom.js?v=38f9f19094';

const STATS = `query MinerView { minerStats { blocksMined totalRewards lastBlockAt hashRate }
  chainStats { height difficulty pendingTransactions }
  me { username blocksMined(first: 10) { nodes { index hash timestamp transactionCount reward } } } }`;
const MINE = `mutation MineFromMiner($input: MineBlockInput) { mineBlock(input: $input) { index hash transactionCount reward } }`;
const ON_BLOCK = `subscription MinerOnBlock { blockMined { index miner { username } } }`;

export default {
  id: 'miner',
  title: 'Miner',
  glyph: 'M',
  size: { w: 460, h: 560 },
  mount(ctx) {
    const figures = h('dl', { class: 'stats' });
    const maxTx = h('input', { type: 'number', name: 'maxTransactions', min: 1, max: 100, value: '10', 'aria-label': 'Most transactions to include' });
    const mineBtn = h('button', { type: 'submit', class: 'primary mine' }, 'Mine a block');
    const notice = h('p', { class: 'notice', role: 'status', hidden: true });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'mine-form card' }, h('label', {}, 'Include up to ', maxTx, ' pending transactions'), mineBtn);
    const mined = h('ol', { class: 'mined', 'aria-label': 'Blocks you mined' });
    replace(ctx.body, figures, form, notice, error, h('section', { class: 'card' }, h('h3', {}, 'Your latest blocks'), mined));

    const say = (el, text) => ((el.textContent = text), (el.hidden = !text));

    let busy = false;
    let dirty = false;
    async function load() {
      if (busy) return void (dirty = true);
      busy = true;
      try {
        const { minerStats: m, chainStats: c, me } = await ctx.gql(STATS);
        const item = (k, v) => h('div', { class: 'stat' }, h('dt', {}, k), h('dd', {}, v));
        replace(
          figures,
          item('Blocks mined', String(m.blocksMined)),
          item('Rewards', formatAmount(m.totalRewards)),
          item('Hash rate (24 h)', m.hashRate == null ? '—' : `${m.hashRate.toFixed(3)} H/s`),
          item('Last block', m.lastBlockAt ? formatTime(m.lastBlockAt) : 'never'),
          item('Chain height', String(c.height)),
          item('Difficulty', String(c.difficulty)),
          item('Pending transactions', String(c.pendingTransactions)),
        );
        figures.dataset.blocksMined = String(m.blocksMined);
        replace(
          mined,
          me.blocksMined.nodes.length
            ? me.blocksMined.nodes.map((b) =>
                h(
                  'li',
                  { dataset: { index: String(b.index) } },
                  h('button', { type: 'button', class: 'link', onclick: () => ctx.open('explorer', { block: b.index }) }, `#${b.index}`),
                  ` ${shortHash(b.hash)} · ${b.transactionCount} tx · +${formatAmount(b.reward)} · ${formatTime(b.timestamp)}`,
                ),
              )
            : h('li', { class: 'muted' }, 'None yet.'),
        );
      } catch (e) {
        say(error, ctx.describeError(e));
      } finally {
        busy = false;
        if (dirty) {
          dirty = false;
          load();
        }
      }
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const n = Number(maxTx.value);
      if (!Number.isInteger(n) || n < 1 || n > 100) return say(error, 'Choose between 1 and 100 transactions.');
      mineBtn.disabled = true;
      error.hidden = true;
      say(notice, 'Mining… (finding a nonce can take a moment at high difficulty)');
      try {
        const { mineBlock: b } = await ctx.gql(MINE, { input: { maxTransactions: n } });
        say(notice, `Mined block #${b.index}: ${b.transactionCount} transaction(s), reward ${formatAmount(b.reward)}.`);
        load();
      } catch (err) {
        notice.hidden = true;
        say(error, ctx.describeError(err));
      } finally {
        mineBtn.disabled = false;
      }
    });

    ctx.subscribe(ON_BLOCK, {}, { next: () => load(), restarted: () => load(), error: (e) => say(error, `Live updates stopped: ${ctx.describeError(e)}`) });
    load();
  },
};
