"""The command blocks of the README and of docs/transparency.md,
state-proofs.md, identity.md, governance.md, operations.md and programs.md run as written:
each page's `<!-- walkthrough: NAME -->` shell blocks, in order, in a fresh
directory against a fresh `publica dev`, with `publica` on the PATH and
`.publica` the node's data directory, print what the pages promise. Each
page gets its own node (a dev node starts in a fraction of a second), so
no page depends on what another created. The README's examples from
welfare programs on (walk-throughs `readme-<module>` and `readme-demo`) run
one after another against a single fresh `publica dev --demo`, once it is
seeded (`.publica-demo` is its data directory too); each makes its own keys
and ids, so none depends on another.

Every other shell block of these pages says why it is not run (`<!-- not
run: … -->`): test_docs_blocks.py checks every page."""

import contextlib
import json
import os
import pathlib
import re
import subprocess
import tempfile
import time
import urllib.request

import pytest

from publica_node import BIN, REPO, printed, run_script, running_node, walkthrough

@contextlib.contextmanager
def page_run(page, name, count, *node_args, env=None, on_8700=False, before=None):
    """Runs walk-through `name` of `page` (`count` blocks) against a fresh
    node started with `node_args`; yields (CompletedProcess, url, work
    directory). `on_8700`: the blocks name the node as 127.0.0.1:8700, as a
    reader's would be; it is swapped for this node's address. `before(url,
    key)` runs first."""
    blocks = walkthrough(page, name)
    assert len(blocks) == count, f"{page} has {count} blocks in walk-through {name}"
    with running_node("--block-ms", "20", *node_args) as (url, data), \
            tempfile.TemporaryDirectory() as work:
        os.symlink(data, os.path.join(work, ".publica"))
        key = os.path.join(data, "dev-admin-key.json")
        if before:
            before(url, key)
        if on_8700:
            blocks = [b.replace("http://127.0.0.1:8700", url)
                       .replace("127.0.0.1:8700", url.removeprefix("http://")) for b in blocks]
        full_env = {"NODE": url, "KEY": key, "PUBLICA_NODE": url, **(env or {})}
        run = run_script(blocks, work, env=full_env, timeout=120)
        assert run.returncode == 0, f"stdout:\n{run.stdout[-3000:]}\nstderr:\n{run.stderr[-3000:]}"
        yield run, url, work


def documents(text):
    """The JSON objects printed in `text`, in order."""
    return [d for d in printed(text) if isinstance(d, dict)]


def lines(run):
    return run.stdout.splitlines()


def statuses(run):
    return [line for line in lines(run) if line in ("ok", "failed")]


def test_the_readme_walkthrough_runs_as_written():
    with page_run("README.md", "readme", 4, env={"PUBLICA_PASSPHRASE": "correct horse"},
                  on_8700=True) as (run, url, work):
        docs = documents(run.stdout)
        receipts = [d for d in docs if d.get("status") == "committed" and "outcome" in d]
        assert [r["outcome"]["status"] for r in receipts][:2] == ["ok", "ok"], run.stdout
        assert any(d.get("verified") is True and d.get("status") == "ok" and "leaf_index" in d
                   for d in docs), run.stdout
        assert any(d.get("verified") is True and d.get("value") is not None or "proof" in d
                   for d in docs), run.stdout
        assert len([l for l in lines(run) if l.endswith(" ok") and " size " in l]) == 3, run.stdout
        did = next(d for d in docs if "didDocumentMetadata" in d)
        assert len(did["didDocumentMetadata"]["keyHistory"]) == 2, did
        assert statuses(run) == ["ok"] * 7, run.stdout
        bulk = next(d for d in docs if "summary" in d)["summary"]
        assert bulk["committed_ok"] == 2 and bulk["moved_total"] == "15000", bulk
        assert docs[-1]["provenance"] == {"DEMO/pilot": "15000"}, docs[-1]


