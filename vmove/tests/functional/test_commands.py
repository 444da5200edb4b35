"""The console scripts as a user runs them: vmove-all over real HTTP,
vmove-manage db sync/version, vmove-status upgrade check."""

import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from vmove.db.migration import head as migration_head

BIN = pathlib.Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, version=None):
    headers = {"OpenStack-API-Version": f"vmove {version}"} if version else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
        return json.loads(r.read())


@pytest.fixture
def state(tmp_path):
    port = _free_port()
    conf = tmp_path / "vmove.conf"
    conf.write_text(f"[DEFAULT]\nstate_path = {tmp_path}/state\n[api]\nport = {port}\n")
    return tmp_path, conf, port


def test_vmove_all_embedded_default(state):
    tmp_path, conf, port = state
    log = open(tmp_path / "all.log", "wb")
    proc = subprocess.Popen(
        [str(BIN / "vmove-all"), "--config-file", str(conf)], stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                root = _get(url + "/")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("vmove-all did not answer:\n" + (tmp_path / "all.log").read_text())
                time.sleep(0.2)
        assert root["versions"][0]["id"] == "v1"
        assert _get(url + "/v1/moves") == {"moves": []}
        engines = _get(url + "/v1/engines", "1.1")["engines"]
        assert [e["state"] for e in engines] == ["up"]
        assert (tmp_path / "state" / "vmove.sqlite").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, (tmp_path / "all.log").read_text()
    # the engine recorded its own stop
    out = subprocess.run(
        [str(BIN / "vmove-manage"), "--config-file", str(conf), "db", "version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == migration_head(), out.stdout


def test_manage_and_status(state):
    tmp_path, conf, _ = state
    os.makedirs(tmp_path / "state")

    def run(*args):
        return subprocess.run(
            [str(BIN / args[0]), "--config-file", str(conf), *args[1:]], capture_output=True, text=True
        )

    r = run("vmove-manage", "db", "version")
    assert r.returncode == 0 and "None" in r.stdout
    r = run("vmove-status", "upgrade", "check")
    assert r.returncode == 2, r.stdout + r.stderr  # failure: schema not there
    flat = re.sub(r"-\s+", "-", " ".join(r.stdout.replace("|", " ").split()))
    assert "Result: Failure" in flat and "run 'vmove-manage db sync'" in flat
    r = run("vmove-manage", "db", "sync")
    assert r.returncode == 0, r.stderr
    assert migration_head() in r.stdout
    r = run("vmove-status", "upgrade", "check")
    # the schema is ready; no engine runs yet, which is a warning (exit code 1), not a failure
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"Database schema is at {migration_head()}" in r.stdout
    flat = " ".join(r.stdout.replace("|", " ").split())
    assert "Result: Failure" not in flat and "No engine is up" in flat
