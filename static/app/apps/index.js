// The app registry: every desktop window is one module here, listed in start-menu order.
// To add a window (Mail, Social, BlackStream, Files, AI chat, Devices, Notifications,
// Dashboard, Jobs…), write apps/<name>.js exporting { id, title, glyph, size, mount(ctx) }
// (see wm.js for what ctx offers) and add it to this list.

import wallet from './wallet.js?v=930665c63b';
import explorer from './explorer.js?v=049d2dfa63';
import miner from './miner.js?v=358f483605';

export default [wallet, explorer, miner];
