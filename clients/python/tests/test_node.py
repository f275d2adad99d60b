"""The SDK against a real node (see conftest.py): sign, submit, wait, and
verify receipts, state proofs and consistency offline."""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

from publica_client import (Client, Key, LogKey, PublicaError, Reason, Receipt, StateAnswer,
                            VerificationError, build_body, calls, open_checkpoint, sign,
                            verify_checkpoint_consistency, verify_receipt, verify_state,
                            verify_state_answer, verify_witnesses, WitnessKey)
from publica_client.verify import key_id

from conftest import publica_bin, start_node


def registered(client: Client) -> Key:
    key = Key.generate()
    assert client.send(key, calls.register_account()).ok
    return key


def test_register_note_and_verify_the_receipt_offline(node, client):
    status = client.status()
    assert status.chain_id == "publica-dev"
    key = Key.generate()
    r1 = client.send(key, calls.register_account())
    note = 'Grüße, ✓ "quoted"'
    r2 = client.send(key, calls.set_note(note))
    assert r1.ok and r2.ok, (r1.outcome, r2.outcome)
    assert [e.kind for e in r2.outcome.events] == ["note_set"]
    assert r2.transaction.body.call.args == {"note": note}
    assert r2.transaction.signer == key.account_id

    # The log key printed at start, not the one the node serves, is the trust anchor.
    assert client.log_info().verifier_key == node.log_key
    for r in (r1, r2):
        proven = verify_receipt(r, node.log_key)
        assert (proven.tx_id, proven.status, proven.leaf_index, proven.tree_size) == \
            (r.tx_id, "ok", r.leaf_index, r.tree_size)
        assert proven.origin == LogKey.parse(node.log_key).name
        # The block holds the same transaction and outcome; its header commits to the log.
        block = client.block(r.block_height)
        assert block.hash == r.block_hash and block.header.height == r.block_height
        assert block.transactions[r.index].raw == r.transaction.raw
        assert block.outcomes[r.index].raw == r.outcome.raw
        assert block.header.log_size >= r.leaf_index + 1
    assert r1.leaf_index < r2.leaf_index
    # A receipt parsed from a file (a plain dict) verifies the same way.
    assert verify_receipt(json.loads(json.dumps(r2.raw)), node.log_key).tx_id == r2.tx_id
    assert client.nonce(key.account_id).next_nonce == 3


TAMPERS = {
    "outcome": (lambda r: r["outcome"].update(status="failed"), Reason.PROOF_MISMATCH),
    "note": (lambda r: r["transaction"]["body"]["call"]["args"].update(note="forged"),
             Reason.BAD_TRANSACTION_SIGNATURE),
    "tx_id": (lambda r: r.update(tx_id="ab" * 32), Reason.WRONG_LEAF),
    "outcome.tx_id": (lambda r: r["outcome"].update(tx_id="ab" * 32), Reason.WRONG_LEAF),
    "leaf_index=tree_size": (lambda r: r.update(leaf_index=r["tree_size"]), Reason.PROOF_MISMATCH),
    "leaf_index": (lambda r: r.update(leaf_index=r["leaf_index"] - 1), Reason.PROOF_MISMATCH),
    "tree_size": (lambda r: r.update(tree_size=r["tree_size"] + 1), Reason.TREE_SIZE_MISMATCH),
    "proof+1": (lambda r: r["inclusion_proof"].append("00" * 32), Reason.PROOF_MISMATCH),
    "proof-1": (lambda r: r["inclusion_proof"].pop(), Reason.PROOF_MISMATCH),
    "checkpoint": (lambda r: r.update(checkpoint=r["checkpoint"].replace(
        f"\n{r['tree_size']}\n", f"\n{r['tree_size'] + 1}\n")), Reason.BAD_SIGNATURE),
    "no checkpoint": (lambda r: r.pop("checkpoint"), Reason.MALFORMED),
}


