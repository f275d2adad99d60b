// Offline verification: signed checkpoints (C2SP signed notes), receipts
// with their RFC 9162 inclusion proofs, consistency proofs between two
// checkpoints, and state proofs. Nothing here uses the network; every step
// follows docs/transparency.md and docs/state-proofs.md.

import { type Bytes, concat, equalBytes, fromBase64, fromHex, toHex, utf8 } from './bytes.js';
import { canonicalJson, type JsonValue } from './canonical.js';
import { ed25519Verify, isStrongPublicKey, sha256 } from './crypto.js';
import { VerificationError, type VerificationReason } from './errors.js';
import { signingBytes, type Envelope } from './tx.js';
import type { BlockHeader, ConsistencyProof, Outcome, Receipt, StateAnswer } from './types.js';

const fail = (reason: VerificationReason, message: string): never => {
  throw new VerificationError(reason, message);
};

// ---- The log's verifier key.

/** A parsed log verifier key. */
export interface VerifierKey {
  /** The key name; a checkpoint's origin must equal it. */
  name: string;
  /** The 4-byte key ID. */
  keyId: Bytes;
  /** The 32-byte Ed25519 public key. */
  publicKey: Bytes;
}

const ED25519_KEY_TYPE = 0x01;
const COSIGNATURE_BLOB_BYTES = 4 + 8 + 64; // c2sp.org/tlog-cosignature: key ID, time, signature

// Rust's `char::is_control`: the C0 and C1 controls and DEL.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const NOTE_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

/**
 * Parses a verifier key `<name>+<key id hex>+<base64(0x01 || public key)>`
 * and checks it: an Ed25519 key that is canonical and not of small order,
 * and a key ID equal to `SHA-256(name || "\n" || 0x01 || public key)[:4]`.
 * Throws `VerificationError` (`bad_verifier_key`).
 */
export async function parseVerifierKey(text: string): Promise<VerifierKey> {
  return parseTypedKey(text, ED25519_KEY_TYPE, 'Ed25519 keys (type 0x01, 32 bytes)');
}

/**
 * Parses `<name>+<key id hex>+<base64(type || Ed25519 key)>` of `keyType`:
 * a canonical key not of small order, and a key ID equal to
 * `SHA-256(name || "\n" || type || key)[:4]`.
 */
async function parseTypedKey(text: string, keyType: number, kind: string): Promise<VerifierKey> {
  const bad = (detail: string) => fail('bad_verifier_key', detail);
  const trimmed = typeof text === 'string' ? text.trim() : bad('expected a string');
  // The name holds no '+', base64 may: split from the left.
  const first = trimmed.indexOf('+');
  const second = trimmed.indexOf('+', first + 1);
  if (first < 0 || second < 0) bad('expected <name>+<key id>+<key>');
  const name = trimmed.slice(0, first);
  const idHex = trimmed.slice(first + 1, second);
  if (!name || name.includes('+') || /\s/.test(name) || CONTROL.test(name)) bad('invalid key name');
  const typed = fromBase64(trimmed.slice(second + 1)) ?? bad('the key is not base64');
  if (typed.length !== 33 || typed[0] !== keyType) bad(`only ${kind} are supported`);
  const publicKey = typed.slice(1);
  if (!isStrongPublicKey(publicKey)) bad('the key is of small order, not canonical or not a curve point');
  if (!/^[0-9a-fA-F]{8}$/.test(idHex)) bad('the key id must be 8 hex characters');
  const keyId = (await sha256(utf8(name + '\n'), typed)).slice(0, 4);
  if (toHex(keyId) !== idHex.toLowerCase()) bad('the key id does not match the name and key');
  return { name, keyId, publicKey };
}

async function verifierKey(key: VerifierKey | string): Promise<VerifierKey> {
  return typeof key === 'string' ? parseVerifierKey(key) : key;
}

// ---- Checkpoints.

/** A checkpoint whose signature verified. */
export interface Checkpoint {
  /** The log's name. */
  origin: string;
  /** The number of entries in the log. */
  size: number;
  /** The Merkle root of those entries. */
  root: Bytes;
  /**
   * Its `publica-state` line (ledger format 6 on): the block it was signed
   * after and the state root after that block (hex); null when it has none.
   */
  state: { height: number; stateRoot: string } | null;
  /** The signed note, whole. */
  note: string;
}

