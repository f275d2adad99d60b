"""The API's documentation is its contract: every JSON answer a real node
gives (a demo chain with money and programs) validates against the schema
the served OpenAPI document declares for that route and status, and every
JSON example in docs/ is valid JSON that validates against the schema it
names (`<!-- schema: Name -->` before the block) or is marked as a file
format outside the API (`<!-- json: what -->`)."""

import copy
import json
import time
import os
import pathlib
import re
import urllib.error
import urllib.request

import jsonschema
import pytest

from publica_node import REPO, running_node


@pytest.fixture(scope="module")
def demo_node():
    # The demo is seeded before the node listens.
    with running_node("--demo", start_s=120) as (url, data):
        yield url, data


@pytest.fixture(scope="module")
def demo(demo_node):
    url, _ = demo_node
    with urllib.request.urlopen(url + "/openapi.json", timeout=30) as r:
        doc = json.load(r)
    yield url, doc


@pytest.fixture(scope="module")
def demo_dir(demo_node):
    return demo_node


def call(url, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data,
                                 headers={"content-type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def schema_of(doc, template, method, status):
    answer = doc["paths"][template][method]["responses"][str(status)]
    schema = copy.deepcopy(answer["content"]["application/json"]["schema"])
    schema["components"] = doc["components"]
    return schema


class Contract:
    """Fetches answers and checks each against its declared schema."""

    def __init__(self, url, doc):
        self.url, self.doc, self.checked = url, doc, set()

    def get(self, template, path=None, method="get", body=None, status=200):
        got, answer = call(self.url, path or template, body)
        assert got == status, f"{method.upper()} {path or template}: {got} {answer}"
        schema = schema_of(self.doc, template, method, status)
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(answer))
        assert not errors, (
            f"{method.upper()} {path or template} does not match its schema: "
            + "; ".join(f"{e.json_path}: {e.message[:200]}" for e in errors[:5]))
        self.checked.add((template, method, status))
        return answer


def test_every_answer_matches_its_declared_schema(demo, demo_dir):
    url, doc = demo
    c = Contract(url, doc)
    status = c.get("/v1/status")
    c.get("/v1/network")
    # A single node has no validator set to change; network_e2e follows
    # real changes with the light client, which verifies each one.
    assert c.get("/v1/network/set-changes") == {"changes": []}
    genesis = c.get("/v1/genesis")
    log = c.get("/v1/log")
    c.get("/v1/log/consistency", f"/v1/log/consistency?from=1&to={status['log_size']}")
    c.get("/v1/sync/blocks", "/v1/sync/blocks?from=1&limit=3")
    tx_id = None
    for height in range(1, status["height"] + 1):
        block = c.get("/v1/blocks/{height}", f"/v1/blocks/{height}")
        if tx_id is None and block["outcomes"]:
            tx_id = block["outcomes"][0]["tx_id"]
            signer = block["transactions"][0]["signer"]
    receipt = c.get("/v1/transactions/{tx_id}", f"/v1/transactions/{tx_id}")
    c.get("/v1/accounts/{account}/nonce", f"/v1/accounts/{signer}/nonce")
    c.get("/v1/state", "/v1/state?key=identity/agency/city")
    c.get("/v1/state", "/v1/state?key=no/such/key")
    agency = genesis["agencies"][0]["id"]
    c.get("/v1/identity/agencies")
    c.get("/v1/identity/agencies/{agency}/members", f"/v1/identity/agencies/{agency}/members")
    c.get("/v1/identity/did/{did}", f"/v1/identity/did/did:publica:{agency}")
    c.get("/v1/identity/did/{did}", f"/v1/identity/did/did:publica:{signer}")
    c.get("/v1/identity/proposals")
    indexes = c.get("/v1/indexes")
    for ix in indexes["indexes"]:
        c.get("/v1/indexes/{agency}/{name}", f"/v1/indexes/{ix['agency']}/{ix['name']}")
    for program in ("cct", "ubi", "energy", "heating"):
        p = c.get("/v1/programs/{id}", f"/v1/programs/{program}")
        period = p["periods"][0]["period"]
        run = c.get("/v1/programs/{id}/runs/{period}", f"/v1/programs/{program}/runs/{period}?limit=5")
        account = run["entries"][0]["account"]
        c.get("/v1/programs/{id}/enrolees/{account}", f"/v1/programs/{program}/enrolees/{account}")
        funding = p["program"]["funding_account"]
        c.get("/v1/money/accounts/{id}", f"/v1/money/accounts/{funding}")
        c.get("/v1/money/accounts/{id}/history", f"/v1/money/accounts/{funding}/history?limit=5")
        c.get("/v1/money/accounts/{id}/provenance", f"/v1/money/accounts/{funding}/provenance")
        c.get("/v1/money/currencies/{code}", f"/v1/money/currencies/{p['program']['currency']}")
        c.get("/v1/programs/{id}/grievances", f"/v1/programs/{program}/grievances")
        c.get("/v1/programs/{id}/evaluation", f"/v1/programs/{program}/evaluation")
    # The demo's cash-outs: two carried by batch co-0-2, one waiting.
    waiting = c.get("/v1/money/cash-outs/{id}", "/v1/money/cash-outs/city:cash-out")
    assert [r["id"] for r in waiting["waiting"]] == [2] and waiting["next"] == 3, waiting
    done = c.get("/v1/money/cash-outs/{id}/requests/{n}", "/v1/money/cash-outs/city:cash-out/requests/0")
    assert done["status"] == "batched" and done["batch"] == "co-0-2", done
    c.get("/v1/money/cash-outs/{id}/requests/{n}", "/v1/money/cash-outs/city:cash-out/requests/2")
    batch = c.get("/v1/money/cash-outs/{id}/batches/{batch}", "/v1/money/cash-outs/city:cash-out/batches/co-0-2")
    assert batch["requests"] == [0, 1] and batch["total"] == "6500", batch
    # The demo's grievance, and its complainant's enrolment (suspended).
    case = c.get("/v1/grievances/{case}", "/v1/grievances/ubi-1")
    c.get("/v1/programs/{id}/enrolees/{account}", f"/v1/programs/ubi/enrolees/{case['complainant']}")
    c.get("/v1/programs/{id}/dry-run", "/v1/programs/ubi/dry-run", method="post",
          body={"params": {"monthly": 12000}})
    # The demo's accreditation, status list and diplomas (the third revoked).
    c.get("/v1/credentials/accreditations/{accreditor}/{institution}",
          "/v1/credentials/accreditations/education/university")
    c.get("/v1/credentials/status/{institution}/{list}", "/v1/credentials/status/university/revocation")
    # Cacheable: a weak ETag that a conditional request matches (304).
    with urllib.request.urlopen(f"{url}/v1/credentials/status/university/revocation", timeout=30) as r:
        etag, cache = r.headers["ETag"], r.headers["Cache-Control"]
    assert etag.startswith('W/"') and cache == "public, max-age=60", (etag, cache)
    req = urllib.request.Request(f"{url}/v1/credentials/status/university/revocation",
                                 headers={"If-None-Match": etag})
    try:
        urllib.request.urlopen(req, timeout=30)
        raise AssertionError("a matching If-None-Match is answered 304")
    except urllib.error.HTTPError as e:
        assert e.code == 304, e.code
    did = c.get("/v1/credentials/did-web/{domain}", "/v1/credentials/did-web/university.example")
    assert did["alsoKnownAs"] == ["did:publica:university"] and did["assertionMethod"], did
    party = c.get("/v1/medicines/parties/{id}", "/v1/medicines/parties/pharmaco")
    assert party["licence"] == "active" and party["company_prefixes"] == ["9520001"], party
    ident = c.get("/v1/medicines/identify", "/v1/medicines/identify?uri=urn:epc:id:sgtin:9520001.012345.A1")
    assert ident["owner"]["party"] == "pharmaco" and ident["key"].startswith("01/0952000112345"), ident
    # The demo's shipment: a pack at the north pharmacy, its events, the
    # recalled lot's reach.
    verdict = c.get("/v1/medicines/verify", "/v1/medicines/verify?uri=urn:epc:id:sgtin:9520001.000001.2")
    assert verdict["authentic"] is True and verdict["custodian"] == "pharmacy-north", verdict
    events = c.get("/v1/medicines/events", "/v1/medicines/events?MATCH_anyEPC=urn:epc:id:sgtin:9520001.000001.2")
    assert len(events["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 4, events
    reach = c.get("/v1/medicines/recalls/{id}", "/v1/medicines/recalls/recall-b5678")
    assert reach["by_custodian"] == {"pharmaco": 6}, reach
    # The demo's health records: an emergency access to review at the
    # clinic, the patient's log, consents and records, a record with its
    # proof, and the key of the access let through under consent.
    c.get("/v1/records/store")
    em = c.get("/v1/records/agencies/{agency}/emergencies", "/v1/records/agencies/clinic/emergencies?overdue=false")
    assert em["entries"][0]["basis"]["kind"] == "emergency" and em["entries"][0]["overdue"] is False, em
    patient = em["entries"][0]["subject"]
    log = c.get("/v1/records/subjects/{account}/log", f"/v1/records/subjects/{patient}/log")
    assert [e["basis"] for e in log["entries"]] == ["consent", "emergency", "handover"], log
    c.get("/v1/records/access/{id}", f"/v1/records/access/{log['entries'][0]['access']}")
    consents = c.get("/v1/records/subjects/{account}/consents", f"/v1/records/subjects/{patient}/consents")
    assert consents["consents"][0]["live"] is True, consents
    mine = c.get("/v1/records/subjects/{account}/records", f"/v1/records/subjects/{patient}/records")
    assert [r["type"] for r in mine["entries"]] == ["Patient", "Observation", "Condition"], mine
    c.get("/v1/records/{id}", f"/v1/records/{mine['entries'][1]['record']}")
    released = c.get("/v1/records/release", method="post", body={"access": log["entries"][0]["access"]})
    assert released["record_type"] == "Observation", released
    got, err = call(url, "/v1/records/release", {"access": log["entries"][1]["access"][::-1]})
    assert got == 404 and err["code"] == "records.unknown_access", (got, err)
    # The Patient resource was transferred to the clinic naming this node's
    # store: its key is handed over for that store, which holds it already.
    handed = c.get("/v1/records/release", method="post", body={"transfer": mine["entries"][0]["record"]})
    assert handed["custodian"] == "clinic" and handed["record_type"] == "Patient", handed
    copy = {k: handed[k] for k in ("record", "ciphertext", "wrapped_key")}
    kept = c.get("/v1/records/copy", method="post", body=copy)
    assert kept == {"record": handed["record"], "custodian": "clinic", "stored": False}, kept
    got, err = call(url, "/v1/records/copy", {**copy, "wrapped_key": "00" * 80})
    assert got == 422 and err["code"] == "records.tampered", (got, err)
    got, err = call(url, "/v1/records/release", {"transfer": mine["entries"][1]["record"]})
    assert got == 404 and err["code"] == "records.no_handover", (got, err)
    for path, body in [("/v1/records/copy", {**copy, "record": "not-a-record"}),
                       ("/v1/records/copy", {**copy, "ciphertext": "%%%"}),
                       ("/v1/records/release", {"transfer": "not-a-record"}),
                       ("/v1/records/release", {"access": log["entries"][0]["access"], "transfer": handed["record"]}),
                       ("/v1/records/release", {})]:
        got, err = call(url, path, body)
        assert got == 400 and err["code"] == "records.invalid_field", (path, body, got, err)
    # The demo's insurance: the plan, a claim paid by the rules with the
    # observation as evidence, one referred, the month's report.
    c.get("/v1/claims/plans/{agency}/{id}", "/v1/claims/plans/insurer/basic")
    paid = c.get("/v1/claims/{provider}/{id}", "/v1/claims/hospital/demo-1")
    assert paid["status"] == "approved" and paid["evidence"] == [mine["entries"][1]["record"]], paid
    queue = c.get("/v1/claims/queue/{agency}", "/v1/claims/queue/insurer")
    assert [e["claim"] for e in queue["entries"]] == ["demo-2"], queue
    member = c.get("/v1/claims/members/{account}", f"/v1/claims/members/{patient}")
    assert len(member["entries"]) == 2, member
    month = paid["service_date"][:7]
    report = c.get("/v1/claims/plans/{agency}/{id}/report", f"/v1/claims/plans/insurer/basic/report?from={month}")
    assert report["total"]["submitted"] == 2 and report["total"]["paid"] == paid["paid"], report
    # The demo's election: published, ceremony, twenty ballots, a re-vote,
    # a challenged ballot, decrypted by two of three guardians.
    listed = c.get("/v1/elections")
    assert [e["election"] for e in listed["entries"]] == ["city-2027", "north-parks"], listed
    # With the north community's parks delegations: member 1 weighs 4 (its
    # own, 2, 3 → 2 and 4), 5 and 6 one each.
    parks = c.get("/v1/elections/{id}/record", "/v1/elections/north-parks/record")
    assert parks["outcome"]["counts"] == [[4, 2]] and parks["weighting"]["total"] == 6, parks["weighting"]
    el = c.get("/v1/elections/{id}", "/v1/elections/city-2027")
    assert el["election"]["phase"] == "tallied" and el["outcome"]["counts"] == [[6, 7, 7], [15, 5]], el
    c.get("/v1/elections/{id}/record", "/v1/elections/city-2027/record")
    members = c.get("/v1/elections/{id}/members", "/v1/elections/city-2027/members?limit=200")
    assert members["total"] == 20 and len(members["entries"][0]["commitment"]) == 64, members
    board = c.get("/v1/elections/{id}/ballots", "/v1/elections/city-2027/ballots?limit=200")
    assert board["total"] == 21, board["total"]
    last = board["entries"][-1]
    mine = c.get("/v1/elections/{id}/voters/{voter}", f"/v1/elections/city-2027/voters/{last['voter']}")
    assert mine["tracking"] == last["tracking"], mine
    # Anonymous: each ballot names a nullifier and carries its membership proof.
    accounts = {m["account"] for m in members["entries"]}
    assert all(b["voter"] == b["member"]["nullifier"] not in accounts for b in board["entries"])
    spoiled = c.get("/v1/elections/{id}/challenged", "/v1/elections/city-2027/challenged")
    assert spoiled["entries"][0]["choices"] == [[1, 0, 0], [1, 0]], spoiled
    fate = c.get("/v1/elections/{id}/tracking/{code}",
                 f"/v1/elections/city-2027/tracking/{board['entries'][0]['tracking']}")
    assert fate["status"] == "replaced", fate
    # The demo's local governance: the community, delegations, a proposal
    # that the node closes, counts through delegations and pays once its
    # veto window is over (no transaction triggers it), a short budgeting
    # round funded after its objection window, a long one still open.
    gov = c.get("/v1/governance")
    assert [e["community"] for e in gov["entries"]] == ["north"], gov
    north = c.get("/v1/governance/{agency}/{community}", "/v1/governance/city/north")
    assert north["community"]["members"] == 12 and north["community"]["topics"] == ["parks", "transport"], north
    dels = c.get("/v1/governance/{agency}/{community}/delegations", "/v1/governance/city/north/delegations")
    assert dels["total"] == 5, dels
    one = dels["entries"][0]["from"]
    standing = c.get("/v1/governance/{agency}/{community}/members/{account}",
                     f"/v1/governance/city/north/members/{one}")
    assert standing["member"] is not None and "parks" in standing["delegations"], standing
    props = c.get("/v1/governance/{agency}/{community}/proposals", "/v1/governance/city/north/proposals")
    assert [e["proposal"] for e in props["entries"]] == ["benches", "night-bus"], props
    deadline = time.time() + 90
    while True:
        benches = c.get("/v1/governance/{agency}/{community}/proposals/{id}",
                        "/v1/governance/city/north/proposals/benches")["proposal"]
        spring = c.get("/v1/governance/{agency}/{community}/rounds/{id}",
                       "/v1/governance/city/north/rounds/pb-spring")["round"]
        if benches["status"] == "executed" and spring["status"] == "funded":
            break
        assert time.time() < deadline, (benches, spring)
        time.sleep(1)
    # Citizen 1 carries 2, 3 (through 2) and 4: five yes, one no.
    assert (benches["tally"]["yes"], benches["tally"]["no"], benches["tally"]["delegated"]) == (5, 1, 3), benches
    votes = c.get("/v1/governance/{agency}/{community}/proposals/{id}/votes",
                  "/v1/governance/city/north/proposals/benches/votes")
    assert votes["total"] == 3, votes
    # Equal shares: bike racks (three supporters) first, then the fountain.
    assert spring["winners"] == ["bike-racks", "fountain"], spring
    rounds = c.get("/v1/governance/{agency}/{community}/rounds", "/v1/governance/city/north/rounds")
    assert rounds["total"] == 2, rounds
    c.get("/v1/governance/{agency}/{community}/rounds/{id}/objections",
          "/v1/governance/city/north/rounds/pb-2027/objections")
    with urllib.request.urlopen(url + "/v1/governance/city/north/rounds/pb-spring?format=pb", timeout=30) as r:
        pb = r.read().decode()
    assert pb.startswith("META\n") and "fountain;600;fountain;1" in pb, pb
    got, err = call(url, "/v1/governance/city/south")
    assert got == 404 and err["code"] == "governance.unknown_community", err
    # The demo's energy registry: three meters, yesterday's readings,
    # certificates issued, two sold and cancelled for the school.
    reg = c.get("/v1/energy/{agency}", "/v1/energy/grid")
    assert reg["reconciles"] is True and reg["registry"]["meters"] == 3, reg
    assert reg["registry"]["cancelled_units"] == 2 and reg["registry"]["issued_units"] > 0, reg
    meters = c.get("/v1/energy/{agency}/meters", "/v1/energy/grid/meters")
    assert [e["meter"] for e in meters["entries"]] == ["pv-rooftop-1", "wind-north", "home-3"], meters
    pv = c.get("/v1/energy/{agency}/meters/{id}", "/v1/energy/grid/meters/pv-rooftop-1")["meter"]
    assert pv["technology"] == "solar" and pv["exported_wh"] > 0, pv
    batches = c.get("/v1/energy/{agency}/meters/{id}/readings", "/v1/energy/grid/meters/home-3/readings")
    assert batches["entries"][0]["count"] == 96 and batches["entries"][0]["export_wh"] == 0, batches
    lots = c.get("/v1/energy/{agency}/certificates", "/v1/energy/grid/certificates?limit=200")
    cancelled = c.get("/v1/energy/{agency}/cancellations", "/v1/energy/grid/cancellations")
    lot = cancelled["entries"][0]["lot"]
    assert cancelled["entries"][0]["beneficiary"] == "school:example-primary" and lot in {e["lot"] for e in lots["entries"]}
    meter, start = lot.split("/")
    one = c.get("/v1/energy/{agency}/certificates/{meter}/{start}", f"/v1/energy/grid/certificates/{meter}/{start}")
    assert one["lot"]["cancelled"] == 2 and one["lot"]["technology"] == "wind" and one["expired"] is False, one
    moves = c.get("/v1/energy/{agency}/accounts/{account}",
                  f"/v1/energy/grid/accounts/{cancelled['entries'][0]['by']}")
    assert [m["kind"] for m in moves["entries"]] == ["received", "cancelled"], moves
    # The market's interval clears at its gate, twenty seconds after
    # seeding, with no transaction to trigger it: the bid of 2,000 Wh at 30
    # takes 800 Wh at 18 and 1,200 at 22; the uniform price is 26.
    deadline = time.time() + 90
    while True:
        market = c.get("/v1/energy/{agency}/market", "/v1/energy/grid/market")
        if market["intervals"]["total"] == 1:
            break
        assert time.time() < deadline, market
        time.sleep(1)
    cleared = market["intervals"]["entries"][0]
    assert (cleared["price"], cleared["volume_wh"], cleared["orders"]) == (26, 2000, 3), cleared
    iv = c.get("/v1/energy/{agency}/market/{start}", f"/v1/energy/grid/market/{cleared['start_ms']}")
    assert iv["interval"]["cleared"] is True and iv["settlement"]["total"] == 3, iv
    # At 26 per kWh the buyer pays 20 (800 Wh) + 31 (1,200 Wh), each
    # rounded down; fees of 2 per kWh (1 + 2) leave the sellers 48; of the
    # escrow of 60, 9 goes back.
    assert (iv["interval"]["paid"], iv["interval"]["fees"], iv["interval"]["refunded"]) == ("48", "3", "9"), iv
    got, err = call(url, "/v1/energy/grid/meters/nope")
    assert got == 404 and err["code"] == "energy.unknown_meter", err
    # The demo's corridor to the twin city's network (which does not run
    # here; the demo played its validators once to prove its half): open,
    # paired, one payment of 120.00 out, locked and pending.
    cbs = c.get("/v1/crossborder/corridors")
    assert [(e["corridor"], e["remote_chain"]) for e in cbs["entries"]] == [("twin-city", "publica-demo-twin")], cbs
    corridor = c.get("/v1/crossborder/corridors/{id}", "/v1/crossborder/corridors/twin-city")["corridor"]
    assert corridor["open"] and corridor["paired"], corridor
    assert corridor["totals"]["pending"] == 1 and corridor["totals"]["sent"] == "12000", corridor
    moved = c.get("/v1/crossborder/corridors/{id}/transfers", "/v1/crossborder/corridors/twin-city/transfers")
    assert [e["kind"] for e in moved["entries"]] == ["sent"], moved
    t = c.get("/v1/crossborder/transfers/{id}", f"/v1/crossborder/transfers/{moved['entries'][0]['transfer']}")["transfer"]
    assert (t["status"], t["to_chain"], t["amount"]) == ("pending", "publica-demo-twin", "12000"), t
    got, err = call(url, "/v1/crossborder/corridors/nope")
    assert got == 404 and err["code"] == "crossborder.unknown_corridor", err
    got, err = call(url, "/v1/crossborder/transfers/" + "0" * 64)
    assert got == 404 and err["code"] == "crossborder.unknown_transfer", err
    # The demo's recycling: six deposits credited by table 1 (20/10/30/80
    # cents per kg of glass/paper/plastic/metal), a pickup served on time
    # and one open, the recycler flagged (12 kg in, 9 processed, 4 in
    # stock), volunteers paid — citizen 1 up to the month's cap of 3,000.
    rec = c.get("/v1/recycling/{agency}", "/v1/recycling/city")
    sch = rec["scheme"]
    assert (sch["deposits"], sch["deposit_credits"], sch["volunteer_minutes"], sch["volunteer_paid"]) == \
        (6, "430", 660, "5400"), sch
    assert rec["rates"]["version"] == 1 and [r["request"]["material"] for r in rec["open_requests"]] == ["plastic"], rec
    history = c.get("/v1/recycling/{agency}/rates", "/v1/recycling/city/rates")
    assert [e["kind"] for e in history["entries"]] == ["proposed", "approved"], history
    table = c.get("/v1/recycling/{agency}/rates/{version}", "/v1/recycling/city/rates/1")
    assert table["in_force"] is True and table["rates"]["approved"]["by"], table
    points = c.get("/v1/recycling/{agency}/points", "/v1/recycling/city/points")
    assert [e["point"] for e in points["entries"]] == ["market-square", "north"], points
    square = c.get("/v1/recycling/{agency}/points/{id}", "/v1/recycling/city/points/market-square")
    assert square["point"]["collected_g"]["glass"] == 12000 and square["deposits"]["total"] == 4, square
    assert square["point"]["picked_up_g"]["glass"] == 12000, square
    providers = c.get("/v1/recycling/{agency}/providers", "/v1/recycling/city/providers")
    assert providers["total"] == 2, providers
    plant = c.get("/v1/recycling/{agency}/providers/{id}", "/v1/recycling/city/providers/glassworks")
    assert plant["adds_up"] is False and plant["provider"]["flagged"].startswith("glass: collected 12000 g"), plant
    haul = c.get("/v1/recycling/{agency}/providers/{id}", "/v1/recycling/city/providers/north-haulage")
    assert haul["adds_up"] is True and haul["sli"][0]["served"] == 1 and haul["sli"][0]["on_time"] == 1, haul
    flags = c.get("/v1/recycling/{agency}/flags", "/v1/recycling/city/flags")
    assert [f["provider"] for f in flags["entries"]] == ["glassworks"], flags
    orgs = c.get("/v1/recycling/{agency}/orgs", "/v1/recycling/city/orgs")
    assert orgs["entries"][0]["org"] == "parks-friends", orgs
    parks = c.get("/v1/recycling/{agency}/orgs/{id}", "/v1/recycling/city/orgs/parks-friends")
    assert [a["paid"] for a in parks["attestations"]["entries"]] == ["1800", "2400", "1200"], parks
    first = square["deposits"]["entries"][0]
    holder = c.get("/v1/money/accounts/{id}", f"/v1/money/accounts/{first['account']}")["account"]["owner"]["account"]
    person = c.get("/v1/recycling/{agency}/people/{account}", f"/v1/recycling/city/people/{holder}")
    assert [e["kind"] for e in person["entries"]] == ["deposit", "deposit", "volunteering", "volunteering"], person
    served = c.get("/v1/recycling/{agency}/requests/{id}", "/v1/recycling/city/requests/1")
    assert served["request"]["served"]["provider"] == "north-haulage" and served["overdue"] is False, served
    got, err = call(url, "/v1/recycling/city/providers/nope")
    assert got == 404 and err["code"] == "recycling.unknown", err
    # The demo's city data: an open traffic feed of six hourly batches,
    # air quality for the agencies granted, water use granted to stats for
    # statistics and read once; an open batch's content matches its hash.
    sets = c.get("/v1/citydata/{agency}", "/v1/citydata/city")
    assert [e["dataset"] for e in sets["entries"]] == ["traffic-counts", "air-quality", "water-use"], sets
    traffic = c.get("/v1/citydata/{agency}/{id}", "/v1/citydata/city/traffic-counts")
    assert traffic["dataset"]["batches"] == 6 and traffic["batches"]["total"] == 6, traffic
    last = c.get("/v1/citydata/{agency}/{id}/batches/{seq}", "/v1/citydata/city/traffic-counts/batches/6")
    with urllib.request.urlopen(url + last["content"], timeout=30) as r:
        body = r.read()
        assert r.headers["X-Content-SHA256"] == last["batch"]["hash"]
    import hashlib
    assert hashlib.sha256(body).hexdigest() == last["batch"]["hash"] and len(body) == last["batch"]["bytes"]
    grants = c.get("/v1/citydata/{agency}/{id}/grants", "/v1/citydata/city/water-use/grants")
    assert [(g["grantee"], g["purpose"]) for g in grants["entries"]] == [("stats", "statistics")], grants
    reads = c.get("/v1/citydata/{agency}/{id}/accesses", "/v1/citydata/city/water-use/accesses")
    assert reads["total"] == 1 and reads["entries"][0]["grantee"] == "stats", reads
    got, err = call(url, "/v1/data-store/city/water-use/1")
    assert got == 403 and err["code"] == "citydata.bad_access", err
    # A new batch of the open feed, signed here with the demo's dev key
    # (the city's oracle) and uploaded with its content: the answer names
    # the transaction and the content's hash; then the ledger has it.
    import base64
    import rfc8785
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    keyfile = json.loads((pathlib.Path(demo_dir[1]) / "dev-admin-key.json").read_text())
    sk = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(keyfile["secret"]["seed"]))
    signer = keyfile["account"]
    nonce = c.get("/v1/accounts/{account}/nonce", f"/v1/accounts/{signer}/nonce")["next_nonce"]
    content = b"sensor,vehicles,bicycles\nmain-st,301,43\n"
    end = traffic["dataset"]["last_end_ms"] + 1
    body = {"chain_id": "publica-dev", "nonce": nonce, "expiry": {"unix_ms": int(time.time() * 1000) + 120_000},
            "call": {"module": "citydata", "method": "publish",
                     "args": {"agency": "city", "dataset": "traffic-counts", "hash": hashlib.sha256(content).hexdigest(),
                              "bytes": len(content), "start_ms": end - 1, "end_ms": end, "media_type": "text/csv"}}}
    signing = b"publica/tx/v1\npublica-dev\n" + rfc8785.dumps(body)
    env = {"body": body, "signer": signer, "signature": sk.sign(signing).hex()}
    stored = c.get("/v1/data-store", "/v1/data-store", method="post", status=202,
                   body={"tx": env, "content": base64.b64encode(content).decode()})
    assert stored["hash"] == hashlib.sha256(content).hexdigest(), stored
    deadline = time.time() + 30
    while c.get("/v1/citydata/{agency}/{id}", "/v1/citydata/city/traffic-counts")["dataset"]["batches"] < 7:
        assert time.time() < deadline
        time.sleep(0.2)
    contexts = c.get("/v1/credentials/contexts")
    assert {x["url"] for x in contexts["contexts"]} >= {"https://www.w3.org/ns/credentials/v2",
                                                        "urn:publica:context:credentials:v1"}, contexts
    entry = c.get("/v1/credentials/status/{institution}/{list}/{index}",
                  "/v1/credentials/status/university/revocation/2")
    assert entry["set"] is True, entry
    _, data = demo_dir
    for i, verified in ((0, True), (2, False)):
        diploma = json.loads((pathlib.Path(data) / "demo-credentials" / f"diploma-{i}.json").read_text())
        report = c.get("/v1/credentials/verify", "/v1/credentials/verify?accreditor=education",
                       method="post", body=diploma)
        assert report["verified"] is verified, report
        snap = c.get("/v1/credentials/snapshot", "/v1/credentials/snapshot?accreditor=education",
                     method="post", body=diploma)
        assert snap["state_note"].startswith("publica state root v1\n"), snap
    # The demo's recognition of the first diploma, named by the SHA-256 of
    # its RFC 8785 form, computed here with PyPI's rfc8785.
    import hashlib
    import rfc8785
    first = json.loads((pathlib.Path(data) / "demo-credentials" / "diploma-0.json").read_text())
    digest = hashlib.sha256(rfc8785.dumps(first)).hexdigest()
    rec = c.get("/v1/credentials/recognitions/{institution}/{hash}", f"/v1/credentials/recognitions/school/{digest}")
    assert rec["recognition"]["credits_accepted"] == 180, rec
    # Refused with a status and a code: no accreditor, no nonce.
    for path, body in (("/v1/credentials/verify", first),
                       ("/v1/credentials/verify-presentation?accreditor=education", {"presentation": "x~y~", "aud": "a"})):
        got, err = call(url, path, body)
        assert got == 400 and err["code"].startswith("request."), (path, got, err)
    # A presentation that is not an SD-JWT: answered, not verified, the failure named.
    report = c.get("/v1/credentials/verify-presentation", "/v1/credentials/verify-presentation?accreditor=education",
                   method="post", body={"presentation": "not~an~sd-jwt", "aud": "a", "nonce": "n"})
    assert report["verified"] is False and report["checks"][0]["code"] == "credentials.sd_malformed", report
    # A scheduled payment has no transaction id: its history entry and
    # payout say so by leaving it out, as the schema allows.
    run = c.get("/v1/programs/{id}/runs/{period}", "/v1/programs/ubi/runs/" + p["periods"][0]["period"] + "?limit=1")
    benefit = "b.ubi." + run["entries"][0]["account"][:16]
    c.get("/v1/money/accounts/{id}/history", f"/v1/money/accounts/{benefit}/history")

    # The schemas are not vacuous: a receipt without its checkpoint, or a
    # status with a short hash, is refused.
    for broken, template in (
        ({k: v for k, v in receipt.items() if k != "checkpoint"}, "/v1/transactions/{tx_id}"),
        (dict(status, block_hash="abc"), "/v1/status"),
        (dict(log, extra=1), "/v1/log"),
    ):
        schema = schema_of(doc, template, "get", 200)
        assert list(jsonschema.Draft202012Validator(schema).iter_errors(broken)), template

    # Every JSON answer the document declares was checked here.
    declared = {
        (template, method, int(status))
        for template, item in doc["paths"].items()
        for method, op in item.items()
        for status, answer in op["responses"].items()
        if status.startswith("2") and "application/json" in answer.get("content", {})
    }
    # Answers a demo node cannot give: a validator's floor, a pending
    # transaction, the batch and single submissions (checked by the
    # interoperability test).
    elsewhere = {
        ("/v1/sync/floor", "get", 200),
        ("/v1/transactions/{tx_id}", "get", 202),
        ("/v1/transactions", "post", 202),
        ("/v1/transactions/batch", "post", 200),
        # Sealing a record (X25519, ChaCha20-Poly1305, a signed
        # registration) is the CLI's: its end-to-end tests upload.
        ("/v1/records/store", "post", 202),
        # A node with witnesses (crates/cli/tests/cli/witness_e2e.rs); the
        # answer in docs/witnesses.md is checked against the schema. The
        # demo has none, and says so.
        ("/v1/log/witnessed", "get", 200),
    }
    got, err = call(url, "/v1/log/witnessed")
    assert got == 404 and err["code"] == "log.no_witnesses", (got, err)
    missing = declared - c.checked - elsewhere
    assert not missing, f"declared answers never checked: {sorted(missing)}"


def test_every_json_answer_has_a_schema(demo):
    _, doc = demo
    for template, item in doc["paths"].items():
        for method, op in item.items():
            for status, answer in op["responses"].items():
                media = answer.get("content", {}).get("application/json")
                if media is None or not status.startswith("2"):
                    continue
                schema = media.get("schema", {})
                where = f"{method.upper()} {template} {status}"
                assert schema not in ({}, {"type": "object"}), f"{where} has no schema"


DOC_BLOCK = re.compile(r"(?:<!--\s*(schema|json):\s*([^>]+?)\s*-->\s*\n)?```json\n(.*?)```", re.S)


def test_every_json_example_in_the_docs_is_valid_and_typed(demo):
    _, doc = demo
    names = doc["components"]["schemas"]
    found = 0
    for md in sorted((REPO / "docs").glob("*.md")):
        for match in DOC_BLOCK.finditer(md.read_text()):
            kind, name, text = match.groups()
            where = f"{md.name}: a JSON example starting {text[:60]!r}"
            assert kind, f"{where} names no schema (<!-- schema: Name --> or <!-- json: what -->)"
            value = json.loads(text)
            found += 1
            if kind == "schema":
                assert name in names, f"{where}: no schema {name} in the document"
                schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
                errors = list(jsonschema.Draft202012Validator(schema).iter_errors(value))
                assert not errors, f"{where}: " + "; ".join(
                    f"{e.json_path}: {e.message[:200]}" for e in errors[:5])
    assert found >= 5


GS1_EPCIS = pathlib.Path(os.environ.get("GS1_EPCIS", "/work/shared/testdata/gs1-epcis"))


def test_epcis_answers_validate_against_the_gs1_schema(demo):
    """What the query interface returns, and every event as the ledger
    holds it, validates against GS1's EPCIS 2.0 JSON schema (from
    ../shared; GS1's licence terms keep it out of the repository)."""
    schema_file = GS1_EPCIS / "EPCIS-JSON-Schema.json"
    if not schema_file.exists():
        pytest.skip(f"{schema_file} is absent (CI has ../shared)")
    validator = jsonschema.Draft7Validator(json.loads(schema_file.read_text()))
    url, _ = demo
    status, page = call(url, "/v1/medicines/events?perPage=100")
    assert status == 200, page
    errors = list(validator.iter_errors(page))
    assert not errors, [f"{e.json_path}: {e.message[:200]}" for e in errors[:5]]
    listed = page["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert len(listed) == 11, len(listed)
    for event in listed:
        document = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
                    "type": "EPCISDocument", "schemaVersion": "2.0",
                    "creationDate": event["recordTime"], "epcisBody": {"eventList": [event]}}
        errors = list(validator.iter_errors(document))
        assert not errors, [f"{e.json_path}: {e.message[:200]}" for e in errors[:5]]
    # The schema is not vacuous here: an event without its time fails it.
    broken = dict(listed[0])
    del broken["eventTime"]
    assert list(validator.iter_errors({**page, "epcisBody": {"queryResults": {
        "queryName": "SimpleEventQuery", "resultsBody": {"eventList": [broken]}}}}))
