"""G2P Connect conformance of Publica's disburse messages, checked against the
published specification alone (G2P-Connect/specs, release/yaml/
disburse_core_api_v1.0.0.yaml; PyYAML and jsonschema from PyPI):

- a disburse request built as docs/programs.md describes one is the schema
  of `POST /disburse` (what `publica programs disburse` accepts);
- the field names docs/programs.md gives for the messages are the spec's;
- `GET /v1/programs/{id}/runs/{period}?format=g2p` of a demo node is the
  schema of the `POST /on-disburse` callback body;
- so is the answer of `publica programs disburse` to a standard request.

The specification is OpenAPI 3.0, whose schema objects are a dialect of JSON
Schema draft 4/5: `$ref`s are resolved within the file, `nullable` becomes a
`null` type, examples are dropped, and the result is checked with
jsonschema's Draft4Validator and an RFC 3339 check for `format: date-time`.
Two errata of the published file are corrected (see ERRATA and load_spec).

The synchronous `/disburse/sync/disburse` operation is not used: its schemas
name the actions `search` and `on-search` (a copy of the search operation),
so no disburse message can match them; the asynchronous `/disburse` and
`/on-disburse` bodies are the standard shapes.
"""

import datetime
import json
import os
import pathlib
import re
import subprocess
import time
import urllib.error
import urllib.request

import jsonschema
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from publica_node import BIN, REPO, running_node
SPECS = pathlib.Path(os.environ.get("G2P_CONNECT_SPECS", "/work/shared/testdata/g2p-connect-specs"))
DISBURSE_YAML = SPECS / "release" / "yaml" / "disburse_core_api_v1.0.0.yaml"

if not DISBURSE_YAML.is_file():
    pytest.skip(f"the G2P Connect specification is not here ({DISBURSE_YAML}): clone "
                "G2P-Connect/specs (branch draft) and set G2P_CONNECT_SPECS to it to run "
                "these conformance tests", allow_module_level=True)


# --- The specification as JSON Schema ---------------------------------------

# The published DisburseRequest requires "disburemsents" (sic) while its
# property is "disbursements": as published, no request could validate.
ERRATA = [(("components", "schemas", "DisburseRequest", "required"), "disburemsents", "disbursements")]


def load_spec():
    doc = yaml.safe_load(DISBURSE_YAML.read_text(encoding="utf-8"))
    for path, wrong, right in ERRATA:
        node = doc
        for key in path:
            node = node[key]
        node[:] = [right if x == wrong else x for x in node]
    # TxnStatusRequest's attribute_value is `oneOf` a transaction_id and a
    # correlation_id, both plain strings: any string matches both, so as
    # published no status request could validate. `anyOf` is what it means.
    value = doc["components"]["schemas"]["TxnStatusRequest"]["properties"]["txnstatus_request"]["properties"]["attribute_value"]
    value["anyOf"] = value.pop("oneOf")
    return doc