/** A signed note's text and its signature lines (C2SP signed-note). */
function noteParts(note: string): { text: string; lines: { name: string; blob: Bytes }[] } {
  const bad = (detail: string) => fail('malformed', `malformed signed note: ${detail}`);
  if (typeof note !== 'string') bad('expected a string');
  if (utf8(note).length > 64 * 1024) bad('note too large');
  if (NOTE_CONTROL.test(note)) bad('control characters other than newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) bad('no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const signatures = note.slice(split + 2);
  if (signatures.length < 2 || !signatures.endsWith('\n')) bad('signature lines must end in a newline');
  const raw = signatures.slice(0, -1).split('\n');
  if (raw.length > 100) bad('too many signatures');
  const lines = raw.map((line) => {
    if (!line.startsWith('\u2014 ')) bad('a signature line must start with an em dash and a space');
    const space = line.lastIndexOf(' ');
    if (space < 2) bad('a signature line needs a name and a signature');
    const blob = fromBase64(line.slice(space + 1)) ?? bad('a signature is not base64');
    if (blob.length < 4) bad('a signature is too short');
    return { name: line.slice(2, space), blob };
  });
  return { text, lines };
}

/**
 * Opens a C2SP signed note holding a checkpoint: checks that it carries a
 * valid Ed25519 signature by `key` (lines by other keys are ignored, as
 * the spec says), that its origin is the key's name, and parses the size
 * and root. Throws `VerificationError`: `malformed`, `bad_signature`,
 * `no_signature_from_key`, `validator_network`, `wrong_origin`.
 */
export async function openCheckpoint(note: string, key: VerifierKey | string): Promise<Checkpoint> {
  const k = await verifierKey(key);
  const { text, lines } = noteParts(note);
  let found = false;
  let cosigned = false;
  for (const { name, blob } of lines) {
    if (blob.length === COSIGNATURE_BLOB_BYTES) cosigned = true;
    if (name !== k.name || !equalBytes(blob.slice(0, 4), k.keyId)) continue; // another key's line
    const signature = blob.slice(4);
    if (signature.length !== 64 || !(await ed25519Verify(k.publicKey, utf8(text), signature))) {
      fail('bad_signature', `the checkpoint's signature by ${k.name} does not verify: the note was altered or signed by another key`);
    }
    found = true;
  }
  if (!found && cosigned) {
    fail('validator_network', 'the checkpoint is cosigned by validators: check its quorum with `publica verify --validators`');
  }
  if (!found) fail('no_signature_from_key', `the note has no signature by the key ${k.name}`);
  const [origin, sizeLine, rootLine, ...extensions] = text.split('\n');
  const badCheckpoint = (detail: string) => fail('malformed', `malformed checkpoint: ${detail}`);
  if (!origin) badCheckpoint('missing origin line');
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeLine ?? '')) badCheckpoint('the size must be a decimal integer without leading zeros');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) badCheckpoint('the size is beyond 2^53-1');
  const root = fromBase64(rootLine ?? '');
  if (!root || root.length !== 32) return badCheckpoint('the root hash is not 32 bytes of base64');
  if (origin !== k.name) fail('wrong_origin', `the checkpoint is for '${origin}', expected '${k.name}'`);
  return { origin: origin!, size, root, state: stateLine(extensions), note };
}

const STATE_LINE = /^publica-state (0|[1-9][0-9]*) ([0-9a-f]{64})$/;

/** The `publica-state <height> <root>` extension line, if any. */
function stateLine(extensions: string[]): Checkpoint['state'] {
  const lines = extensions.filter((line) => line.split(' ', 1)[0] === 'publica-state');
  if (lines.length === 0) return null;
  const m = lines.length === 1 ? STATE_LINE.exec(lines[0]!) : null;
  if (!m) return fail('malformed', "malformed checkpoint: one line 'publica-state <height> <64 hex digits>'");
  const height = Number(m[1]);
  if (!Number.isSafeInteger(height)) fail('malformed', 'malformed checkpoint: the state line\'s height is beyond 2^53-1');
  return { height, stateRoot: m[2]! };
}

// ---- Merkle trees (RFC 9162).

/** `SHA-256(0x00 || entry)`, a log leaf's hash. */
export async function leafHash(entry: Uint8Array): Promise<Bytes> {
  return sha256(Uint8Array.of(0), entry);
}

function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Bytes> {
  return sha256(Uint8Array.of(1), left, right);
}

