"""A `publica dev` node for the Python tests: its own temporary data
directory, a loopback port chosen by the system, stopped (SIGTERM, then
SIGKILL) and removed afterwards; its stderr is shown when it fails."""

import contextlib
import os
import pathlib
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("PUBLICA_BIN", str(REPO / "target" / "debug" / "publica"))


@contextlib.contextmanager
def running_node(*args, start_s=60, env=None):
    """Starts `publica dev --data-dir <tmp>/data --listen 127.0.0.1:0
    <args>` (with `env` added to the environment) and yields (url, data
    directory)."""
    if not os.path.exists(BIN):
        pytest.fail(f"{BIN} is missing: run `cargo build --bin publica` first "
                    "(or set PUBLICA_BIN to the publica binary)")
    root = tempfile.mkdtemp(prefix="publica-py-")
    data = os.path.join(root, "data")
    log_path = os.path.join(root, "node.stderr")
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [BIN, "dev", "--data-dir", data, "--listen", "127.0.0.1:0", *args],
        stdout=subprocess.PIPE, stderr=log, text=True,
        env={**os.environ, **(env or {})})
    # stdout is read on a thread, so that the time limit holds even if the
    # node prints nothing, and drained afterwards, so the pipe never fills.
    lines = queue.Queue()

    def pump():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()

    def fail(why):
        tail = pathlib.Path(log_path).read_text(errors="replace")[-4000:]
        pytest.fail(f"{why}\n{tail}")

    try:
        url, deadline = None, time.monotonic() + start_s
        while url is None:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                fail(f"the node did not print its address within {start_s} s")
            if line is None:
                fail(f"the node exited (status {proc.wait()}) before listening")
            if line.startswith("publica: listening on "):
                url = line.split()[-1]
        yield url, data
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def required_tool(name, env_var, package):
    """The path of the command-line tool `name`. Where it is missing the
    calling test skips, or fails when `env_var` is "1" (CI, which installs
    the Debian `package` that has it)."""
    tool = shutil.which(name)
    if tool is None:
        if os.environ.get(env_var) == "1":
            pytest.fail(f"{name} is required here (apt-get install {package})")
        pytest.skip(f"{name} is not installed (Debian: apt-get install {package})")
    return tool