def pointer(doc, ref):
    """The node a local `$ref` ("#/a/b~1c") names."""
    assert ref.startswith("#/"), f"only references within the file are expected, not {ref}"
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def as_json_schema(doc, node, seen=()):
    """An OpenAPI 3.0 schema object as a self-contained draft 4 schema:
    references inlined (each marked `x-ref: <name>`, which validators
    ignore), `nullable` turned into a `null` type, examples dropped."""
    if isinstance(node, list):
        return [as_json_schema(doc, x, seen) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:  # OpenAPI 3.0: a reference's siblings are ignored
        ref = node["$ref"]
        assert ref not in seen, f"circular reference {ref}"
        out = as_json_schema(doc, pointer(doc, ref), seen + (ref,))
        return {**out, "x-ref": ref.rsplit("/", 1)[-1]}
    out = {k: as_json_schema(doc, v, seen) for k, v in node.items()
           if k not in ("example", "examples", "nullable")}
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = out["enum"] + [None]
    return out


RFC3339 = re.compile(r"(\d{4}-\d\d-\d\d)[Tt](\d\d:\d\d:\d\d)(\.\d+)?([Zz]|[+-](\d\d):(\d\d))")
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def date_time(value):
    """RFC 3339 section 5.6, as OpenAPI 3.0 defines `date-time`."""
    if not isinstance(value, str):
        return True
    m = RFC3339.fullmatch(value)
    if not m:
        return False
    datetime.datetime.strptime(f"{m[1]}T{m[2]}", "%Y-%m-%dT%H:%M:%S")  # a real date and time
    return m[5] is None or (int(m[5]) <= 23 and int(m[6]) <= 59)


def body_validator(doc, path):
    """A validator for the JSON body of `POST <path>`."""
    schema = as_json_schema(doc, doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"])
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=FORMATS)


@pytest.fixture(scope="module")
def spec():
    return load_spec()


@pytest.fixture(scope="module")
def disburse(spec):
    return body_validator(spec, "/disburse")


@pytest.fixture(scope="module")
def on_disburse(spec):
    return body_validator(spec, "/on-disburse")


def where(path):
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out or "(the message)"


def leaves(error):
    """The errors under `error` worth reading: for `message`, which is
    `anyOf` the plain message or an EncryptedMessage, those of the plain
    branch (Publica never encrypts)."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        plain = [i for i, s in enumerate(error.validator_value) if s.get("x-ref") != "EncryptedMessage"]
        sub = [e for e in error.context if len(plain) == 1 and e.relative_schema_path[0] == plain[0]]
        if sub:
            for e in sub:
                yield from leaves(e)
            return
    yield error


def problems(validator, message, renamed=False):
    """What makes `message` invalid, one line per kind of error: errors at
    the same place in different items are counted, the first one shown.

    A required list sent under another name hides its items' errors: they
    are reported too, as if the list had the spec's name."""
    groups, hidden = {}, []
    for top in validator.iter_errors(message):
        for e in leaves(top):
            at = where(e.absolute_path)
            generic = re.sub(r"\[\d+\]", "[*]", at)
            kind = e.message if e.validator == "required" else e.validator
            text = e.message if len(e.message) <= 300 else e.message[:300] + "..."
            groups.setdefault((generic, kind), [f"{at}: {text}", set()])[1].add(at)
            if e.validator == "required" and isinstance(e.instance, dict) and not renamed:
                missing = [p for p in e.validator_value if p not in e.instance]
                other = [k for k, v in e.instance.items()
                         if isinstance(v, list) and k not in e.schema.get("properties", {})]
                if len(missing) == 1 and len(other) == 1:
                    hidden.append((list(e.absolute_path), other[0], missing[0]))
    # A value of the wrong type is also outside any enum: say it once.
    groups = {(g, k): v for (g, k), v in groups.items() if not (k == "enum" and (g, "type") in groups)}
    found = [line if len(n) == 1 else f"{line}  (and {len(n) - 1} more like it)" for line, n in groups.values()]
    for path, old, new in hidden:
        fixed = json.loads(json.dumps(message))
        node = fixed
        for p in path:
            node = node[p]
        node[new] = node.pop(old)
        was, now_ = where(path + [old]), where(path + [new])
        found += [was + line[len(now_):] for line in problems(validator, fixed, renamed=True)
                  if line.startswith(now_ + "[")]
    return found


def assert_conforms(validator, message, what):
    found = problems(validator, message)
    if found:
        pytest.fail(f"{what} is not G2P Connect's shape ({len(found)} kinds of error):\n  - "
                    + "\n  - ".join(found), pytrace=False)


# --- Messages ---------------------------------------------------------------

def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def disbursement(reference, payee, amount, period, program="energy", currency="EXC"):
    """One item as docs/programs.md describes it: the program pays, the
    enrolee's account is paid, the month of scheduled_timestamp is the
    period; the amount is a decimal with two places, as the spec's Amount."""
    return {"reference_id": reference, "payer_fa": f"publica:program:{program}",
            "payee_fa": payee, "amount": amount, "currency_code": currency,
            "scheduled_timestamp": f"{period}-01T00:00:00Z"}


def disburse_request(items, transaction_id="T-1"):
    return {
        "header": {"version": "1.0.0", "message_id": f"{transaction_id}/disburse", "message_ts": now(),
                   "action": "disburse", "sender_id": "spmis.city", "receiver_id": "publica",
                   "total_count": len(items)},
        "message": {"transaction_id": transaction_id, "disbursements": items},
    }


def account_fa(account):
    return f"publica:account:{account}"


def new_account():
    key = Ed25519PrivateKey.generate()
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


# --- The schemas themselves -------------------------------------------------

def test_the_schemas_accept_a_standard_exchange_and_refuse_minor_units(disburse, on_disburse):
    """Positive and negative control: the schemas as read here are neither
    unsatisfiable nor vacuous."""
    item = disbursement("r1", account_fa("ab" * 32), "50.00", "2027-01")
    assert_conforms(disburse, disburse_request([item]), "a hand-made standard request")
    answer = {
        "header": {"version": "1.0.0", "message_id": "T-1/on-disburse", "message_ts": now(),
                   "action": "on-disburse", "status": "succ", "sender_id": "publica",
                   "receiver_id": "spmis.city", "total_count": 2, "completed_count": 2},
        "message": {"transaction_id": "T-1", "disbursements_status": [
            {"reference_id": "r1", "timestamp": now(), "status": "succ", "amount": "50.00",
             "currency_code": "EXC", "payer_fa": item["payer_fa"], "payee_fa": item["payee_fa"]},
            {"reference_id": "r2", "timestamp": now(), "status": "rjct",
             "status_reason_code": "rjct.amount.invalid",
             "status_reason_message": "programs.amount_mismatch: the rule gives 75.00"},
        ]},
    }
    assert_conforms(on_disburse, answer, "a hand-made standard on-disburse answer")

    bad = json.loads(json.dumps(answer))
    bad["message"]["disbursements_status"][0]["amount"] = "5000"
    bad["message"]["disbursements_status"][1]["status_reason_code"] = "programs.amount_mismatch"
    bad["message"]["disbursements_status"][1]["status_reason_message"] = None
    assert len(problems(on_disburse, bad)) == 3, problems(on_disburse, bad)
    legacy = {"header": answer["header"],
              "message": {"transaction_id": "T-1", "disburse_response": answer["message"]["disbursements_status"]}}
    assert problems(on_disburse, legacy) == [
        "message: 'disbursements_status' is a required property"]


def test_the_message_fields_docs_name_are_the_specs(spec):
    """docs/programs.md names the members of the request and the answer
    (`message.<name>`): each is a member of DisburseRequest or
    DisburseResponse."""
    docs = (REPO / "docs" / "programs.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`message\.(\w+)", docs))
    assert named, "docs/programs.md names no message member"
    schemas = spec["components"]["schemas"]
    known = set(schemas["DisburseRequest"]["properties"]) | set(schemas["DisburseResponse"]["properties"])
    if not named <= known:
        pytest.fail(f"docs/programs.md names message members G2P Connect does not have: "
                    f"{sorted(named - known)} (the spec's: {sorted(known)})", pytrace=False)


