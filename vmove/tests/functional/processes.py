"""vmove's own processes for functional tests and benchmarks: configuration files, ``vmove-engine``,
``vmove-api`` and ``vmove-manage`` started as a deployer would (of this tree, or of another release's
virtualenv), each in its own session so that a test can SIGKILL it whole; the demo action plugin
(``plugin_src``) they load through the ``vmove.actions`` entry point; HTTP calls and waits."""

import concurrent.futures
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
import uuid

import pytest

from vmove import context as vmove_context
from vmove.engine import heartbeat
from vmove.tests import fixtures as vfixtures
from vmove.tests.functional import moves_env

PLUGIN_SRC = pathlib.Path(__file__).parent / "plugin_src"
BIN = pathlib.Path(sys.executable).parent


def install_plugin(target: pathlib.Path) -> pathlib.Path:
    """The demo actions installed into ``target`` (a directory for PYTHONPATH: any release loads them)."""
    if not (target / "vmove_demo_action").exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target),
             str(PLUGIN_SRC)],
            check=True,
            capture_output=True,
        )  # fmt: skip
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_conf(path: pathlib.Path, db_url: str, topic: str, cloud=None, transport_url=None, **groups) -> pathlib.Path:
    """A vmove.conf for the test's processes: RabbitMQ (or ``transport_url``), ``db_url``, engine ``topic``, quick
    polls and leases, the dev cloud's vmove service user (``cloud``); ``groups`` (``{"engine": {"max_in_flight":
    30}}``) add or override options (a list value is written comma-separated)."""
    sections = {
        "DEFAULT": {"transport_url": transport_url or vfixtures.RABBIT_URL, "state_path": str(path.parent)},
        "database": {"connection": db_url},
        "engine": {"topic": topic, "poll_interval": 0.2, "lease_time": 3, "heartbeat_interval": 0.5},
        "api": {"auth_strategy": "noauth", "host_ip": "127.0.0.1", "response_validation": "error"},
    }
    for group, values in [*(cloud_groups(cloud).items() if cloud is not None else ()), *groups.items()]:
        sections.setdefault(group, {}).update(values)
    lines = []
    for group, values in sections.items():
        lines.append(f"[{group}]")
        lines.extend(
            f"{k} = {','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in values.items() if v is not None
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def api_in_process(conf, topic):
    """The API of this test process over real HTTP (noauth), casting on RabbitMQ to the engines of ``topic``:
    a started APIServer (stop it)."""
    from vmove import rpc
    from vmove.api import app as api_app
    from vmove.api import server

    rpc.cleanup()
    conf.set_override("transport_url", vfixtures.RABBIT_URL)
    conf.set_override("topic", topic, group="engine")
    conf.set_override("auth_strategy", "noauth", group="api")
    srv = server.APIServer(api_app.setup_app(conf), conf, "127.0.0.1", 0)
    srv.start()
    return srv


def cloud_groups(cloud) -> dict:
    """The options that point vmove at the dev cloud (its vmove service user, its region): for
    :func:`write_conf`."""
    creds = cloud.credentials("vmove")
    auth = {k: creds[k] for k in ("auth_url", "username", "password", "project_name")}
    auth.update(auth_type="password", user_domain_name="Default", project_domain_name="Default")
    return {"service_auth": auth, "nova": {"region_name": cloud.region}, "cinder": {"region_name": cloud.region}}


class Process:
    """One vmove command as a subprocess (its own session: stopped with its children), logging to a file."""

    def __init__(self, command, conf_files, log: pathlib.Path, bin_dir=BIN, env=None, args=()):
        self.name = command
        self.log = log
        files = [a for f in conf_files for a in ("--config-file", str(f))]
        full_env = dict(os.environ, **(env or {}))
        self.popen = subprocess.Popen(
            [str(pathlib.Path(bin_dir) / command), *files, *args],
            stdout=open(log, "ab"),  # noqa: SIM115 - the child keeps it
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=full_env,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self, sig=signal.SIGTERM, timeout=60) -> None:
        """Signal the process's session; one that outlives ``timeout`` is killed."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, n=4000) -> str:
        return self.text()[-n:] if self.log.exists() else ""


def engine(conf_file, log, **kwargs) -> Process:
    return Process("vmove-engine", [conf_file], log, **kwargs)


def api(conf_file, log, port, **kwargs) -> Process:
    """vmove-api on 127.0.0.1:``port`` (the file's [api] port); returned once it answers."""
    proc = Process("vmove-api", [conf_file], log, **kwargs)
    wait_http(f"http://127.0.0.1:{port}/", proc)
    return proc


def wait_http(url, proc=None, timeout=60.0) -> None:
    """Wait until ``url`` answers (any HTTP status); fail with the process's log if it exits first."""
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


def run(command, conf_files, bin_dir=BIN, args=(), env=None, check=True) -> subprocess.CompletedProcess:
    files = [a for f in conf_files for a in ("--config-file", str(f))]
    return subprocess.run(
        [str(pathlib.Path(bin_dir) / command), *files, *args],
        capture_output=True,
        text=True,
        check=check,
        env=dict(os.environ, **(env or {})),
    )


def wait_for(pred, what: str, timeout: float = 60.0, every: float = 0.2):
    """Wait until ``pred()`` is true (returns its value); fail the test naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def api_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/", timeout=2):
            return True
    except OSError:
        return False


def scrape(port: int) -> dict:
    """``{(name, ((label, value), ...)): value}`` of the metrics served on ``port``."""
    from prometheus_client import parser

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    found = {}
    for family in parser.text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def total(samples: dict, name: str, **labels) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    want = set(labels.items())
    return sum(v for (n, lbl), v in samples.items() if n == name and want <= set(lbl))


class Cluster:
    """An API and ``n`` engines as processes on one database and one RabbitMQ topic."""

    def __init__(self, tmp_path, db_url, plugin_site, engines=3, metrics=False, start_engines=True, **engine_opts):
        self.tmp = tmp_path
        self.ledger = tmp_path / "ledger"
        self.env = {"PYTHONPATH": str(plugin_site), "VMOVE_DEMO_LEDGER": str(self.ledger)}
        topic = f"vmove-engine-test-{uuid.uuid4().hex[:8]}"
        opts = {"engine": dict({"max_in_flight": 30}, **engine_opts)}
        if metrics:
            opts["metrics"] = {"enabled": True, "host": "127.0.0.1", "database_cache": 0}
        self.conf = write_conf(tmp_path / "vmove.conf", db_url, topic, **opts)
        self.api_port = free_port()
        self.url = f"http://127.0.0.1:{self.api_port}"
        self.topic = topic
        self.count = engines
        self.metrics_ports = []
        self.engines = []
        api_conf = tmp_path / "api.conf"
        api_conf.write_text(f"[api]\nport = {self.api_port}\n[metrics]\nenabled = false\n")
        self.api = Process("vmove-api", [self.conf, api_conf], tmp_path / "api.log", env=self.env)
        self.client = moves_env.VmoveEnv(self.url, engine=None)
        wait_for(lambda: api_up(self.url), "the API")
        if start_engines:
            self.start_engines()

    def start_engines(self):
        for i in range(self.count):
            own = self.tmp / f"engine-{i}.conf"
            port = free_port()
            own.write_text(f"[DEFAULT]\nhost = engine-{i}\n[metrics]\nengine_port = {port}\napi_port = {port}\n")
            self.metrics_ports.append(port)
            self.engines.append(Process("vmove-engine", [self.conf, own], self.tmp / f"engine-{i}.log", env=self.env))
        ctx = vmove_context.get_admin_context()
        wait_for(
            lambda: sum(e.state(30) == "up" and e.topic == self.topic for e in heartbeat.get_all(ctx)) == self.count,
            f"{self.count} engines up",
            timeout=180,  # three Python processes starting at once on 2 busy cores
        )

    def request(self, n, seconds):
        def one(_):
            return self.client.request(
                resource_type="instance", resource_id=str(uuid.uuid4()), type="demo_timed", params={"seconds": seconds}
            )["uuid"]

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            return list(pool.map(one, range(n)))

    def stop(self):
        for p in [self.api, *self.engines]:
            p.stop()
