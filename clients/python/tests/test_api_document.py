"""The SDK against the node's served OpenAPI document: every route it calls
exists with that method and those parameters, and its models read every
member the document declares for the answers they parse."""

from __future__ import annotations

import re

import pytest

from publica_client import (ROUTES, Accepted, BatchItem, BatchResult, Block, ConsistencyProof,
                            ErrorBody, LogInfo, Nonce, Receipt, StateAnswer, Status)
from publica_client.models import json_fields

# The model the client parses each route's success answer into.
MODELS = {
    "status": Status, "submit": Accepted, "submit_batch": BatchResult, "transaction": Receipt,
    "block": Block, "state": StateAnswer, "nonce": Nonce, "log": LogInfo,
    "consistency": ConsistencyProof,
}
SCHEMA_MODELS = {"Accepted": Accepted, "BatchResponse": BatchResult, "BatchItem": BatchItem,
                 "ErrorBody": ErrorBody}


@pytest.fixture(scope="module")
def document(client):
    doc = client.openapi()
    assert doc["openapi"].startswith("3.1")
    return doc


def operation(document, route):
    method, path, _ = ROUTES[route]
    assert path in document["paths"], f"{path} is not in the OpenAPI document"
    op = document["paths"][path].get(method.lower())
    assert op is not None, f"{method} {path} is not in the OpenAPI document"
    return op


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_route_the_sdk_calls_is_in_the_document(document, route):
    op = operation(document, route)
    _, path, query = ROUTES[route]
    params = {(p["name"], p["in"]) for p in op.get("parameters", [])}
    for name in re.findall(r"{([^}]+)}", path):
        assert (name, "path") in params, f"{route}: path parameter {name} is not declared"
    for name in query:
        assert (name, "query") in params, f"{route}: query parameter {name} is not declared"


def documented_members(text):
    """The member names of a `{a, b, c: ...}` sketch in a summary or description."""
    for sketch in re.findall(r"`\{([^`]*)\}`", text or ""):
        return {part.split(":")[0].strip() for part in sketch.split(",") if part.strip()}
    return set()


def schema_members(document, schema):
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][name]
    return set(schema.get("properties", {})), set(schema.get("required", []))


@pytest.mark.parametrize("route", sorted(MODELS))
def test_models_read_what_the_document_declares(document, route):
    op = operation(document, route)
    model = MODELS[route]
    fields = json_fields(model)
    success = [c for c in op["responses"] if c.startswith("2")]
    checked = 0
    for code in success:
        response = op["responses"][code]
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" in schema:
            props, required = schema_members(document, schema)
            assert props <= fields, f"{route} {code}: the model misses {props - fields}"
            checked += 1
        members = documented_members(response.get("description")) or \
            (documented_members(op.get("summary")) if code == "200" else set())
        if members and not (route == "transaction" and code == "202"):
            assert members <= fields, f"{route} {code}: the model misses {members - fields}"
            checked += 1
    assert checked, f"{route}: the document declares nothing to check the model against"


@pytest.mark.parametrize("name", sorted(SCHEMA_MODELS))
def test_component_schemas_match_the_models(document, name):
    schema = document["components"]["schemas"][name]
    model = SCHEMA_MODELS[name]
    props, required = set(schema.get("properties", {})), set(schema.get("required", []))
    assert props == json_fields(model), name
    assert required <= props


def test_error_answers_are_error_bodies(document):
    for route in ROUTES:
        op = operation(document, route)
        for code, response in op["responses"].items():
            if code.startswith(("4", "5")):
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                if "$ref" in schema:
                    assert schema["$ref"].endswith("/ErrorBody"), (route, code)