// Halving that stays exact beyond 32 bits (unlike >>).
const half = (n: number) => Math.floor(n / 2);
const odd = (n: number) => n % 2 === 1;

/**
 * Checks an RFC 9162 (section 2.1.3.2) inclusion proof: the leaf at
 * `leafIndex` of a tree of `treeSize` leaves, with this `proof`, has
 * `root`. Refuses `leafIndex >= treeSize` (so nothing is in the empty
 * tree), and proofs with hashes too many or too few. Throws
 * `VerificationError` (`proof_mismatch`).
 */
export async function verifyInclusionProof(leafIndex: number, treeSize: number, leaf: Uint8Array, proof: Uint8Array[], root: Uint8Array): Promise<void> {
  if (!equalBytes(await inclusionRoot(leafIndex, treeSize, leaf, proof), root)) {
    fail('proof_mismatch', `the leaf is not entry ${leafIndex} of the tree of size ${treeSize} with this root`);
  }
}

// The root an inclusion proof leads to, after its bounds checks.
async function inclusionRoot(leafIndex: number, treeSize: number, leaf: Uint8Array, proof: Uint8Array[]): Promise<Uint8Array> {
  const mismatch = (detail: string) => fail('proof_mismatch', detail);
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0) mismatch('sizes must be non-negative integers');
  if (leafIndex >= treeSize) mismatch(`leaf index ${leafIndex} is outside a tree of size ${treeSize}`);
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) mismatch(`the proof has more hashes than a tree of size ${treeSize} needs`);
    if (odd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) mismatch(`the proof has fewer hashes than a tree of size ${treeSize} needs`);
  return r;
}

/**
 * Checks an RFC 9162 (section 2.1.4.2) consistency proof that the tree of
 * `size1` leaves with `root1` is a prefix of the tree of `size2` leaves
 * with `root2`. As docs/transparency.md decides: a proof from size 0 is
 * refused (it would prove nothing), and between equal sizes the proof is
 * empty and the roots equal. Throws `VerificationError` (`proof_mismatch`).
 */
export async function verifyConsistencyProof(size1: number, size2: number, proof: Uint8Array[], root1: Uint8Array, root2: Uint8Array): Promise<void> {
  const mismatch = (detail: string) => fail('proof_mismatch', detail);
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2)) mismatch('sizes must be integers');
  if (size1 < 1) mismatch('a consistency proof from size 0 proves nothing');
  if (size2 < size1) mismatch(`the newer size ${size2} is smaller than the older ${size1}`);
  if (size1 === size2) {
    if (proof.length !== 0) mismatch('between equal sizes the proof must be empty');
    if (!equalBytes(root1, root2)) mismatch(`two different roots for size ${size1}`);
    return;
  }
  if (proof.length === 0) mismatch('the proof is empty');
  // Step 2: when size1 is a power of two, its root is the path's first node.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) mismatch(`the proof has more hashes than sizes ${size1} and ${size2} need`);
    if (odd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) mismatch(`the proof has fewer hashes than sizes ${size1} and ${size2} need`);
  if (!equalBytes(fr, root1)) mismatch(`the proof does not lead to the older root (size ${size1})`);
  if (!equalBytes(sr, root2)) mismatch(`the proof does not lead to the newer root (size ${size2}): the log did not only grow`);
}

function isPowerOfTwo(n: number): boolean {
  let m = n;
  while (m > 1 && m % 2 === 0) m /= 2;
  return m === 1;
}

/** Two checkpoints of one log, the newer extending the older. */
export interface VerifiedConsistency {
  older: Checkpoint;
  newer: Checkpoint;
}

/**
 * Verifies, offline, that the log only grew between two signed
 * checkpoints: both signatures, then the consistency proof (as
 * `GET /v1/log/consistency` gives it, or its list of hex hashes) between
 * their sizes and roots.
 */
export async function verifyConsistency(older: string, newer: string, proof: ConsistencyProof | string[], key: VerifierKey | string): Promise<VerifiedConsistency> {
  const k = await verifierKey(key);
  const a = await openCheckpoint(older, k);
  const b = await openCheckpoint(newer, k);
  const hashes = Array.isArray(proof) ? proof : proof?.proof;
  if (!Array.isArray(proof)) {
    if (!isRecord(proof) || !Array.isArray(hashes)) fail('malformed', 'the proof must be {from, to, proof: [hex]} or a list of hex hashes');
    if (proof.from !== a.size || proof.to !== b.size) {
      fail('tree_size_mismatch', `the proof is from ${proof.from} to ${proof.to}, the checkpoints are of sizes ${a.size} and ${b.size}`);
    }
  }
  await verifyConsistencyProof(a.size, b.size, hexList(hashes, 'proof'), a.root, b.root);
  return { older: a, newer: b };
}

