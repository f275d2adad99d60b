// Publica vote page (docs/elections.md, "Voting from the portal").
//
// The voter's choices are encrypted here, in the browser, by
// publica-ballot compiled to WebAssembly (/assets/ballot.wasm, built by
// scripts/portal-wasm from crates/ballot-wasm): the same code the ledger
// checks ballots with. Its secrets come only from crypto.getRandomValues.
// In a census of accounts, the ballot carries the voter's place in the
// census file the voter chooses, and the browser's wallet (wallet.js) signs
// it. In an anonymous census, the wallet registers before the election
// opens; a ballot names the wallet's pseudonym, proves membership of the
// registrations, and is signed by a key made for it. Only the encrypted
// ballot and its proofs leave this device. Texts come from the server in
// the reader's language (#vote-messages); results are written with
// textContent only.
import { load, submit } from './wallet.js';
import { concat, fromHex, toHex, utf8 } from './sdk/bytes.js';

const $ = (id) => document.getElementById(id);
// Enough for the largest ballot an election may have (40 selections and a
// ring of 1,024): the module checks it and refuses rather than draw beyond.
const RANDOM_BYTES = 32768;
// What a wallet signs to find its census secret for an election (with the
// manifest hash): docs/elections.md, "Voting from the portal".
const SEED_DOMAIN = 'publica/elections/v1/census-seed\0';
const PAGE = 200;

function message(code) {
  const li = document.querySelector(`#vote-messages li[data-code="${code}"]`);
  return li ? li.textContent : code;
}

function say(code, detail = '', kind = 'info') {
  const out = $('vote-result');
  out.textContent = '';
  const p = document.createElement('p');
  p.className = kind === 'error' ? 'error' : 'ok';
  p.dataset.code = code;
  p.textContent = detail ? `${message(code)} ${detail}` : message(code);
  out.append(p);
}

let module = null;

/** The ballot maker's exports (compiled once per page). */
async function maker() {
  if (!module) {
    const response = await fetch('/assets/ballot.wasm');
    const { instance } = await WebAssembly.instantiate(await response.arrayBuffer(), {});
    module = instance.exports;
  }
  return module;
}

/** Writes bytes where the module asks; false if it refuses the size. */
function put(exports, where, bytes) {
  const at = where(bytes.length);
  if (at === 0) return false;
  new Uint8Array(exports.memory.buffer, at, bytes.length).set(bytes);
  return true;
}

/** Asks the module: its answer, or `{refused: {code, message}}`. */
async function ask(request) {
  const exports = await maker();
  const text = new TextEncoder().encode(JSON.stringify(request));
  if (!put(exports, exports.input, text)) {
    return { refused: { code: 'bad-request', message: 'the census file is too large' } };
  }
  const random = new Uint8Array(RANDOM_BYTES);
  crypto.getRandomValues(random);
  const ok = put(exports, exports.random, random);
  random.fill(0);
  if (!ok) return { refused: { code: 'too-few-random-bytes', message: '' } };
  const length = exports.make();
  // Asked before reading `memory.buffer`: a call that grows the memory
  // detaches the buffer read before it.
  const at = exports.output();
  const answer = new Uint8Array(exports.memory.buffer, at, length);
  return JSON.parse(new TextDecoder().decode(answer));
}

async function election(id) {
  return (await (await fetch(`/v1/elections/${encodeURIComponent(id)}`)).json()).election;
}

/** The wallet's signature its census secret for `e` comes from (hex). */
async function walletSignature(wallet, e) {
  const signed = concat(utf8(SEED_DOMAIN), fromHex(e.manifest_hash, 'manifest_hash', 32));
  return toHex(new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, wallet.privateKey, signed)));
}

/** Every registration's commitment, in order. */
async function registrations(id) {
  const out = [];
  let from = 0;
  for (;;) {
    const page = await (await fetch(`/v1/elections/${encodeURIComponent(id)}/members?from=${from}&limit=${PAGE}`)).json();
    for (const entry of page.entries || []) out.push(entry.commitment);
    if (typeof page.next === 'number' && page.next > from) from = page.next;
    else return out;
  }
}

/** A key made for one anonymous ballot: nothing links it to the wallet. */
async function onceKey() {
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, account: toHex(publicKey) };
}

/** Per contest, 0 or 1 per selection, from the checkboxes. */
function choices() {
  return [...document.querySelectorAll('#vote-form fieldset[data-contest]')].map((fieldset) =>
    [...fieldset.querySelectorAll('input[type=checkbox]')].map((box) => (box.checked ? 1 : 0)));
}

