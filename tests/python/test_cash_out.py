"""Cash-out through the agency's bank (docs/money.md): the page's money and
cash-out walk-through blocks run as written against a fresh dev node; the
pain.001 file they export is valid against the official ISO 20022
pain.001.001.09 schema (the XSD shipped in PyPI's sepaxml package, checked
with xmlschema), carries what the ledger recorded (the batch's SHA-256 is
the file's, its requests and total are the file's transfers), and a second
run of the same export finds nothing left to pay."""

import hashlib
import importlib.resources
import json
import os
import subprocess
import tempfile
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import xmlschema

from publica_node import BIN, run_script, running_node, walkthrough

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


def get(url):
    with urllib.request.urlopen(url) as r:
        return json.load(r)


def test_a_cash_out_batch_is_a_valid_pain001_file_the_ledger_recorded():
    xsd = importlib.resources.files("sepaxml") / "schemas" / "pain.001.001.09.xsd"
    schema = xmlschema.XMLSchema(str(xsd))
    with running_node("--block-ms", "20") as (url, data), tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(data, "dev-admin-key.json")
        blocks = walkthrough("docs/money.md", "money") + walkthrough("docs/money.md", "cash-out")
        run = run_script(blocks, tmp, env={"NODE": url, "KEY": key})
        assert run.returncode == 0, run.stderr
        path = os.path.join(tmp, "batch-1.xml")
        schema.validate(path)

        body = open(path, "rb").read()
        batch = get(url + "/v1/money/cash-outs/cash-out/batches/co-0-1")
        assert batch["file_sha256"] == hashlib.sha256(body).hexdigest()
        assert batch["requests"] == [0] and batch["total"] == "4000", batch
        doc = ET.fromstring(body)
        assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", namespaces=NS) == "co-0-1"
        assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "40.00"
        tx = doc.find("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", NS)
        assert tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS) == "cash-out-0"
        assert tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) == "DE89370400440532013000"
        assert tx.findtext("p:RmtInf/p:Ustrd", namespaces=NS) == "cash 2027-01"
        assert get(url + "/v1/money/accounts/alice")["account"]["balance"] == "8500"
        assert get(url + "/v1/money/cash-outs/cash-out")["waiting"] == []

        # Bad reads get their status and code.
        for path, status, code in [("/v1/money/cash-outs/cash-out/requests/abc", 400, "request.invalid_param"),
                                   ("/v1/money/cash-outs/cash-out/requests/7", 404, "money.not_waiting"),
                                   ("/v1/money/cash-outs/cash-out/batches/nope", 404, "money.not_waiting"),
                                   ("/v1/money/cash-outs/Not%20An%20Id", 400, "request.invalid_param"),
                                   ("/v1/money/cash-outs/cash-out?from=-1", 400, "request.invalid_param"),
                                   ("/v1/money/cash-outs/cash-out?from=abc", 400, "request.invalid_param"),
                                   ("/v1/money/cash-outs/nobody", 404, "money.unknown_account")]:
            try:
                urllib.request.urlopen(url + path)
                raise AssertionError(f"{path} answered 2xx")
            except urllib.error.HTTPError as e:
                body = json.load(e)
                assert (e.code, body["code"]) == (status, code), (path, e.code, body)

        # The same export again: nothing waits, nothing is written.
        again = subprocess.run(
            [BIN, "money", "cash-out-batch", "--key", key, "--node", url, "--cash-out-account", "cash-out",
             "--payees", "payees.csv", "--debtor-name", "Dev Agency",
             "--debtor-iban", "GB29NWBK60161331926819", "--out", "batch-2.xml"],
            cwd=tmp, capture_output=True, text=True, timeout=60)
        assert again.returncode != 0 and "no waiting cash-out" in again.stderr, again.stderr
        assert not os.path.exists(os.path.join(tmp, "batch-2.xml"))
        # A mistyped IBAN in the book is refused with its line.
        with open(os.path.join(tmp, "bad.csv"), "w") as f:
            f.write("account,name,iban\nalice,Alice,DE89370400440532013001\n")
        bad = subprocess.run(
            [BIN, "money", "cash-out-batch", "--key", key, "--node", url, "--cash-out-account", "cash-out",
             "--payees", "bad.csv", "--debtor-name", "Dev Agency",
             "--debtor-iban", "GB29NWBK60161331926819", "--out", "batch-3.xml"],
            cwd=tmp, capture_output=True, text=True, timeout=60)
        assert bad.returncode != 0 and "line 2" in bad.stderr and "check digits" in bad.stderr, bad.stderr

        # Requests the payee book cannot pay do not keep later ones out:
        # bob (no bank account on file) cashes out first, alice after; an
        # export of one request pays alice's and lists bob's as skipped.
        more = walkthrough("docs/money.md", "money")[:1] + [
            'BOB=$(publica keys new --plain --out bob.json | field \'["account"]\')\n'
            'call money open_account \'{"id": "bob", "currency": "DEMO", "agency": "dev-agency", '
            '"owner": {"kind": "citizen", "account": "\'"$BOB"\'"}}\'\n'
            'call money transfer \'{"from": "treasury", "to": "bob", "amount": "2000", "reference": "bob 1"}\'\n'
            'publica money cash-out --key bob.json --node "$NODE" --from bob --to cash-out --amount 10.00 --reference b1\n'
            'publica money cash-out --key citizen.json --node "$NODE" --from alice --to cash-out --amount 6.00 --reference a2\n'
            'publica money cash-out-batch --key "$KEY" --node "$NODE" --cash-out-account cash-out '
            '--payees payees.csv --debtor-name "Dev Agency" --debtor-iban GB29NWBK60161331926819 '
            '--limit 1 --out batch-4.xml > batch-4.json\n']
        run = run_script(more, tmp, env={"NODE": url, "KEY": key})
        assert run.returncode == 0, run.stdout + run.stderr
        report = json.load(open(os.path.join(tmp, "batch-4.json")))
        assert report["requests"] == [2] and report["total"] == "6.00", report
        assert [s["request"] for s in report["skipped"]] == [1], report
        assert [r["id"] for r in get(url + "/v1/money/cash-outs/cash-out")["waiting"]] == [1]
        assert get(url + "/v1/money/cash-outs/cash-out?from=2")["waiting"] == []