// ---- Receipts.

/** What a verified receipt establishes, and what it does not. */
export interface VerifiedReceipt {
  /** The log the checkpoint is of. */
  origin: string;
  txId: string;
  /** The transaction's result, `ok` or `failed`. */
  status: 'ok' | 'failed';
  /** Its entry number in the log. */
  leafIndex: number;
  /** The log size of the signed checkpoint. */
  treeSize: number;
  /** The signed checkpoint. */
  checkpoint: Checkpoint;
  /**
   * The receipt's block fields: the node's word, not covered by the proof
   * (check them against `GET /v1/blocks/{height}`).
   */
  notProved: { blockHeight: unknown; blockHash: unknown; index: unknown };
}

/** The log entry of a transaction: `JCS(transaction) || SHA-256(JCS(outcome))`. */
export async function logEntry(transaction: Envelope, outcome: Outcome): Promise<Bytes> {
  // The outcome as the ledger writes it: no `error` when null, no empty `events`.
  const written: Record<string, unknown> = { status: outcome.status, tx_id: outcome.tx_id };
  if (outcome.error != null) written.error = outcome.error;
  if (outcome.events && outcome.events.length > 0) written.events = outcome.events;
  return concat(utf8(canonicalJson(transaction)), await sha256(utf8(canonicalJson(written))));
}

/**
 * Verifies a receipt offline against the log's verifier key, step by step
 * as docs/transparency.md says: the checkpoint's signature and origin, the
 * tree size, the transaction's own signature and id, then the RFC 9162
 * inclusion proof of its log entry up to the checkpoint's root.
 *
 * `receipt` may be the parsed answer or its JSON text (the text is checked
 * for numbers JSON.parse would silently round). Throws `VerificationError`
 * with a named `reason`; returns what was proved.
 */
export async function verifyReceipt(receipt: Receipt | string, key: VerifierKey | string): Promise<VerifiedReceipt> {
  const r = typeof receipt === 'string' ? parseJsonText(receipt, 'receipt') : receipt;
  checkReceiptShape(r);
  const k = await verifierKey(key);
  let checkpoint: Checkpoint;
  try {
    checkpoint = await openCheckpoint(r.checkpoint, k);
  } catch (error) {
    // A network's receipt names the block of its cosigned checkpoint.
    if (error instanceof VerificationError && error.reason === 'no_signature_from_key' && r.checkpoint_height != null) {
      fail('validator_network', 'a validator network receipt: check its quorum with `publica verify receipt --validators`');
    }
    throw error;
  }
  if (r.tree_size !== checkpoint.size) {
    fail('tree_size_mismatch', `the proof is for size ${r.tree_size} but the checkpoint is for size ${checkpoint.size}`);
  }
  const { transaction } = r;
  const signer = fromHex(transaction.signer, 'transaction.signer', 32);
  let bytes: Bytes;
  try {
    bytes = signingBytes(transaction.body);
  } catch (error) {
    return fail('malformed', `transaction.body: ${(error as Error).message}`);
  }
  if (!(await ed25519Verify(signer, bytes, fromHex(transaction.signature, 'transaction.signature', 64)))) {
    fail('bad_tx_signature', "the transaction's own signature does not verify");
  }
  const id = toHex(await sha256(signer, bytes));
  if (r.tx_id !== id || r.outcome.tx_id !== id) {
    fail('wrong_leaf', `the receipt's tx_id or outcome belong to another transaction (this one's id is ${id})`);
  }
  let entry: Bytes;
  try {
    entry = await logEntry(transaction, r.outcome);
  } catch (error) {
    return fail('malformed', (error as Error).message);
  }
  const root = await inclusionRoot(r.leaf_index, r.tree_size, await leafHash(entry), hexList(r.inclusion_proof, 'inclusion_proof'));
  if (!equalBytes(root, checkpoint.root)) {
    fail('proof_mismatch', `this transaction and result are not entry ${r.leaf_index} of the log at size ${r.tree_size}`);
  }
  return {
    origin: checkpoint.origin,
    txId: id,
    status: r.outcome.status,
    leafIndex: r.leaf_index,
    treeSize: r.tree_size,
    checkpoint,
    notProved: { blockHeight: r.block_height, blockHash: r.block_hash, index: r.index },
  };
}

