// Server figures from GET /metrics (Prometheus text), read when the panel opens and when asked:
// no polling. EXTENSION POINT: when the server exposes these through an admin-only GraphQL field
// (or protects /metrics), change `read()` and keep the rendering.

import { h, replace } from '../../app/dom.js?v=38f9f19094';

// Prometheus text: `name{label="v",…} value` lines; comments start with #.
function parse(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[3] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

const sum = (samples, name, pred = () => true) => samples.filter((s) => s.name === name && pred(s.labels)).reduce((a, s) => a + s.value, 0);

export default {
  id: 'metrics',
  title: 'Server figures',
  mount(ctx) {
    const grid = h('div', { class: 'metrics-grid stats' });
    const when = h('span', { class: 'muted small' });
    const refresh = h('button', { type: 'button' }, 'Refresh');
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    replace(ctx.body, h('div', { class: 'filters' }, refresh, when), error, grid);

    async function read() {
      const res = await fetch('/metrics', { signal: ctx.signal });
      if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
      return parse(await res.text());
    }

    async function load() {
      refresh.disabled = true;
      error.hidden = true;
      try {
        const s = await read();
        const hits = sum(s, 'cache_hits_total');
        const misses = sum(s, 'cache_misses_total');
        const item = (k, v) => h('div', { class: 'stat' }, h('dt', {}, k), h('dd', {}, v));
        replace(
          grid,
          item('Queries (ok / error)', `${sum(s, 'graphql_requests_total', (l) => l.operation === 'query' && l.outcome === 'ok')} / ${sum(s, 'graphql_requests_total', (l) => l.operation === 'query' && l.outcome !== 'ok')}`),
          item('Mutations (ok / error)', `${sum(s, 'graphql_requests_total', (l) => l.operation === 'mutation' && l.outcome === 'ok')} / ${sum(s, 'graphql_requests_total', (l) => l.operation === 'mutation' && l.outcome !== 'ok')}`),
          item('Cache hits / misses', `${hits} / ${misses}${hits + misses ? ` (${((100 * hits) / (hits + misses)).toFixed(1)} % hits)` : ''}`),
          item('Cache invalidations', String(sum(s, 'cache_invalidations_total'))),
          item('Rate-limit rejections', String(sum(s, 'rate_limit_rejections_total'))),
          item('Open sockets', String(sum(s, 'websocket_connections'))),
          item('DB pool (in use / open)', `${sum(s, 'db_pool_in_use')} / ${sum(s, 'db_pool_connections')}`),
          item('SQL statements', String(sum(s, 'sql_statements_total'))),
        );
        when.textContent = `as of ${new Date().toLocaleTimeString()}`;
      } catch (e) {
        if (e.name === 'AbortError') return;
        error.textContent = `Could not read /metrics: ${e.message}`;
        error.hidden = false;
      } finally {
        refresh.disabled = false;
      }
    }
    refresh.addEventListener('click', load);
    load();
  },
};
