// Publica receipt check, in the browser.
//
// Verifies a transaction receipt with nothing but the log's public key and
// WebCrypto (SHA-256, Ed25519), by the same rules as the Rust verifier
// (crates/runtime/src/receipt.rs): the checkpoint's signed note, the tree
// size, the transaction's own signature, its id, and the RFC 9162 inclusion
// proof of the log entry JCS(transaction) || SHA-256(JCS(outcome)).
//
// It enhances the form #receipt-check; without it (no JavaScript, no
// Ed25519 in WebCrypto, a validator network) the form posts and the server
// runs the same check. The page is served under a strict CSP: no eval, no
// inline code; results are built with textContent only.
(function (root) {
  'use strict';

  const encoder = new TextEncoder();
  const RECEIPT_BYTES_MAX = 1 << 20; // as the server and `publica verify receipt`
  const NOTE_BYTES_MAX = 64 * 1024;
  const NOTE_SIGNATURES_MAX = 100;
  const TX_DOMAIN_TAG = 'publica/tx/v1\n';
  const HASH_HEX = /^[0-9a-f]{64}$/; // ids are lowercase hex only, as in ids.rs
  // The codes for which the browser gives way to the server's check.
  const SERVER_CODES = ['unsupported_browser', 'unsupported_network', 'unsupported_number', 'browser_error'];

  // A failed step: its code (the page's message id is "msg-" + code), the
  // step it failed at, and an English technical detail.
  class CheckFailure extends Error {
    constructor(code, step, detail) {
      super(detail);
      this.code = code;
      this.step = step;
    }
  }
  function fail(code, step, detail) {
    throw new CheckFailure(code, step, detail);
  }

  // ---- RFC 8785 canonical JSON, restricted as canonical.rs restricts it.

  // A lone surrogate has no UTF-8 form; serde_json refuses it, so must we.
  const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

  function jcs(value) {
    if (value === null || typeof value === 'boolean') return String(value);
    if (typeof value === 'number') {
      // Publica signs integers within +/-(2^53 - 1) only; their JCS form is
      // plain decimal. Anything else has no canonical form here.
      if (!Number.isSafeInteger(value)) throw new RangeError('number ' + value + ' is not an integer within +/-(2^53-1)');
      return String(value);
    }
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) throw new RangeError('string holds a lone surrogate');
      // JSON.stringify escapes exactly what JCS escapes: '"', '\' and C0 controls.
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) return '[' + value.map(jcs).join(',') + ']';
    if (typeof value === 'object') {
      // The default sort compares UTF-16 code units, which is JCS's order.
      const names = Object.keys(value).sort();
      return '{' + names.map((name) => jcs(name) + ':' + jcs(value[name])).join(',') + '}';
    }
    throw new TypeError('a ' + typeof value + ' is not JSON');
  }

  // ---- Bytes.

  function concat(...parts) {
    return Uint8Array.from(parts.flatMap((part) => Array.from(part)));
  }
  function equalBytes(a, b) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  function hexToBytes(hex) {
    return Uint8Array.from(hex.match(/../g) || [], (pair) => parseInt(pair, 16));
  }
  function bytesToHex(bytes) {
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  }
  // Standard padded base64 in its one canonical form (as Rust's base64
  // STANDARD engine wants it), or null. atob alone is more lenient.
  function base64ToBytes(text) {
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return null;
    const binary = atob(text);
    if (btoa(binary) !== text) return null; // stray bits in the last character
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }

  async function sha256(...parts) {
    return new Uint8Array(await root.crypto.subtle.digest('SHA-256', concat(...parts)));
  }

  // Ed25519 verification. A browser without Ed25519 gets the server's
  // check; a key WebCrypto refuses verifies nothing.
  async function ed25519Verify(publicKey, message, signature) {
    let key;
    try {
      key = await root.crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
    } catch (error) {
      if (error && error.name === 'NotSupportedError') fail('unsupported_browser', 'crypto', 'this browser has no Ed25519 in WebCrypto');
      return false;
    }
    return root.crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
  }

  // ---- The log's verifier key and its signed checkpoint (note.rs, checkpoint.rs).

  const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
  const NOTE_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/; // all but newline
  const P = (1n << 255n) - 19n;
  // The canonical encodings of the eight points of small order: under such
  // a key anyone can sign (crates/crypto/src/key.rs refuses them too).
  const SMALL_ORDER = [
    // the identity (0, 1) and the point of order 2 (0, -1)
    '0100000000000000000000000000000000000000000000000000000000000000', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    // order 4, then order 8
    '0000000000000000000000000000000000000000000000000000000000000000', '0000000000000000000000000000000000000000000000000000000000000080',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  ];
  // A small-order point, or a non-canonical encoding (y >= p, or x = 0 with its sign bit set).
  function isWeakKey(key) {
    const unsigned = Uint8Array.from(key);
    unsigned[31] &= 0x7f;
    const y = BigInt('0x' + bytesToHex(unsigned.slice().reverse())); // little-endian
    const signBit = (key[31] & 0x80) !== 0;
    return y >= P || (signBit && SMALL_ORDER.slice(0, 2).includes(bytesToHex(unsigned))) ||
      SMALL_ORDER.includes(bytesToHex(key));
  }
  function isKeyName(name) {
    return name !== '' && !name.includes('+') && !/\s/.test(name) && !CONTROL.test(name);
  }

  // `<name>+<key id hex>+<base64(0x01 || public key)>`; the id is
  // SHA-256(name || "\n" || 0x01 || public key)[:4].
  async function parseVerifierKey(text) {
    const bad = (detail) => fail('bad_key', 'key', 'malformed verifier key: ' + detail);
    const trimmed = String(text || '').trim();
    const first = trimmed.indexOf('+');
    const second = trimmed.indexOf('+', first + 1); // base64 may hold '+': split from the left
    if (first < 0 || second < 0) bad('expected <name>+<key id>+<key>');
    const name = trimmed.slice(0, first);
    const idHex = trimmed.slice(first + 1, second);
    if (!isKeyName(name)) bad('invalid key name');
    const key = base64ToBytes(trimmed.slice(second + 1));
    if (!key) bad('key is not base64');
    if (key.length !== 33 || key[0] !== 0x01) bad('only Ed25519 keys (type 0x01, 32 bytes) are supported');
    const publicKey = key.slice(1);
    if (isWeakKey(publicKey)) bad('the key is of small order or not canonical');
    if (!/^[0-9a-fA-F]{8}$/.test(idHex)) bad('key id must be 8 hex characters');
    const id = (await sha256(encoder.encode(name + '\n'), key)).slice(0, 4);
    if (bytesToHex(id) !== idHex.toLowerCase()) bad('key id does not match the name and key');
    return { name, id, publicKey };
  }

  // Splits a note into its signed text (up to and with the newline before
  // the last blank line) and its signature lines `— <name> <base64>`.
  function splitNote(note) {
    const bad = (detail) => fail('malformed', 'checkpoint', 'malformed signed note: ' + detail);
    if (encoder.encode(note).length > NOTE_BYTES_MAX) bad('note too large');
    if (NOTE_CONTROL.test(note)) bad('control characters other than newline');
    const split = note.lastIndexOf('\n\n');
    if (split < 0) bad('no blank line before the signatures');
    const signatures = note.slice(split + 2);
    if (!signatures.endsWith('\n') || signatures.length < 2) bad('signature lines must end in a newline');
    const lines = signatures.slice(0, -1).split('\n');
    if (lines.length > NOTE_SIGNATURES_MAX) bad('too many signatures');
    return {
      text: note.slice(0, split + 1),
      lines: lines.map((line) => {
        if (!line.startsWith('\u2014 ')) bad('signature line must start with an em dash and a space');
        const rest = line.slice(2);
        const space = rest.lastIndexOf(' ');
        if (space < 0) bad('signature line needs a name and a signature');
        const blob = base64ToBytes(rest.slice(space + 1));
        if (!blob) bad('signature is not base64');
        if (blob.length < 4) bad('signature too short');
        return { name: rest.slice(0, space), blob };
      }),
    };
  }

  // Verifies the note against the key and returns the checkpoint it signs.
  async function openCheckpoint(note, key, network) {
    const { text, lines } = splitNote(note);
    let found = false;
    for (const { name, blob } of lines) {
      if (name !== key.name || !equalBytes(blob.slice(0, 4), key.id)) continue; // another key's: ignored
      const signature = blob.slice(4);
      if (signature.length !== 64 || !(await ed25519Verify(key.publicKey, encoder.encode(text), signature))) {
        fail('bad_checkpoint_signature', 'checkpoint', "the note's signature by " + key.name + ' does not verify');
      }
      found = true;
    }
    if (!found && network) fail('unsupported_network', 'checkpoint', 'the checkpoint is cosigned by validators, not signed by this key');
    if (!found) fail('no_signature', 'checkpoint', 'the note has no signature from key ' + key.name);
    const [origin, size, rootLine] = text.split('\n');
    const bad = (detail) => fail('malformed', 'checkpoint', 'malformed checkpoint: ' + detail);
    if (!origin) bad('missing origin line');
    if (!/^(?:0|[1-9][0-9]*)$/.test(size || '')) bad('size must be a decimal integer without leading zeros');
    const rootHash = base64ToBytes(rootLine || '');
    if (!rootHash || rootHash.length !== 32) bad('root hash is not 32 bytes of base64');
    if (origin !== key.name) fail('wrong_origin', 'checkpoint', "checkpoint is for '" + origin + "', expected '" + key.name + "'");
    return { origin, size, root: rootHash };
  }

  // ---- The receipt's shape: what serde reads in receipt.rs, tx.rs and block.rs.

  // Each member's kind: TEXT, INTEGER (0..2^53-1), ANY JSON, a pattern for
  // a string, [kind] for an array, or an object. A name ending in '?' may be
  // absent. The ledger's own objects take no other members (serde's
  // deny_unknown_fields); the receipt itself may carry more (block_hash...).
  const TEXT = 'text';
  const INTEGER = 'integer';
  const ANY = 'any';
  const RECEIPT = {
    checkpoint: TEXT, tree_size: INTEGER, leaf_index: INTEGER, inclusion_proof: [HASH_HEX], tx_id: HASH_HEX,
    transaction: {
      body: {
        call: { args: ANY, method: TEXT, module: TEXT }, chain_id: TEXT,
        expiry: { 'height?': INTEGER, 'unix_ms?': INTEGER }, nonce: INTEGER,
      },
      signature: /^[0-9a-f]{128}$/, signer: HASH_HEX,
    },
    outcome: {
      'error?': { code: TEXT, message: TEXT }, 'events?': [{ data: ANY, kind: TEXT, module: TEXT }],
      status: /^(?:ok|failed)$/, tx_id: HASH_HEX,
    },
  };
  // outcome.error is an Option in Rust: null stands for absent. (events is
  // a Vec: absent is empty, but null is refused.)
  const NULLABLE = ['receipt.outcome.error'];

  function isObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  }
  function malformed(detail) {
    fail('malformed', 'parse', 'malformed receipt: ' + detail);
  }
  // Fields are named from the receipt down: "receipt.transaction.signer".
  const fieldName = (field) => (field === 'receipt' ? 'the receipt' : field.slice('receipt.'.length));
  function checkValue(value, kind, field) {
    const wrong = (what) => malformed(fieldName(field) + ' must be ' + what);
    if (kind === ANY || (value === null && NULLABLE.includes(field))) return;
    if (kind === TEXT) {
      if (typeof value !== 'string') wrong('a string');
    } else if (kind === INTEGER) {
      if (!Number.isSafeInteger(value) || value < 0) wrong('a non-negative integer');
    } else if (kind instanceof RegExp) {
      if (typeof value !== 'string' || !kind.test(value)) wrong('a string matching ' + kind.source);
    } else if (Array.isArray(kind)) {
      if (!Array.isArray(value)) wrong('an array');
      value.forEach((item, i) => checkValue(item, kind[0], field + '[' + i + ']'));
    } else {
      if (!isObject(value)) wrong('an object');
      const names = Object.keys(kind).map((name) => name.replace(/\?$/, ''));
      Object.keys(kind).forEach((name, i) => {
        if (Object.prototype.hasOwnProperty.call(value, names[i])) checkValue(value[names[i]], kind[name], field + '.' + names[i]);
        else if (!name.endsWith('?')) malformed('missing ' + fieldName(field + '.' + names[i]));
      });
      const unknown = Object.keys(value).find((name) => !names.includes(name));
      if (field !== 'receipt' && unknown !== undefined) malformed('unknown field ' + fieldName(field + '.' + unknown));
    }
  }

  function checkShape(receipt) {
    checkValue(receipt, RECEIPT, 'receipt');
    // An enum in Rust: exactly one of its two variants.
    if (Object.keys(receipt.transaction.body.expiry).length !== 1) malformed('transaction.body.expiry must be {"height": n} or {"unix_ms": n}');
    const height = receipt.checkpoint_height;
    if (height !== undefined && height !== null) {
      // Rust reads block_height only when it is an integer.
      const block = Number.isSafeInteger(receipt.block_height) && receipt.block_height >= 0 ? receipt.block_height : 0;
      if (!Number.isSafeInteger(height) || height < block) malformed('checkpoint_height must be an integer at or after block_height');
    }
  }

  // JSON.parse rounds integers above 2^53 and reads 1.0 as 1, where the
  // Rust side refuses both: find such numbers in the text itself (the
  // text is valid JSON, so strings are matched whole and skipped).
  function findUnsupportedNumber(text) {
    const tokens = /"(?:[^"\\]+|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
    for (const [token] of text.matchAll(tokens)) {
      if (token[0] === '"') continue;
      if (/[.eE]/.test(token) || !Number.isSafeInteger(Number(token))) return token;
    }
    return null;
  }

  // ---- The inclusion proof (RFC 9162 section 2.1.3.2; proof.rs).

  async function verifyInclusion(index, size, leaf, proof, expectedRoot) {
    const mismatch = (detail) => fail('proof_mismatch', 'inclusion', detail);
    if (index >= size) mismatch('leaf index ' + index + ' is outside a tree of size ' + size);
    const half = (n) => Math.floor(n / 2); // exact for safe integers, unlike >> on 32 bits
    let node = index;
    let last = size - 1;
    let hash = leaf;
    for (const sibling of proof) {
      if (last === 0) mismatch('the proof has more hashes than a tree of size ' + size + ' needs');
      if (node % 2 === 1 || node === last) {
        hash = await sha256(Uint8Array.of(1), sibling, hash);
        while (node % 2 === 0 && node !== 0) { node = half(node); last = half(last); }
      } else {
        hash = await sha256(Uint8Array.of(1), hash, sibling);
      }
      node = half(node);
      last = half(last);
    }
    if (last !== 0) mismatch('the proof has fewer hashes than a tree of size ' + size + ' needs');
    if (!equalBytes(hash, expectedRoot)) mismatch('this transaction and result are not entry ' + index + ' of the log at size ' + size);
  }

  // ---- The whole check.

  async function verifyReceiptText(text, verifierKey) {
    try {
      const trimmed = String(text).trim();
      if (encoder.encode(trimmed).length > RECEIPT_BYTES_MAX) fail('too_large', 'parse', 'the receipt is larger than 1 MiB');
      let receipt;
      try { receipt = JSON.parse(trimmed); } catch (error) { fail('not_json', 'parse', error.message); }
      const number = findUnsupportedNumber(trimmed);
      if (number) fail('unsupported_number', 'parse', 'number ' + number + ' is not an integer within 2^53-1');
      checkShape(receipt);
      const key = await parseVerifierKey(verifierKey);
      const network = receipt.checkpoint_height !== undefined && receipt.checkpoint_height !== null;
      const checkpoint = await openCheckpoint(receipt.checkpoint, key, network);
      if (String(receipt.tree_size) !== checkpoint.size) {
        fail('tree_size_mismatch', 'tree_size', 'the proof is for size ' + receipt.tree_size + ' but the checkpoint is for size ' + checkpoint.size);
      }
      const { body, signer, signature } = receipt.transaction;
      // The outcome as Rust writes it back: no null error, no empty events.
      const outcome = { status: receipt.outcome.status, tx_id: receipt.outcome.tx_id };
      if (receipt.outcome.error) outcome.error = receipt.outcome.error;
      if (receipt.outcome.events && receipt.outcome.events.length) outcome.events = receipt.outcome.events;
      let bodyJson, envelopeJson, outcomeJson;
      try {
        [bodyJson, envelopeJson, outcomeJson] = [jcs(body), jcs(receipt.transaction), jcs(outcome)];
      } catch (error) {
        fail('malformed', 'parse', 'malformed receipt: ' + error.message);
      }
      const signingBytes = encoder.encode(TX_DOMAIN_TAG + body.chain_id + '\n' + bodyJson);
      const signerKey = hexToBytes(signer);
      if (!(await ed25519Verify(signerKey, signingBytes, hexToBytes(signature)))) {
        fail('bad_tx_signature', 'transaction', "the transaction's own signature does not verify");
      }
      const txId = bytesToHex(await sha256(signerKey, signingBytes));
      if (receipt.tx_id !== txId || receipt.outcome.tx_id !== txId) {
        fail('wrong_leaf', 'tx_id', "the receipt's tx_id or outcome do not belong to this transaction (its id is " + txId + ')');
      }
      const entry = concat(encoder.encode(envelopeJson), await sha256(encoder.encode(outcomeJson)));
      const leaf = await sha256(Uint8Array.of(0), entry);
      await verifyInclusion(receipt.leaf_index, receipt.tree_size, leaf, receipt.inclusion_proof.map(hexToBytes), checkpoint.root);
      return {
        verified: true, origin: checkpoint.origin, tx_id: txId, status: receipt.outcome.status,
        leaf_index: receipt.leaf_index, tree_size: receipt.tree_size,
        block_height_unproved: receipt.block_height === undefined ? null : receipt.block_height,
      };
    } catch (error) {
      if (error instanceof CheckFailure) return { verified: false, code: error.code, detail: error.message, step: error.step };
      return { verified: false, code: 'browser_error', detail: String(error && error.message), step: 'crypto' };
    }
  }

  // ---- The page: progressive enhancement of the form #receipt-check.

  // The page's own words for a message id (a <template> or any element).
  function message(id, fallback) {
    const element = document.getElementById('msg-' + id);
    const text = element ? (element.content || element).textContent.trim() : '';
    return text || fallback;
  }
  function element(tag, text, attributes) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    return node;
  }
  function row(list, term, ...values) {
    const value = element('dd');
    value.append(...values);
    list.append(element('dt', term), value);
  }
  function formatInteger(n) {
    try { return new Intl.NumberFormat(document.documentElement.lang || undefined).format(n); } catch (error) { return String(n); }
  }

  function render(output, result) {
    const nodes = [];
    if (result.verified) {
      nodes.push(element('h2', message('verified', 'Verified'), { class: 'verified' }));
      nodes.push(element('p', message('by-browser', 'Your browser checked the signature and the proof itself.')));
      nodes.push(element('h3', message('proved', 'What this proves')));
      const list = element('dl');
      row(list, message('origin', 'Log'), element('code', result.origin));
      const link = element('a', undefined, { href: '/explorer/transactions/' + result.tx_id });
      link.append(element('code', result.tx_id));
      row(list, message('tx', 'Transaction'), link);
      row(list, message('status', 'Status'), result.status);
      row(list, message('leaf', 'Position in the log'), formatInteger(result.leaf_index) + ' / ' + formatInteger(result.tree_size));
      nodes.push(list, element('h3', message('not-proved', 'What this does not prove')));
      nodes.push(element('p', message('not-proved-height', 'The block number in the receipt is the node\u2019s word.')));
    } else {
      nodes.push(element('h2', message('failed', 'Not verified'), { class: 'failed' }));
      nodes.push(element('p', message(result.code, result.detail), { class: 'error', 'data-code': pageCode(result.code) }));
      const details = element('details');
      details.append(element('summary', message('detail', 'Technical detail')), element('pre', result.detail));
      nodes.push(details);
    }
    output.replaceChildren(...nodes);
    output.setAttribute('data-checked-by', 'browser');
  }

  // The code the server's check page gives the same failure: the browser
  // tells a missing signature from a wrong one, the server does not.
  function pageCode(code) {
    const same = { bad_checkpoint_signature: 'receipt.bad_checkpoint', no_signature: 'receipt.bad_checkpoint', too_large: 'request.too_large' };
    return same[code] || 'receipt.' + code;
  }

  function enhance() {
    const form = document.getElementById('receipt-check');
    const output = document.getElementById('check-result');
    if (!form || !output || !root.crypto || !root.crypto.subtle) return;
    let busy = false;
    let toServer = false; // set once the browser gives way: the next submit posts
    // A page restored by the Back button checks in the browser again.
    if (root.addEventListener) root.addEventListener('pageshow', () => { toServer = false; });
    form.addEventListener('submit', (event) => {
      if (toServer) return;
      event.preventDefault();
      if (busy) return;
      busy = true;
      output.setAttribute('aria-busy', 'true');
      output.replaceChildren(element('p', message('checking', 'Checking\u2026')));
      const toTheServer = () => {
        toServer = true;
        output.replaceChildren();
        if (form.requestSubmit) form.requestSubmit(event.submitter || undefined); else form.submit();
      };
      checkForm(form)
        .then((result) => (SERVER_CODES.includes(result.code) ? toTheServer() : render(output, result)))
        .catch(toTheServer) // a file that cannot be read, say: the server still can check the text
        .finally(() => { busy = false; output.removeAttribute('aria-busy'); });
    });
  }

  async function checkForm(form) {
    const textarea = form.elements.namedItem('receipt');
    const fileInput = form.elements.namedItem('receipt_file');
    const keyInput = form.elements.namedItem('log_key');
    const file = fileInput && fileInput.files && fileInput.files[0];
    if (file) {
      if (file.size > RECEIPT_BYTES_MAX) return { verified: false, code: 'too_large', step: 'read', detail: 'the file is larger than 1 MiB' };
      // The server reads only the text area: put the file there, in case it checks.
      if (textarea) textarea.value = await file.text();
    }
    const text = textarea ? textarea.value : '';
    const typedKey = keyInput && keyInput.value.trim();
    // In a validator network a checkpoint is final only with a quorum of
    // the validators' cosignatures, which the server checks: one node's
    // key (which a receipt's own fields cannot be trusted to rule out)
    // proves less, so the browser hands the check over.
    if (!typedKey && form.getAttribute('data-network')) {
      return { verified: false, code: 'unsupported_network', step: 'key', detail: 'a validator network: the server checks the quorum' };
    }
    return verifyReceiptText(text, typedKey || form.getAttribute('data-log-key') || '');
  }

  const api = { verifyReceiptText, jcs };
  root.PublicaCheck = api;
  if (typeof document !== 'undefined') {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', enhance); else enhance();
  }
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
