// Wallet: balances of the viewer's wallets, the address with a copy button, sending money
// (`transfer`), and the wallet's activity, live from `walletActivity(address)`.

import { h, replace, field, showFieldError, isAmount, formatAmount, formatTime, shortHash, displayName } from '../dom.js?v=38f9f19094';

const TX_FIELDS = `hash fromAddress toAddress amount fee message status createdAt confirmedAt
  fromWallet { owner { username fullName } } toWallet { owner { username fullName } }`;
const WALLETS = `query WalletList { myWallets { address label isPrimary balance pendingIncoming } }`;
const ACTIVITY = `query WalletActivity($address: String!) {
  wallet(address: $address) { address balance pendingIncoming transactions(first: 25) { nodes { ${TX_FIELDS} } } } }`;
const BALANCE = `query WalletBalance($address: String!) { wallet(address: $address) { balance pendingIncoming } }`;
const LIVE = `subscription WalletLive($address: String!) { walletActivity(address: $address) { ${TX_FIELDS} } }`;
const RECIPIENT = `query Recipient($username: String!) { user(username: $username) { username primaryWallet { address } } }`;
const TRANSFER = `mutation Transfer($input: TransferInput!) { transfer(input: $input) { hash amount fee status } }`;

const ADDRESS_RE = /^RD[0-9a-f]{38}$/i;