def test_a_request_as_our_docs_describe_it_is_standard(disburse):
    items = [disbursement("r1", account_fa("ab" * 32), "50.00", "2027-01"),
             disbursement("r2", account_fa("cd" * 32), "75.00", "2027-01")]
    assert_conforms(disburse, disburse_request(items), "a disburse request as docs/programs.md describes it")


def test_the_example_request_in_our_docs_is_standard(disburse):
    text = (REPO / "docs" / "programs.md").read_text()
    block = re.search(r"<!-- json: request\.json, a G2P Connect disburse request -->\s*```json\n(.*?)```", text, re.S)
    assert block, "docs/programs.md shows an example request.json"
    assert_conforms(disburse, json.loads(block.group(1)), "docs/programs.md's example request.json")


# --- A demo node ------------------------------------------------------------

def http_json(url, timeout=30):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def seeded(url):
    """Whether the demo has paid the UBI's first run and the energy
    allowance (the last thing it seeds)."""
    for program in ("ubi", "energy"):
        status, p = http_json(f"{url}/v1/programs/{program}")
        periods = p.get("periods") if status == 200 else None
        if not periods or not p["enrolled"] or periods[0]["paid_count"] != p["enrolled"]:
            return False
    return True


@pytest.fixture(scope="module")
def node():
    """A demo node: (url, data directory)."""
    with running_node("--demo") as (url, data):
        deadline = time.monotonic() + 240
        while not seeded(url):
            if time.monotonic() > deadline:
                pytest.fail("the demo was not seeded within 240 s")
            time.sleep(0.5)
        yield url, data


def first_period(url, program):
    status, p = http_json(f"{url}/v1/programs/{program}")
    assert status == 200 and p["periods"], p
    return p["periods"][0]["period"]


# --- What the node and the CLI answer ---------------------------------------

