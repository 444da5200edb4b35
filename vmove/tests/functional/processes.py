"""vmove processes for the multi-engine and rolling-upgrade tests and the engines benchmark: configuration
files, ``vmove-engine``/``vmove-api``/``vmove-manage`` subprocesses (of this tree, or of another release's
virtualenv), the demo action plugin (``plugin_src``) they load through the ``vmove.actions`` entry point."""

import concurrent.futures
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
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


def write_conf(path: pathlib.Path, db_url: str, topic: str, **groups) -> pathlib.Path:
    """A vmove.conf for the test's processes: RabbitMQ, ``db_url``, engine ``topic``, quick polls and leases;
    ``groups`` (``{"engine": {"max_in_flight": 30}}``) add or override options."""
    sections = {
        "DEFAULT": {"transport_url": vfixtures.RABBIT_URL, "state_path": str(path.parent)},
        "database": {"connection": db_url},
        "engine": {"topic": topic, "poll_interval": 0.2, "lease_time": 3, "heartbeat_interval": 0.5},
        "api": {"auth_strategy": "noauth", "host_ip": "127.0.0.1"},
    }
    for group, values in groups.items():
        sections.setdefault(group, {}).update(values)
    lines = []
    for group, values in sections.items():
        lines.append(f"[{group}]")
        lines.extend(f"{k} = {v}" for k, v in values.items() if v is not None)
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
    srv = server.APIServer(api_app.setup_app(conf), "127.0.0.1", 0)
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
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            self.popen.wait(timeout=timeout)

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def text(self) -> str:
        return self.log.read_text(errors="replace")


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