@pytest.fixture(scope="module")
def receipt(client) -> Receipt:
    key = registered(client)
    client.send(key, calls.set_note("first"))
    # A later transaction, so the receipt's entry is not the last leaf.
    r = client.send(key, calls.set_note("tamper with me"))
    client.send(key, calls.set_note("after"))
    # Fetch it again: the checkpoint now covers later entries too.
    again = client.transaction(r.tx_id)
    assert isinstance(again, Receipt) and len(again.inclusion_proof) >= 2
    return again


@pytest.mark.parametrize("name", TAMPERS)
def test_a_tampered_receipt_is_refused_with_a_named_reason(node, receipt, name):
    change, reason = TAMPERS[name]
    verify_receipt(receipt, node.log_key)
    doc = copy.deepcopy(receipt.raw)
    change(doc)
    with pytest.raises(VerificationError) as e:
        verify_receipt(doc, node.log_key)
    assert e.value.reason == reason, e.value


def test_a_receipt_is_refused_under_another_key_or_origin(node, receipt):
    other = Key.generate()
    name = LogKey.parse(node.log_key).name
    vkey = str(LogKey(name, key_id(name, other.public_key), other.public_key))
    with pytest.raises(VerificationError) as e:
        verify_receipt(receipt, vkey)
    assert e.value.reason == Reason.NO_SIGNATURE_FROM_KEY
    with pytest.raises(VerificationError) as e:
        verify_receipt(receipt, node.log_key, origin="elsewhere.example/log")
    assert e.value.reason == Reason.WRONG_ORIGIN
    # The block height is not covered by the proof: altering it still verifies,
    # and the result says so by carrying it apart.
    doc = copy.deepcopy(receipt.raw)
    doc["block_height"] += 1
    assert verify_receipt(doc, node.log_key).block_height == receipt.block_height + 1


def test_state_proofs_of_a_value_and_of_absence(client):
    key = registered(client)
    r = client.send(key, calls.set_note("proved"))
    answer = client.state(f"system/note/{key.account_id}")
    header = client.block(answer.height).header
    value = verify_state(answer, header.state_root)
    assert json.loads(value) == {"note": "proved", "set_height": r.block_height}
    assert answer.value == json.loads(value)

    absent = client.state("system/note/" + "00" * 32)
    assert absent.value_hex is None
    assert verify_state(absent, client.block(absent.height).header.state_root) is None

    def refused(a: StateAnswer, root=None) -> str:
        with pytest.raises(VerificationError) as e:
            verify_state(a, root)
        return e.value.reason

    raw = {"key": answer.key, "height": answer.height, "state_root": answer.state_root,
           "value_hex": answer.value_hex, "value": answer.value,
           "proof": {"siblings": list(answer.proof.siblings),
                     "terminal": {k: v for k, v in vars(answer.proof.terminal).items() if v is not None}}}
    forged = dict(raw, value_hex=b'{"note":"forged"}'.hex())
    assert refused(StateAnswer.from_json(forged)) == Reason.VALUE_MISMATCH
    hidden = dict(raw, value_hex=None, value=None)
    assert refused(StateAnswer.from_json(hidden)) == Reason.VALUE_MISMATCH
    lying = dict(raw, value={"note": "forged", "set_height": r.block_height})
    assert refused(StateAnswer.from_json(lying)) == Reason.VALUE_MISMATCH
    assert refused(answer, "11" * 32) == Reason.PROOF_MISMATCH
    if answer.proof.siblings:
        sib = copy.deepcopy(raw)
        s0 = sib["proof"]["siblings"][0]
        sib["proof"]["siblings"][0] = ("0" if s0[0] != "0" else "1") + s0[1:]
        assert refused(StateAnswer.from_json(sib)) == Reason.PROOF_MISMATCH


