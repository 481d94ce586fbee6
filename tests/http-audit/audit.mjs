// Runs graphql-http's server audit against the URL given as the only argument and prints one
// JSON line per check: {"id","name","status","reason"}. Exit code 0 even on failures; the
// Rust test decides what fails.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}
const results = await auditServer({ url });
for (const r of results) {
  const reason = r.status === 'ok' ? null : r.reason;
  console.log(JSON.stringify({ id: r.id, name: r.name, status: r.status, reason }));
}
