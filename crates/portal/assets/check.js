// Publica receipt and state check, in the browser.
//
// Verifies a transaction receipt with nothing but the log's public key and
// WebCrypto (SHA-256, Ed25519), with the TypeScript client's own verifier
// (clients/typescript/src/verify.ts, compiled into ./sdk/ by
// scripts/portal-sdk): the checkpoint's signed note, the tree size, the
// transaction's own signature, its id, and the RFC 9162 inclusion proof of
// the log entry JCS(transaction) || SHA-256(JCS(outcome)), by the same
// rules as the Rust verifier (crates/runtime/src/receipt.rs). A state
// answer (GET /v1/state?key=) is checked the same way from its checkpoint
// alone: the signature, the checkpoint's publica-state line naming the
// answer's block and state root, and the state proof against that root
// (crates/runtime/src/state_answer.rs).
//
// It enhances the form #receipt-check; without it (no JavaScript, no
// Ed25519 in WebCrypto, a validator network) the form posts and the server
// runs the same check. The page is served under a strict CSP: no eval, no
// inline code; results are built with textContent only.
import { VerificationError } from './sdk/errors.js';
import { verifyReceipt, verifyStateAnswer } from './sdk/verify.js';

const RECEIPT_BYTES_MAX = 1 << 20; // as the server and `publica verify receipt`
// The codes for which the browser gives way to the server's check.
const SERVER_CODES = ['unsupported_browser', 'unsupported_network', 'unsupported_number', 'browser_error'];
// The page's codes (its message ids are "msg-" + code) for the client's
// reasons, where they differ.
const PAGE_CODES = {
  bad_verifier_key: 'bad_key',
  bad_signature: 'bad_checkpoint_signature',
  no_signature_from_key: 'no_signature',
  validator_network: 'unsupported_network',
};
// The step each failure is found at, for the technical detail.
const STEPS = {
  not_json: 'parse', too_large: 'parse', malformed: 'parse', unsupported_number: 'parse', bad_key: 'key',
  bad_checkpoint_signature: 'checkpoint', no_signature: 'checkpoint', unsupported_network: 'checkpoint',
  wrong_origin: 'checkpoint', tree_size_mismatch: 'tree_size', bad_tx_signature: 'transaction',
  wrong_leaf: 'tx_id', proof_mismatch: 'inclusion',
  no_checkpoint: 'checkpoint', state_root_mismatch: 'state_root', state_proof_mismatch: 'state_proof',
};
const failure = (code, detail) => ({ verified: false, code, detail, step: STEPS[code] || 'crypto' });

/**
 * Checks a receipt's text against a log verifier key. Never throws:
 * `{verified: true, origin, tx_id, status, leaf_index, tree_size,
 * block_height_unproved}` or `{verified: false, code, detail, step}`.
 */
export async function verifyReceiptText(text, verifierKey) {
  const trimmed = String(text).trim();
  if (new TextEncoder().encode(trimmed).length > RECEIPT_BYTES_MAX) return failure('too_large', 'the receipt is larger than 1 MiB');
  let parsed;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    return failure('not_json', error.message);
  }
  try {
    if (isStateAnswer(parsed)) {
      const state = await verifyStateAnswer(parsed, String(verifierKey || ''));
      return { verified: true, kind: 'state', key: state.key, height: state.height, present: state.present, json: state.json, value: state.value };
    }
    const proved = await verifyReceipt(trimmed, String(verifierKey || ''));
    return {
      verified: true, origin: proved.origin, tx_id: proved.txId, status: proved.status,
      leaf_index: proved.leafIndex, tree_size: proved.treeSize,
      block_height_unproved: proved.notProved.blockHeight === undefined ? null : proved.notProved.blockHeight,
    };
  } catch (error) {
    if (error instanceof VerificationError) {
      const detail = error.message.slice(error.reason.length + 2); // past "<reason>: "
      return failure(PAGE_CODES[error.reason] || error.reason, detail);
    }
    if (/no Ed25519/.test(String(error && error.message))) return failure('unsupported_browser', String(error.message));
    return failure('browser_error', String(error && error.message));
  }
}

// A state answer, as the server tells them apart: a state root, no tx id.
function isStateAnswer(v) {
  return v !== null && typeof v === 'object' && 'state_root' in v && !('tx_id' in v);
}

// ---- The page: progressive enhancement of the form #receipt-check.

// The page's own words for a message id (a <template> or any element).
function message(doc, id, fallback) {
  const element = doc.getElementById('msg-' + id);
  const text = element ? (element.content || element).textContent.trim() : '';
  return text || fallback;
}
function element(doc, tag, text, attributes) {
  const node = doc.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  return node;
}
function row(doc, list, term, ...values) {
  const value = element(doc, 'dd');
  value.append(...values);
  list.append(element(doc, 'dt', term), value);
}
function formatInteger(doc, n) {
  try { return new Intl.NumberFormat(doc.documentElement.lang || undefined).format(n); } catch (error) { return String(n); }
}

