// Publica vote page (docs/elections.md, "Voting from the portal").
//
// The voter's choices are encrypted here, in the browser, by
// publica-ballot compiled to WebAssembly (/assets/ballot.wasm, built by
// scripts/portal-wasm from crates/ballot-wasm): the same code the ledger
// checks ballots with. Its secrets come only from crypto.getRandomValues.
// The ballot's census place is computed from the census file the voter
// chooses; the browser's wallet (wallet.js) signs the call and posts it to
// the node's public API. Only the encrypted ballot and its proofs leave
// this device. Texts come from the server in the reader's language
// (#vote-messages); results are written with textContent only.
import { load, submit } from './wallet.js';

const $ = (id) => document.getElementById(id);
// Enough for the largest ballot an election may have (40 selections):
// the module checks it and refuses rather than draw beyond.
const RANDOM_BYTES = 32768;

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

/** Asks the module for a ballot: `{made}` or `{refused: {code, message}}`. */
async function makeBallot(request) {
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
  const answer = new Uint8Array(exports.memory.buffer, exports.output(), length);
  return JSON.parse(new TextDecoder().decode(answer));
}

/** Per contest, 0 or 1 per selection, from the checkboxes. */
function choices() {
  return [...document.querySelectorAll('#vote-form fieldset[data-contest]')].map((fieldset) =>
    [...fieldset.querySelectorAll('input[type=checkbox]')].map((box) => (box.checked ? 1 : 0)));
}

async function vote(wallet, challenge) {
  const id = $('vote').dataset.election;
  const file = $('vote-census').files[0];
  if (!file) return say('no-census', '', 'error');
  $('vote-receipt').hidden = true;
  say('encrypting');
  const election = (await (await fetch(`/v1/elections/${encodeURIComponent(id)}`)).json()).election;
  const answer = await makeBallot({ election, voter: wallet.account, choices: choices(), census: await file.text() });
  if (answer.refused) return say('refused', answer.refused.message, 'error');
  const { ballot, census, nonces, tracking } = answer.made;
  const args = { election: id, ballot, census };
  if (challenge) args.nonces = nonces;
  say('sending');
  const result = await submit(wallet, 'elections', challenge ? 'challenge' : 'cast', args);
  if (!result.ok) return say('failed', `${result.error.code}: ${result.error.message}`, 'error');
  say(challenge ? 'challenged' : 'cast');
  $('vote-tracking').textContent = tracking;
  $('vote-check').href = `/elections?election=${encodeURIComponent(id)}&code=${tracking}`;
  $('vote-receipt').hidden = false;
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
    for (const button of document.querySelectorAll('#vote-form button')) button.disabled = true;
    return say('no-wallet', '', 'error');
  }
  $('vote-account').textContent = wallet.account;
  const run = (challenge) => async (event) => {
    event.preventDefault();
    const buttons = document.querySelectorAll('#vote-form button');
    for (const button of buttons) button.disabled = true;
    try {
      await vote(wallet, challenge);
    } catch (e) {
      say('failed', String(e && e.message ? e.message : e), 'error');
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  };
  $('vote-form').addEventListener('submit', run(false));
  $('vote-challenge').addEventListener('click', run(true));
  page.dataset.state = 'ready';
}

if ($('vote')) votePage();
