"""A real Publica node for the tests: `publica dev` on port 0 in a temporary
directory, stopped and removed afterwards.

The binary is $PUBLICA_BIN, else target/debug/publica of this repository.
Tests that need a node are skipped, with a notice, only when no binary is
there and PUBLICA_BIN is unset; a PUBLICA_BIN that does not exist fails.
"""

from __future__ import annotations

import os
import pathlib
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

import pytest

from publica_client import Client

REPO = pathlib.Path(__file__).resolve().parents[3]
START_SECONDS = 30


def publica_bin() -> str:
    """The node binary to test against (skips when there is none)."""
    explicit = os.environ.get("PUBLICA_BIN")
    if explicit:
        if not os.access(explicit, os.X_OK):
            pytest.fail(f"PUBLICA_BIN={explicit} is not an executable file")
        return explicit
    default = REPO / "target" / "debug" / "publica"
    if not default.exists():
        pytest.skip(f"no publica binary at {default}: build it with `cargo build --bin publica` "
                    "or set PUBLICA_BIN; the tests against a real node were skipped")
    return str(default)


@dataclass
class Node:
    url: str
    log_key: str
    """The log's verifier key as the node printed it at start (trusted, not fetched)."""
    data_dir: pathlib.Path
    binary: str
    client: Client


def _stderr_tail(path: pathlib.Path) -> str:
    try:
        return path.read_text(errors="replace")[-3000:]
    except OSError:
        return ""


def start_node(root: pathlib.Path, *extra: str):
    """Starts `publica dev` under `root`; yields a Node, stops it on exit."""
    binary = publica_bin()
    data = root / "data"
    err_path = root / "node.stderr"
    err = open(err_path, "wb")
    proc = subprocess.Popen([binary, "dev", "--data-dir", str(data), "--listen", "127.0.0.1:0",
                             "--block-ms", "20", *extra],
                            stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True)
    lines: queue.Queue = queue.Queue()

    def pump():  # keeps draining stdout so the node never blocks on it
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        url = log_key = None
        deadline = time.monotonic() + START_SECONDS
        while url is None:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"the node did not print its address within {START_SECONDS} s\n"
                            + _stderr_tail(err_path))
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                pytest.fail(f"the node exited ({proc.wait()}) before listening\n" + _stderr_tail(err_path))
            if line.startswith("publica: log key "):
                log_key = line.split()[-1]
            elif line.startswith("publica: listening on "):
                url = line.split()[-1]
        assert log_key, "the node did not print its log key"
        yield Node(url, log_key, data, binary, Client(url))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        err.close()


@pytest.fixture(scope="session")
def node():
    """One dev node shared by the tests of a session."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="publica-sdk-"))
    try:
        yield from start_node(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def client(node) -> Client:
    return node.client
