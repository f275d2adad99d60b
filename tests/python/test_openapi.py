"""The API's OpenAPI document is valid OpenAPI 3.1 (openapi-spec-validator
from PyPI), and each parameter is where the server reads it: a parameter
that is not in a route's path is a query parameter, and those the server
defaults are optional."""

import json
import re
import urllib.request

import pytest
from openapi_spec_validator import validate

from publica_node import running_node


@pytest.fixture(scope="module")
def document():
    with running_node() as (url, _):
        with urllib.request.urlopen(url + "/openapi.json", timeout=30) as r:
            yield json.load(r)


def test_the_document_is_valid_openapi(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_parameters_are_where_the_server_reads_them(document):
    for path, item in document["paths"].items():
        in_path = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            for p in operation.get("parameters", []):
                where = f"{method.upper()} {path} {p['name']}"
                if p["name"] in in_path:
                    assert p["in"] == "path" and p["required"], where
                else:
                    assert p["in"] == "query", where
                    if p["name"] in OPTIONAL:
                        assert not p.get("required", False), where


# Query parameters every route that takes them defaults.
OPTIONAL = {"wait_ms", "outcomes", "max_height", "limit", "status", "format"}