// The receipt's shape, as the ledger's own types define it: exact members
// for the transaction (unknown fields would be refused at admission) and
// the outcome; the receipt itself may carry more.
const HASH = /^[0-9a-f]{64}$/;
function checkReceiptShape(r: unknown): asserts r is Receipt {
  const bad = (detail: string): never => fail('malformed', `malformed receipt: ${detail}`);
  const object = (value: unknown, field: string, members: string[], optional: string[] = []): Record<string, unknown> => {
    if (!isRecord(value)) return bad(`${field} must be an object`);
    for (const name of members) if (!(name in value)) bad(`missing ${field}.${name}`);
    const unknown = Object.keys(value).find((name) => !members.includes(name) && !optional.includes(name));
    if (unknown !== undefined) bad(`unknown field ${field}.${unknown}`);
    return value;
  };
  const integer = (value: unknown, field: string) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) bad(`${field} must be a non-negative integer`);
  };
  if (!isRecord(r)) return bad('expected a JSON object');
  for (const name of ['checkpoint', 'tree_size', 'leaf_index', 'inclusion_proof', 'tx_id', 'transaction', 'outcome']) {
    if (!(name in r)) bad(`missing ${name}`);
  }
  if (typeof r.checkpoint !== 'string') bad('checkpoint must be a string');
  integer(r.tree_size, 'tree_size');
  integer(r.leaf_index, 'leaf_index');
  if (!Array.isArray(r.inclusion_proof) || !r.inclusion_proof.every((h) => typeof h === 'string' && HASH.test(h))) {
    bad('inclusion_proof must be a list of 64-character lowercase hex hashes');
  }
  if (typeof r.tx_id !== 'string' || !HASH.test(r.tx_id)) bad('tx_id must be 64 lowercase hex characters');
  if (r.checkpoint_height != null) {
    integer(r.checkpoint_height, 'checkpoint_height');
    // The ledger reads block_height only when it is an integer.
    const block = typeof r.block_height === 'number' && Number.isSafeInteger(r.block_height) && r.block_height >= 0 ? r.block_height : 0;
    if ((r.checkpoint_height as number) < block) bad('checkpoint_height must be at or after block_height');
  }
  const tx = object(r.transaction, 'transaction', ['body', 'signer', 'signature']);
  if (typeof tx.signer !== 'string' || !HASH.test(tx.signer)) bad('transaction.signer must be 64 lowercase hex characters');
  if (typeof tx.signature !== 'string' || !/^[0-9a-f]{128}$/.test(tx.signature)) bad('transaction.signature must be 128 lowercase hex characters');
  const body = object(tx.body, 'transaction.body', ['chain_id', 'nonce', 'expiry', 'call']);
  const expiry = object(body.expiry, 'transaction.body.expiry', [], ['height', 'unix_ms']);
  if (Object.keys(expiry).length !== 1) bad('transaction.body.expiry must be {"height": n} or {"unix_ms": n}');
  object(body.call, 'transaction.body.call', ['module', 'method', 'args']);
  const outcome = object(r.outcome, 'outcome', ['status', 'tx_id'], ['error', 'events']);
  if (outcome.status !== 'ok' && outcome.status !== 'failed') bad('outcome.status must be "ok" or "failed"');
  if (outcome.events !== undefined && !Array.isArray(outcome.events)) bad('outcome.events must be a list');
}

// ---- State proofs.

/** A state value, or its absence, proved against a state root. */
export interface VerifiedState {
  key: string;
  /** The block whose state root the proof is against. */
  height: number;
  /** That root, hex. */
  stateRoot: string;
  /** Whether the key holds a value. */
  present: boolean;
  /** The proved value's bytes (null when absent). */
  value: Bytes | null;
  /** The proved value parsed as JSON (null when absent or not JSON). */
  json: JsonValue;
}

const bit = (hash: Uint8Array, d: number) => (hash[d >> 3]! >> (7 - (d & 7))) & 1;

