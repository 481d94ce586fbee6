// The app registry: every desktop window is one module here, listed in start-menu order.
// To add a window, write apps/<name>.js exporting { id, title, glyph, size, mount(ctx) }
// (see wm.js for what ctx offers; an optional `tray(ctx)` keeps a taskbar badge) and add it
// to this list.

import wallet from './wallet.js?v=ee6f8e6fcc';
import explorer from './explorer.js?v=ebf857296f';
import miner from './miner.js?v=ff63ebcb4c';
import notifications from './notifications.js?v=955760e57b';

export default [wallet, explorer, miner, notifications];
