// Publica wallet, kept by the browser (docs/wallet.md, ADR 0003).
//
// The key: an Ed25519 key pair made by WebCrypto with its private half not
// extractable, stored as a CryptoKey in this origin's IndexedDB. No script,
// this one included, can read its bytes; the browser signs with it. The
// account it signs for is the key's own (or, after a guardian recovery,
// the account moved to it).
//
// The vote page (vote.js) imports `load` and `submit`: a ballot is signed
// by this same key.
//
// Each action is one transaction signed here (the TypeScript client's
// transaction rules, compiled into ./sdk/) and posted to the node's public
// API; the answer is the receipt's outcome. The page's texts come from
// the server in the reader's language (#wallet-messages); results are
// written with textContent only, under the portal's strict CSP.
import { call, signingBytes, txBody } from './sdk/tx.js';
import { sha256 } from './sdk/crypto.js';
import { concat, toHex } from './sdk/bytes.js';

const DB = 'publica-wallet';
const STORE = 'wallet';
const EXPIRY_BLOCKS = 1000;
const WAIT_MS = 10000;

const $ = (id) => document.getElementById(id);

// A message in the reader's language, then its details (a block height,
// the node's refusal) as they came.
function message(code, detail) {
  const li = document.querySelector(`#wallet-messages li[data-code="${code}"]`);
  const text = li ? li.textContent : code;
  return detail ? `${text} ${detail}` : text;
}

function say(code, detail, kind = 'info') {
  const out = $('wallet-result');
  if (!out) return;
  out.textContent = '';
  const p = document.createElement('p');
  p.className = kind === 'error' ? 'error' : 'ok';
  p.dataset.code = code;
  p.textContent = message(code, detail);
  out.append(p);
}

// ---- Storage: one record, the key pair and the accounts shown.

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** The wallet this browser keeps (its key pair and accounts), or null. */
export async function load() {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const req = db.transaction(STORE, 'readonly').objectStore(STORE).get('main');
    req.onsuccess = () => resolve(req.result || null);
    req.onerror = () => reject(req.error);
  });
}

async function save(wallet) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(wallet, 'main');
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}

async function create() {
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const key = toHex(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)));
  const wallet = { version: 1, privateKey: pair.privateKey, key, account: key, accounts: [] };
  await save(wallet);
  return wallet;
}

// ---- The node's API.

async function api(path, init) {
  const r = await fetch(path, init);
  let body = null;
  try {
    body = await r.json();
  } catch {
    body = null;
  }
  return { status: r.status, body };
}

/** Signs and submits one call; resolves with the receipt's outcome and height. */
export async function submit(wallet, module, method, args) {
  const status = (await api('/v1/status')).body;
  const nonce = (await api(`/v1/accounts/${wallet.account}/nonce`)).body;
  const body = txBody({
    chainId: status.chain_id,
    nonce: nonce.next_nonce,
    expiry: { height: status.height + EXPIRY_BLOCKS },
    call: call(module, method, args),
  });
  const bytes = signingBytes(body);
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, wallet.privateKey, bytes));
  const envelope = { body, signer: wallet.account, signature: toHex(signature) };
  const posted = await api('/v1/transactions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(envelope),
  });
  if (posted.status >= 300) return { ok: false, error: posted.body && posted.body.error ? posted.body.error : { code: `http.${posted.status}`, message: '' } };
  const id = toHex(await sha256(concat(hexBytes(wallet.account), bytes)));
  const receipt = (await api(`/v1/transactions/${posted.body.tx_id || id}?wait_ms=${WAIT_MS}`)).body;
  const outcome = receipt && receipt.outcome;
  if (outcome && outcome.status === 'ok') return { ok: true, height: receipt.block_height };
  return { ok: false, error: (outcome && outcome.error) || { code: 'tx.pending', message: '' } };
}

function hexBytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

async function report(result) {
  if (result.ok) say('sent', String(result.height));
  else say('failed', `${result.error.message} (${result.error.code})`, 'error');
}

// ---- Amounts: major units as people write them, checked against the
// currency's decimals (as the CLI's `amount_major`).

function minorUnits(text, decimals) {
  const m = /^(0|[1-9][0-9]*)(?:[.,]([0-9]+))?$/.exec(String(text).trim());
  if (!m || (m[2] || '').length > decimals) return null;
  const minor = BigInt(m[1]) * 10n ** BigInt(decimals) + BigInt((m[2] || '').padEnd(decimals, '0') || '0');
  return minor > 0n ? minor.toString() : null;
}

function majorUnits(minor, decimals) {
  const s = String(minor).padStart(decimals + 1, '0');
  return decimals ? `${s.slice(0, -decimals)}.${s.slice(-decimals)}` : s;
}