@pytest.fixture(scope="module")
def demo():
    """One fresh `publica dev --demo` for the README's examples that use the
    demo, once it is seeded in full: they sign with its dev key, as the
    seeder does, so none may start while it seeds (the seeder prints each
    program's figures, `... — GET /v1/programs/<id>`, when it is done).
    Each example makes its own keys and ids, so none depends on another."""
    with running_node("--block-ms", "20", "--demo") as (url, data):
        log = os.path.join(os.path.dirname(data), "node.stderr")  # where running_node keeps it
        deadline = time.monotonic() + 120
        while "GET /v1/programs/" not in pathlib.Path(log).read_text(errors="replace"):
            assert time.monotonic() < deadline, "the demo was not seeded within 120 s"
            time.sleep(0.2)
        yield url, data


@contextlib.contextmanager
def demo_run(demo, page, name, count):
    """Runs walk-through `name` of `page` (`count` blocks) against the
    demo node, in a fresh directory where `.publica-demo` (and `.publica`)
    is the node's data directory and 127.0.0.1:8700 its address; yields
    (CompletedProcess, work directory)."""
    url, data = demo
    blocks = walkthrough(page, name)
    assert len(blocks) == count, f"{page} has {count} blocks in walk-through {name}"
    blocks = [b.replace("http://127.0.0.1:8700", url)
               .replace("127.0.0.1:8700", url.removeprefix("http://")) for b in blocks]
    with tempfile.TemporaryDirectory() as work:
        for link in (".publica", ".publica-demo"):
            os.symlink(data, os.path.join(work, link))
        run = run_script(blocks, work, env={"PUBLICA_NODE": url}, timeout=120)
        assert run.returncode == 0, f"stdout:\n{run.stdout[-3000:]}\nstderr:\n{run.stderr[-3000:]}"
        yield run, work


def test_the_readmes_demo_examples_run_as_written(demo):
    with demo_run(demo, "README.md", "readme-demo", 3) as (run, work):
        docs = documents(run.stdout)
        got = next(d for d in docs if "verified" in d)
        assert got["verified"] is True and got["seq"] == 6, got
        assert os.path.getsize(os.path.join(work, "counts.csv")) == got["bytes"]
        accesses = next(d for d in docs if "entries" in d)
        assert accesses["entries"] and accesses["entries"][0]["dataset"] == "water-use", accesses
        proposal = next(d for d in docs if "proposal" in d)["proposal"]
        assert proposal["id"] == "benches", proposal
        assert docs[-2]["rule"] and docs[-2]["funded"], docs[-2]
        moved = docs[-1]["entries"]
        assert [(e["kind"], e["amount"]) for e in moved] == [("sent", "12000")], moved


def test_the_readmes_programs_example_runs_as_written(demo):
    with demo_run(demo, "README.md", "readme-programs", 1) as (run, work):
        docs = documents(run.stdout)
        staff = docs[0]
        assert (staff["rows"], staff["granted"], staff["committed_ok"]) == (3, 3, 3), staff
        imports = [d["summary"] for d in docs if "summary" in d]
        assert [(s.get("agency") or s["program"], s["committed_ok"]) for s in imports] == \
            [("registry", 1), ("ubi", 1), ("energy", 1)], imports
        [name] = [n for n in os.listdir(work) if re.fullmatch(r"ubi-\d{4}-\d{2}\.csv", n)]
        assert len(open(os.path.join(work, name)).read().splitlines()) > 300  # the demo's 300 and more
        answer = next(d for d in docs if d.get("header", {}).get("action") == "on-disburse")
        [paid] = answer["message"]["disbursements_status"]
        assert paid["status"] == "succ" and paid["amount"] == "50.00", answer
        assert statuses(run) == [], run.stdout  # receipts print as JSON here
        receipts = [d for d in docs if set(d) == {"block_height", "line", "status", "tx_id"}]
        assert [r["status"] for r in receipts] == ["ok"] * 3, receipts  # amend-terms, suspend, grievance
        assert "terms_approval_hash" in run.stderr and re.search(r"case ubi-\d+: decision due", run.stderr), run.stderr
        assert lines(run)[-2].startswith("period,payouts,paid_amount"), run.stdout


