"""A `publica dev` node for the Python tests: its own temporary data
directory, a loopback port chosen by the system, stopped (SIGTERM, then
SIGKILL) and removed afterwards; its stderr is shown when it fails."""

import contextlib
import json
import os
import pathlib
import queue
import re
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


def walkthrough(page, name):
    """The shell blocks of `page` (a path under the repository) marked
    `<!-- walkthrough: name -->`, in order."""
    text = (REPO / page).read_text()
    return re.findall(rf"<!-- walkthrough: {re.escape(name)} -->\s*\n```sh\n(.*?)```", text, re.S)


def run_script(blocks, cwd, env=None, timeout=300):
    """Runs `blocks` as one bash script (`set -euo pipefail`) in `cwd`, with
    `publica` (BIN) first on the PATH and `env` added to the environment,
    in a session of its own: whatever it started in the background (a
    node) is killed when it ends, whatever happened. Returns the
    CompletedProcess (text)."""
    script_text = "\n".join(blocks)
    for tool in ("curl", "jq"):
        # The shell tools a walk-through uses: skipped without them on a
        # reader's machine, required where CI installed them.
        if re.search(rf"(^|[\s|(]){tool}\s", script_text):
            required_tool(tool, "PUBLICA_REQUIRE_SHELL_TOOLS", tool)
    bindir = os.path.join(cwd, ".bin")
    os.makedirs(bindir, exist_ok=True)
    if not os.path.exists(os.path.join(bindir, "publica")):
        os.symlink(BIN, os.path.join(bindir, "publica"))
    full = dict(os.environ, **(env or {}))
    full["PATH"] = bindir + os.pathsep + full["PATH"]
    script = "set -euo pipefail\n" + "\n".join(blocks)
    proc = subprocess.Popen(["bash", "-c", script], cwd=cwd, env=full, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def printed(out):
    """What a walk-through printed: the JSON documents (pretty or on one
    line) and the other lines of `out`, in order."""
    decoder, found, i = json.JSONDecoder(), [], 0
    while i < len(out):
        if out[i].isspace():
            i += 1
            continue
        if out[i] in "{[":
            try:
                doc, i = decoder.raw_decode(out, i)
                found.append(doc)
                continue
            except ValueError:
                pass
        end = out.find("\n", i)
        end = len(out) if end < 0 else end
        found.append(out[i:end].rstrip())
        i = end
    return found
