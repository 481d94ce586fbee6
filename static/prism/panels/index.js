// Prism's panels, in tab order. Each is one module exporting { id, title, mount(ctx) }; ctx is
// built in prism.js (body, gql, subscribe, signal, describeError).
//
// EXTENSION POINTS, for API the server does not have yet:
//  - jobs.js:  every user's jobs (`jobs(status:, owner:)` connection), cancel and retry mutations,
//              live progress from a `jobUpdated` subscription; chain health as a verifyChain job.
//  - users.js: `users(search:)` connection; make/unmake admin through the new audited mutation
//              (e.g. `setAdmin(input: { username, isAdmin })`), refreshing the row from its payload.
//  - metrics.js reads GET /metrics today; switch it to an admin GraphQL field if one is added.
// Add the module and list it below; nothing else changes.

import { live, log } from './events.js?v=0f131bb9a9';
import metrics from './metrics.js?v=39a4d2f2ec';

export default [live, log, metrics];