const currencies = new Map();
async function accountInfo(id) {
  const a = await api(`/v1/money/accounts/${encodeURIComponent(id)}`);
  if (a.status !== 200) return null;
  const code = a.body.account.currency;
  if (!currencies.has(code)) {
    const c = await api(`/v1/money/currencies/${code}`);
    currencies.set(code, c.body.currency.decimals);
  }
  return { account: a.body.account, decimals: currencies.get(code) };
}

// ---- The page.

async function showAccounts(wallet) {
  const body = $('wallet-accounts');
  body.textContent = '';
  const selects = [$('wallet-pay-from'), $('wallet-cash-out-from')];
  // The accounts chosen stay chosen when the list is drawn again.
  const chosen = selects.map((select) => select.value);
  for (const select of selects) select.textContent = '';
  for (const id of wallet.accounts) {
    const info = await accountInfo(id);
    const tr = document.createElement('tr');
    const name = document.createElement('td');
    const link = document.createElement('a');
    link.href = `/explorer/accounts/${encodeURIComponent(id)}`;
    link.textContent = id;
    name.append(link);
    const balance = document.createElement('td');
    balance.dataset.account = id;
    balance.textContent = info ? `${majorUnits(info.account.balance, info.decimals)} ${info.account.currency}` : '—';
    tr.append(name, balance);
    body.append(tr);
    for (const select of selects) {
      const option = document.createElement('option');
      option.value = id;
      option.textContent = id;
      select.append(option);
    }
  }
  selects.forEach((select, i) => {
    if (wallet.accounts.includes(chosen[i])) select.value = chosen[i];
  });
}

// The benefit accounts programs opened for this account
// (`b.<program>.<first 16 hex digits>`), added to the wallet when found.
async function discover(wallet) {
  const programs = ($('wallet').dataset.programs || '').split(' ').filter(Boolean);
  let found = false;
  for (const program of programs) {
    const id = `b.${program}.${wallet.account.slice(0, 16)}`;
    // The state read answers 200 with no value for an account that does
    // not exist: no failed request for each program the holder is not in.
    const state = wallet.accounts.includes(id) ? null : (await api(`/v1/state?key=${encodeURIComponent(`money/account/${id}`)}`)).body;
    if (state && state.value) {
      wallet.accounts.push(id);
      found = true;
    }
  }
  if (found) await save(wallet);
}

// Shown once its forms are wired (`wire` first): a form submitted before
// would leave the page.
async function show(wallet) {
  $('wallet-new').hidden = Boolean(wallet);
  $('wallet-mine').hidden = !wallet;
  if (wallet) {
    $('wallet-key').textContent = wallet.account;
    $('wallet-key-qr').src = `/wallet/qr.svg?text=${encodeURIComponent(wallet.account)}`;
    await discover(wallet);
    await showAccounts(wallet);
  }
  $('wallet').dataset.state = wallet ? 'ready' : 'empty';
}

async function amountFor(from, text) {
  const info = await accountInfo(from);
  if (!info) return { error: 'unknown-account' };
  const minor = minorUnits(text, info.decimals);
  return minor ? { minor } : { error: 'bad-amount' };
}

