// Tests of check.js, the in-browser receipt check, and so of the
// TypeScript client's verifier it runs (./sdk/, from scripts/portal-sdk):
//   node --test crates/portal/assets/check.test.mjs
// The receipts in testdata/ come from a real node; log-key.txt is its
// public log verifier key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

const here = new URL('.', import.meta.url);
const { verifyReceiptText, enhance } = await import('./check.js');
const subtle = globalThis.crypto.subtle;
const encoder = new TextEncoder();

const logKey = readFileSync(new URL('testdata/log-key.txt', here), 'utf8').trim();
const receiptNames = readdirSync(new URL('testdata/', here)).filter((n) => n.endsWith('.json')).sort();
const receiptText = (name) => readFileSync(new URL('testdata/' + name, here), 'utf8');
const sample = () => JSON.parse(receiptText('receipt-ok.json'));

const toBase64 = (bytes) => Buffer.from(bytes).toString('base64');
const toHex = (bytes) => Buffer.from(bytes).toString('hex');
const sha256 = async (...parts) => new Uint8Array(await subtle.digest('SHA-256', Buffer.concat(parts.map((p) => Buffer.from(p)))));

// A fresh note signer: its verifier key text and a function signing a note text.
async function noteSigner(name) {
  const pair = await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  const typed = Uint8Array.of(1, ...publicKey);
  const id = (await sha256(encoder.encode(name + '\n'), typed)).slice(0, 4);
  const verifierKey = `${name}+${toHex(id)}+${toBase64(typed)}`;
  const sign = async (text) => {
    const signature = new Uint8Array(await subtle.sign({ name: 'Ed25519' }, pair.privateKey, encoder.encode(text)));
    return `${text}\n\u2014 ${name} ${toBase64([...id, ...signature])}\n`;
  };
  return { verifierKey, sign };
}

async function expectFailure(receipt, code, key = logKey) {
  const text = typeof receipt === 'string' ? receipt : JSON.stringify(receipt);
  const result = await verifyReceiptText(text, key);
  assert.equal(result.verified, false, `expected ${code}, got a verified receipt`);
  assert.equal(result.code, code, `expected ${code}, got ${result.code}: ${result.detail}`);
  assert.equal(typeof result.detail, 'string');
  assert.equal(typeof result.step, 'string');
  return result;
}

test('every sample receipt verifies with the log key', async () => {
  assert.ok(receiptNames.length >= 4);
  for (const name of receiptNames) {
    const text = receiptText(name);
    const receipt = JSON.parse(text);
    const result = await verifyReceiptText(text, logKey);
    assert.deepEqual(result, {
      verified: true,
      origin: 'publica.local/publica-dev',
      tx_id: receipt.tx_id,
      status: receipt.outcome.status,
      leaf_index: receipt.leaf_index,
      tree_size: receipt.tree_size,
      block_height_unproved: receipt.block_height,
    }, name);
  }
});

test('the same receipt pretty-printed, with an explicit null error, still verifies', async () => {
  const receipt = sample();
  receipt.outcome.error = null;
  const result = await verifyReceiptText('\n  ' + JSON.stringify(receipt, null, 2) + '\n', logKey);
  assert.equal(result.verified, true, result.detail);
});

test('tampered receipts fail with the right code', async () => {
  const flipHex = (hex) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
  let r = sample();
  r.inclusion_proof[0] = flipHex(r.inclusion_proof[0]);
  await expectFailure(r, 'proof_mismatch');

  // The outcome is not signed by the transaction: only the proof catches it.
  r = sample();
  r.outcome.status = 'failed';
  await expectFailure(r, 'proof_mismatch');

  r = sample();
  r.transaction.body.nonce += 1;
  await expectFailure(r, 'bad_tx_signature');

  r = sample();
  r.tree_size += 1;
  await expectFailure(r, 'tree_size_mismatch');

  r = sample();
  r.tx_id = flipHex(r.tx_id);
  await expectFailure(r, 'wrong_leaf');

  r = sample();
  r.outcome.tx_id = flipHex(r.outcome.tx_id);
  await expectFailure(r, 'wrong_leaf');

  r = sample();
  r.leaf_index = r.tree_size;
  await expectFailure(r, 'proof_mismatch');

  r = sample();
  r.inclusion_proof.pop();
  await expectFailure(r, 'proof_mismatch');
});

