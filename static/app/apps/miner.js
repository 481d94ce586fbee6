// Miner: the viewer's mining figures (`minerStats`), the blocks they mined, and a button that
// mines the next block. Figures are re-read when any block is mined (from `blockMined`), never
// on a timer.

import { h, replace, formatAmount, formatTime, shortHash } from '../dom.js?v=38f9f19094';

const STATS = `query MinerView { minerStats { blocksMined totalRewards lastBlockAt hashRate }
  chainStats { height difficulty pendingTransactions }
  me { username blocksMined(first: 10) { nodes { index hash timestamp transactionCount reward } } } }`;
const MINE = `mutation MineFromMiner($input: MineBlockInput) { mineBlock(input: $input) { index hash transactionCount reward } }`;
const ON_BLOCK = `subscription MinerOnBlock { blockMined { index miner { username } } }`;
const JOB = `id status progress result error attempts maxAttempts`;
const SUBMIT = `mutation MineInBackground($input: SubmitJobInput!) { submitJob(input: $input) { ${JOB} } }`;
const CANCEL = `mutation CancelMining($input: CancelJobInput!) { cancelJob(input: $input) { ${JOB} } }`;
const ON_JOB = `subscription MiningJob { jobUpdated { ${JOB} } }`;
const READ_JOB = `query MiningJobState($id: ID!) { job(id: $id) { ${JOB} } }`;
const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

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
    // Mining as a background job (`submitJob` MINE_BLOCK), its progress live from `jobUpdated`.
    const bgBtn = h('button', { type: 'button', class: 'mine-background' }, 'Mine in the background');
    const cancelBtn = h('button', { type: 'button', class: 'cancel-job', hidden: true }, 'Cancel');
    const jobBar = h('span');
    const jobText = h('div', { class: 'muted small job-text', role: 'status' });
    const jobBox = h('div', { class: 'job', hidden: true }, h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'Mining progress' }, jobBar), jobText);
    const background = h('section', { class: 'card background-mining' }, h('div', { class: 'actions' }, bgBtn, cancelBtn), jobBox);
    replace(ctx.body, figures, form, background, notice, error, h('section', { class: 'card' }, h('h3', {}, 'Your latest blocks'), mined));

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

    let job = null;
    const early = new Map(); // updates of jobs not yet known here (a fast job can finish before submitJob answers)
    const RANK = { QUEUED: 0, RUNNING: 1, SUCCEEDED: 2, FAILED: 2, CANCELLED: 2 };
    const newer = (a, b) => !a || RANK[b.status] > RANK[a.status] || (RANK[b.status] === RANK[a.status] && b.progress >= a.progress);
    function showJob(j) {
      job = j;
      jobBox.hidden = false;
      jobBox.dataset.status = j.status;
      const pct = Math.round((j.status === 'SUCCEEDED' ? 1 : j.progress) * 100);
      jobBar.style.width = `${pct}%`;
      jobBox.firstChild.setAttribute('aria-valuenow', String(pct));
      const done = FINISHED.has(j.status);
      cancelBtn.hidden = done;
      bgBtn.disabled = !done;
      if (j.status === 'SUCCEEDED') jobText.textContent = `Mined block #${j.result?.index} in the background: ${j.result?.transactionCount} transaction(s), reward ${formatAmount(j.result?.reward ?? '0')}.`;
      else if (j.status === 'FAILED') jobText.textContent = `Mining failed: ${j.error || 'unknown reason'}.`;
      else if (j.status === 'CANCELLED') jobText.textContent = 'Mining cancelled.';
      else jobText.textContent = j.status === 'QUEUED' ? 'Queued…' : `Mining… ${pct}%`;
    }
    // All of the viewer's jobs, followed from the start so no update of a new one is missed.
    ctx.subscribe(ON_JOB, {}, {
      next: ({ jobUpdated: j }) => {
        if (j.id === job?.id) return newer(job, j) && showJob(j);
        if (newer(early.get(j.id), j)) early.set(j.id, j);
      },
      error: (e) => say(error, `Live progress stopped: ${ctx.describeError(e)}`),
      restarted: () => job && ctx.gql(READ_JOB, { id: job.id }).then((d) => d.job && showJob(d.job), () => {}),
    });
    bgBtn.addEventListener('click', async () => {
      const n = Number(maxTx.value);
      if (!Number.isInteger(n) || n < 1 || n > 100) return say(error, 'Choose between 1 and 100 transactions.');
      bgBtn.disabled = true;
      error.hidden = true;
      try {
        const { submitJob: j } = await ctx.gql(SUBMIT, { input: { kind: 'MINE_BLOCK', payload: { maxTransactions: n } } });
        const seen = early.get(j.id);
        early.clear();
        showJob(seen && newer(j, seen) ? seen : j);
      } catch (e) {
        bgBtn.disabled = false;
        say(error, ctx.describeError(e));
      }
    });
    cancelBtn.addEventListener('click', async () => {
      try {
        const { cancelJob: j } = await ctx.gql(CANCEL, { input: { id: job.id } });
        showJob(j);
      } catch (e) {
        say(error, ctx.describeError(e));
      }
    });

    ctx.subscribe(ON_BLOCK, {}, { next: () => load(), restarted: () => load(), error: (e) => say(error, `Live updates stopped: ${ctx.describeError(e)}`) });
    load();
  },
};
