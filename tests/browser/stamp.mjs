#!/usr/bin/env node
// Cache-busting for static/ without a build step.
//
// Every local reference to a .js or .css file from static/**/*.{html,js,css} carries
// `?v=<10 hex of the sha256 of the referenced file, itself already stamped>`. A change to
// dom.js therefore changes its stamp in every importer, which changes their hashes, up to the
// `<script>` tag in index.html: the server may cache anything requested with `?v=` for a year
// (immutable) and only the HTML must be revalidated. Files under /vendor/ are versioned by
// their path (`/vendor/react@18.3.1/…`) and are left alone.
//
// All importers of one module use the same stamped URL, so a module is still loaded once per
// page (ES modules are keyed by URL, query included).
//
//   node tests/browser/stamp.mjs          rewrite the stamps in place
//   node tests/browser/stamp.mjs --check  exit 1 if any stamp is stale (run.mjs does this)

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STATIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../static');
// A quoted (or url(…)) path starting with /, ./ or ../ and ending in .js or .css, maybe stamped.
const REF = /(["'(])((?:\.{1,2}\/|\/)[^"'()?\s]+\.(?:js|css))(?:\?v=[0-9a-z]*)?(["')])/g;

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'vendor' && dir === STATIC_DIR ? [] : walk(p);
    return ['.html', '.js', '.css'].includes(extname(e.name)) ? [p] : [];
  });
}

/** { file: { before, after } } for every stampable file under static/. */
export function computeStamps() {
  const memo = new Map();
  const visiting = new Set();
  function stamped(file) {
    if (memo.has(file)) return memo.get(file);
    if (visiting.has(file)) throw new Error(`import cycle through ${relative(STATIC_DIR, file)}: stamps need an acyclic graph`);
    visiting.add(file);
    const before = readFileSync(file, 'utf8');
    const after = before.replace(REF, (match, open, ref, close) => {
      if (ref.startsWith('/vendor/')) return match;
      const target = ref.startsWith('/') ? join(STATIC_DIR, ref) : resolve(dirname(file), ref);
      if (!existsSync(target)) throw new Error(`${relative(STATIC_DIR, file)} refers to missing ${ref}`);
      return `${open}${ref}?v=${stamped(target).hash}${close}`;
    });
    const result = { before, after, hash: createHash('sha256').update(after).digest('hex').slice(0, 10) };
    visiting.delete(file);
    memo.set(file, result);
    return result;
  }
  const out = {};
  for (const f of walk(STATIC_DIR)) out[f] = stamped(f);
  return out;
}

/** Relative paths of files whose stamps are stale. */
export function staleStamps() {
  return Object.entries(computeStamps())
    .filter(([, s]) => s.before !== s.after)
    .map(([f]) => relative(STATIC_DIR, f));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const stamps = computeStamps();
  let stale = 0;
  for (const [file, s] of Object.entries(stamps)) {
    if (s.before === s.after) continue;
    stale += 1;
    if (check) console.error(`stale stamp: static/${relative(STATIC_DIR, file)}`);
    else writeFileSync(file, s.after);
  }
  if (check && stale) {
    console.error('run: node tests/browser/stamp.mjs');
    process.exit(1);
  }
  console.log(check ? 'stamps: up to date' : `stamps: ${stale} file(s) rewritten`);
}