@pytest.mark.parametrize("program", ["ubi", "cct", "energy"])
def test_a_runs_g2p_format_is_an_on_disburse_message(node, on_disburse, program):
    url, _ = node
    period = first_period(url, program)
    status, answer = http_json(f"{url}/v1/programs/{program}/runs/{period}?format=g2p")
    assert status == 200, answer
    assert "message" in answer, answer
    assert_conforms(on_disburse, answer, f"GET /v1/programs/{program}/runs/{period}?format=g2p")


def publica(*args):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300)
    return r.returncode == 0, r.stdout, r.stderr


def enrol_in_energy(url, key, work, ages, person="P"):
    """New enrolees of the energy allowance, attested resident with these
    ages by the registry, enrolled by the city's caseworker (docs/programs.md,
    "Enrolment"): their accounts."""
    people = [new_account() for _ in ages]
    att = work / "attestations.csv"
    att.write_text("subject,resident,age\n" + "".join(f"{a},true,{age}\n" for a, age in zip(people, ages)))
    ok, out, err = publica("programs", "import-attestations", "--key", key, "--node", url,
                           "--agency", "registry", "--file", str(att))
    assert ok, f"import-attestations: {err}\n{out}"
    secret, persons, enrol = work / "secret", work / "persons.csv", work / "enrol.csv"
    secret.write_text("5e" * 32)
    persons.write_text("person,account\n" + "".join(f"{person}-{i},{a}\n" for i, a in enumerate(people)))
    ok, out, err = publica("programs", "registry-tokens", "--key", key, "--node", url, "--secret-file",
                           str(secret), "--program", "energy", "--file", str(persons), "--out", str(enrol))
    assert ok, f"registry-tokens: {err}\n{out}"
    ok, out, err = publica("programs", "import-enrolments", "--key", key, "--node", url, "--program",
                           "energy", "--agency", "city", "--file", str(enrol))
    assert ok, f"import-enrolments: {err}\n{out}"
    return people


def test_programs_disburse_accepts_a_standard_request_and_answers_on_disburse(node, disburse, on_disburse, tmp_path):
    url, data = node
    key = os.path.join(data, "dev-admin-key.json")
    period = first_period(url, "energy")
    status, run = http_json(f"{url}/v1/programs/energy/runs/{period}?limit=1")
    assert status == 200 and run["entries"], run
    paid_already = run["entries"][0]["account"]
    young, senior = enrol_in_energy(url, key, tmp_path, [30, 70])

    # The energy allowance pays 50.00, 75.00 from 65 on (docs/programs.md, Demo).
    items = [
        disbursement("r1", account_fa(young), "50.00", period),
        disbursement("r2", account_fa(senior), "50.00", period),        # the rule gives 75.00
        disbursement("r3", account_fa(paid_already), "50.00", period),  # paid by the demo
        disbursement("r4", "iban:DE00", "50.00", period),
        disbursement("r5", account_fa(senior), "75.00", period, currency="USD"),
        disbursement("r1", account_fa(senior), "75.00", period),        # reference repeated
    ]
    request = disburse_request(items, transaction_id="T-conformance")
    assert_conforms(disburse, request, "the test's disburse request")
    request_file, answer_file = tmp_path / "disburse.json", tmp_path / "on-disburse.json"
    request_file.write_text(json.dumps(request, indent=2))

    ok, out, err = publica("programs", "disburse", "--key", key, "--node", url, "--agency", "city",
                           "--file", str(request_file), "--out", str(answer_file))
    if not answer_file.exists():
        pytest.fail(f"`publica programs disburse` gave no answer to a standard G2P Connect disburse "
                    f"request (exit {'0' if ok else 'non-zero'}):\n{err.strip()}\n{out.strip()}", pytrace=False)
    answer = json.loads(answer_file.read_text())
    assert_conforms(on_disburse, answer, "the answer of `publica programs disburse`")

    assert answer["header"]["action"] == "on-disburse"
    assert answer["header"].get("receiver_id") == request["header"]["sender_id"]
    assert answer["message"]["transaction_id"] == "T-conformance"
    records = answer["message"]["disbursements_status"]
    assert [r["reference_id"] for r in records] == [i["reference_id"] for i in items]
    assert [r["status"] for r in records] == ["succ"] + ["rjct"] * 5, records
    assert records[0].get("amount") in (None, "50.00"), records[0]
    assert [r.get("status_reason_code") for r in records[3:]] == [
        "rjct.payee_fa.invalid", "rjct.currency_code.invalid", "rjct.reference_id.duplicate"], records
    # The ledger's own reasons are words for people, not G2P codes.
    assert "programs.amount_mismatch" in records[1].get("status_reason_message", ""), records[1]
    assert "programs.already_paid" in records[2].get("status_reason_message", ""), records[2]


