"""vmove's own processes for functional tests: vmove-api and vmove-engine started as a deployer would,
from a configuration file, each in its own session (so that a test can SIGKILL it whole)."""

import dataclasses
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from vmove.tests import fixtures as vfixtures

BIN = pathlib.Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_conf(path, db_url, topic, cloud=None, transport_url=None, **sections) -> pathlib.Path:
    """A vmove.conf for the processes: database, RabbitMQ, the engines' topic, fast engine cadence, the dev
    cloud's vmove service user (``cloud``), then ``sections`` ({group: {option: value}}) over that."""
    conf = {
        "DEFAULT": {"transport_url": transport_url or vfixtures.RABBIT_URL, "state_path": str(path.parent)},
        "database": {"connection": db_url},
        "api": {"auth_strategy": "noauth", "response_validation": "error"},
        "engine": {"topic": topic, "poll_interval": 0.2, "lease_time": 3, "heartbeat_interval": 0.5},
    }
    if cloud is not None:
        creds = cloud.credentials("vmove")
        conf["service_auth"] = {
            "auth_type": "password",
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        }
        for key in ("auth_url", "username", "password", "project_name"):
            conf["service_auth"][key] = creds[key]
        conf["nova"] = {"region_name": cloud.region}
        conf["cinder"] = {"region_name": cloud.region}
    for group, values in sections.items():
        conf.setdefault(group, {}).update(values)
    lines = []
    for group, values in conf.items():
        lines.append(f"[{group}]")
        lines.extend(f"{k} = {','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in values.items())
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclasses.dataclass
class Proc:
    name: str
    args: list
    log: pathlib.Path
    popen: subprocess.Popen | None = None

    def start(self) -> "Proc":
        self.popen = subprocess.Popen(
            self.args, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def kill(self) -> None:
        """SIGKILL the process and its children, as a crash would."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def stop(self, timeout=30) -> int | None:
        if self.popen is None or self.popen.poll() is not None:
            return self.popen.returncode if self.popen else None
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def tail(self, n=4000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""


def engine(conf_file, log) -> Proc:
    return Proc("vmove-engine", [str(BIN / "vmove-engine"), "--config-file", str(conf_file)], log).start()


def api(conf_file, log, port) -> Proc:
    """vmove-api on 127.0.0.1:``port`` (the file's [api] port); ready when it answers."""
    proc = Proc("vmove-api", [str(BIN / "vmove-api"), "--config-file", str(conf_file)], log).start()
    wait_http(f"http://127.0.0.1:{port}/", proc)
    return proc


def wait_http(url, proc=None, timeout=60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if proc is not None and proc.popen.poll() is not None:
                pytest.fail(f"{proc.name} exited ({proc.popen.returncode}):\n{proc.tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"{url} did not answer in {timeout:.0f}s:\n{proc.tail() if proc else ''}")
            time.sleep(0.2)


def call(base_url, method, path, body=None, version="1.2", timeout=30):
    """(status, JSON body) of one request; never raises on an HTTP error status."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"OpenStack-API-Version": f"vmove {version}", "Content-Type": "application/json"}
    req = urllib.request.Request(base_url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw or b"null")
        except ValueError:
            return e.code, raw.decode(errors="replace")


def wait_for(pred, what, timeout=60.0, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = pred()
        if found:
            return found
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
