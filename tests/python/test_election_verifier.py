"""The demo's election checked by a second verifier (election_verifier.py,
written from docs/elections.md alone, with rbcl's ristretto255 and
rfc8785): every proof, ballot, challenge and share holds and the counts
are the published ones; a changed ballot, share or count is caught."""

import copy
import json
import urllib.request

import pytest

from election_verifier import verify
from publica_node import running_node


def get(url):
    with urllib.request.urlopen(url, timeout=240) as r:
        return json.load(r)


def record_of(url, election):
    record = get(f"{url}/v1/elections/{election}/record")
    for board in ("members", "ballots", "challenged"):
        entries, start = [], 0
        while True:
            page = get(f"{url}/v1/elections/{election}/{board}?from={start}&limit=200")
            entries += page["entries"]
            if page.get("next") is None:
                break
            start = page["next"]
        record[board] = entries
    return record


@pytest.fixture(scope="module")
def demo_records():
    with running_node("--demo", start_s=120) as (url, _):
        return {e: record_of(url, e) for e in ("city-2027", "north-parks")}


def test_a_second_verifier_agrees_on_the_demo_election(demo_records):
    record = demo_records["city-2027"]
    failures, counts = verify(record)
    assert failures == [], failures
    assert counts == [[6, 7, 7], [15, 5]] == record["outcome"]["counts"]
    assert len(record["ballots"]) == 21 and len(record["challenged"]) == 1
    # The census is anonymous: ballots name nullifiers, not the members' accounts.
    assert len(record["members"]) == 20 == record["election"]["registered"]
    accounts = {m["account"] for m in record["members"]}
    assert not accounts & {b["voter"] for b in record["ballots"]}

    bent = copy.deepcopy(record)
    sels = bent["ballots"][5]["ballot"]["contests"][1]["selections"]
    sels[0], sels[1] = sels[1], sels[0]
    assert any("ballot" in f for f in verify(bent)[0])
    bent = copy.deepcopy(record)
    shares = bent["partials"][0]["shares"][0]
    shares[0]["m"], shares[1]["m"] = shares[1]["m"], shares[0]["m"]
    assert any("partial decryption" in f for f in verify(bent)[0])
    bent = copy.deepcopy(record)
    proof = bent["ballots"][7]["member"]["proof"]
    proof["z"] = proof["z_a"]
    assert verify(bent)[0] == [f"ballot {bent['ballots'][7]['tracking']}: census"]
    bent = copy.deepcopy(record)
    bent["ballots"][2]["member"] = record["ballots"][3]["member"]
    assert f"ballot {bent['ballots'][2]['tracking']}: census" in verify(bent)[0]
    bent = copy.deepcopy(record)
    bent["members"][4]["commitment"] = record["members"][5]["commitment"]
    assert "registration 5" in verify(bent)[0]
    bent = copy.deepcopy(record)
    bent["outcome"]["counts"][1] = [14, 6]
    assert verify(bent)[0] == ["published counts"]
    bent = copy.deepcopy(record)
    bent["challenged"][0]["choices"][1] = [0, 1]
    assert any("opening" in f for f in verify(bent)[0])


def test_a_second_verifier_weighs_secret_ballots_by_public_delegations(demo_records):
    record = demo_records["north-parks"]
    failures, counts = verify(record)
    assert failures == [], failures
    assert counts == [[4, 2]] == record["outcome"]["counts"]
    assert record["weighting"]["total"] == 6 and len(record["weighting"]["delegations"]) == 3
    bent = copy.deepcopy(record)
    bent["weighting"]["lent"][0]["delegated"] = 2
    assert "weights" in verify(bent)[0]
    bent = copy.deepcopy(record)
    bent["weighting"]["delegations"].pop(0)
    assert "weights" in verify(bent)[0]
    bent = copy.deepcopy(record)
    bent["outcome"]["counts"] = [[3, 3]]
    assert verify(bent)[0] == ["published counts"]