def test_a_state_answer_verifies_from_its_checkpoint_alone(node, client):
    key = registered(client)
    client.send(key, calls.set_note("under the checkpoint"))
    answer = client.state(f"system/note/{key.account_id}")
    assert f"\npublica-state {answer.height} {answer.state_root}\n" in answer.checkpoint
    value = verify_state_answer(answer, node.log_key)
    assert json.loads(value)["note"] == "under the checkpoint"
    assert verify_state_answer(client.state("system/note/" + "00" * 32), node.log_key) is None

    def refused(**change) -> str:
        with pytest.raises(VerificationError) as e:
            verify_state_answer(dataclasses.replace(answer, **change), node.log_key)
        return e.value.reason

    assert refused(checkpoint=None) == Reason.NO_CHECKPOINT
    assert refused(height=answer.height + 1) == Reason.STATE_ROOT_MISMATCH
    assert refused(state_root="11" * 32) == Reason.STATE_ROOT_MISMATCH
    assert refused(value_hex=b'{"note":"forged"}'.hex()) == Reason.VALUE_MISMATCH
    altered = answer.checkpoint.replace(answer.state_root, "11" * 32)
    assert refused(checkpoint=altered, state_root="11" * 32) == Reason.BAD_SIGNATURE


def test_consistency_between_two_checkpoints(node, client):
    key = registered(client)
    old = client.log_info().checkpoint
    for i in range(3):
        client.send(key, calls.set_note(f"grow {i}"))
    new = client.checkpoint()
    old_cp, new_cp = open_checkpoint(old, node.log_key), open_checkpoint(new, node.log_key)
    assert old_cp.size < new_cp.size
    proof = client.consistency(old_cp.size, new_cp.size)
    a, b = verify_checkpoint_consistency(old, new, proof, node.log_key)
    assert (a.size, b.size) == (old_cp.size, new_cp.size)
    # Equal sizes: an empty proof.
    verify_checkpoint_consistency(new, new, client.consistency(new_cp.size, new_cp.size), node.log_key)
    # A doctored proof, or one swapped end for end, is refused.
    bad = list(proof.proof)
    bad[-1] = "00" * 32
    with pytest.raises(VerificationError) as e:
        verify_checkpoint_consistency(old, new, bad, node.log_key)
    assert e.value.reason == Reason.PROOF_MISMATCH
    with pytest.raises(VerificationError) as e:
        verify_checkpoint_consistency(new, old, proof, node.log_key)
    assert e.value.reason == Reason.TREE_SIZE_MISMATCH
    # From the empty log: the node refuses it, as the docs decide.
    with pytest.raises(PublicaError) as err:
        client.consistency(0, new_cp.size)
    assert (err.value.status, err.value.code) == (400, "log.invalid_sizes")


def test_a_batch(node, client):
    key = Key.generate()
    status = client.status()

    def tx(nonce, call):
        return sign(key, build_body(status.chain_id, nonce, call, expiry_height=status.height + 100))

    txs = [tx(1, calls.register_account()), tx(2, calls.set_note("batched")), tx(2, calls.set_note("batched"))]
    result = client.submit_batch(txs)
    assert (result.accepted, result.rejected) == (2, 1)
    assert [i.tx_id for i in result.results[:2]] == [txs[0].tx_id, txs[1].tx_id]
    assert result.results[2].error.code == "tx.nonce_replayed" and not result.results[2].ok
    for t in txs[:2]:
        r = client.wait_for_receipt(t.tx_id)
        assert r.ok and verify_receipt(r, node.log_key).tx_id == t.tx_id
    with pytest.raises(PublicaError) as e:
        client.submit_batch([])
    assert e.value.code == "batch.invalid_size"