/**
 * Verifies a `GET /v1/state` answer offline (docs/state-proofs.md): that
 * the proof leads from the key's position to `state_root`, proving either
 * `value_hex` under the key or, when it is null, that the key is absent.
 *
 * The answer's own `state_root` is the node's word: pass `expectedStateRoot`
 * (hex, from the header of the block at `answer.height`, whose hash you
 * checked with `blockHash`) to pin it. Throws `VerificationError`
 * (`malformed`, `state_proof_mismatch`).
 */
export async function verifyStateProof(answer: StateAnswer, expectedStateRoot?: string): Promise<VerifiedState> {
  const bad = (detail: string): never => fail('malformed', `malformed state answer: ${detail}`);
  const mismatch = (detail: string): never => fail('state_proof_mismatch', detail);
  if (!isRecord(answer) || !isRecord(answer.proof) || !isRecord(answer.proof.terminal)) return bad('expected {key, height, state_root, value_hex, proof: {siblings, terminal}}');
  const { key, proof } = answer;
  if (typeof key !== 'string' || key === '') bad('key must be a non-empty string');
  if (typeof answer.state_root !== 'string' || !HASH.test(answer.state_root)) bad('state_root must be 64 lowercase hex characters');
  if (expectedStateRoot !== undefined && answer.state_root !== expectedStateRoot.toLowerCase()) {
    mismatch(`the answer is against state root ${answer.state_root}, expected ${expectedStateRoot}`);
  }
  if (!Array.isArray(proof.siblings) || proof.siblings.length > 256) bad('proof.siblings must be a list of at most 256 hashes');
  const siblings = hexList(proof.siblings, 'proof.siblings');
  const value = answer.value_hex === null ? null : fromHexOr(answer.value_hex, 'value_hex');
  const kh = await sha256(utf8(key));
  const n = siblings.length;
  const terminal = proof.terminal;
  let acc: Bytes;
  if (terminal.kind === 'empty') {
    if (value !== null) mismatch('the proof shows the key absent, but the answer has a value');
    acc = new Uint8Array(32);
  } else if (terminal.kind === 'leaf') {
    const tkh = fromHexOr(terminal.key_hash, 'proof.terminal.key_hash', 32);
    const tvh = fromHexOr(terminal.value_hash, 'proof.terminal.value_hash', 32);
    for (let d = 0; d < n; d++) if (bit(tkh, d) !== bit(kh, d)) mismatch('the terminal leaf is not on the key\'s path');
    if (value === null) {
      if (equalBytes(tkh, kh)) mismatch('the answer says absent, but the proof holds a value for this key');
    } else {
      if (!equalBytes(tkh, kh)) mismatch('the proof is of another key');
      if (!equalBytes(tvh, await sha256(value))) mismatch('the proof is of another value');
    }
    acc = await sha256(Uint8Array.of(0), tkh, tvh);
  } else {
    return bad('proof.terminal.kind must be "empty" or "leaf"');
  }
  for (let d = n - 1; d >= 0; d--) {
    acc = bit(kh, d) ? await nodeHash(siblings[d]!, acc) : await nodeHash(acc, siblings[d]!);
  }
  if (toHex(acc) !== answer.state_root) mismatch(`the proof does not lead to the state root ${answer.state_root}`);
  let json: JsonValue = null;
  if (value !== null) {
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(value)) as JsonValue;
    } catch {
      json = null;
    }
  }
  return { key, height: answer.height, stateRoot: answer.state_root, present: value !== null, value, json };
}

/**
 * Verifies a `GET /v1/state` answer from its checkpoint alone
 * (docs/state-proofs.md): the checkpoint's signature by `key`, its
 * `publica-state` line naming the answer's height and state root, then the
 * proof against that root. Throws `VerificationError`: `no_checkpoint`,
 * `state_root_mismatch`, and those of `openCheckpoint` and
 * `verifyStateProof`.
 */
export async function verifyStateAnswer(answer: StateAnswer, key: VerifierKey | string): Promise<VerifiedState> {
  if (typeof answer?.checkpoint !== 'string') {
    return fail('no_checkpoint', 'the answer carries no checkpoint (a ledger before format 6, or a network\'s block not yet cosigned: ask again)');
  }
  const checkpoint = await openCheckpoint(answer.checkpoint, key);
  const state = checkpoint.state ?? fail('no_checkpoint', 'the checkpoint names no state root (signed before ledger format 6)');
  if (state.height !== answer.height) {
    fail('state_root_mismatch', `the checkpoint names block ${state.height}, the answer is for block ${answer.height}`);
  }
  if (state.stateRoot !== answer.state_root) {
    fail('state_root_mismatch', `the answer says state root ${answer.state_root}, the checkpoint ${state.stateRoot}`);
  }
  return verifyStateProof(answer, state.stateRoot);
}

