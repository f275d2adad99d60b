// Tests that need no node: the vectors of docs/transactions.md, canonical
// JSON, bytes, keys, the portal's sample receipts, and the Merkle proof
// checks against an independent RFC 9162 tree built here with node:crypto.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import {
  CanonicalJsonError,
  canonicalJson,
  call,
  fromBase64,
  fromHex,
  isStrongPublicKey,
  Keypair,
  openCheckpoint,
  parseVerifierKey,
  signingBytes,
  signTx,
  system,
  toBase64,
  toHex,
  txBody,
  VerificationError,
  verifyConsistencyProof,
  verifyInclusionProof,
  verifyReceipt,
  type Receipt,
  type TxBody,
  type VerificationReason,
  verifyWitnesses,
} from '../src/index.js';

const REPO = new URL('../../../../', import.meta.url); // dist-test/test/ -> the repository
const read = (path: string) => readFileSync(new URL(path, REPO), 'utf8');

async function refused(promise: Promise<unknown>, reason: VerificationReason): Promise<VerificationError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof VerificationError, `expected a VerificationError (${reason}), got ${String(error)}`);
  assert.equal(error.reason, reason, error.message);
  return error;
}

describe('docs/transactions.md vectors', () => {
  const vectors = [...read('docs/transactions.md').matchAll(/```vector\n([\s\S]*?)```/g)].map(([, text]) => {
    const fields: Record<string, string> = {};
    for (const line of text!.trim().split('\n')) {
      const colon = line.indexOf(':');
      fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
    }
    return fields as { seed: string; signer: string; body: string; signing_bytes_hex: string; tx_id: string; signature: string };
  });

  test('there are vectors', () => assert.ok(vectors.length >= 2));

  test('signing bytes, id and signature match each vector', async () => {
    for (const v of vectors) {
      const key = await Keypair.fromSeed(fromHex(v.seed));
      assert.equal(key.accountId, v.signer);
      const body = JSON.parse(v.body) as TxBody;
      assert.equal(toHex(signingBytes(body)), v.signing_bytes_hex);
      const signed = await signTx(key, body);
      assert.equal(signed.txId, v.tx_id);
      assert.equal(signed.envelope.signature, v.signature); // Ed25519 is deterministic
      assert.equal(signed.envelope.signer, v.signer);
      assert.deepEqual(signed.envelope.body, body);
    }
  });
});

describe('canonical JSON (RFC 8785)', () => {
  test('sorts by UTF-16 code units, escapes as JSON.stringify, writes integers plainly', () => {
    assert.equal(canonicalJson({ b: [1, -0, true, null], a: { z: 'x', y: '\u20ac\n"\\' } }), '{"a":{"y":"\u20ac\\n\\"\\\\","z":"x"},"b":[1,0,true,null]}');
    // U+FB33 sorts after U+1F600's high surrogate (D83D) in UTF-16, before it in code points.
    assert.equal(canonicalJson({ '\ufb33': 1, '\u{1f600}': 2, '\u0080': 3, '1': 4 }), '{"1":4,"\u0080":3,"\u{1f600}":2,"\ufb33":1}');
    assert.equal(canonicalJson(Number.MAX_SAFE_INTEGER), '9007199254740991');
    assert.equal(canonicalJson('\u0001\u001f\u007f'), '"\\u0001\\u001f\u007f"');
  });

  test('RFC 8785 section 3.2.3 ordering, raw U+2028 and U+007F, nested values without whitespace', () => {
    const value = {
      '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One', '\u{1f600}': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    assert.equal(canonicalJson(value),
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
      '"\u20ac":"Euro Sign","\u{1f600}":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}');
    assert.equal(canonicalJson('a"b\\c\u0001\u001f\n\u007f\u00e9\u2028\u2029\b\f\t\r'),
      '"a\\"b\\\\c\\u0001\\u001f\\n\u007f\u00e9\u2028\u2029\\b\\f\\t\\r"');
    assert.equal(canonicalJson({ 'k\u0000': '\u2028' }), '{"k\\u0000":"\u2028"}');
    assert.equal(canonicalJson({ b: [1, -2, true, null, [[], [{}]], { z: 1, a: [] }], a: {} }),
      '{"a":{},"b":[1,-2,true,null,[[],[{}]],{"a":[],"z":1}]}');
  });

  test('refuses values without a canonical form, naming where', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ a: { amount: 1.5 } }, /^\$\.a\.amount: the number 1\.5/],
      [[2 ** 53], /^\$\[0\]: the number 9007199254740992/],
      [NaN, /NaN/],
      [{ big: 1n }, /^\$\.big: a bigint/],
      [{ u: undefined }, /^\$\.u: undefined/],
      [{ when: new Date(0) }, /^\$\.when: a Date instance/],
      ['\ud800', /lone UTF-16 surrogate/],
      [() => 1, /a function/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => canonicalJson(value), (e: unknown) => e instanceof CanonicalJsonError && message.test(e.message));
    }
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.throws(() => canonicalJson(cycle), /contains itself/);
  });
});

