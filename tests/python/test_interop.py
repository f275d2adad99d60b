"""Interoperability: build and sign Publica transactions in Python from
docs/transactions.md alone (cryptography + rfc8785 from PyPI), submit them
to a real node, and check receipts, state proofs and log inclusion proofs
independently of the node's code."""

import base64
import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from publica_node import running_node
CHAIN = "publica-dev"


@pytest.fixture(scope="module")
def node():
    with running_node("--block-ms", "20") as (url, _):
        yield url


def http(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            return r.status, raw
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def get_json(url):
    status, raw = http("GET", url)
    return status, json.loads(raw)


class Key:
    def __init__(self):
        self.sk = Ed25519PrivateKey.generate()
        self.pub = self.sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, nonce, method, args, chain=CHAIN, expiry=None):
        body = {"chain_id": chain, "nonce": nonce, "expiry": expiry or {"height": 1_000_000},
                "call": {"module": "system", "method": method, "args": args}}
        signing = b"publica/tx/v1\n" + chain.encode() + b"\n" + rfc8785.dumps(body)
        env = {"body": body, "signer": self.pub.hex(), "signature": self.sk.sign(signing).hex()}
        tx_id = hashlib.sha256(self.pub + signing).hexdigest()
        return env, tx_id


def submit(url, env):
    status, raw = http("POST", url + "/v1/transactions", env)
    return status, json.loads(raw)


def receipt(url, tx_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = get_json(f"{url}/v1/transactions/{tx_id}?wait_ms=5000")
        if status == 200:
            assert body["status"] == "committed", body
            assert body["tx_id"] == tx_id, body
            return body
        assert status == 202 and body.get("status") == "pending", (status, body)
    raise AssertionError(f"no receipt for {tx_id} within {timeout} s")


def bit(h, d):
    return (h[d // 8] >> (7 - d % 8)) & 1


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_state_proof(root_hex, key, value, proof):
    """docs/state-proofs.md, re-implemented."""
    kh = hashlib.sha256(key.encode()).digest()
    sib = [bytes.fromhex(s) for s in proof["siblings"]]
    t = proof["terminal"]
    if t["kind"] == "empty":
        assert value is None
        acc = bytes(32)
    else:
        tkh, tvh = bytes.fromhex(t["key_hash"]), bytes.fromhex(t["value_hash"])
        assert all(bit(tkh, d) == bit(kh, d) for d in range(len(sib)))
        if value is None:
            assert tkh != kh
        else:
            assert tkh == kh and tvh == hashlib.sha256(value).digest()
        acc = hashlib.sha256(b"\x00" + tkh + tvh).digest()
    for d in reversed(range(len(sib))):
        acc = node_hash(sib[d], acc) if bit(kh, d) else node_hash(acc, sib[d])
    assert acc.hex() == root_hex


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 section 2.1.3.2."""
    assert index < size
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        assert sn != 0
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    assert sn == 0 and r == root


def test_signed_in_python_commits_and_proves(node):
    k = Key()
    reg, reg_id = k.sign(1, "register_account", {})
    note = "Grüße, ✓ \"quoted\""
    setn, set_id = k.sign(2, "set_note", {"note": note})
    assert submit(node, reg) == (202, {"tx_id": reg_id})
    assert submit(node, setn) == (202, {"tx_id": set_id})
    r1, r2 = receipt(node, reg_id), receipt(node, set_id)
    for r, tx_id, env in ((r1, reg_id, reg), (r2, set_id, setn)):
        assert r["outcome"]["status"] == "ok", r["outcome"]
        assert r["outcome"]["tx_id"] == tx_id
        assert r["tx_id"] == tx_id and r["transaction"] == env
        # The block holds the same transaction and outcome at the receipt's index.
        _, block = get_json(f"{node}/v1/blocks/{r['block_height']}")
        assert block["hash"] == r["block_hash"]
        assert block["header"]["height"] == r["block_height"]
        assert block["transactions"][r["index"]] == env
        assert block["outcomes"][r["index"]] == r["outcome"]
    assert (r1["block_height"], r1["index"]) < (r2["block_height"], r2["index"])

    # State value with a proof, checked here with hashlib only.
    key = "system/note/" + k.pub.hex()
    _, st = get_json(f"{node}/v1/state?key={urllib.parse.quote(key)}")
    value = bytes.fromhex(st["value_hex"])
    assert json.loads(value) == {"note": note, "set_height": r2["block_height"]}
    assert st["value"] == json.loads(value)
    verify_state_proof(st["state_root"], key, value, st["proof"])
    _, head = get_json(f"{node}/v1/blocks/{st['height']}")
    assert head["header"]["state_root"] == st["state_root"]
    absent = "system/note/" + "00" * 32
    _, st0 = get_json(f"{node}/v1/state?key={urllib.parse.quote(absent)}")
    assert st0["value_hex"] is None and st0["value"] is None
    verify_state_proof(st0["state_root"], absent, None, st0["proof"])
    _, head0 = get_json(f"{node}/v1/blocks/{st0['height']}")
    assert head0["header"]["state_root"] == st0["state_root"]

    # The receipt's log inclusion proof against its signed checkpoint.
    lines = r2["checkpoint"].split("\n")
    assert int(lines[1]) == r2["tree_size"]
    root = base64.b64decode(lines[2])
    entry = rfc8785.dumps(r2["transaction"]) + hashlib.sha256(rfc8785.dumps(r2["outcome"])).digest()
    leaf = hashlib.sha256(b"\x00" + entry).digest()
    proof = [bytes.fromhex(h) for h in r2["inclusion_proof"]]
    verify_inclusion(r2["leaf_index"], r2["tree_size"], leaf, proof, root)


def test_bad_transactions_are_rejected_with_codes(node):
    k = Key()
    env, _ = k.sign(1, "register_account", {})
    bad = json.loads(json.dumps(env))
    bad["signature"] = ("00" if env["signature"][:2] != "00" else "11") + env["signature"][2:]
    status, body = submit(node, bad)
    assert (status, body["code"]) == (400, "tx.bad_signature")
    wrong_chain, _ = k.sign(1, "register_account", {}, chain="other-chain")
    status, body = submit(node, wrong_chain)
    assert (status, body["code"]) == (400, "tx.wrong_chain")
    extra = json.loads(json.dumps(env))
    extra["body"]["surprise"] = 1
    status, body = submit(node, extra)
    assert (status, body["code"]) == (400, "tx.unknown_field")
    gap, _ = k.sign(3, "register_account", {})
    status, body = submit(node, gap)
    assert (status, body["code"]) == (409, "tx.nonce_gap")
    status, body = submit(node, env)
    assert status == 202
    receipt(node, body["tx_id"])
    status, body = submit(node, env)
    assert (status, body["code"]) == (409, "tx.nonce_replayed")


def test_unauthorised_call_fails_in_block_and_changes_nothing(node):
    k = Key()
    env, tx_id = k.sign(1, "set_note", {"note": "not registered"})
    assert submit(node, env)[0] == 202
    r = receipt(node, tx_id)
    assert r["outcome"]["status"] == "failed"
    assert r["outcome"]["error"]["code"] == "auth.account_not_registered"
    key = "system/note/" + k.pub.hex()
    _, st = get_json(f"{node}/v1/state?key={urllib.parse.quote(key)}")
    assert st["value_hex"] is None
