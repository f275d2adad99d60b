"""The monitoring kit in deploy/monitoring (docs/monitoring.md): the alert
rules parse and pass their unit tests (promtool test rules: each alert
fires on the series that should raise it, with its summary, and a healthy
node raises none), and every query of the Grafana dashboard is valid
PromQL. Which metrics the rules and the dashboard name is checked against
a running validator's /metrics in crates/cli/tests/cli/network_e2e.rs.

promtool comes with Debian's prometheus package, which .ci/run installs;
elsewhere these tests skip unless PUBLICA_REQUIRE_PROMTOOL=1."""

import json
import os
import pathlib
import subprocess
import tempfile

import pytest

from publica_node import required_tool

KIT = pathlib.Path(__file__).resolve().parents[2] / "deploy" / "monitoring"


@pytest.fixture(scope="module")
def promtool():
    return required_tool("promtool", "PUBLICA_REQUIRE_PROMTOOL", "prometheus")


def run(*args):
    r = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=KIT)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_alert_rules_parse_and_pass_their_unit_tests(promtool):
    out = run(promtool, "check", "rules", "alerts.yml")
    assert "SUCCESS: 9 rules found" in out, out
    assert "SUCCESS" in run(promtool, "test", "rules", "alerts_test.yml")


def test_every_alert_is_unit_tested_firing_and_quiet():
    rules = (KIT / "alerts.yml").read_text()
    tests = (KIT / "alerts_test.yml").read_text()
    names = [line.split(":", 1)[1].strip() for line in rules.splitlines() if line.strip().startswith("- alert:")]
    assert len(names) == 9, names
    for name in names:
        assert f"alertname: {name}, exp_alerts: []" in tests, f"{name} is never checked quiet"
        assert f"alertname: {name}\n        exp_alerts:\n          - exp_labels" in tests, f"{name} is never checked firing"


def test_dashboard_queries_are_valid_promql(promtool):
    dash = json.loads((KIT / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
    assert len(exprs) >= 12, exprs
    ids = [p["id"] for p in dash["panels"]]
    assert len(set(ids)) == len(ids), "panel ids are unique"
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query_{i}", "expr": e} for i, e in enumerate(exprs)]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        json.dump(rules, f)  # JSON is YAML
    try:
        out = run(promtool, "check", "rules", f.name)
    finally:
        os.unlink(f.name)
    assert f"SUCCESS: {len(exprs)} rules found" in out, out