// ---- Witnesses (C2SP tlog-cosignature, docs/witnesses.md).

/** A witness's cosigner key. */
export interface WitnessKey {
  name: string;
  keyId: Bytes;
  publicKey: Bytes;
}

const COSIGNATURE_KEY_TYPE = 0x04;

/**
 * Parses a witness's cosigner key `<name>+<key id hex>+<base64(0x04 ||
 * public key)>`, its key ID `SHA-256(name || "\n" || 0x04 || key)[:4]`.
 * Throws `VerificationError` (`bad_verifier_key`).
 */
export async function parseWitnessKey(text: string): Promise<WitnessKey> {
  return parseTypedKey(text, COSIGNATURE_KEY_TYPE, 'Ed25519 cosigner keys (type 0x04, 32 bytes)');
}

/**
 * Checks a witness policy on a signed checkpoint: at least `needed`
 * (default: all) of `keys` cosigned it (`cosignature/v1`: Ed25519 over
 * `cosignature/v1\ntime <t>\n` and the text). Returns the names of those
 * that did. Lines by other keys are ignored; a listed witness's line that
 * does not verify fails. Throws `VerificationError`: `bad_signature`,
 * `witness_policy`, `malformed`, `bad_verifier_key`.
 */
export async function verifyWitnesses(note: string, keys: (WitnessKey | string)[], needed?: number): Promise<string[]> {
  const wanted = await Promise.all(keys.map((k) => (typeof k === 'string' ? parseWitnessKey(k) : k)));
  const need = needed ?? wanted.length;
  if (wanted.length === 0 || !Number.isInteger(need) || need < 1 || need > wanted.length) {
    fail('malformed', `a witness policy needs 1..${wanted.length} of the witnesses it names`);
  }
  const { text, lines } = noteParts(note);
  const signed: string[] = [];
  for (const { name, blob } of lines) {
    const k = wanted.find((w) => w.name === name && equalBytes(w.keyId, blob.slice(0, 4)));
    if (!k) continue;
    let ok = blob.length === COSIGNATURE_BLOB_BYTES;
    if (ok) {
      const time = new DataView(blob.buffer, blob.byteOffset + 4, 8).getBigUint64(0);
      ok = time < 2n ** 63n && (await ed25519Verify(k.publicKey, utf8(`cosignature/v1\ntime ${time}\n${text}`), blob.slice(12)));
    }
    if (!ok) fail('bad_signature', `bad cosignature by witness ${k.name}: the checkpoint was altered`);
    if (!signed.includes(k.name)) signed.push(k.name);
  }
  if (signed.length < need) {
    fail('witness_policy', `witness policy not met: ${signed.length} valid cosignatures from the witnesses given, ${need} needed`);
  }
  return signed;
}

// ---- Blocks.

/** A block's hash: SHA-256 of its header's canonical JSON, hex. */
export async function blockHash(header: BlockHeader): Promise<string> {
  return toHex(await sha256(utf8(canonicalJson(header))));
}

// ---- Helpers.

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fromHexOr(text: unknown, what: string, length?: number): Bytes {
  try {
    return fromHex(text as string, what, length);
  } catch (error) {
    return fail('malformed', (error as Error).message);
  }
}

function hexList(list: unknown, what: string): Bytes[] {
  if (!Array.isArray(list)) return fail('malformed', `${what} must be a list of hex hashes`);
  return list.map((h, i) => fromHexOr(h, `${what}[${i}]`, 32));
}

// JSON.parse rounds integers beyond 2^53 and reads 1.0 as 1, so such a
// number would verify as another: find one in the text itself.
function parseJsonText(text: string, what: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail('malformed', `the ${what} is not JSON: ${(error as Error).message}`);
  }
  for (const [token] of text.matchAll(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)) {
    if (token.startsWith('"')) continue;
    if (/[.eE]/.test(token) || !Number.isSafeInteger(Number(token))) {
      fail('unsupported_number', `the number ${token} in the ${what} is not an integer within 2^53-1: JavaScript cannot read it exactly`);
    }
  }
  return parsed;
}