describe('bytes and keys', () => {
  test('hex and base64 round-trip; non-canonical base64 is refused', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      assert.equal(toBase64(bytes), Buffer.from(bytes).toString('base64'));
      assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
      assert.deepEqual(fromHex(toHex(bytes)), bytes);
    }
    for (const bad of ['QQ', 'QR==', 'QUI', 'Q===', ' QUJD', 'QU=D']) assert.equal(fromBase64(bad), null, bad);
    assert.throws(() => fromHex('abc', 'seed'), /seed must be a string of hex digits/);
    assert.throws(() => fromHex('00', 'seed', 32), /seed must be 32 bytes/);
  });

  test('generate, export and re-import a key; the key-file format', async () => {
    const key = await Keypair.generate();
    assert.match(key.accountId, /^[0-9a-f]{64}$/);
    const again = await Keypair.fromSeed(await key.exportSeed());
    assert.equal(again.accountId, key.accountId);
    const file = await key.toKeyFile();
    assert.equal((await Keypair.fromKeyFile(JSON.stringify(file))).accountId, key.accountId);
    assert.equal(JSON.stringify(key), JSON.stringify({ account: key.accountId })); // no secret
    assert.equal(String(key), `Keypair(${key.accountId})`);
    const other = await Keypair.generate();
    await assert.rejects(Keypair.fromKeyFile({ ...file, account: other.accountId }), /does not match the recorded account/);
    await assert.rejects(Keypair.fromKeyFile({ ...file, version: 2 }), /version must be 1/);
    await assert.rejects(Keypair.fromKeyFile('{'), /not JSON/);
    await assert.rejects(
      Keypair.fromKeyFile({ version: 1, account: key.accountId, secret: { kind: 'argon2id_chacha20poly1305' } }),
      /encrypted/,
    );
  });

  test('weak public keys: small order and non-canonical encodings', async () => {
    const weak = [
      '0100000000000000000000000000000000000000000000000000000000000000', // identity
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
      '0000000000000000000000000000000000000000000000000000000000000000', // order 4, the ledger's account
      '0000000000000000000000000000000000000000000000000000000000000080', // order 4
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p: not canonical
      '0200000000000000000000000000000000000000000000000000000000000000', // y = 2: not on the curve
    ];
    for (const hex of weak) assert.equal(isStrongPublicKey(fromHex(hex)), false, hex);
    for (let i = 0; i < 5; i++) assert.equal(isStrongPublicKey((await Keypair.generate()).publicKey), true);
  });

  test('transaction bodies are checked before signing', () => {
    const good = { chainId: 'publica-dev', nonce: 1, expiry: { height: 10 }, call: system.registerAccount() };
    assert.deepEqual(txBody(good), { chain_id: 'publica-dev', nonce: 1, expiry: { height: 10 }, call: { module: 'system', method: 'register_account', args: {} } });
    assert.throws(() => txBody({ ...good, nonce: 0 }), /nonce must be an integer from 1/);
    assert.throws(() => txBody({ ...good, nonce: 2 ** 53 }), /nonce must be an integer/);
    assert.throws(() => txBody({ ...good, chainId: '' }), /chainId/);
    assert.throws(() => txBody({ ...good, expiry: { height: 1, unix_ms: 2 } as never }), /exactly one/);
    assert.throws(() => call('System', 'x'), /module must be/);
    assert.throws(() => call('money', 'transfer', { amount: 12.5 }), /\$\.amount: the number 12\.5/);
  });
});