export default {
  id: 'wallet',
  title: 'Wallet',
  glyph: 'W',
  size: { w: 520, h: 640 },
  mount(ctx) {
    let wallets = [];
    let current = null; // address
    let stopLive = null;
    const rows = new Map(); // tx hash -> <li>

    const picker = h('select', { class: 'wallet-picker', 'aria-label': 'Wallet', hidden: true });
    const balance = h('div', { class: 'balance', 'aria-live': 'polite' }, '…');
    const pending = h('div', { class: 'pending-in muted' });
    const address = h('code', { class: 'address' });
    const copy = h('button', { type: 'button', class: 'copy' }, 'Copy');
    const summary = h('div', { class: 'wallet-summary card' }, picker, h('div', { class: 'muted' }, 'Balance'), balance, pending, h('div', { class: 'address-row' }, address, copy));

    const f = {
      toAddress: field('To (address or username)', { name: 'to', required: true, autocomplete: 'off', placeholder: 'RD… or alice' }),
      amount: field('Amount (RC)', { name: 'amount', required: true, inputmode: 'decimal', autocomplete: 'off', placeholder: '1.5' }),
      fee: field('Fee (optional)', { name: 'fee', inputmode: 'decimal', autocomplete: 'off', placeholder: '0' }),
      message: field('Message (optional, public)', { name: 'message', maxlength: 280, autocomplete: 'off' }),
    };
    const sendError = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const sendResult = h('p', { class: 'form-ok', role: 'status', hidden: true });
    const sendBtn = h('button', { type: 'submit', class: 'primary' }, 'Send');
    const form = h('form', { class: 'send-form card' }, h('h3', {}, 'Send money'), Object.values(f).map((x) => x.row), sendError, sendResult, sendBtn);

    const list = h('ol', { class: 'activity', 'aria-label': 'Activity' });
    const liveError = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const empty = h('p', { class: 'muted empty' }, 'No activity yet.');
    replace(ctx.body, summary, form, h('section', { class: 'card' }, h('h3', {}, 'Activity'), liveError, empty, list));

    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(current);
        ctx.toast('Address copied');
        copy.textContent = 'Copied';
      } catch {
        // No clipboard permission: select the text so Ctrl+C works.
        getSelection().selectAllChildren(address);
        ctx.toast('Press Ctrl+C to copy the selected address');
      }
    });
    picker.addEventListener('change', () => select(picker.value));

    function renderSummary(w) {
      balance.textContent = formatAmount(w.balance);
      pending.textContent = w.pendingIncoming !== '0' ? `+ ${formatAmount(w.pendingIncoming)} incoming, credited when mined` : '';
    }

    function txRow(tx) {
      const out = tx.fromAddress === current;
      const other = out ? tx.toWallet?.owner : tx.fromWallet?.owner;
      const otherAddr = out ? tx.toAddress : tx.fromAddress;
      const li = h(
        'li',
        { class: `tx ${out ? 'out' : 'in'}`, dataset: { hash: tx.hash, status: tx.status } },
        h('span', { class: 'dir', 'aria-hidden': 'true' }, out ? '↑' : '↓'),
        h(
          'div',
          { class: 'tx-main' },
          h('div', { class: 'tx-line' }, h('strong', { class: 'amount' }, `${out ? '−' : '+'}${formatAmount(tx.amount)}`), h('span', { class: 'who' }, out ? 'to ' : 'from ', other ? displayName(other) : shortHash(otherAddr))),
          tx.message && h('div', { class: 'tx-message' }, tx.message),
          h('div', { class: 'muted small' }, h('span', { class: `badge ${tx.status.toLowerCase()}` }, tx.status === 'PENDING' ? 'Pending' : 'Confirmed'), ' ', formatTime(tx.createdAt), out && tx.fee !== '0' ? ` · fee ${formatAmount(tx.fee)}` : ''),
        ),
        h('button', { type: 'button', class: 'link', onclick: () => ctx.open('explorer', { tx: tx.hash }) }, 'Details'),
      );
      return li;
    }

    // Inserts or replaces (a confirmation updates a pending row); newest first.
    function upsert(tx, atTop) {
      const row = txRow(tx);
      const old = rows.get(tx.hash);
      if (old) old.replaceWith(row);
      else if (atTop) list.prepend(row);
      else list.append(row);
      rows.set(tx.hash, row);
      empty.hidden = true;
    }

    // Balance re-read after each event (the event carries the transfer, not the balance).
    // One request at a time; events arriving meanwhile cause exactly one more.
    let balanceBusy = false;
    let balanceDirty = false;
    async function refreshBalance() {
      if (balanceBusy) return void (balanceDirty = true);
      balanceBusy = true;
      try {
        const data = await ctx.gql(BALANCE, { address: current });
        if (data.wallet) renderSummary(data.wallet);
      } catch (e) {
        liveError.textContent = ctx.describeError(e);
        liveError.hidden = false;
      } finally {
        balanceBusy = false;
        if (balanceDirty) {
          balanceDirty = false;
          refreshBalance();
        }
      }
    }

    async function loadActivity() {
      const data = await ctx.gql(ACTIVITY, { address: current });
      rows.clear();
      list.replaceChildren();
      renderSummary(data.wallet);
      for (const tx of data.wallet.transactions.nodes) upsert(tx, false);
      empty.hidden = rows.size > 0;
    }

    async function select(addr) {
      current = addr;
      address.textContent = addr;
      copy.textContent = 'Copy';
      stopLive?.();
      liveError.hidden = true;
      // Subscribe first, then read: an event landing in between is applied twice, harmlessly.
      stopLive = ctx.subscribe(LIVE, { address: addr }, {
        next: (d) => {
          upsert(d.walletActivity, true);
          refreshBalance();
        },
        error: (e) => {
          liveError.textContent = `Live updates stopped: ${ctx.describeError(e)}`;
          liveError.hidden = false;
        },
        restarted: () => loadActivity().catch(() => {}),
      });
      try {
        await loadActivity();
      } catch (e) {
        liveError.textContent = ctx.describeError(e);
        liveError.hidden = false;
      }
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      sendResult.hidden = true;
      showFieldError(f, null, '', sendError);
      sendError.hidden = true;
      const to = f.toAddress.input.value.trim();
      const amount = f.amount.input.value.trim();
      const fee = f.fee.input.value.trim();
      const message = f.message.input.value;
      // Checked here too so a typo gets an instant answer; the server checks again.
      if (!isAmount(amount) || /^0*(\.0*)?$/.test(amount)) return showFieldError(f, { field: 'amount' }, 'Enter a positive amount with at most 8 decimals.', sendError);
      if (fee && !isAmount(fee)) return showFieldError(f, { field: 'fee' }, 'Enter a fee with at most 8 decimals, or leave it empty.', sendError);
      sendBtn.disabled = true;
      try {
        let toAddress = to;
        if (!ADDRESS_RE.test(to)) {
          const u = await ctx.gql(RECIPIENT, { username: to.replace(/^@/, '').toLowerCase() });
          toAddress = u.user?.primaryWallet?.address;
          if (!toAddress) return showFieldError(f, { field: 'toAddress' }, 'No user or wallet by that name.', sendError);
        }
        const input = { fromAddress: current, toAddress, amount };
        if (fee) input.fee = fee;
        if (message) input.message = message;
        const { transfer } = await ctx.gql(TRANSFER, { input });
        sendResult.textContent = `Sent ${formatAmount(transfer.amount)}: pending until the next block (${shortHash(transfer.hash)}).`;
        sendResult.hidden = false;
        form.reset();
        refreshBalance();
      } catch (err) {
        showFieldError(f, err, ctx.describeError(err), sendError);
      } finally {
        sendBtn.disabled = false;
      }
    });

    (async () => {
      try {
        ({ myWallets: wallets } = await ctx.gql(WALLETS));
      } catch (e) {
        balance.textContent = '';
        liveError.textContent = ctx.describeError(e);
        liveError.hidden = false;
        return;
      }
      if (!wallets.length) {
        balance.textContent = 'No wallet';
        return;
      }
      replace(picker, wallets.map((w) => h('option', { value: w.address }, `${w.label || (w.isPrimary ? 'Primary wallet' : 'Wallet')} · ${shortHash(w.address)}`)));
      picker.hidden = wallets.length < 2;
      renderSummary(wallets[0]);
      select(wallets[0].address);
    })();
  },
};