def test_bad_transactions_raise_publica_error_with_codes(client):
    key = Key.generate()
    good = client.prepare(key, calls.register_account())

    def code_of(envelope_or_tx) -> tuple[int, str]:
        with pytest.raises(PublicaError) as e:
            client.submit(envelope_or_tx)
        assert e.value.retry_after is None
        return e.value.status, e.value.code

    bad_sig = copy.deepcopy(good.envelope)
    bad_sig["signature"] = ("00" if bad_sig["signature"][:2] != "00" else "11") + bad_sig["signature"][2:]
    assert code_of(bad_sig) == (400, "tx.bad_signature")
    other_chain = sign(key, dict(good.envelope["body"], chain_id="other-chain"))
    assert code_of(other_chain) == (400, "tx.wrong_chain")
    extra = copy.deepcopy(good.envelope)
    extra["body"]["surprise"] = 1
    assert code_of(extra) == (400, "tx.unknown_field")
    assert code_of(client.prepare(key, calls.register_account(), nonce=5)) == (409, "tx.nonce_gap")
    assert client.submit(good).tx_id == good.tx_id
    assert code_of(good) == (409, "tx.nonce_replayed")
    # Failing in its block is not an error answer: it is a failed outcome.
    r = client.send(Key.generate(), calls.set_note("not registered"))
    assert not r.ok and r.outcome.error.code == "auth.account_not_registered"
    # Queries.
    for call, want in ((lambda: client.transaction("ab" * 32), (404, "tx.not_found")),
                       (lambda: client.transaction("zz"), (400, "request.invalid_param")),
                       (lambda: client.block(10**9), (404, "block.not_found")),
                       (lambda: client.state(""), (400, "state.invalid_key")),
                       (lambda: client.money_account("no:such"), (404, "money.unknown_account"))):
        with pytest.raises(PublicaError) as e:
            call()
        assert (e.value.status, e.value.code) == want, e.value
    with pytest.raises(PublicaError, match="no:such"):
        client.money_account("no:such")  # the id reached the node intact


def test_money_transfer_is_well_formed(client):
    # No currency exists on a fresh dev chain: the call must get past argument
    # parsing (no call.invalid_args) and fail on the missing account.
    r = client.send(Key.generate(), calls.transfer("acct:a", "acct:b", 12500, reference="inv-1",
                                                   memo_hash=hashlib.sha256(b"memo").hexdigest()))
    assert not r.ok and r.outcome.error.code == "money.unknown_account", r.outcome


def test_rate_limits_expose_retry_after():
    root = pathlib.Path(tempfile.mkdtemp(prefix="publica-sdk-rl-"))
    nodes = start_node(root, "--tx-rate-limit", "1", "--tx-burst", "1")
    try:
        limited = next(nodes)
        key = Key.generate()
        c = limited.client
        c.submit(c.prepare(key, calls.register_account()))
        with pytest.raises(PublicaError) as e:
            c.submit(c.prepare(key, calls.set_note("too fast"), nonce=2))
        assert (e.value.status, e.value.code) == (429, "request.rate_limited")
        assert e.value.retry_after is not None and 0 < e.value.retry_after <= 5
    finally:
        nodes.close()
        shutil.rmtree(root, ignore_errors=True)