describe("the portal's sample receipts (crates/portal/assets/testdata)", () => {
  const dir = 'crates/portal/assets/testdata/';
  const logKey = read(dir + 'log-key.txt').trim();
  const names = readdirSync(new URL(dir, REPO)).filter((n) => n.endsWith('.json'));
  const sample = () => JSON.parse(read(dir + 'receipt-ok.json')) as Receipt;

  test('each verifies, from its text and parsed', async () => {
    assert.ok(names.length > 0);
    for (const name of names) {
      const text = read(dir + name);
      const parsed = JSON.parse(text) as Receipt;
      const result = await verifyReceipt(text, logKey);
      assert.equal(result.txId, parsed.tx_id);
      assert.equal(result.origin, 'publica.local/publica-dev');
      assert.equal((await verifyReceipt(parsed, await parseVerifierKey(logKey))).leafIndex, parsed.leaf_index);
    }
  });

  test('an explicit null error and pretty printing change nothing', async () => {
    const r = sample();
    r.outcome.error = null;
    await verifyReceipt(JSON.stringify(r, null, 2), logKey);
  });

  test('numbers JSON.parse would round are refused in text', async () => {
    const text = read(dir + 'receipt-ok.json').replace(/"leaf_index":\d+/, '"leaf_index":9007199254740993');
    await refused(verifyReceipt(text, logKey), 'unsupported_number');
    const nonce = read(dir + 'receipt-ok.json').replace(/"nonce":(\d+)/, '"nonce":$1.0');
    await refused(verifyReceipt(nonce, logKey), 'unsupported_number');
  });

  test('verifier keys are checked', async () => {
    await refused(parseVerifierKey('no-plus-signs'), 'bad_verifier_key');
    await refused(parseVerifierKey(logKey.replace(/\+[0-9a-f]{8}\+/, '+00000000+')), 'bad_verifier_key');
    const smallOrder = 'x+' + 'ignored' + '+' + toBase64(Uint8Array.of(1, ...new Uint8Array(32)));
    await refused(parseVerifierKey(smallOrder), 'bad_verifier_key');
  });
});

describe('signed notes (C2SP)', () => {
  // A note signer made here: its verifier key and a signing function.
  async function signer(name: string) {
    const key = await Keypair.generate();
    const typed = Uint8Array.of(1, ...key.publicKey);
    const id = h(Buffer.from(name + '\n'), typed).slice(0, 4);
    const verifierKey = `${name}+${toHex(id)}+${toBase64(typed)}`;
    const sign = async (text: string) => `${text}\n\u2014 ${name} ${toBase64(Uint8Array.of(...id, ...(await key.sign(Buffer.from(text)))))}\n`;
    return { verifierKey, sign };
  }
  const root = toBase64(new Uint8Array(32).fill(7));

  test('a checkpoint opens; other origins, keys, cosignatures and damage are refused', async () => {
    const log = await signer('example.org/log');
    const note = await log.sign(`example.org/log\n5\n${root}\n`);
    const cp = await openCheckpoint(note, log.verifierKey);
    assert.deepEqual([cp.origin, cp.size, toBase64(cp.root)], ['example.org/log', 5, root]);
    // A second signature by another key is ignored.
    const other = await signer('witness');
    const twice = note + (await other.sign(`example.org/log\n5\n${root}\n`)).split('\n\n')[1]!;
    assert.equal((await openCheckpoint(twice, log.verifierKey)).size, 5);

    await refused(openCheckpoint(await log.sign(`another/log\n5\n${root}\n`), log.verifierKey), 'wrong_origin');
    await refused(openCheckpoint(note, other.verifierKey), 'no_signature_from_key');
    await refused(openCheckpoint(note.replace('\n5\n', '\n6\n'), log.verifierKey), 'bad_signature');
    await refused(openCheckpoint(await log.sign(`example.org/log\n05\n${root}\n`), log.verifierKey), 'malformed');
    await refused(openCheckpoint(note.replace('\n\n', '\n'), log.verifierKey), 'malformed');
    const cosigned = `example.org/log\n5\n${root}\n\n\u2014 validator-1 ${toBase64(new Uint8Array(76))}\n`;
    await refused(openCheckpoint(cosigned, log.verifierKey), 'validator_network');
  });

  // A witness made here: its cosigner key and a function adding its line.
  async function witness(name: string) {
    const key = await Keypair.generate();
    const typed = Uint8Array.of(4, ...key.publicKey);
    const id = h(Buffer.from(name + '\n'), typed).slice(0, 4);
    const vkey = `${name}+${toHex(id)}+${toBase64(typed)}`;
    const cosign = async (note: string) => {
      const text = note.slice(0, note.lastIndexOf('\n\n') + 1);
      const time = new Uint8Array(8);
      new DataView(time.buffer).setBigUint64(0, 1_765_000_000n);
      const sig = await key.sign(Buffer.from(`cosignature/v1\ntime 1765000000\n${text}`));
      return `${note}\u2014 ${name} ${toBase64(Uint8Array.of(...id, ...time, ...sig))}\n`;
    };
    return { vkey, cosign };
  }

  test('a witness policy: k of n witnesses cosigned; an altered line is named', async () => {
    const log = await signer('example.org/log');
    const [w1, w2, w3] = [await witness('w.example/1'), await witness('court.example/2'), await witness('ngo.example/3')];
    const note = await w2.cosign(await w1.cosign(await log.sign(`example.org/log\n5\n${root}\n`)));
    assert.equal((await openCheckpoint(note, log.verifierKey)).size, 5, 'the log\'s check ignores the witness lines');
    assert.deepEqual(await verifyWitnesses(note, [w1.vkey, w2.vkey]), ['w.example/1', 'court.example/2']);
    assert.deepEqual(await verifyWitnesses(note, [w1.vkey, w3.vkey], 1), ['w.example/1']);
    await refused(verifyWitnesses(note, [w1.vkey, w3.vkey]), 'witness_policy');
    const line = note.split('\n').find((l) => l.startsWith('\u2014 court.example/2 '))!;
    const blob = Buffer.from(line.split(' ').pop()!, 'base64');
    blob[20] = blob[20]! ^ 1;
    await refused(verifyWitnesses(note.replace(line, `\u2014 court.example/2 ${blob.toString('base64')}`), [w2.vkey]), 'bad_signature');
    await refused(verifyWitnesses(note, [log.verifierKey]), 'bad_verifier_key');
  });
});