function wire(wallet) {
  $('wallet-add').addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = $('wallet-add-id').value.trim();
    if (!(await accountInfo(id))) return say('unknown-account', '', 'error');
    if (!wallet.accounts.includes(id)) wallet.accounts.push(id);
    await save(wallet);
    $('wallet-add-id').value = '';
    await showAccounts(wallet);
  });
  $('wallet-pay').addEventListener('submit', async (e) => {
    e.preventDefault();
    const from = $('wallet-pay-from').value;
    const amount = await amountFor(from, $('wallet-pay-amount').value);
    if (amount.error) return say(amount.error, '', 'error');
    say('sending');
    const reference = $('wallet-pay-reference').value.trim();
    const args = { from, to: $('wallet-pay-to').value.trim(), amount: amount.minor, reference };
    // A request's reference is its idempotency key: paying it twice is refused.
    if (reference) args.once = true;
    await report(await submit(wallet, 'money', 'transfer', args));
    await showAccounts(wallet);
  });
  $('wallet-cash-out').addEventListener('submit', async (e) => {
    e.preventDefault();
    const from = $('wallet-cash-out-from').value;
    const amount = await amountFor(from, $('wallet-cash-out-amount').value);
    if (amount.error) return say(amount.error, '', 'error');
    say('sending');
    const reference = `wallet ${new Date().toISOString()}`;
    await report(await submit(wallet, 'money', 'cash_out', { from, to: $('wallet-cash-out-to').value.trim(), amount: amount.minor, reference }));
    await showAccounts(wallet);
  });
  $('wallet-guardians').addEventListener('submit', async (e) => {
    e.preventDefault();
    const guardians = $('wallet-guardians-keys').value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    const threshold = Number($('wallet-guardians-threshold').value);
    const delay = Number($('wallet-guardians-delay').value);
    say('sending');
    const result = await submit(wallet, 'identity', 'set_guardians', { guardians, threshold, delay_blocks: delay });
    if (result.ok) say('guardians-set');
    else await report(result);
  });
  // Recovery, the new browser's side: the proof that it holds the new key
  // ("publica/key/v1\n" || chain id || "\n" || account || "\n" || new key,
  // docs/identity.md), for a guardian to start the move with; then,
  // once the ledger names this key as the account's, signing for it.
  $('wallet-move').addEventListener('submit', async (e) => {
    e.preventDefault();
    const account = $('wallet-move-account').value.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(account)) return say('unknown-account', '', 'error');
    const chain = (await api('/v1/status')).body.chain_id;
    const text = `publica/key/v1\n${chain}\n${account}\n${wallet.key}`;
    const proof = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, wallet.privateKey, new TextEncoder().encode(text)));
    $('wallet-move-args').textContent = JSON.stringify({ account, new_key: wallet.key, proof: toHex(proof) });
    $('wallet-move-args').hidden = false;
    $('wallet-move-use').hidden = false;
    say('move-prepared');
  });
  $('wallet-move-use').addEventListener('click', async () => {
    const account = JSON.parse($('wallet-move-args').textContent).account;
    const state = (await api(`/v1/state?key=identity/key/${account}`)).body;
    if (!state || !state.value || state.value.key !== wallet.key) return say('move-not-yet', '', 'error');
    wallet.account = account;
    await save(wallet);
    await show(wallet);
    say('move-used');
  });
  // A guardian's side: start the move with the owner's request, or
  // approve one under way; finish it once the waiting time has passed.
  let guarded = null;
  $('wallet-guard').addEventListener('submit', async (e) => {
    e.preventDefault();
    let request = null;
    try {
      request = JSON.parse($('wallet-guard-request').value);
    } catch {
      request = null;
    }
    const ok = request && /^[0-9a-f]{64}$/.test(request.account) && /^[0-9a-f]{64}$/.test(request.new_key)
      && /^[0-9a-f]{128}$/.test(request.proof);
    if (!ok) return say('guard-bad-request', '', 'error');
    guarded = request.account;
    const under = (await api(`/v1/state?key=identity/recovery/${request.account}`)).body;
    say('sending');
    const started = !(under && under.value);
    const result = started
      ? await submit(wallet, 'identity', 'start_recovery', { account: request.account, new_key: request.new_key, proof: request.proof })
      : await submit(wallet, 'identity', 'approve_recovery', { account: request.account });
    if (result.ok) say(started ? 'guard-started' : 'guard-approved');
    else await report(result);
  });
  $('wallet-guard-finish').addEventListener('click', async () => {
    let account = guarded;
    try {
      account = account || JSON.parse($('wallet-guard-request').value).account;
    } catch {
      account = null;
    }
    if (!account || !/^[0-9a-f]{64}$/.test(account)) return say('guard-bad-request', '', 'error');
    say('sending');
    const result = await submit(wallet, 'identity', 'finish_recovery', { account });
    if (result.ok) say('guard-finished');
    else await report(result);
  });
  $('wallet-veto').addEventListener('click', async () => {
    say('sending');
    const result = await submit(wallet, 'identity', 'veto_recovery', {});
    if (result.ok) say('vetoed');
    else await report(result);
  });
}

async function walletPage() {
  if (!globalThis.crypto || !crypto.subtle || !globalThis.indexedDB) {
    $('wallet').dataset.state = 'unsupported';
    return say('unsupported', '', 'error');
  }
  let wallet = null;
  try {
    wallet = await load();
  } catch {
    $('wallet').dataset.state = 'unsupported';
    return say('unsupported', '', 'error');
  }
  $('wallet-create').addEventListener('click', async () => {
    try {
      wallet = await create();
    } catch {
      $('wallet').dataset.state = 'unsupported';
      return say('unsupported', '', 'error');
    }
    wire(wallet);
    await show(wallet);
    say('created');
  });
  if (wallet) wire(wallet);
  await show(wallet);
}

// A payment request's QR code encodes the wallet link with this site's
// own address, which only the browser knows for sure.
const qr = $('request-qr');
if (qr) qr.src = `/wallet/qr.svg?text=${encodeURIComponent(new URL(qr.dataset.path, location.origin).href)}`;
if ($('wallet')) walletPage();