function stateValue(doc, result) {
  if (!result.present) return doc.createTextNode(message(doc, 'state-absent', 'Nothing is stored under this key.'));
  const text = result.json !== null ? JSON.stringify(result.json, null, 2) : new TextDecoder().decode(result.value);
  return element(doc, 'pre', text);
}

function render(doc, output, result) {
  const nodes = [];
  if (result.verified && result.kind === 'state') {
    nodes.push(element(doc, 'h2', message(doc, 'verified', 'Verified'), { class: 'verified' }));
    nodes.push(element(doc, 'p', message(doc, 'by-browser', 'Your browser checked the signature and the proof itself.')));
    nodes.push(element(doc, 'h3', message(doc, 'proved', 'What this proves')));
    const list = element(doc, 'dl');
    const block = element(doc, 'a', formatInteger(doc, result.height), { href: '/explorer/blocks/' + result.height });
    row(doc, list, message(doc, 'state-block', 'After block'), block);
    row(doc, list, message(doc, 'state-key', 'Key'), element(doc, 'code', result.key));
    row(doc, list, message(doc, 'state-value', 'Value'), stateValue(doc, result));
    nodes.push(list, element(doc, 'h3', message(doc, 'not-proved', 'What this does not prove')));
    nodes.push(element(doc, 'p', message(doc, 'state-not-proved', 'That this is still the value now.')));
  } else if (result.verified) {
    nodes.push(element(doc, 'h2', message(doc, 'verified', 'Verified'), { class: 'verified' }));
    nodes.push(element(doc, 'p', message(doc, 'by-browser', 'Your browser checked the signature and the proof itself.')));
    nodes.push(element(doc, 'h3', message(doc, 'proved', 'What this proves')));
    const list = element(doc, 'dl');
    row(doc, list, message(doc, 'origin', 'Log'), element(doc, 'code', result.origin));
    const link = element(doc, 'a', undefined, { href: '/explorer/transactions/' + result.tx_id });
    link.append(element(doc, 'code', result.tx_id));
    row(doc, list, message(doc, 'tx', 'Transaction'), link);
    row(doc, list, message(doc, 'status', 'Status'), result.status);
    row(doc, list, message(doc, 'leaf', 'Position in the log'), formatInteger(doc, result.leaf_index) + ' / ' + formatInteger(doc, result.tree_size));
    nodes.push(list, element(doc, 'h3', message(doc, 'not-proved', 'What this does not prove')));
    nodes.push(element(doc, 'p', message(doc, 'not-proved-height', 'The block number in the receipt is the node\u2019s word.')));
  } else {
    nodes.push(element(doc, 'h2', message(doc, 'failed', 'Not verified'), { class: 'failed' }));
    nodes.push(element(doc, 'p', message(doc, result.code, result.detail), { class: 'error', 'data-code': pageCode(result.code) }));
    const details = element(doc, 'details');
    details.append(element(doc, 'summary', message(doc, 'detail', 'Technical detail')), element(doc, 'pre', result.detail));
    nodes.push(details);
  }
  output.replaceChildren(...nodes);
  output.setAttribute('data-checked-by', 'browser');
}

// The code the server's check page gives the same failure: the browser
// tells a missing signature from a wrong one, the server does not.
function pageCode(code) {
  const same = {
    bad_checkpoint_signature: 'receipt.bad_checkpoint', no_signature: 'receipt.bad_checkpoint', too_large: 'request.too_large',
    no_checkpoint: 'state.no_checkpoint', state_root_mismatch: 'state.root_mismatch', state_proof_mismatch: 'state.proof_mismatch',
  };
  return same[code] || 'receipt.' + code;
}

// Enhances the form of `doc` (the page's document, unless a test gives
// its own) in the window `win`.
export function enhance(doc = globalThis.document, win = globalThis) {
  const form = doc.getElementById('receipt-check');
  const output = doc.getElementById('check-result');
  if (!form || !output || !win.crypto || !win.crypto.subtle) return;
  let busy = false;
  let toServer = false; // set once the browser gives way: the next submit posts
  // A page restored by the Back button checks in the browser again.
  if (win.addEventListener) win.addEventListener('pageshow', () => { toServer = false; });
  form.addEventListener('submit', (event) => {
    if (toServer) return;
    event.preventDefault();
    if (busy) return;
    busy = true;
    output.setAttribute('aria-busy', 'true');
    output.replaceChildren(element(doc, 'p', message(doc, 'checking', 'Checking\u2026')));
    const toTheServer = () => {
      toServer = true;
      output.replaceChildren();
      if (form.requestSubmit) form.requestSubmit(event.submitter || undefined); else form.submit();
    };
    checkForm(form)
      .then((result) => (SERVER_CODES.includes(result.code) ? toTheServer() : render(doc, output, result)))
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

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => enhance()); else enhance();
}
