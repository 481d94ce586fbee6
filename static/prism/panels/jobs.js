// Every user's jobs: a list filtered by status, cancel and retry, and live progress from
// `jobUpdated(allUsers: true)` (admins only), applied to the rows in place. Text only.

import { h, replace, formatTime } from '../../app/dom.js?v=38f9f19094';
import { JOB_FIELDS, FINISHED, newer, progressBar } from './kit.js?v=f22eaa5787';

const LIST = `query PrismJobs($status: JobStatus, $first: Int, $after: String) {
  jobs(status: $status, first: $first, after: $after) { nodes { ${JOB_FIELDS} } pageInfo { hasNextPage endCursor } } }`;
const LIVE = `subscription PrismJobsLive { jobUpdated(allUsers: true) { ${JOB_FIELDS} } }`;
const CANCEL = `mutation PrismCancelJob($id: ID!) { cancelJob(input: { id: $id }) { ${JOB_FIELDS} } }`;
const RETRY = `mutation PrismRetryJob($id: ID!) { retryJob(input: { id: $id }) { ${JOB_FIELDS} } }`;
const STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
const HEAD = ['Created', 'Kind', 'Owner', 'Status', 'Progress', 'Attempts', 'Detail', ''];

export default {
  id: 'jobs',
  title: 'Jobs',
  mount(ctx) {
    const status = h('select', { name: 'status' }, h('option', { value: '' }, 'any status'), STATUSES.map((s) => h('option', { value: s }, s.toLowerCase())));
    const show = h('button', { type: 'submit', class: 'primary' }, 'Show');
    const state = h('span', { class: 'muted live-state', role: 'status' });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const rows = h('tbody');
    const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Older jobs');
    const form = h('form', { class: 'filters' }, h('label', {}, 'Status', status), show, state);
    replace(ctx.body, form, error, h('table', { class: 'events jobs' }, h('thead', {}, h('tr', {}, HEAD.map((t) => h('th', { scope: 'col' }, t)))), rows), more);

    const shown = new Map(); // id -> { job, tr, update(job) }
    let cursor = null;
    const fail = (e) => ((error.textContent = ctx.describeError(e)), (error.hidden = false));

    async function act(mutation, job, button) {
      button.disabled = true;
      error.hidden = true;
      try {
        const data = await ctx.gql(mutation, { id: job.id });
        apply(Object.values(data)[0], true);
      } catch (e) {
        button.disabled = false;
        fail(e);
      }
    }

    function row(job) {
      const bar = progressBar('Job progress');
      const cells = { status: h('td'), attempts: h('td'), detail: h('td', { class: 'small' }), actions: h('td', { class: 'row-actions' }) };
      const tr = h('tr', { dataset: { id: job.id } }, h('td', {}, formatTime(job.createdAt)), h('td', {}, h('code', {}, job.kind)), h('td', {}, `@${job.owner.username}`), cells.status, h('td', { class: 'progress-cell' }, bar.el), cells.attempts, cells.detail, cells.actions);
      const entry = {
        job,
        tr,
        update(j) {
          entry.job = j;
          tr.dataset.status = j.status;
          const pct = bar.set(j);
          cells.status.textContent = j.cancelRequested && !FINISHED.has(j.status) ? `${j.status} (cancelling)` : j.status;
          cells.attempts.textContent = `${j.attempts} / ${j.maxAttempts}`;
          cells.detail.textContent = j.status === 'FAILED' ? j.error || '' : j.status === 'SUCCEEDED' ? JSON.stringify(j.result) : j.status === 'RUNNING' ? `${pct}%` : '';
          const cancel = !FINISHED.has(j.status) && !j.cancelRequested && h('button', { type: 'button', class: 'cancel-job', onclick: (e) => act(CANCEL, entry.job, e.currentTarget) }, 'Cancel');
          const retry = (j.status === 'FAILED' || j.status === 'CANCELLED') && h('button', { type: 'button', class: 'retry-job', onclick: (e) => act(RETRY, entry.job, e.currentTarget) }, 'Retry');
          replace(cells.actions, cancel, retry);
        },
      };
      entry.update(job);
      return entry;
    }

    // A job as it now stands: its row is updated (if newer), a new job matching the filter is
    // added on top; one that no longer matches the filter stays until the next read. A mutation's
// answer is applied as it is (a retry goes back to QUEUED).
    function apply(job, asAnswered = false) {
      const seen = shown.get(job.id);
      if (seen) return (asAnswered || newer(seen.job, job)) && seen.update(job);
      if (status.value && job.status !== status.value) return;
      const entry = row(job);
      shown.set(job.id, entry);
      rows.querySelector('.empty')?.remove();
      rows.prepend(entry.tr);
    }

    async function load(append) {
      show.disabled = more.disabled = true;
      error.hidden = true;
      try {
        const { jobs } = await ctx.gql(LIST, { status: status.value || null, first: 50, after: append ? cursor : null });
        if (!append) {
          shown.clear();
          rows.replaceChildren();
        }
        for (const j of jobs.nodes) {
          if (shown.has(j.id)) continue;
          const entry = row(j);
          shown.set(j.id, entry);
          rows.append(entry.tr);
        }
        if (!shown.size) rows.append(h('tr', { class: 'empty' }, h('td', { colspan: HEAD.length, class: 'muted' }, 'No jobs match.')));
        cursor = jobs.pageInfo.endCursor;
        more.hidden = !jobs.pageInfo.hasNextPage;
      } catch (e) {
        fail(e);
      } finally {
        show.disabled = more.disabled = false;
      }
    }

    form.addEventListener('submit', (e) => (e.preventDefault(), load(false)));
    more.addEventListener('click', () => load(true));
    state.textContent = 'Live';
    ctx.subscribe(LIVE, {}, {
      next: ({ jobUpdated: j }) => apply(j),
      error: (e) => ((state.textContent = 'Stopped'), fail(e)),
      restarted: () => load(false),
    });
    load(false);
  },
};
