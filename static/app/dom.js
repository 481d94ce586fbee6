// DOM building without innerHTML: every string becomes a text node, so data from the server
// (messages, names) can never become markup. Event handlers are attached with
// addEventListener, which the Content-Security-Policy allows (inline `on…=` attributes it does not).

/**
 * h('button', { class: 'primary', onclick: fn, 'aria-label': 'Close' }, 'text', child, …)
 * Props: `class`, `text`, `dataset` (object), `on<event>` (function), `hidden`/`disabled`/… (boolean),
 * `value`/`checked` (set as properties), anything else as an attribute. Children may be
 * strings, numbers, nodes, arrays, or null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked') el[key] = value;
    else if (key === 'href' && !/^(\/|#|https?:)/.test(String(value))) continue; // no javascript: URLs
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A labelled form field; returns { row, input }. */
export function field(label, inputProps) {
  const id = `f${Math.random().toString(36).slice(2, 9)}`;
  const input = h(inputProps.tag || 'input', { id, ...inputProps, tag: null });
  const error = h('div', { class: 'field-error', role: 'alert', hidden: true });
  const row = h('div', { class: 'field' }, h('label', { for: id }, label), input, error);
  return { row, input, error };
}

/** Shows a server error next to the input it names (extensions.field), else in `fallback`. */
export function showFieldError(fields, err, message, fallback) {
  for (const f of Object.values(fields)) {
    f.error.hidden = true;
    f.input.removeAttribute('aria-invalid');
  }
  const target = err?.field && fields[err.field];
  if (target) {
    target.error.textContent = message;
    target.error.hidden = false;
    target.input.setAttribute('aria-invalid', 'true');
    target.input.focus();
    if (fallback) fallback.hidden = true;
  } else if (fallback) {
    fallback.textContent = message;
    fallback.hidden = false;
  }
}

// ---- formatting ----

const AMOUNT_RE = /^\d{1,20}(\.\d{1,8})?$/;
/** RoadCoin amounts are decimal strings (1e-8 units); never parse them into floats. */
export const isAmount = (s) => AMOUNT_RE.test(s);
export const formatAmount = (s) => `${s} RC`;

/** 1536 → "1.5 KiB". */
export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function shortHash(s, n = 10) {
  return s && s.length > n + 4 ? `${s.slice(0, n)}…${s.slice(-4)}` : s || '';
}

export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** "alice" or "Alice Smith (@alice)"; from data the user typed, so callers render it as text. */
export function displayName(u) {
  if (!u) return 'unknown';
  return u.fullName ? `${u.fullName} (@${u.username})` : `@${u.username}`;
}