def test_the_readmes_credentials_example_runs_as_written(demo):
    with demo_run(demo, "README.md", "readme-credentials", 1) as (run, work):
        docs = documents(run.stdout)
        verdicts = [d for d in docs if "verified" in d and "checks" in d]
        assert [v["verified"] for v in verdicts] == [True, True, False], verdicts
        assert verdicts[1]["checks"][0]["check"] == "snapshot", verdicts[1]
        failed = [c for c in verdicts[2]["checks"] if not c["ok"]]
        assert [c.get("code") for c in failed] == ["credentials.revoked"], failed
        assert lines(run)[-1] == "revoked", run.stdout


def test_the_readmes_medicines_example_runs_as_written(demo):
    with demo_run(demo, "README.md", "readme-medicines", 1) as (run, work):
        docs = documents(run.stdout)
        assert docs[0]["committed_ok"] == 1 and docs[1]["status"] == "ok", docs
        assert docs[-1]["owner"] == {"kind": "manufacturer", "licensed": True, "name": "Generics Ltd",
                                     "party": "generics"}, docs[-1]


def test_the_readmes_records_example_runs_as_written(demo):
    with demo_run(demo, "README.md", "readme-records", 1) as (run, work):
        docs = documents(run.stdout)
        assert docs[0]["committed_ok"] == 2 and docs[1]["status"] == "ok", docs  # staff, consent
        assert docs[2]["resourceType"] == "Observation" and docs[2]["valueQuantity"]["value"] == 142, docs[2]
        log = docs[-1]
        assert log["verified"] == 1 and [(e["agency"], e["basis"], e["verified"]) for e in log["entries"]] == \
            [("hospital", "consent", True)], log


def test_the_readmes_claims_example_runs_as_written(demo):
    with demo_run(demo, "README.md", "readme-claims", 1) as (run, work):
        docs = documents(run.stdout)
        assert statuses(run) == ["ok", "ok"], run.stdout  # the members' enrolments
        bulk = next(d for d in docs if "results" in d and d.get("summary", {}).get("plan") == "basic")
        judged = {r["claim"]: r["judged"] for r in bulk["results"]}
        assert judged == {"c1": "approved", "c2": "denied", "c3": "referred"}, bulk
        header, month = lines(run)[-2:]
        assert header.startswith("month,submitted,approved,denied,referred"), run.stdout
        assert month.startswith(time.strftime("%Y-%m,", time.gmtime())), run.stdout


def test_the_readmes_elections_example_runs_as_written(demo):
    with demo_run(demo, "README.md", "readme-elections", 1) as (run, work):
        assert statuses(run) == ["ok"] * 4, run.stdout  # the election, the three guardians' messages
        docs = documents(run.stdout)
        vote = next(d for d in docs if "tracking" in d)
        assert vote["election"] == "town" and vote["transaction"]["status"] == "ok", vote
        verified = next(d for d in docs if d.get("election") == "city-2027")
        assert verified["holds"] is True and verified["failures"] == [], verified
        assert docs[-1]["rule"] == "mes-greedy" and docs[-1]["funded"], docs[-1]
        assert os.path.exists(os.path.join(work, "result.pb"))


def test_the_readmes_energy_example_runs_as_written(demo):
    with demo_run(demo, "README.md", "readme-energy", 1) as (run, work):
        docs = documents(run.stdout)
        assert statuses(run) == ["ok"], run.stdout
        submitted = docs[0]
        assert (submitted["meter"], submitted["readings"], submitted["refused"]) == ("pv-school", 4, 0), submitted
        assert docs[-1]["reconciles"] is True and docs[-1]["registry"]["agency"] == "grid", docs[-1]


def test_the_readmes_recycling_example_runs_as_written(demo):
    with demo_run(demo, "README.md", "readme-recycling", 1) as (run, work):
        docs = documents(run.stdout)
        assert lines(run)[0] == "ok", run.stdout
        assert docs[0]["summary"]["committed_ok"] == 2 and docs[0]["summary"]["point"] == "harbour", docs[0]
        glassworks = docs[-1]
        assert glassworks["adds_up"] is False and glassworks["provider"]["flagged"], glassworks


