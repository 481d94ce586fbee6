// What the jobs and chain panels share: the job fields they read, a progress bar, and which of
// two states of a job is the later one (updates can arrive out of order with reads).

import { h } from '../../app/dom.js?v=38f9f19094';

export const JOB_FIELDS = `id kind status progress result error attempts maxAttempts cancelRequested createdAt finishedAt owner { username }`;
export const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const RANK = { QUEUED: 0, RUNNING: 1, SUCCEEDED: 2, FAILED: 2, CANCELLED: 2 };

/** Whether `b` is at least as far along as `a`. (A retry starts again from QUEUED: callers
 * apply a retryJob answer as it is.) */
export const newer = (a, b) => !a || RANK[b.status] > RANK[a.status] || (RANK[b.status] === RANK[a.status] && b.progress >= a.progress);

/** A progress bar; `set(job)` moves it. */
export function progressBar(label) {
  const fill = h('span');
  const bar = h('div', { class: 'progress', role: 'progressbar', 'aria-label': label, 'aria-valuemin': '0', 'aria-valuemax': '100' }, fill);
  return {
    el: bar,
    set(job) {
      const pct = Math.round((job.status === 'SUCCEEDED' ? 1 : job.progress) * 100);
      fill.style.width = `${pct}%`;
      bar.setAttribute('aria-valuenow', String(pct));
      return pct;
    },
  };
}