/** The ballot's arguments and who signs them, or a refusal. */
async function prepare(wallet, id, e) {
  if ($('vote').dataset.census !== 'anonymous') {
    const file = $('vote-census').files[0];
    if (!file) return { refused: 'no-census' };
    const answer = await ask({ election: e, voter: wallet.account, choices: choices(), census: await file.text() });
    if (answer.refused) return answer;
    const { ballot, census, nonces, tracking } = answer.made;
    return { args: { election: id, ballot, census }, nonces, tracking, signer: wallet };
  }
  const signature = await walletSignature(wallet, e);
  const named = await ask({ kind: 'pseudonym', election: e, wallet_signature: signature });
  if (named.refused) return named;
  // The pseudonym's last ballot, which this one replaces.
  const last = await fetch(`/v1/elections/${encodeURIComponent(id)}/voters/${named.pseudonym}`);
  const replaces = last.ok ? (await last.json()).tracking : null;
  const answer = await ask({
    kind: 'ballot', election: e, wallet_signature: signature, choices: choices(),
    registrations: await registrations(id), replaces,
  });
  if (answer.refused) return answer;
  const { ballot, member, nonces, tracking } = answer.made;
  return { args: { election: id, ballot, member }, nonces, tracking, signer: await onceKey() };
}

async function vote(wallet, challenge) {
  const id = $('vote').dataset.election;
  $('vote-receipt').hidden = true;
  say('encrypting');
  const made = await prepare(wallet, id, await election(id));
  if (made.refused === 'no-census') return say('no-census', '', 'error');
  if (made.refused) return say('refused', made.refused.message, 'error');
  const { args, nonces, tracking, signer } = made;
  if (challenge) args.nonces = nonces;
  say('sending');
  const result = await submit(signer, 'elections', challenge ? 'challenge' : 'cast', args);
  if (!result.ok) return say('failed', `${result.error.code}: ${result.error.message}`, 'error');
  say(challenge ? 'challenged' : 'cast');
  $('vote-tracking').textContent = tracking;
  $('vote-check').href = `/elections?election=${encodeURIComponent(id)}&code=${tracking}`;
  $('vote-receipt').hidden = false;
}

async function register(wallet) {
  const id = $('vote').dataset.election;
  const file = $('vote-register-census').files[0];
  if (!file) return say('no-census', '', 'error');
  say('registering');
  const e = await election(id);
  const answer = await ask({
    kind: 'register', election: e, voter: wallet.account, census: await file.text(),
    wallet_signature: await walletSignature(wallet, e),
  });
  if (answer.refused) return say('refused', answer.refused.message, 'error');
  const result = await submit(wallet, 'elections', 'register', answer.register);
  if (!result.ok) return say('failed', `${result.error.code}: ${result.error.message}`, 'error');
  say('registered');
}

/** Runs `action` with every button off, saying what went wrong. */
function guarded(action) {
  return async (event) => {
    event.preventDefault();
    const buttons = document.querySelectorAll('#vote button');
    for (const button of buttons) button.disabled = true;
    try {
      await action();
    } catch (e) {
      say('failed', String(e && e.message ? e.message : e), 'error');
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  };
}

async function votePage() {
  const page = $('vote');
  if (!globalThis.crypto || !crypto.subtle || !globalThis.indexedDB || !globalThis.WebAssembly) {
    page.dataset.state = 'unsupported';
    return say('unsupported', '', 'error');
  }
  let wallet = null;
  try {
    wallet = await load();
  } catch {
    page.dataset.state = 'unsupported';
    return say('unsupported', '', 'error');
  }
  if (!wallet) {
    page.dataset.state = 'no-wallet';
    $('vote-no-wallet').hidden = false;
    for (const button of document.querySelectorAll('#vote button')) button.disabled = true;
    return say('no-wallet', '', 'error');
  }
  $('vote-account').textContent = wallet.account;
  if ($('vote-form')) {
    $('vote-form').addEventListener('submit', guarded(() => vote(wallet, false)));
    $('vote-challenge').addEventListener('click', guarded(() => vote(wallet, true)));
  }
  if ($('vote-register')) $('vote-register').addEventListener('submit', guarded(() => register(wallet)));
  page.dataset.state = 'ready';
}

if ($('vote')) votePage();
