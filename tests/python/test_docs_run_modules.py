"""The command blocks of the module pages run as written: each page's
`<!-- walkthrough: NAME -->` shell blocks, in order, in a fresh directory
with `publica` on the PATH, against a fresh dev node (NODE and KEY point
at it), and end with what the page says — credentials verified, packs
traced and recalled, an election tallied and verified, certificates that
reconcile, credits paid, data read back, records and claims through their
lives.

Each test starts its own node: a dev node starts in a fraction of a
second, and a fresh chain per page lets each page create the agencies its
prose names (`city`, `hospital`) as a reader on a new `publica dev`
would. The blocks these pages leave out (`<!-- not run: … -->`) say why
and which test covers them."""

import copy
import json
import os
import re
import tempfile

from election_verifier import verify
from publica_node import printed, run_script, running_node, walkthrough

def run_page(page, name, blocks, keep=()):
    """Runs walkthrough `name` of `page` (which has `blocks` blocks) and
    returns what it printed, as a list of JSON documents and plain
    lines, followed by the JSON files named in `keep` that it wrote."""
    found = walkthrough(page, name)
    assert len(found) == blocks, f"{page} has {blocks} '{name}' walk-through blocks"
    with running_node("--block-ms", "20") as (url, data), tempfile.TemporaryDirectory() as tmp:
        run = run_script(found, tmp, env={"NODE": url, "KEY": os.path.join(data, "dev-admin-key.json")},
                         timeout=120)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        kept = [json.load(open(os.path.join(tmp, f))) for f in keep]
    return printed(run.stdout) + kept


def docs(out):
    return [d for d in out if isinstance(d, dict)]


def lines(out):
    return [d for d in out if isinstance(d, str)]


def test_credentials_walkthrough():
    out = run_page("docs/credentials.md", "credentials", 5)
    assert lines(out) == ["ok"] * 8, out
    verified = [d for d in docs(out) if "verified" in d]
    assert [d["verified"] for d in verified] == [True] * 3, verified
    diploma, presentation, offline = verified
    assert diploma["kind"] == "degree" and all(c["ok"] for c in diploma["checks"])
    assert [c["check"] for c in diploma["checks"]] == \
        ["proof", "context", "issuer", "accreditation", "validity", "status"]
    shown = presentation["claims"]
    assert shown["enrolled_at"] == "Example University" and shown["age_over_18"] is True
    assert "given_name" not in shown, "the holder did not reveal it"
    assert offline["checks"][0]["check"] == "snapshot" and all(c["ok"] for c in offline["checks"])
    recognition = [d for d in docs(out) if "line" in d]
    assert [d["status"] for d in recognition] == ["ok"], recognition


def test_medicines_walkthrough():
    out = run_page("docs/medicines.md", "medicines", 4)
    assert lines(out)[:4] == ["ok"] * 4, out
    assert lines(out)[-1] == "pack 4: not authentic", out
    d = docs(out)
    party = next(x for x in d if x.get("id") == "pharmaco")
    assert party["licence"] == "active" and party["kind"] == "manufacturer"
    check = next(x for x in d if "valid" in x)
    assert check["valid"] == 3 and len(check["events"]) == 3
    captures = [x for x in d if "captured" in x]
    assert [(x["captured"], x["events"]) for x in captures] == [(3, 3), (2, 2)], captures
    verdicts = [x for x in d if "authentic" in x]
    pack2, pack4 = verdicts
    assert pack2["authentic"] is True and pack2["problems"] == []
    assert pack2["custodian"] == "pharmacy-north" and pack2["lot"] == "A1234"
    assert [c["party"] for c in pack2["chain"]] == ["pharmaco", "pharmacy-north"]
    assert pack4["authentic"] is False and [p["code"] for p in pack4["problems"]] == ["recalled"]
    reach = next(x for x in d if "packs" in x)
    assert reach["recall"]["id"] == "recall-b5678" and reach["total_commissioned"] == 5
    assert [p["key"] for p in reach["packs"]] == ["01/09520001000010/21/4", "01/09520001000010/21/5"]


def test_elections_walkthrough():
    out = run_page("docs/elections.md", "elections", 3, keep=["ward-record.json"])
    record = out.pop()
    assert lines(out) == ["ok"] * 3 + ["True"] + ["ok"] * 3, out
    d = docs(out)
    commits = [x for x in d if "secret" in x]
    assert [x["transaction"]["status"] for x in commits] == ["ok"] * 3
    votes = [x for x in d if "tracking" in x and x["election"] == "town"]
    assert len(votes) == 3 and all(x["transaction"]["status"] == "ok" for x in votes)
    assert len({x["tracking"] for x in votes}) == 3
    decrypts = [x for x in d if "outcome" in x and "guardian" in x and x["election"] == "town"]
    assert decrypts[0]["outcome"] is None, "one guardian's share is not enough"
    assert decrypts[1]["outcome"]["counts"] == [[2, 1], [2, 1]]
    report = next(x for x in d if "holds" in x)
    assert report["holds"] is True and report["failures"] == [] and report["counted"] == 3
    assert report["counts"] == [[2, 1], [2, 1]]
    final = next(x for x in d if "election" in x and isinstance(x["election"], dict))
    assert final["election"]["phase"] == "tallied" and final["outcome"]["counts"] == [[2, 1], [2, 1]]

    # The second election: a complaint answered, a dealer disqualified.
    answered = next(x for x in d if "answered" in x)
    assert [a["guardian"] for a in answered["answered"]] == [2]
    assert next(x for x in d if "disqualified" in x)["disqualified"] == 3
    ward = [x for x in d if x.get("election") == "ward" and "holds" in x]
    assert ward[0]["holds"] is True and ward[0]["counts"] == [[0, 2], [1, 1]], ward
    e = record["election"]
    assert [c["status"] for c in e["complaints"]] == ["answered", "upheld"]
    assert e["disqualified"] == [3] and e["phase"] == "tallied"
    # The second verifier, from docs/elections.md alone, agrees; a record
    # that hides the disqualification, or alters a revealed share, fails.
    failures, counts = verify(record)
    assert failures == [] and counts == [[0, 2], [1, 1]], failures
    bent = copy.deepcopy(record)
    bent["election"]["disqualified"] = []
    assert {"disqualified", "election key or base hash"} <= set(verify(bent)[0])
    bent = copy.deepcopy(record)
    bent["election"]["complaints"][0]["share"] = bent["election"]["complaints"][0]["share"][::-1]
    assert "complaint 2 of 1: revealed share" in verify(bent)[0]