# --- The served gateway: `publica g2p serve` ---------------------------------
#
# A registry (this test) signs its messages with its Ed25519 key as
# docs/g2p.md describes, posts them to the gateway beside the demo node, and
# receives the gateway's answers on its own callback server; every body either
# side sends is checked against the disbursement and mapper specifications.

import base64
import hashlib
import http.server
import queue as queue_mod
import threading

import rfc8785

MAPPER_YAML = SPECS / "release" / "yaml" / "mapper_core_api_v1.0.0.yaml"


@pytest.fixture(scope="module")
def mapper_spec():
    return yaml.safe_load(MAPPER_YAML.read_text(encoding="utf-8"))


def ack_validator(doc, path):
    """A validator for the acknowledgement `POST <path>` answers."""
    schema = as_json_schema(doc, doc["paths"][path]["post"]["responses"]["default"])
    schema = schema["content"]["application/json"]["schema"]
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=FORMATS)


def g2p_sign(key, sender, header, message, created=None, valid=300):
    """The `signature` member of docs/g2p.md ("Signatures")."""
    created = int(time.time()) if created is None else created
    expires = created + valid
    digest = base64.b64encode(hashlib.sha256(rfc8785.dumps(header) + rfc8785.dumps(message)).digest()).decode()
    text = f"(created): {created}\n(expires): {expires}\ndigest: SHA-256={digest}"
    sig = base64.b64encode(key.sign(text.encode())).decode()
    return (f'Signature: namespace="g2p", kidId="{sender}|k1|ed25519", algorithm="ed25519", '
            f'created="{created}", expires="{expires}", headers="(created) (expires) digest", '
            f'signature="{sig}"')


