// Prism's panels, in tab order. Each is one module exporting { id, title, mount(ctx) }; ctx is
// built in prism.js (body, gql, subscribe, signal, describeError).
//
// EXTENSION POINT: metrics.js reads GET /metrics; switch it to an admin GraphQL field if one
// is added. Add a module and list it below; nothing else changes.

import { live, log } from './events.js?v=0f131bb9a9';
import jobs from './jobs.js?v=9fbad5f773';
import users from './users.js?v=c6469c3908';
import chain from './chain.js?v=048f662d51';
import metrics from './metrics.js?v=39a4d2f2ec';

export default [live, log, jobs, users, chain, metrics];