// ---- An independent RFC 9162 tree (section 2.1.1, 2.1.3.1, 2.1.4.1).

const h = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());
const leaves = Array.from({ length: 40 }, (_, i) => h(Uint8Array.of(0), Buffer.from(`entry ${i}`)));
const split = (n: number) => 2 ** Math.floor(Math.log2(n - 1)); // largest power of two < n
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 1) return d[0]!;
  const k = split(d.length);
  return h(Uint8Array.of(1), mth(d.slice(0, k)), mth(d.slice(k)));
}
function path(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length === 1) return [];
  const k = split(d.length);
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  const n = d.length;
  if (m === n) return b ? [] : [mth(d)];
  const k = split(n);
  return m <= k ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}
const flip = (hash: Uint8Array) => Uint8Array.from(hash, (b, i) => (i === 0 ? b ^ 1 : b));

describe('Merkle proofs against an independent RFC 9162 tree', () => {
  test('inclusion: every leaf of every size verifies; bounds and tampering are refused', async () => {
    for (let n = 1; n <= 20; n++) {
      const root = mth(leaves.slice(0, n));
      for (let m = 0; m < n; m++) {
        const p = path(m, leaves.slice(0, n));
        await verifyInclusionProof(m, n, leaves[m]!, p, root);
        if (p.length > 0) {
          await refused(verifyInclusionProof(m, n, leaves[m]!, [flip(p[0]!), ...p.slice(1)], root), 'proof_mismatch');
          await refused(verifyInclusionProof(m, n, leaves[m]!, p.slice(0, -1), root), 'proof_mismatch');
        }
        await refused(verifyInclusionProof(m, n, leaves[m]!, [...p, root], root), 'proof_mismatch');
      }
      await refused(verifyInclusionProof(n, n, leaves[n]!, path(n - 1, leaves.slice(0, n)), root), 'proof_mismatch');
    }
    await refused(verifyInclusionProof(0, 0, leaves[0]!, [], leaves[0]!), 'proof_mismatch'); // nothing is in the empty tree
  });

  test('consistency: every pair of sizes verifies; tampering, swaps and size 0 are refused', async () => {
    for (let n = 1; n <= 20; n++) {
      const rootN = mth(leaves.slice(0, n));
      for (let m = 1; m <= n; m++) {
        const rootM = mth(leaves.slice(0, m));
        const p = m === n ? [] : subproof(m, leaves.slice(0, n), true);
        await verifyConsistencyProof(m, n, p, rootM, rootN);
        for (let i = 0; i < p.length; i++) {
          const bad = p.map((x, j) => (j === i ? flip(x) : x));
          await refused(verifyConsistencyProof(m, n, bad, rootM, rootN), 'proof_mismatch');
        }
        if (m < n) {
          await refused(verifyConsistencyProof(m, n, p.slice(0, -1), rootM, rootN), 'proof_mismatch');
          await refused(verifyConsistencyProof(m, n, [...p, rootN], rootM, rootN), 'proof_mismatch');
          await refused(verifyConsistencyProof(m, n, p, flip(rootM), rootN), 'proof_mismatch');
          await refused(verifyConsistencyProof(n, m, p, rootN, rootM), 'proof_mismatch');
        }
      }
      await refused(verifyConsistencyProof(0, n, [], new Uint8Array(32), rootN), 'proof_mismatch');
    }
  });
});
