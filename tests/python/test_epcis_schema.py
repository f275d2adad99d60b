"""What the ledger accepts as an EPCIS 2.0 event is valid against GS1's
EPCIS 2.0 JSON schema: events of a medicines supply chain, and hundreds of
variants of them (a member removed, a member of the wrong type, an unknown
member), are read by `publica medicines capture --check`, which reads
events exactly as the ledger does; every event it accepts must validate
against the schema, and the variants the schema refuses must be refused.
The schema comes from ../shared/testdata/gs1-epcis (GS1 publishes it
without an open licence, so it is not copied into the repository)."""

import copy
import json
import os
import pathlib
import subprocess
import tempfile

import jsonschema
import pytest

from publica_node import BIN

GS1_EPCIS = pathlib.Path(os.environ.get("GS1_EPCIS", "/work/shared/testdata/gs1-epcis"))
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
           {"cbvmda": "urn:epcglobal:cbv:mda:"}, {"example": "https://ns.example.com/epcis/"}]
T = "2026-12-05T10:00:00.000+01:00"


def base_events():
    pack = "urn:epc:id:sgtin:9520001.000001."
    common = {"eventTime": T, "eventTimeZoneOffset": "+01:00"}
    return [
        {"type": "ObjectEvent", **common, "action": "ADD", "bizStep": "commissioning",
         "disposition": "active", "epcList": [pack + "1", pack + "2"],
         "bizLocation": {"id": "urn:epc:id:sgln:9520001.00000.0"},
         "ilmd": {"cbvmda:lotNumber": "A1234", "cbvmda:itemExpirationDate": "2028-12-04"}},
        {"type": "AggregationEvent", **common, "action": "ADD", "bizStep": "packing",
         "parentID": "urn:epc:id:sscc:9520001.0000000001", "childEPCs": [pack + "1"],
         "childQuantityList": [{"epcClass": "urn:epc:class:lgtin:9520001.000001.A1234", "quantity": 2}]},
        {"type": "ObjectEvent", **common, "action": "OBSERVE", "bizStep": "shipping",
         "disposition": "in_transit", "epcList": ["urn:epc:id:sscc:9520001.0000000001"],
         "readPoint": {"id": "urn:epc:id:sgln:9520001.00000.1"},
         "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:9520002000002:PO1"}],
         "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:9520001.00000"}],
         "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:9520002.00000"}],
         "example:carrier": "ACME"},
        {"type": "TransformationEvent", **common, "inputEPCList": [pack + "2"],
         "outputEPCList": [pack + "3"], "bizStep": "repackaging",
         "ilmd": {"cbvmda:lotNumber": "R1"}},
        {"type": "TransactionEvent", **common, "action": "ADD", "epcList": [pack + "3"],
         "bizTransactionList": [{"type": "inv", "bizTransaction": "urn:epcglobal:cbv:bt:9520002000002:INV7"}]},
        {"type": "AssociationEvent", **common, "action": "ADD",
         "parentID": "urn:epc:id:sscc:9520001.0000000002", "childEPCs": [pack + "4"]},
        {"type": "ObjectEvent", **common, "action": "OBSERVE", "bizStep": "inspecting",
         "epcList": [pack + "5"],
         "sensorElementList": [{"sensorMetadata": {"time": T},
                                "sensorReport": [{"type": "Temperature", "value": 5.5, "uom": "CEL"}]}]},
    ]


def variants(events):
    wrong = [7, "x", [], {}, None, True]
    out = list(events)
    for e in events:
        for key in e:
            if key == "type":
                continue
            removed = copy.deepcopy(e)
            del removed[key]
            out.append(removed)
            for w in wrong:
                changed = copy.deepcopy(e)
                changed[key] = w
                out.append(changed)
        for extra in ({"colour": "red"}, {"example:x": {"example:y": [1, 2]}}, {"eventID": "not a uri"},
                      {"eventID": "urn:uuid:6b3d1d4c-0000-4000-8000-000000000001"},
                      {"recordTime": "2026-12-05T10:00:00Z"}, {"eventTime": "2026-12-05"},
                      {"eventTimeZoneOffset": "+1:00"}, {"action": "add"}):
            out.append({**copy.deepcopy(e), **extra})
    # Make each variant a distinct event, so that none is refused only as
    # a duplicate of another.
    for i, e in enumerate(out):
        e["example:variant"] = str(i)
    return out


def test_what_the_ledger_accepts_the_gs1_schema_accepts():
    schema_file = GS1_EPCIS / "EPCIS-JSON-Schema.json"
    if not schema_file.exists():
        pytest.skip(f"{schema_file} is absent (CI has ../shared)")
    if not os.path.exists(BIN):
        pytest.fail(f"{BIN} is missing: run `cargo build --bin publica` first")
    validator = jsonschema.Draft7Validator(json.loads(schema_file.read_text()))
    events = variants(base_events())
    doc = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": T, "epcisBody": {"eventList": events}}
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / "doc.jsonld"
        path.write_text(json.dumps(doc))
        # --check never opens the key: nothing is signed or sent.
        run = subprocess.run([BIN, "medicines", "capture", "--check", "--key", str(path), str(path)],
                             capture_output=True, text=True, timeout=120)
    report = json.loads(run.stdout)
    refused = {e["index"] for e in report.get("errors", [])}
    assert refused and len(refused) < len(events), report
    schema_refused = 0
    for i, e in enumerate(events):
        one = {**doc, "epcisBody": {"eventList": [e]}}
        valid = not list(validator.iter_errors(one))
        if i not in refused:
            assert valid, (i, e, [x.message for x in validator.iter_errors(one)][:3])
        if not valid:
            schema_refused += 1
            assert i in refused, (i, e)
    # The variants exercise both sides.
    assert schema_refused > 50 and len(events) - len(refused) > 20, (schema_refused, len(refused))
