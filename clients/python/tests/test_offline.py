"""Checks that need no node: the documented transaction vectors, key files,
RFC 9162 proofs against a reference tree, and signed notes."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import stat

import pytest

from publica_client import (Key, KeyFileError, LogKey, Reason, VerificationError, build_body, calls,
                            StateProof, StateTerminal, open_checkpoint, sign, signing_bytes,
                            transaction_id, verify_consistency, verify_inclusion, verify_state_proof)
from publica_client.verify import is_usable_public_key, key_id, node_hash

from conftest import REPO

# -- docs/transactions.md vectors -----------------------------------------


def doc_vectors():
    text = (REPO / "docs" / "transactions.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```vector\n(.*?)```", text, re.S)
    assert blocks, "docs/transactions.md has no vectors"
    return [dict(line.split(": ", 1) for line in b.strip().split("\n")) for b in blocks]


@pytest.mark.parametrize("vector", doc_vectors(), ids=lambda v: v["tx_id"][:8])
def test_documented_vectors(vector):
    key = Key.from_seed(bytes.fromhex(vector["seed"]))
    assert key.account_id == vector["signer"]
    body = json.loads(vector["body"])
    assert signing_bytes(body).hex() == vector["signing_bytes_hex"]
    tx = sign(key, body)
    assert tx.tx_id == vector["tx_id"] == transaction_id(vector["signer"], signing_bytes(body))
    assert tx.envelope == {"body": body, "signer": vector["signer"], "signature": vector["signature"]}


def test_built_body_matches_the_documented_one():
    v = doc_vectors()[0]
    body = build_body("publica-dev", 1, calls.register_account(), expiry_height=100)
    assert body == json.loads(v["body"])
    assert signing_bytes(body).hex() == v["signing_bytes_hex"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(chain_id="", nonce=1, expiry_height=1), "chain_id"),
    (dict(chain_id="a b", nonce=1, expiry_height=1), "chain_id"),
    (dict(chain_id="c", nonce=0, expiry_height=1), "nonce"),
    (dict(chain_id="c", nonce=2**53, expiry_height=1), "nonce"),
    (dict(chain_id="c", nonce=1), "exactly one"),
    (dict(chain_id="c", nonce=1, expiry_height=1, expiry_unix_ms=1), "exactly one"),
    (dict(chain_id="c", nonce=1, expiry_height=2**53), "expiry"),
])
def test_bad_bodies_are_refused_locally(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_body(call=calls.register_account(), **kwargs)


def test_bad_calls_are_refused_locally():
    with pytest.raises(ValueError, match="not an integer"):
        calls.call("system", "x", {"n": 1.5})
    with pytest.raises(ValueError, match="2\\^53"):
        calls.call("system", "x", {"deep": [{"n": 2**53}]})
    with pytest.raises(ValueError, match="module"):
        calls.call("System", "x")
    with pytest.raises(ValueError, match="280 bytes"):
        calls.set_note("é" * 141)
    with pytest.raises(ValueError, match="control"):
        calls.set_note("a\nb")
    for bad in (-1, "007", "1.5", "1e3", " 5", True):
        with pytest.raises(ValueError):
            calls.amount(bad)
    assert calls.transfer("a", "b", 12500).args == {"from": "a", "to": "b", "amount": "12500"}


# -- key files --------------------------------------------------------------


def test_key_file_round_trips_plain_and_encrypted(tmp_path):
    key = Key.generate()
    plain, enc = tmp_path / "plain.json", tmp_path / "enc.json"
    key.save(plain, plain=True)
    key.save(enc, "correct horse")
    for path in (plain, enc):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert Key.load(plain).account_id == key.account_id
    assert Key.load(enc, "correct horse").account_id == key.account_id
    doc = json.loads(enc.read_text())
    assert doc["secret"]["kind"] == "argon2id_chacha20poly1305" and doc["account"] == key.account_id
    seed_hex = json.loads(plain.read_text())["secret"]["seed"]
    assert seed_hex not in enc.read_text(), "the seed must not be in clear"
    assert seed_hex not in repr(key)
    # Same key, same signatures.
    msg = b"publica"
    assert Key.load(enc, "correct horse").sign(msg) == key.sign(msg)


def test_key_file_errors_are_clear(tmp_path):
    key = Key.generate()
    path = tmp_path / "k.json"
    with pytest.raises(KeyFileError, match="plain=True"):
        key.save(path)
    key.save(path, "pw")
    with pytest.raises(KeyFileError, match="already exists"):
        key.save(path, "pw")
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        Key.load(path, "other")
    with pytest.raises(KeyFileError, match="encrypted"):
        Key.load(path)
    doc = json.loads(path.read_text())
    doc["account"] = Key.generate().account_id
    (tmp_path / "mismatch.json").write_text(json.dumps(doc))
    with pytest.raises(KeyFileError, match="does not match"):
        Key.load(tmp_path / "mismatch.json", "pw")
    (tmp_path / "junk.json").write_text('{"version": 1}')
    with pytest.raises(KeyFileError, match="not a valid Publica key file"):
        Key.load(tmp_path / "junk.json")
    with pytest.raises(KeyFileError, match="No such file"):
        Key.load(tmp_path / "missing.json")


# -- RFC 9162 proofs against a reference tree (RFC 6962 section 2.1) --------


def mth(leaves):
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << (len(leaves) - 1).bit_length() - 1
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m, leaves):
    if len(leaves) == 1:
        return []
    k = 1 << (len(leaves) - 1).bit_length() - 1
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m, leaves, whole):
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = 1 << (n - 1).bit_length() - 1
    if m <= k:
        return subproof(m, leaves[:k], whole) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


LEAVES = [hashlib.sha256(b"\x00" + bytes([i])).digest() for i in range(19)]


def test_inclusion_proofs_of_every_leaf_of_every_size():
    for n in range(1, len(LEAVES) + 1):
        root = mth(LEAVES[:n])
        for m in range(n):
            proof = path(m, LEAVES[:n])
            verify_inclusion(m, n, LEAVES[m], proof, root)
            bad = [
                (m, n, LEAVES[(m + 1) % 19], proof),      # another leaf
                (m, n, LEAVES[m], proof + [root]),        # one hash too many
                (n, n, LEAVES[m], proof),                 # leaf_index == tree_size
            ]
            if proof:
                bad.append((m, n, LEAVES[m], proof[:-1]))  # one hash short
                flipped = bytes([proof[0][0] ^ 1]) + proof[0][1:]
                bad.append((m, n, LEAVES[m], [flipped] + proof[1:]))
            for index, size, leaf, p in bad:
                with pytest.raises(VerificationError) as e:
                    verify_inclusion(index, size, leaf, p, root)
                assert e.value.reason == Reason.PROOF_MISMATCH


def test_inclusion_bounds_are_checked_before_the_path():
    # leaf_index >= tree_size, even with a proof that "fits": refused by the bound.
    with pytest.raises(VerificationError, match="not below the tree size"):
        verify_inclusion(1, 1, LEAVES[0], [], LEAVES[0])
    with pytest.raises(VerificationError, match="not below the tree size"):
        verify_inclusion(0, 0, LEAVES[0], [], LEAVES[0])
    # A checkpoint claiming size 1 with the root of 2 leaves: the hashes fit,
    # but the path runs past the claimed tree's root.
    with pytest.raises(VerificationError, match="longer than the tree is deep"):
        verify_inclusion(0, 1, LEAVES[1], [LEAVES[0]], mth(LEAVES[:2]))


def test_a_path_must_end_at_the_root():
    # An inner node passed off as a leaf: the hashes reach the root, but the
    # path stops one level short (RFC 9162: sn must be 0 at the end).
    root = mth(LEAVES[:4])
    inner = node_hash(LEAVES[0], LEAVES[1])
    with pytest.raises(VerificationError, match="too short"):
        verify_inclusion(0, 4, inner, [mth(LEAVES[2:4])], root)


def test_consistency_proofs_between_every_pair_of_sizes():
    for n2 in range(1, len(LEAVES) + 1):
        root2 = mth(LEAVES[:n2])
        for n1 in range(1, n2 + 1):
            root1 = mth(LEAVES[:n1])
            proof = subproof(n1, LEAVES[:n2], True)
            verify_consistency(n1, n2, root1, root2, proof)
            other = b"\xff" * 32
            bad = [(n1, n2, other, root2, proof),
                   (n1, n2, root1, other, proof),
                   (n1, n2, root1, root2, proof + [root1])]
            if proof:
                bad.append((n1, n2, root1, root2, proof[:-1]))
            for s1, s2, r1, r2, p in bad:
                with pytest.raises(VerificationError) as e:
                    verify_consistency(s1, s2, r1, r2, p)
                assert e.value.reason == Reason.PROOF_MISMATCH


def test_consistency_edge_cases():
    r = mth(LEAVES[:4])
    with pytest.raises(VerificationError, match="empty log"):
        verify_consistency(0, 4, b"\0" * 32, r, [])
    with pytest.raises(VerificationError, match="larger"):
        verify_consistency(5, 4, r, r, [])
    with pytest.raises(VerificationError, match="must be empty"):
        verify_consistency(4, 4, r, r, [r])
    with pytest.raises(VerificationError, match="two different roots"):
        verify_consistency(4, 4, r, LEAVES[0], [])
    # A checkpoint claiming size 5 with the root of 4 leaves: the hashes fit,
    # but the path ends one level below the claimed tree's root.
    with pytest.raises(VerificationError, match="too short"):
        verify_consistency(2, 5, mth(LEAVES[:2]), r, [mth(LEAVES[2:4])])
    # Checkpoints claiming sizes 3 and 4 with the roots of 7 and 8 leaves, and
    # the honest proof between those: it runs past the claimed tree's root.
    with pytest.raises(VerificationError, match="too long"):
        verify_consistency(3, 4, mth(LEAVES[:7]), mth(LEAVES[:8]), subproof(7, LEAVES[:8], True))


# -- signed notes ------------------------------------------------------------


def b64key(public: bytes) -> str:
    return base64.b64encode(b"\x01" + public).decode()


def signed_note(text: str, key: Key, name: str) -> tuple[str, str]:
    kid = key_id(name, key.public_key)
    vkey = f"{name}+{kid.hex()}+{b64key(key.public_key)}"
    sig = base64.b64encode(kid + key.sign(text.encode())).decode()
    return f"{text}\n\u2014 {name} {sig}\n", vkey


def test_checkpoint_notes():
    key, other = Key.generate(), Key.generate()
    root = base64.b64encode(LEAVES[0]).decode()
    note, vkey = signed_note(f"example.org/log\n1\n{root}\n", key, "example.org/log")
    cp = open_checkpoint(note, vkey)
    assert (cp.origin, cp.size, cp.root) == ("example.org/log", 1, LEAVES[0])
    assert str(LogKey.parse(vkey)) == vkey
    # A second signature by another key is ignored.
    extra, _ = signed_note(f"example.org/log\n1\n{root}\n", other, "witness")
    assert open_checkpoint(note + extra.split("\n\n")[1], vkey).size == 1

    def reason(n, k=vkey, **kw):
        with pytest.raises(VerificationError) as e:
            open_checkpoint(n, k, **kw)
        return e.value.reason

    assert reason(note.replace("\n1\n", "\n2\n")) == Reason.BAD_SIGNATURE
    _, other_vkey = signed_note("x\n", other, "example.org/log")
    assert reason(note, other_vkey) == Reason.NO_SIGNATURE_FROM_KEY
    assert reason(note, origin="another.org/log") == Reason.WRONG_ORIGIN
    assert reason(note.replace("\n\n", "\n")) == Reason.MALFORMED
    name, kid, b64 = vkey.split("+", 2)
    assert reason(note, f"{name}+00000000+{b64}") == Reason.BAD_VERIFIER_KEY


def test_weak_verifier_keys_are_refused():
    good = Key.generate().public_key
    assert is_usable_public_key(good)
    identity = (1).to_bytes(32, "little")          # the neutral element, order 1
    order4 = bytes(32)                             # y = 0: a point of order 4
    not_canonical = (2**255 - 19 + 1).to_bytes(32, "little")  # y = p + 1
    for weak in (identity, order4, not_canonical):
        assert not is_usable_public_key(weak)
        vkey = f"n+{key_id('n', weak).hex()}+{b64key(weak)}"
        with pytest.raises(VerificationError) as e:
            LogKey.parse(vkey)
        assert e.value.reason == Reason.BAD_VERIFIER_KEY


# -- state proofs (docs/state-proofs.md) -----------------------------------


def test_a_state_leaf_off_the_keys_path_is_refused():
    key = "system/note/b"
    kh = hashlib.sha256(key.encode()).digest()
    other = bytes([kh[0] ^ 0x80]) + kh[1:]          # differs in the first bit
    vh = hashlib.sha256(b"{}").digest()
    sibling = b"\x11" * 32
    leaf = hashlib.sha256(b"\x00" + other + vh).digest()
    root = node_hash(sibling, leaf) if kh[0] & 0x80 else node_hash(leaf, sibling)
    proof = StateProof([sibling.hex()], StateTerminal("leaf", other.hex(), vh.hex()))
    with pytest.raises(VerificationError, match="not on the key's path"):
        verify_state_proof(key, None, proof, root)
    # The empty tree proves every key absent, and no value present.
    verify_state_proof(key, None, StateProof([], StateTerminal("empty")), bytes(32))
    with pytest.raises(VerificationError) as e:
        verify_state_proof(key, b"{}", StateProof([], StateTerminal("empty")), bytes(32))
    assert e.value.reason == Reason.VALUE_MISMATCH