test('a flipped character of the checkpoint signature fails its check', async () => {
  const r = sample();
  const [text, line] = r.checkpoint.split('\n\n');
  const at = line.lastIndexOf(' ') + 40; // well inside the signature, past the key id
  const flipped = line.slice(0, at) + (line[at] === 'A' ? 'B' : 'A') + line.slice(at + 1);
  r.checkpoint = text + '\n\n' + flipped;
  await expectFailure(r, 'bad_checkpoint_signature');

  // Base64 whose last character carries stray bits decodes to the same
  // bytes, but Rust refuses it: so must the browser.
  const stray = sample();
  const last = stray.checkpoint.lastIndexOf('=') - 1;
  const bits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const lastCharacter = bits[bits.indexOf(stray.checkpoint[last]) ^ 1];
  stray.checkpoint = stray.checkpoint.slice(0, last) + lastCharacter + stray.checkpoint.slice(last + 1);
  const result = await expectFailure(stray, 'malformed');
  assert.match(result.detail, /not base64/);
});

test('keys: another key, a malformed key, a weak key, another origin, a network', async () => {
  const other = await noteSigner('publica.local/publica-dev');
  await expectFailure(sample(), 'no_signature', other.verifierKey);

  await expectFailure(sample(), 'bad_key', 'not a key');
  await expectFailure(sample(), 'bad_key', logKey.replace('+d6828398+', '+d6828399+'));
  await expectFailure(sample(), 'bad_key', logKey.slice(0, -4));
  // Keys anyone could sign for, or aliases of another key, each with a key
  // id that matches it: the identity, the identity with its sign bit set,
  // and y = p (not reduced).
  const p = Uint8Array.of(0xed, ...new Array(30).fill(0xff), 0x7f);
  const identity = Uint8Array.of(1, ...new Uint8Array(31));
  const signedIdentity = Uint8Array.of(1, ...new Uint8Array(30), 0x80);
  for (const weak of [identity, signedIdentity, p]) {
    const typed = Uint8Array.of(1, ...weak);
    const id = (await sha256(encoder.encode('weak\n'), typed)).slice(0, 4);
    const failure = await expectFailure(sample(), 'bad_key', `weak+${toHex(id)}+${toBase64(typed)}`);
    assert.match(failure.detail, /small order/);
  }

  // A checkpoint of another log, signed by a key named as this one.
  const mine = await noteSigner('mine');
  const r = sample();
  r.checkpoint = await mine.sign('theirs\n1182\n' + r.checkpoint.split('\n')[2] + '\n');
  await expectFailure(r, 'wrong_origin', mine.verifierKey);

  // A validator network's checkpoint carries cosignatures, not the log key's.
  const validator = await noteSigner('validator-0.example');
  const n = sample();
  n.checkpoint = await validator.sign(n.checkpoint.split('\n\n')[0] + '\n');
  n.checkpoint_height = 20;
  await expectFailure(n, 'unsupported_network');
  delete n.checkpoint_height;
  await expectFailure(n, 'no_signature');
});

test('texts that are not receipts', async () => {
  await expectFailure('hello', 'not_json');
  await expectFailure('', 'not_json');
  const empty = await expectFailure('{}', 'malformed');
  assert.match(empty.detail, /checkpoint/);
  await expectFailure('[]', 'malformed');
  let r = sample();
  r.transaction.extra = 1;
  await expectFailure(r, 'malformed');
  r = sample();
  r.transaction.signer = r.transaction.signer.toUpperCase();
  await expectFailure(r, 'malformed');
  r = sample();
  delete r.outcome.status;
  await expectFailure(r, 'malformed');
  r = sample();
  r.checkpoint = r.checkpoint.replace('\n\n', '\n');
  await expectFailure(r, 'malformed');
  await expectFailure(JSON.stringify({ pad: 'x'.repeat(1 << 20) }), 'too_large');
});