class Registry:
    """The sender: its key, its message counter, its callback server."""

    def __init__(self, gateway_url, key):
        self.url, self.key, self.n = gateway_url, key, 0
        self.inbox = queue_mod.Queue()

    def message(self, action, message, total=1, sender="spmis.city", key=None):
        self.n += 1
        header = {"version": "1.0.0", "message_id": f"M-{self.n}", "message_ts": now(), "action": action,
                  "sender_id": sender, "receiver_id": "publica", "total_count": total}
        return {"signature": g2p_sign(key or self.key, sender, header, message),
                "header": header, "message": message}

    def post(self, path, body):
        req = urllib.request.Request(f"{self.url}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def callback(self, path, timeout=120):
        got_path, body = self.inbox.get(timeout=timeout)
        assert got_path == path, (got_path, body)
        return body


@pytest.fixture(scope="module")
def gateway(node, tmp_path_factory):
    """`publica g2p serve` for the city, signing with the demo's official;
    yields a Registry registered with it."""
    url, data = node
    work = tmp_path_factory.mktemp("gateway")
    key = Ed25519PrivateKey.generate()
    inbox = queue_mod.Queue()

    class Callbacks(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            inbox.put((self.path, body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"message": {"ack_status": "ACK", "timestamp": now(),
                                                     "correlation_id": "x"}}).encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Callbacks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    senders = work / "senders.json"
    senders.write_text(json.dumps({"senders": [{
        "id": "spmis.city", "public_key": public,
        "callback_url": f"http://127.0.0.1:{server.server_address[1]}"}]}))
    proc = subprocess.Popen(
        [BIN, "g2p", "serve", "--key", os.path.join(data, "dev-admin-key.json"), "--node", url,
         "--agency", "city", "--listen", "127.0.0.1:0", "--data-dir", str(work / "data"),
         "--senders", str(senders)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        m = re.search(r"listening on (http://\S+)", line)
        if not m:
            proc.kill()
            pytest.fail(f"the gateway did not start: {line}{proc.stderr.read()}")
        registry = Registry(m[1], key)
        registry.inbox = inbox
        yield registry
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        server.shutdown()


def check(validator, body, what):
    assert_conforms(validator, body, what)


def test_the_gateway_links_resolves_disburses_reports_and_unlinks(node, gateway, spec, mapper_spec, tmp_path):
    url, data = node
    reg = gateway
    period = first_period(url, "energy")
    young, other = enrol_in_energy(url, os.path.join(data, "dev-admin-key.json"), tmp_path, [31, 32], person="G")
    ts = now()

    # Link the registry's token to the enrolee's account (async: ACK, then on-link).
    link = reg.message("link", {"transaction_id": "L-1", "link_request": [
        {"reference_id": "a", "timestamp": ts, "id": "token:1001@nid", "fa": account_fa(young)},
        {"reference_id": "b", "timestamp": ts, "id": "token:1002@nid", "fa": "iban:DE00"},
    ]}, total=2)
    check(body_validator(mapper_spec, "/mapper/link"), link, "the test's link request")
    status, ack = reg.post("/mapper/link", link)
    assert status == 200 and ack["message"]["ack_status"] == "ACK", ack
    check(ack_validator(mapper_spec, "/mapper/link"), ack, "the gateway's acknowledgement")
    on_link = reg.callback("/mapper/on-link")
    check(body_validator(mapper_spec, "/mapper/on-link"), on_link, "the gateway's on-link")
    answers = on_link["message"]["link_response"]
    assert [a["status"] for a in answers] == ["succ", "rjct"], answers
    assert answers[1]["status_reason_code"] == "rjct.fa.invalid"
    assert on_link["message"]["correlation_id"] == ack["message"]["correlation_id"]

    # Resolve: yes/no says linked without the account; details give it.
    resolve = reg.message("resolve", {"transaction_id": "R-1", "resolve_request": [
        {"reference_id": "a", "timestamp": ts, "id": "TOKEN:1001@nid"},
        {"reference_id": "b", "timestamp": ts, "id": "token:1001@nid", "scope": "details"},
        {"reference_id": "c", "timestamp": ts, "id": "token:9999@nid"},
    ]}, total=3)
    check(body_validator(mapper_spec, "/mapper/resolve"), resolve, "the test's resolve request")
    status, ack = reg.post("/mapper/resolve", resolve)
    assert status == 200, ack
    on_resolve = reg.callback("/mapper/on-resolve")
    check(body_validator(mapper_spec, "/mapper/on-resolve"), on_resolve, "the gateway's on-resolve")
    r = on_resolve["message"]["resolve_response"]
    assert [x["status_reason_code"] for x in r] == ["succ.fa.active", "succ.fa.active", "succ.id.not_found"], r
    assert "fa" not in r[0] and r[1]["fa"] == account_fa(young), r

    # Disburse to the token (resolved by the mapper), to an account, to an unlinked token.
    items = [
        disbursement("d1", "token:1001@nid", "50.00", period),
        disbursement("d2", account_fa(other), "50.00", period),
        disbursement("d3", "token:1002@nid", "50.00", period),
    ]
    request = reg.message("disburse", {"transaction_id": "T-gw", "disbursements": items}, total=3)
    check(body_validator(spec, "/disburse"), request, "the test's disburse request")
    status, ack = reg.post("/disburse", request)
    assert status == 200 and ack["message"]["ack_status"] == "ACK", ack
    check(ack_validator(spec, "/disburse"), ack, "the gateway's acknowledgement of disburse")
    on_disburse_body = reg.callback("/on-disburse")
    check(body_validator(spec, "/on-disburse"), on_disburse_body, "the gateway's on-disburse callback")
    records = on_disburse_body["message"]["disbursements_status"]
    assert [x["status"] for x in records] == ["succ", "succ", "rjct"], records
    assert records[0]["payee_fa"] == "token:1001@nid", records[0]  # the account is not disclosed
    assert records[2]["status_reason_code"] == "rjct.payee_fa.invalid", records[2]

    # The same transaction again is refused; its status is served.
    again = reg.message("disburse", {"transaction_id": "T-gw", "disbursements": items}, total=3)
    status, err = reg.post("/disburse", again)
    assert status == 409 and err["message"]["error"]["code"] == "err.request.bad", err
    check(ack_validator(spec, "/disburse"), err, "the gateway's refusal")
    ask = reg.message("on-disburse", {"transaction_id": "S-1", "txnstatus_request": {
        "reference_id": "s1", "txn_type": "disburse", "attribute_type": "transaction_id",
        "attribute_value": "T-gw"}})
    check(body_validator(spec, "/disburse/txn/status"), ask, "the test's status request")
    status, ack = reg.post("/disburse/txn/status", ask)
    assert status == 200, ack
    on_status = reg.callback("/disburse/txn/on-status")
    check(body_validator(spec, "/disburse/txn/on-status"), on_status, "the gateway's on-status")
    assert on_status["message"]["txnstatus_response"]["txn_status"]["disbursements_status"] == records
    status, sync = reg.post("/disburse/sync/txn/status", reg.message("on-disburse", {
        "transaction_id": "S-2", "txnstatus_request": {
            "reference_id": "s2", "txn_type": "disburse", "attribute_type": "transaction_id",
            "attribute_value": "T-unknown"}}))
    assert status == 404 and sync["message"]["error"]["code"] == "err.request.not_found", sync

    # Synchronous disburse: the answer comes back at once; the period is paid now.
    status, sync = reg.post("/disburse/sync/disburse", reg.message(
        "disburse", {"transaction_id": "T-sync", "disbursements": [items[0]]}))
    assert status == 200, sync
    check(body_validator(spec, "/on-disburse"), sync, "the synchronous disburse answer")
    assert sync["message"]["disbursements_status"][0]["status"] == "rjct", sync
    assert "programs.already_paid" in sync["message"]["disbursements_status"][0]["status_reason_message"]

    # Unlink; the token no longer resolves.
    status, sync = reg.post("/mapper/sync/unlink", reg.message("unlink", {
        "transaction_id": "U-1", "unlink_request": [{"reference_id": "a", "timestamp": ts, "id": "token:1001@nid"}]}))
    assert status == 200 and sync["message"]["unlink_response"][0]["status"] == "succ", sync
    status, sync = reg.post("/mapper/sync/resolve", reg.message("resolve", {
        "transaction_id": "R-2", "resolve_request": [{"reference_id": "a", "timestamp": ts, "id": "token:1001@nid"}]}))
    assert sync["message"]["resolve_response"][0]["status_reason_code"] == "succ.id.not_found", sync


def test_the_gateway_refuses_unsigned_forged_replayed_and_unknown_senders(gateway, spec):
    reg = gateway
    body = reg.message("resolve", {"transaction_id": "R-x", "resolve_request": [
        {"reference_id": "a", "timestamp": now(), "id": "token:1@nid"}]})
    status, ok = reg.post("/mapper/sync/resolve", body)
    assert status == 200, ok
    status, err = reg.post("/mapper/sync/resolve", body)
    assert status == 409 and "message_id.duplicate" in err["message"]["error"]["message"], err

    forged = reg.message("resolve", {"transaction_id": "R-y", "resolve_request": [
        {"reference_id": "a", "timestamp": now(), "id": "token:1@nid"}]})
    forged["message"]["transaction_id"] = "R-z"
    status, err = reg.post("/mapper/sync/resolve", forged)
    assert status == 401 and err["message"]["error"]["code"] == "err.signature.invalid", err
    check(ack_validator(spec, "/disburse"), err, "the gateway's refusal")

    unsigned = reg.message("resolve", {"transaction_id": "R-u", "resolve_request": []})
    del unsigned["signature"]
    status, err = reg.post("/mapper/resolve", unsigned)
    assert status == 401 and err["message"]["error"]["code"] == "err.signature.missing", err

    stranger = reg.message("disburse", {"transaction_id": "T-s", "disbursements": []},
                           sender="stranger", key=Ed25519PrivateKey.generate())
    status, err = reg.post("/disburse", stranger)
    assert status == 403 and err["message"]["error"]["code"] == "err.sender_id.invalid", err

    # Signed by the registry but with another's key.
    impostor = reg.message("disburse", {"transaction_id": "T-i", "disbursements": []},
                           key=Ed25519PrivateKey.generate())
    status, err = reg.post("/disburse", impostor)
    assert status == 401, err

    # A well-signed request the standard's checks refuse: a clear sentence.
    empty = reg.message("disburse", {"transaction_id": "T-e", "disbursements": []}, total=0)
    status, err = reg.post("/disburse", empty)
    assert status == 400 and "disbursements" in err["message"]["error"]["message"], err