def test_the_transparency_walkthrough_runs_as_written():
    with page_run("docs/transparency.md", "transparency", 3) as (run, url, work):
        docs = documents(run.stdout)
        log, receipt, consistency = docs[0], docs[1], docs[2]
        assert log["verifier_key"].startswith("publica.local/publica-dev+"), log
        assert receipt["verified"] is True and receipt["status"] == "ok" and receipt["leaf_index"] == 0, receipt
        assert consistency["verified"] is True and consistency["old_size"] < consistency["new_size"], consistency
        watched = [l for l in lines(run) if " size " in l]
        assert len(watched) == 2 and all(l.endswith(" ok") for l in watched), run.stdout


def test_the_state_proofs_walkthrough_runs_as_written():
    with page_run("docs/state-proofs.md", "state-proofs", 1) as (run, url, work):
        verified = documents(run.stdout)[0]
        assert verified["verified"] is True and verified["present"] is True, verified
        assert verified["value"]["note"] == "hello" and verified["final"] is False, verified
        assert run.stdout.splitlines()[-1] == "refused", run.stdout
        assert "proof mismatch" in run.stderr, run.stderr


def test_the_identity_walkthrough_runs_as_written():
    with page_run("docs/identity.md", "identity", 1) as (run, url, work):
        assert statuses(run) == ["ok", "ok"], run.stdout
        proposals = documents(run.stdout)[-1]["proposals"]
        grant = next(p for p in proposals if p["action"]["kind"] == "grant_administrator")
        assert grant["status"] == "executed" and len(grant["approvals"]) == 2, grant
        with urllib.request.urlopen(url + "/v1/identity/agencies/welfare/members") as r:
            members = json.load(r)["members"]
        admins = [m for m in members if "administrator" in m["roles"]]
        assert len(admins) == 3, members


def test_the_governance_walkthrough_runs_as_written():
    with page_run("docs/governance.md", "governance", 2) as (run, url, work):
        assert statuses(run) == ["ok"] * 15, run.stdout
        said = lines(run)
        assert said[said.index("ok") + 9] == "1", run.stdout   # the enrolment's one batch
        assert "open" in said, run.stdout                      # the proposal, read back
        recount = documents(run.stdout)[-1]
        assert recount["rule"] == "mes-greedy" and recount["votes"] == 2, recount
        assert sorted(f["project"] for f in recount["funded"]) == ["park", "playground"], recount
        with urllib.request.urlopen(url + "/v1/governance/city/north/proposals/benches/votes") as r:
            assert len(json.load(r)["entries"]) == 1


def test_the_operations_backup_runs_as_written():
    def one_transaction(url, key):
        subprocess.run([BIN, "tx", "send", "--node", url, "--key", key, "--module", "system",
                        "--method", "register_account"], check=True, capture_output=True, timeout=60)

    with page_run("docs/operations.md", "operations", 1, before=one_transaction) as (run, url, work):
        backup, restore = documents(run.stdout)
        assert backup["height"] >= 1 and backup["chain_id"] == "publica-dev", backup
        assert restore["verified_blocks"] == backup["height"], restore
        assert restore["block_hash"] == backup["block_hash"], restore
        assert os.path.exists(os.path.join(work, "publica-restored", "blocks.log"))


def test_the_programs_bulk_walkthrough_runs_as_written():
    with page_run("docs/programs.md", "programs", 2) as (run, url, work):
        assert statuses(run) == ["ok"] * 19, run.stdout
        summaries = [d["summary"] for d in documents(run.stdout) if "summary" in d]
        assert [s["committed_ok"] for s in summaries] == [3, 3, 3], summaries
        assert "3 tokens for program 'ubi'" in run.stderr, run.stderr
        [name] = [n for n in os.listdir(work) if re.fullmatch(r"ubi-\d{4}-\d{2}\.csv", n)]
        report = open(os.path.join(work, name)).read().splitlines()
        assert len(report) == 4, report