def test_key_files_interoperate_with_the_node(node, client, tmp_path):
    # The node's own (plain) dev admin key opens and acts as the administrator.
    admin = Key.load(node.data_dir / "dev-admin-key.json")
    member = Key.generate()
    r = client.send(admin, calls.call("identity", "add_member",
                                      {"agency": "dev-agency", "account": member.account_id,
                                       "roles": ["auditor"]}))
    assert r.ok, r.outcome
    # An encrypted file written by the CLI opens here ...
    (tmp_path / "pass").write_text("correct horse\n")
    out = subprocess.run([node.binary, "keys", "new", "--out", str(tmp_path / "cli.json"),
                          "--passphrase-file", str(tmp_path / "pass")],
                         capture_output=True, text=True, check=True, timeout=60)
    cli_key = Key.load(tmp_path / "cli.json", "correct horse")
    assert json.loads(out.stdout)["account"] == cli_key.account_id
    # ... and one written here opens in the CLI, which signs exactly as we do.
    mine = Key.generate()
    mine.save(tmp_path / "py.json", "correct horse")
    body = build_body("publica-dev", 1, calls.set_note("same bytes"), expiry_height=77)
    out = subprocess.run([node.binary, "tx", "sign", "--key", str(tmp_path / "py.json"),
                          "--passphrase-file", str(tmp_path / "pass"), "--chain-id", "publica-dev",
                          "--nonce", "1", "--expiry-height", "77", "--module", "system",
                          "--method", "set_note", "--args", json.dumps({"note": "same bytes"})],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == sign(mine, body).envelope
    # And the reloaded key is accepted by the node.
    loaded = Key.load(tmp_path / "py.json", "correct horse")
    assert client.send(loaded, calls.register_account()).ok


def test_the_readme_quick_start_runs(node, tmp_path):
    readme = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    script = readme.split("```python\n", 1)[1].split("```", 1)[0]
    assert "http://127.0.0.1:8700" in script
    (tmp_path / ".publica").mkdir()
    shutil.copy(node.data_dir / "log-key.pub", tmp_path / ".publica" / "log-key.pub")
    (tmp_path / "quickstart.py").write_text(script.replace("http://127.0.0.1:8700", node.url))
    out = subprocess.run([sys.executable, "quickstart.py"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, env=dict(os.environ))
    assert out.returncode == 0, out.stderr
    assert "verified" in out.stdout, out.stdout


def _serve(argv: list[str], err_path: pathlib.Path) -> tuple[subprocess.Popen, str]:
    """Starts a `publica` server (here a witness); returns it and its URL."""
    err = open(err_path, "wb")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.startswith("publica: listening on "):
            return proc, line.split()[-1]
    proc.wait()
    pytest.fail("the witness did not start: " + err_path.read_text(errors="replace")[-2000:])


def test_a_witness_policy_on_a_witnessed_checkpoint(tmp_path):
    """A real `publica witness` cosigns a node's checkpoints; the client
    checks a k-of-n policy on the witnessed checkpoint (C2SP
    tlog-cosignature) and names an altered line."""
    binary = publica_bin()
    keyfile = tmp_path / "witness-key.json"
    subprocess.run([binary, "keys", "new", "--plain", "--out", str(keyfile)], check=True, capture_output=True)
    shown = subprocess.run([binary, "keys", "show", str(keyfile), "--cosigner-name", "w.example/1"],
                           check=True, capture_output=True, text=True)
    witness_key = json.loads(shown.stdout)["cosigner_key"]
    root = tmp_path / "node"
    root.mkdir()
    first = start_node(root)
    log_key = next(first).log_key
    first.close()
    witness, witness_url = _serve([binary, "witness", "--key", str(keyfile), "--name", "w.example/1",
                                   "--data-dir", str(tmp_path / "w"), "--listen", "127.0.0.1:0",
                                   "--log", log_key], tmp_path / "witness.stderr")
    started = start_node(root, "--witness", f"{witness_key}@{witness_url}")
    try:
        node = next(started)
        key = registered(node.client)
        node.client.send(key, calls.set_note("witnessed"))
        size = open_checkpoint(node.client.checkpoint(), node.log_key).size
        deadline = time.monotonic() + 30
        while True:
            with urllib.request.urlopen(node.url + "/v1/log/witnessed") as r:
                got = json.load(r)
            if got["size"] == size:
                break
            assert time.monotonic() < deadline, got
            time.sleep(0.05)
        note = got["checkpoint"]
        open_checkpoint(note, node.log_key)  # the witness line is ignored by the log's check
        assert verify_witnesses(note, [witness_key]) == ["w.example/1"]
        plain = node.client.checkpoint()
        with pytest.raises(VerificationError) as e:
            verify_witnesses(plain, [witness_key])
        assert e.value.reason == Reason.WITNESS_POLICY
        line = next(l for l in note.splitlines() if l.startswith("\u2014 w.example/1 "))
        blob = bytearray(base64.b64decode(line.split()[-1]))
        blob[20] ^= 1
        altered = note.replace(line, line.rsplit(" ", 1)[0] + " " + base64.b64encode(bytes(blob)).decode())
        with pytest.raises(VerificationError) as e:
            verify_witnesses(altered, [witness_key])
        assert e.value.reason == Reason.BAD_SIGNATURE
        with pytest.raises(VerificationError):
            WitnessKey.parse(log_key)  # a log key is not a witness key
    finally:
        started.close()
        witness.terminate()
        witness.wait(timeout=10)