def test_energy_walkthrough():
    out = run_page("docs/energy.md", "energy", 2)
    assert lines(out) == ["ok"] * 5, out
    d = docs(out)
    report = next(x for x in d if "batches" in x)
    assert report["readings"] == 4 and report["refused"] == 0
    registry = d[-1]
    assert registry["reconciles"] is True
    r = registry["registry"]
    assert (r["generated_wh"], r["issued_units"], r["carry_wh"], r["cancelled_units"]) == (4400, 4, 400, 1), r


def test_recycling_walkthrough():
    out = run_page("docs/recycling.md", "recycling", 2)
    assert lines(out) == ["ok"] * 16 + ["replay refused", "128", "2400"], out
    summaries = [x["summary"] for x in docs(out)]
    assert [(s["file"], s["committed_ok"]) for s in summaries] == \
        [("deposits.csv", 1), ("shifts.csv", 1), ("deposits.csv", 0)], summaries
    replay = docs(out)[2]["results"][0]
    assert replay["error"]["code"] == "recycling.replay"


def test_city_data_walkthrough():
    out = run_page("docs/city-data.md", "city-data", 3)
    text = lines(out)
    assert text[:6] == ["ok"] * 6 and text[6] == "ok", out
    assert text[7:] == ["sensor,vehicles,bicycles", "main-st,233,33", "river-rd,180,25",
                        "district,m3", "north,18250", "centre,24110"], out
    published = [x for x in docs(out) if "content" in x]
    assert [(x["dataset"], x["seq"]) for x in published] == [("traffic-counts", 1), ("water-use", 1)]
    downloads = [x for x in docs(out) if "verified" in x]
    assert [(x["out"], x["verified"]) for x in downloads] == [("traffic.csv", True), ("water.csv", True)]
    assert re.fullmatch(r"[0-9a-f]{64}", downloads[1]["access"]), "the access is on the ledger"


def test_records_walkthrough():
    out = run_page("docs/health.md", "records", 2)
    assert lines(out) == ["ok"] * 7 + ["erase refused: the legal hold"], out
    d = docs(out)
    assert d[0] == {"resource_type": "Observation", "valid": True}
    reads = [x for x in d if x.get("resourceType") == "Observation"]
    assert [x["id"] for x in reads] == ["bp-1", "bp-1"], "read under the consent, then in an emergency"
    assert reads[0]["component"][0]["valueQuantity"]["value"] == 128
    log = next(x for x in d if "entries" in x and "account" in x)
    assert log["verified"] == 2 and [e["basis"] for e in log["entries"]] == ["consent", "emergency"]
    overdue = next(x for x in d if "entries" in x and "account" not in x)
    assert overdue["entries"] == []
    receipts = [x for x in d if "line" in x]
    # grant, review, hold, erase (refused), lift, transfer, erase, guardian
    assert [x["status"] for x in receipts] == ["ok", "ok", "ok", "failed", "ok", "ok", "ok", "ok"], receipts
    assert receipts[3]["error"]["code"] == "records.legal_hold"


def test_claims_walkthrough():
    out = run_page("docs/health.md", "claims", 2)
    text = lines(out)
    assert text[:16] == ["ok"] * 16, out
    assert re.fullmatch(r"\d{4}-\d{2},3,1,1,1,1,1,1,1004000", text[-1]), out
    assert text[-2] == "month,submitted,approved,denied,referred,decided,appealed,overturned,paid"
    d = docs(out)
    receipts = [x for x in d if "line" in x]
    assert [x["status"] for x in receipts] == ["ok", "ok"], "the plan defined, the patient enrolled"
    claims = [x for x in d if "paid" in x and "id" in x]
    assert [(x["id"], x["status"], x["paid"]) for x in claims] == [
        ("c1", "approved", "12000"),     # 150.00 less the 20% co-payment, by the rules
        ("c3", "approved", "920000"),    # referred, approved by the adjudicator
        ("c2", "appealed", "0"),         # denied (cosmetic), appealed
        ("c2", "approved", "72000"),     # the appeal approved by a second adjudicator
    ], claims
    bulk = next(x for x in d if "summary" in x)
    assert bulk["summary"]["judged"] == {"denied": 1, "referred": 1}
    assert d[-1]["entries"] == [], "nothing left waiting for an adjudicator"
