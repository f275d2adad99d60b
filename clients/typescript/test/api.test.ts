// The client against a real node (PUBLICA_BIN): transactions, receipts
// verified offline, tampering, state proofs, consistency, batches, error
// codes, and that every route the client calls is in /openapi.json.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  blockHash,
  Client,
  Keypair,
  PublicaError,
  type Receipt,
  type SignedTx,
  system,
  VerificationError,
  type VerificationReason,
  verifyConsistency,
  verifyReceipt,
  verifyStateAnswer,
  verifyStateProof,
} from '../src/index.js';
import { devAdminKeyFile, startNode, type TestNode } from './node.js';

const BIN = process.env.PUBLICA_BIN;
if (!BIN) {
  console.log('SKIPPED: the tests against a real node need PUBLICA_BIN (the publica binary, e.g. target/debug/publica)');
}

async function refused(promise: Promise<unknown>, reason: VerificationReason): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof VerificationError, `expected a VerificationError (${reason}), got ${String(error)}`);
  assert.equal(error.reason, reason, error.message);
}

async function publicaError(promise: Promise<unknown>, status: number, code: string): Promise<PublicaError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof PublicaError, `expected PublicaError ${code}, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.status, status);
  assert.ok(error.message.length > 0);
  return error;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const flipHex = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);

describe('against a real node', { skip: !BIN && 'PUBLICA_BIN is not set' }, () => {
  let node: TestNode;
  let client: Client;
  let logKey: string;
  // Every request the client makes, for the OpenAPI test at the end.
  const requests: Array<{ method: string; path: string }> = [];
  const recordingFetch: typeof fetch = (input, init) => {
    const url = new URL(String(input));
    requests.push({ method: init?.method ?? 'GET', path: url.pathname });
    return fetch(input, init);
  };

  let alice: Keypair;
  let noteReceipt: Receipt;
  const note = 'Grüße from the TypeScript client ✓ "quoted"';

  before(async () => {
    node = await startNode(BIN!);
    client = new Client(node.url, { fetch: recordingFetch });
    const info = await client.logInfo();
    assert.equal(info.verifier_key, node.logKey, 'the log key served is the one the node printed');
    logKey = node.logKey; // trusted: printed by the node we started
    alice = await Keypair.generate();
  });

  after(async () => {
    await node?.stop();
  });

  test('register, set a note, wait for the receipt and verify it offline', async () => {
    const registered = await client.send(alice, system.registerAccount());
    const noted = await client.send(alice, system.setNote(note)); // nonce 2: pending counted
    assert.equal(noted.envelope.body.nonce, 2);
    const r1 = await client.waitForReceipt(registered.txId);
    noteReceipt = await client.waitForReceipt(noted.txId);
    for (const [r, signed] of [[r1, registered], [noteReceipt, noted]] as const) {
      assert.equal(r.status, 'committed');
      assert.equal(r.outcome.status, 'ok', JSON.stringify(r.outcome));
      assert.deepEqual(r.transaction, signed.envelope);
      const verified = await verifyReceipt(r, logKey);
      assert.equal(verified.txId, signed.txId);
      assert.equal(verified.status, 'ok');
      assert.equal(verified.origin, 'publica.local/publica-dev');
      // The block fields, which the proof does not cover, against the block.
      const block = await client.block(r.block_height);
      assert.equal(await blockHash(block.header), block.hash);
      assert.equal(block.hash, r.block_hash);
      assert.deepEqual(block.transactions[r.index], r.transaction);
    }
    assert.deepEqual(noteReceipt.outcome.events?.map((e) => e.kind), ['note_set']);
    assert.deepEqual(await client.nonce(alice.accountId), { account: alice.accountId, committed_nonce: 2, next_nonce: 3 });
  });

  test('a tampered receipt is refused with a named reason', async () => {
    const r = noteReceipt;
    const other = await Keypair.generate();
    const cases: Array<[string, (x: Receipt) => void, VerificationReason]> = [
      ['the result changed', (x) => { x.outcome.status = 'failed'; }, 'proof_mismatch'],
      ['an event changed', (x) => { x.outcome.events![0]!.kind = 'note_cleared'; }, 'proof_mismatch'],
      ['a proof hash changed', (x) => { x.inclusion_proof[0] = flipHex(x.inclusion_proof[0]!); }, 'proof_mismatch'],
      ['the leaf index moved', (x) => { x.leaf_index = (x.leaf_index + 1) % x.tree_size; }, 'proof_mismatch'],
      ['the leaf index at the tree size (RFC 9162 bound)', (x) => { x.leaf_index = x.tree_size; }, 'proof_mismatch'],
      ['a proof hash too many', (x) => { x.inclusion_proof.push('00'.repeat(32)); }, 'proof_mismatch'],
      ['the note changed', (x) => { (x.transaction.body.call.args as { note: string }).note = 'forged'; }, 'bad_tx_signature'],
      ['the signature changed', (x) => { x.transaction.signature = flipHex(x.transaction.signature); }, 'bad_tx_signature'],
      ['the id is another', (x) => { x.tx_id = flipHex(x.tx_id); }, 'wrong_leaf'],
      ['the tree size differs', (x) => { x.tree_size += 1; }, 'tree_size_mismatch'],
      ['the checkpoint root changed', (x) => { x.checkpoint = x.checkpoint.replace(/\n([A-Za-z0-9+/]{43}=)\n/, (_m, root: string) => `\n${root[0] === 'A' ? 'B' : 'A'}${root.slice(1)}\n`); }, 'bad_signature'],
      ['the checkpoint lost its signature', (x) => { x.checkpoint = x.checkpoint.replace(/\n\n.*\n$/s, '\n\n— someone AAAAAA==\n'); }, 'no_signature_from_key'],
      ['a field is missing', (x) => { delete (x as Partial<Receipt>).outcome; }, 'malformed'],
    ];
    for (const [what, tamper, reason] of cases) {
      const bad = clone(r);
      tamper(bad);
      await refused(verifyReceipt(bad, logKey), reason).catch((e: Error) => assert.fail(`${what}: ${e.message}`));
    }
    const otherKey = logKey.replace(/\+[^+]+\+.*$/, '') + '+' + (await keyIdFor(logKey.split('+')[0]!, other.publicKey)) + '+' + Buffer.from([1, ...other.publicKey]).toString('base64');
    await refused(verifyReceipt(r, otherKey), 'no_signature_from_key');
  });

  test('state proofs: a value and an absence, pinned to a block header', async () => {
    const key = `system/note/${alice.accountId}`;
    const answer = await client.state(key);
    const header = (await client.block(answer.height)).header;
    const proved = await verifyStateProof(answer, header.state_root);
    assert.equal(proved.present, true);
    assert.deepEqual(proved.json, { note, set_height: noteReceipt.block_height });
    assert.deepEqual(answer.value, proved.json);

    const absentKey = `system/note/${'00'.repeat(32)}`;
    const absent = await client.state(absentKey);
    assert.equal(absent.value_hex, null);
    const none = await verifyStateProof(absent, (await client.block(absent.height)).header.state_root);
    assert.equal(none.present, false);
    assert.equal(none.value, null);

    // A value claimed absent, another value, another root: refused.
    await refused(verifyStateProof({ ...answer, value_hex: null }), 'state_proof_mismatch');
    await refused(verifyStateProof({ ...answer, value_hex: Buffer.from('{"note":"x"}').toString('hex') }), 'state_proof_mismatch');
    await refused(verifyStateProof(answer, flipHex(header.state_root)), 'state_proof_mismatch');
    await refused(verifyStateProof({ ...absent, key: `system/note/${alice.accountId}` }), 'state_proof_mismatch');
    if (answer.proof.siblings.length > 0) {
      const bad = clone(answer);
      bad.proof.siblings[0] = flipHex(bad.proof.siblings[0]!);
      await refused(verifyStateProof(bad), 'state_proof_mismatch');
    }

    // From the checkpoint alone: it names the answer's block and root.
    const logKey = (await client.logInfo()).verifier_key;
    assert.ok(answer.checkpoint?.includes(`\npublica-state ${answer.height} ${answer.state_root}\n`));
    assert.deepEqual((await verifyStateAnswer(answer, logKey)).json, proved.json);
    assert.equal((await verifyStateAnswer(absent, logKey)).present, false);
    await refused(verifyStateAnswer({ ...answer, checkpoint: null }, logKey), 'no_checkpoint');
    await refused(verifyStateAnswer({ ...answer, height: answer.height + 1 }, logKey), 'state_root_mismatch');
    await refused(verifyStateAnswer({ ...answer, state_root: flipHex(answer.state_root) }, logKey), 'state_root_mismatch');
    await refused(verifyStateAnswer({ ...answer, value_hex: null }, logKey), 'state_proof_mismatch');
    const forged = flipHex(answer.state_root);
    await refused(
      verifyStateAnswer({ ...answer, state_root: forged, checkpoint: answer.checkpoint!.replace(answer.state_root, forged) }, logKey),
      'bad_signature',
    );
  });

  test('a batch: per-item results, then receipts', async () => {
    const bob = await Keypair.generate();
    const txs: SignedTx[] = [];
    txs.push(await client.prepare(bob, system.registerAccount(), { nonce: 1 }));
    txs.push(await client.prepare(bob, system.setNote('one'), { nonce: 2 }));
    txs.push(await client.prepare(bob, system.setNote('two'), { nonce: 3 }));
    const replay = txs[0]!; // the same transaction again: its nonce is pending
    const answer = await client.submitBatch([...txs, replay]);
    assert.equal(answer.accepted, 3);
    assert.equal(answer.rejected, 1);
    assert.deepEqual(answer.results.slice(0, 3).map((x) => x.tx_id), txs.map((t) => t.txId));
    assert.equal(answer.results[3]!.tx_id ?? null, null);
    assert.equal(answer.results[3]!.error?.code, 'tx.nonce_replayed');
    for (const t of txs) {
      const r = await client.waitForReceipt(t.txId);
      assert.equal(r.outcome.status, 'ok');
      await verifyReceipt(r, logKey);
    }
    await publicaError(client.submitBatch([]), 400, 'batch.invalid_size');
  });

  test('the dev admin key file signs', async () => {
    const admin = await Keypair.fromKeyFile(devAdminKeyFile(node));
    const signed = await client.send(admin, system.registerAccount());
    const r = await client.waitForReceipt(signed.txId);
    assert.equal(r.transaction.signer, admin.accountId);
    await verifyReceipt(r, logKey);
  });

  test('consistency between two checkpoints', async () => {
    const older = await client.checkpoint();
    const carol = await Keypair.generate();
    await client.waitForReceipt((await client.send(carol, system.registerAccount())).txId);
    const newer = (await client.logInfo()).checkpoint;
    const oldSize = Number(older.split('\n')[1]);
    const newSize = Number(newer.split('\n')[1]);
    assert.ok(oldSize >= 1 && newSize > oldSize, `${oldSize} -> ${newSize}`);
    const proof = await client.consistency(oldSize, newSize);
    const result = await verifyConsistency(older, newer, proof, logKey);
    assert.equal(result.older.size, oldSize);
    assert.equal(result.newer.size, newSize);
    await verifyConsistency(newer, newer, (await client.consistency(newSize, newSize)), logKey);

    const tampered = clone(proof);
    tampered.proof[0] = flipHex(tampered.proof[0]!);
    await refused(verifyConsistency(older, newer, tampered, logKey), 'proof_mismatch');
    await refused(verifyConsistency(newer, older, proof.proof, logKey), 'proof_mismatch');
    await refused(verifyConsistency(older, newer, { ...proof, from: oldSize - 1 }, logKey), 'tree_size_mismatch');
    await publicaError(client.consistency(0, newSize), 400, 'log.invalid_sizes');
    await publicaError(client.consistency(1, newSize + 1000), 400, 'log.invalid_sizes');
  });

  test('bad input gives PublicaError with the code', async () => {
    const dave = await Keypair.generate();
    const good = await client.prepare(dave, system.registerAccount(), { nonce: 1 });
    const badSignature = clone(good.envelope);
    badSignature.signature = flipHex(badSignature.signature);
    await publicaError(client.submit(badSignature), 400, 'tx.bad_signature');
    await publicaError(client.submit({ ...good.envelope, extra: 1 } as never), 400, 'tx.unknown_field');
    await publicaError(client.submit(await client.prepare(dave, system.registerAccount(), { nonce: 5 })), 409, 'tx.nonce_gap');
    await publicaError(client.transaction('00'.repeat(32)), 404, 'tx.not_found');
    await publicaError(client.transaction('not-an-id'), 400, 'request.invalid_param');
    await publicaError(client.block(1_000_000), 404, 'block.not_found');
    await publicaError(client.state('has space'), 400, 'state.invalid_key');
    await publicaError(client.nonce('zz'), 400, 'request.invalid_param');
    // A call that fails in its block is a receipt, not an error.
    const failed = await client.send(dave, system.setNote('not registered'));
    const r = await client.waitForReceipt(failed.txId);
    assert.equal(r.outcome.status, 'failed');
    assert.equal(r.outcome.error?.code, 'auth.account_not_registered');
    assert.equal((await verifyReceipt(r, logKey)).status, 'failed');
    // Client-side: bad arguments never reach the node; no node is a network error.
    await assert.rejects(client.transaction(good.txId, 30_001), RangeError);
    await assert.rejects(client.block(-1), RangeError);
    const closed = new Client('http://127.0.0.1:9/');
    await publicaError(closed.status(), 0, 'client.network');
  });

  test('every route the client calls is in the served /openapi.json', async () => {
    // Call every method once more, so this test does not depend on the others.
    const key = await Keypair.generate();
    const signed = await client.send(key, system.registerAccount());
    const called = new Set<string>(['send', 'prepare', 'submit']);
    const attempt = async (name: string, run: () => Promise<unknown>) => {
      called.add(name);
      await run().catch((e: unknown) => assert.ok(e instanceof PublicaError, String(e)));
    };
    await attempt('waitForReceipt', () => client.waitForReceipt(signed.txId));
    await attempt('transaction', () => client.transaction(signed.txId, 0));
    await attempt('submitBatch', () => client.submitBatch([signed]));
    await attempt('status', () => client.status());
    await attempt('block', () => client.block(1));
    await attempt('state', () => client.state('system/account/' + key.accountId));
    await attempt('nonce', () => client.nonce(key.accountId));
    await attempt('logInfo', () => client.logInfo());
    await attempt('checkpoint', () => client.checkpoint());
    await attempt('consistency', () => client.consistency(1, 1));
    const methods = Object.getOwnPropertyNames(Client.prototype).filter((n) => n !== 'constructor');
    assert.deepEqual(methods.filter((m) => !called.has(m)), [], 'a client method this test does not call');

    const spec = (await (await fetch(`${node.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(spec.paths).map(([template, ops]) => ({
      pattern: new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$'),
      template,
      methods: Object.keys(ops),
    }));
    const seen = new Set<string>();
    for (const { method, path } of requests) {
      const route = routes.find((r) => r.pattern.test(path));
      assert.ok(route, `${method} ${path} is not in /openapi.json`);
      assert.ok(route.methods.includes(method.toLowerCase()), `${method} ${route.template} is not in /openapi.json`);
      seen.add(`${method} ${route.template}`);
    }
    assert.deepEqual([...seen].sort(), [
      'GET /checkpoint',
      'GET /v1/accounts/{account}/nonce',
      'GET /v1/blocks/{height}',
      'GET /v1/log',
      'GET /v1/log/consistency',
      'GET /v1/state',
      'GET /v1/status',
      'GET /v1/transactions/{tx_id}',
      'POST /v1/transactions',
      'POST /v1/transactions/batch',
    ]);
  });
});

async function keyIdFor(name: string, publicKey: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', Buffer.concat([Buffer.from(name + '\n'), Buffer.from([1]), Buffer.from(publicKey)]));
  return Buffer.from(digest).toString('hex').slice(0, 8);
}