// A state answer of a one-entry state (the leaf is the root), under a
// checkpoint signed by a fresh key naming its block and state root.
async function stateAnswer() {
  const log = await noteSigner('state.example/log');
  const key = 'money/account/alice';
  const value = encoder.encode('{"balance":"12.50"}');
  const kh = await sha256(encoder.encode(key));
  const vh = await sha256(value);
  const root = toHex(await sha256([0], kh, vh));
  const checkpoint = await log.sign(`state.example/log\n3\n${toBase64(new Uint8Array(32))}\npublica-state 7 ${root}\n`);
  const answer = {
    key, height: 7, state_root: root, value_hex: toHex(value), value: { balance: '12.50' },
    proof: { siblings: [], terminal: { kind: 'leaf', key_hash: toHex(kh), value_hash: toHex(vh) } },
    checkpoint,
  };
  return { answer, verifierKey: log.verifierKey };
}

test('a state answer verifies from its checkpoint alone, and tampering is named', async () => {
  const { answer, verifierKey } = await stateAnswer();
  const result = await verifyReceiptText(JSON.stringify(answer), verifierKey);
  assert.equal(result.verified, true, result.detail);
  assert.deepEqual([result.kind, result.key, result.height, result.present, result.json], ['state', answer.key, 7, true, { balance: '12.50' }]);
  const fails = async (change, code) => {
    const r = await verifyReceiptText(JSON.stringify({ ...answer, ...change }), verifierKey);
    assert.equal(r.verified, false);
    assert.equal(r.code, code, r.detail);
  };
  await fails({ value_hex: toHex(encoder.encode('{"balance":"99.00"}')) }, 'state_proof_mismatch');
  await fails({ height: 8 }, 'state_root_mismatch');
  await fails({ state_root: '00'.repeat(32) }, 'state_root_mismatch');
  await fails({ checkpoint: null }, 'no_checkpoint');
  await fails({ checkpoint: answer.checkpoint.replace('publica-state 7', 'publica-state 8') }, 'bad_checkpoint_signature');
  // Another key of the same name did not sign it.
  const other = await noteSigner('state.example/log');
  const r = await verifyReceiptText(JSON.stringify(answer), other.verifierKey);
  assert.equal(r.code, 'no_signature', r.detail);
});

test('numbers JSON.parse would change are left to the server', async () => {
  const text = JSON.stringify(sample());
  await expectFailure(text.replace('"nonce":15', '"nonce":9007199254740993'), 'unsupported_number');
  await expectFailure(text.replace('"nonce":15', '"nonce":15.0'), 'unsupported_number');
  await expectFailure(text.replace('"nonce":15', '"nonce":1.5e1'), 'unsupported_number');
  // Digits inside strings are not numbers.
  const r = sample();
  r.outcome.events[0].data.index = '9007199254740993.5';
  await expectFailure(r, 'proof_mismatch');
});

// ---- The page: the script's enhancement of the form, on a small stand-in DOM.

class FakeElement {
  constructor(tag) { this.tag = tag; this.children = []; this.attributes = {}; this.text = ''; }
  set textContent(text) { this.text = String(text); this.children = []; }
  get textContent() { return this.text + this.children.map((c) => (typeof c === 'string' ? c : c.textContent)).join(''); }
  setAttribute(name, value) { this.attributes[name] = String(value); }
  getAttribute(name) { return name in this.attributes ? this.attributes[name] : null; }
  removeAttribute(name) { delete this.attributes[name]; }
  append(...nodes) { this.children.push(...nodes); }
  replaceChildren(...nodes) { this.text = ''; this.children = nodes; }
  addEventListener(type, listener) { (this.listeners ||= {})[type] = listener; }
  find(tag) { return this.children.filter((c) => typeof c !== 'string').flatMap((c) => (c.tag === tag ? [c] : c.find(tag))); }
}

function page({ receipt, key, messages }) {
  const byId = {};
  const form = new FakeElement('form');
  form.setAttribute('data-log-key', key);
  const fields = { receipt: { value: receipt }, receipt_file: { files: [] }, log_key: { value: '' } };
  form.elements = { namedItem: (name) => fields[name] || null };
  form.requestSubmit = () => { form.postedToServer = true; };
  byId['receipt-check'] = form;
  byId['check-result'] = new FakeElement('div');
  for (const [id, text] of Object.entries(messages)) {
    byId['msg-' + id] = new FakeElement('span');
    byId['msg-' + id].textContent = text;
  }
  const document = {
    readyState: 'complete',
    documentElement: { lang: 'en' },
    getElementById: (id) => byId[id] || null,
    createElement: (tag) => new FakeElement(tag),
  };
  enhance(document, { crypto: globalThis.crypto });
  return { form, output: byId['check-result'], fields };
}

