// Chain health: the chain's figures, and `verifyChain` run as a CHAIN_VERIFY job (a worker
// re-hashes every block and checks links, proof of work and signatures) with its progress live
// from `jobUpdated` and its verdict when it finishes.

import { h, replace, formatTime } from '../../app/dom.js?v=38f9f19094';
import { JOB_FIELDS, FINISHED, newer, progressBar } from './kit.js?v=f22eaa5787';

const STATS = `query PrismChainStats { chainStats { height difficulty pendingTransactions } }`;
const SUBMIT = `mutation PrismVerifyChain { submitJob(input: { kind: CHAIN_VERIFY }) { ${JOB_FIELDS} } }`;
const READ = `query PrismVerifyJob($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;
// The viewer's own jobs, followed from the start so that a fast job's updates are not missed.
const LIVE = `subscription PrismChainJob { jobUpdated { ${JOB_FIELDS} } }`;

export default {
  id: 'chain',
  title: 'Chain health',
  mount(ctx) {
    const figures = h('dl', { class: 'stats' });
    const run = h('button', { type: 'button', class: 'primary verify-chain' }, 'Verify the chain');
    const bar = progressBar('Verification progress');
    const text = h('p', { class: 'muted small job-text', role: 'status' });
    const verdict = h('p', { class: 'notice verdict', role: 'status', hidden: true });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const box = h('div', { class: 'job', hidden: true }, bar.el, text);
    replace(ctx.body, figures, h('section', { class: 'card' }, h('div', { class: 'actions' }, run), box, verdict), error);

    const say = (el, t) => ((el.textContent = t), (el.hidden = !t));
    let job = null;
    const early = new Map();

    async function stats() {
      try {
        const { chainStats: c } = await ctx.gql(STATS);
        const item = (k, v) => h('div', { class: 'stat' }, h('dt', {}, k), h('dd', {}, v));
        replace(figures, item('Height', String(c.height)), item('Difficulty', String(c.difficulty)), item('Pending transactions', String(c.pendingTransactions)));
      } catch (e) {
        say(error, ctx.describeError(e));
      }
    }

    function show(j) {
      if (job && !newer(job, j)) return;
      job = j;
      box.hidden = false;
      box.dataset.status = j.status;
      const pct = bar.set(j);
      const done = FINISHED.has(j.status);
      run.disabled = !done;
      text.textContent = done ? `Job ${j.status.toLowerCase()} at ${formatTime(j.finishedAt)}.` : j.status === 'QUEUED' ? 'Queued…' : `Checking… ${pct}%`;
      if (j.status === 'SUCCEEDED') {
        const r = j.result || {};
        verdict.dataset.valid = String(Boolean(r.valid));
        say(verdict, r.valid ? `The chain is valid: ${r.checkedBlocks} blocks checked.` : `The chain is NOT valid: block #${r.firstInvalidIndex} fails (${r.reason || 'no reason given'}); ${r.checkedBlocks} blocks checked.`);
        stats();
      } else if (j.status === 'FAILED') {
        verdict.dataset.valid = 'false';
        say(verdict, `The verification could not run: ${j.error || 'unknown reason'}.`);
      } else if (j.status === 'CANCELLED') {
        say(verdict, 'The verification was cancelled.');
      } else {
        say(verdict, '');
      }
    }

    ctx.subscribe(LIVE, {}, {
      next: ({ jobUpdated: j }) => {
        if (j.kind !== 'CHAIN_VERIFY') return;
        if (j.id === job?.id) return show(j);
        if (newer(early.get(j.id), j)) early.set(j.id, j);
      },
      error: (e) => say(error, `Live progress stopped: ${ctx.describeError(e)}`),
      restarted: () => job && ctx.gql(READ, { id: job.id }).then((d) => d.job && show(d.job), () => {}),
    });
    run.addEventListener('click', async () => {
      run.disabled = true;
      say(error, '');
      try {
        const { submitJob: j } = await ctx.gql(SUBMIT);
        job = null;
        const seen = early.get(j.id);
        early.clear();
        show(seen && newer(j, seen) ? seen : j);
      } catch (e) {
        run.disabled = false;
        say(error, ctx.describeError(e));
      }
    });
    stats();
  },
};
