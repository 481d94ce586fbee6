// The app registry: every desktop window is one module here, listed in start-menu order.
// To add a window, write apps/<name>.js exporting { id, title, glyph, size, mount(ctx) }
// (see wm.js for what ctx offers; an optional `tray(ctx)` keeps a taskbar badge) and add it
// to this list.

import dashboard from './dashboard.js?v=cc59736a96';
import wallet from './wallet.js?v=ee6f8e6fcc';
import explorer from './explorer.js?v=ebf857296f';
import miner from './miner.js?v=f58e0ee5a6';
import mail from './mail.js?v=9a255acb06';
import social from './social.js?v=572e4082fb';
import stream from './stream.js?v=3d7eac7aa8';
import files from './files.js?v=c205f473bb';
import chat from './chat.js?v=124c28bdc4';
import devices from './devices.js?v=b2086b883b';
import notifications from './notifications.js?v=7bcc6ee4f8';

export default [dashboard, wallet, explorer, miner, mail, social, stream, files, chat, devices, notifications];