// Submits the form and waits until the script has shown a result or posted the form.
async function submit(form, output) {
  let prevented = false;
  form.listeners.submit({ preventDefault: () => { prevented = true; }, submitter: null });
  assert.ok(prevented, 'the browser check holds the form back');
  for (let i = 0; i < 400; i += 1) {
    if (form.postedToServer || output.getAttribute('aria-busy') === null) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail('no result after 2 s');
}

test('the page shows a verified receipt with its own words, and what was not proved', async () => {
  const messages = { verified: 'Verificado', 'by-browser': 'Su navegador', proved: 'Prueba', 'not-proved': 'No prueba', 'not-proved-height': 'Altura: palabra del nodo', origin: 'Registro', tx: 'Transacción', status: 'Estado', leaf: 'Posición' };
  const txId = JSON.parse(receiptText('receipt-h10.json')).tx_id;
  const { form, output } = page({ receipt: receiptText('receipt-h10.json'), key: logKey, messages });
  await submit(form, output);
  assert.equal(output.getAttribute('data-checked-by'), 'browser');
  assert.equal(form.postedToServer, undefined);
  assert.equal(output.find('h2')[0].textContent, 'Verificado');
  const terms = output.find('dt').map((d) => d.textContent);
  const values = output.find('dd').map((d) => d.textContent);
  assert.deepEqual(terms, ['Registro', 'Transacción', 'Estado', 'Posición']);
  assert.deepEqual(values, ['publica.local/publica-dev', txId, 'ok', '1,181 / 1,182']);
  assert.equal(output.find('a')[0].getAttribute('href'), '/explorer/transactions/' + txId);
  assert.ok(output.textContent.includes('Altura: palabra del nodo'));
});

test('the page shows a failure with its message and detail, and gives way to the server when it must', async () => {
  const r = sample();
  r.tree_size += 1;
  const failed = page({ receipt: JSON.stringify(r), key: logKey, messages: { failed: 'No verificado', tree_size_mismatch: 'Otro tamaño' } });
  await submit(failed.form, failed.output);
  assert.equal(failed.output.getAttribute('data-checked-by'), 'browser');
  assert.equal(failed.output.find('h2')[0].textContent, 'No verificado');
  const error = failed.output.find('p')[0];
  assert.equal(error.textContent, 'Otro tamaño');
  assert.equal(error.getAttribute('data-code'), 'receipt.tree_size_mismatch');
  assert.match(failed.output.find('pre')[0].textContent, /size 1183/);

  const big = JSON.stringify(sample()).replace('"nonce":15', '"nonce":9007199254740993');
  const server = page({ receipt: big, key: logKey, messages: {} });
  await submit(server.form, server.output);
  assert.equal(server.form.postedToServer, true);
  assert.equal(server.output.getAttribute('data-checked-by'), null);
});

test('a validator network\'s page leaves every check to the server (the quorum), unless the reader gives a key', async () => {
  const network = page({ receipt: receiptText('receipt-h10.json'), key: logKey, messages: {} });
  network.form.setAttribute('data-network', 'validators');
  await submit(network.form, network.output);
  assert.equal(network.form.postedToServer, true, 'a receipt that verifies with one node\'s key is still the server\'s to judge');

  const typed = page({ receipt: receiptText('receipt-h10.json'), key: logKey, messages: { verified: 'Verified' } });
  typed.form.setAttribute('data-network', 'validators');
  typed.fields.log_key.value = logKey;
  await submit(typed.form, typed.output);
  assert.equal(typed.form.postedToServer, undefined);
  assert.equal(typed.output.getAttribute('data-checked-by'), 'browser');

  // Failures carry the server's codes.
  const r = sample();
  r.checkpoint = r.checkpoint.replace(/— (\S+) (\S)/, (m, name, c) => `— ${name} ${c === 'A' ? 'B' : 'A'}`);
  const bad = page({ receipt: JSON.stringify(r), key: logKey, messages: {} });
  await submit(bad.form, bad.output);
  assert.equal(bad.output.find('p')[0].getAttribute('data-code'), 'receipt.bad_checkpoint');
});
