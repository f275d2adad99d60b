"""The API's OpenAPI document is valid OpenAPI 3.1 (openapi-spec-validator
from PyPI), and each parameter is where the server reads it: a parameter
that is not in a route's path is a query parameter, and those the server
defaults are optional."""

import json
import os
import pathlib
import re
import subprocess
import tempfile
import time
import urllib.request

import pytest
from openapi_spec_validator import validate

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("PUBLICA_BIN", str(REPO / "target" / "debug" / "publica"))


@pytest.fixture(scope="module")
def document():
    if not os.path.exists(BIN):
        pytest.fail(f"{BIN} is missing: run `cargo build --bin publica` first "
                    "(or set PUBLICA_BIN to the publica binary)")
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [BIN, "dev", "--data-dir", os.path.join(tmp, "d"), "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            url = None
            deadline = time.time() + 60
            while url is None and time.time() < deadline:
                line = proc.stdout.readline()
                match = re.match(r"publica: listening on (http://\S+)", line)
                if match:
                    url = match.group(1)
            assert url, "the node did not start"
            with urllib.request.urlopen(url + "/openapi.json", timeout=30) as r:
                yield json.load(r)
        finally:
            proc.kill()
            proc.wait()


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
