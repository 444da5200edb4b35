"""Nova peer of the dev cloud: a real Nova 34 (PyPI) as real processes, fake hypervisors.

Processes (all on 127.0.0.1, each in its own session, pid files under run/):

=====================  ====================================================
``nova-stubs``          Glance and Neutron read-only stand-ins (peers/nova_stubs.py)
``nova-placement``      Placement API, ``PORTS['placement']``, keystone auth
``nova-api``            ``nova.wsgi.osapi_compute``, ``PORTS['nova-api']``, keystone auth
``nova-conductor``      one worker
``nova-scheduler``      one worker
``nova-compute-<host>`` one per host (host1..hostN), fake virt driver
=====================  ====================================================

RPC and versioned notifications go over the machine's RabbitMQ (vhost
``devcloud_nova`` when ``rabbitmqctl`` can make it, else ``base.RABBIT_URL``
as it is: see :attr:`Nova.transport_url`); the databases (``devcloud_nova_api``,
``devcloud_nova_cell0``, ``devcloud_nova``, ``devcloud_placement``) live on the
machine's PostgreSQL.  A first start syncs them (~20 s) and keeps a copy as
PostgreSQL template databases (``devcloud_nova_tpl_*``), so that a start after
``reset()`` recreates them in about a second.

The fake virt driver (peers/vmove_fake_virt.py) keeps its guests across a
restart of nova-compute, has a stable node identity, reports live-migration
progress, and takes run-time controls: :meth:`Nova.set_live_migration_seconds`
and :meth:`Nova.inject_failure`.

``[DEFAULT] max_concurrent_live_migrations`` stays at Nova's default, 1: a
host runs one outgoing live migration at a time, the others wait ``queued``.
"""

from __future__ import annotations

from collections.abc import Sequence
import contextlib
import functools
import hashlib
import os
import pathlib
import shutil
import signal
import time

from vmove.devcloud import base, nova_conf, nova_http
from vmove.devcloud.base import HOST, PORTS, DevCloudError, say
from vmove.devcloud.nova_conf import LOCKFILE, PEERS
from vmove.devcloud.nova_db import (
    DATABASES,
    TEMPLATE_PREFIX,  # noqa: F401 - part of this module's interface
    NovaDatabases,
)
from vmove.devcloud.nova_hosts import FAULT_OPS, NovaHosts  # noqa: F401 - part of this module's interface

#: The image every server can boot from (served by the glance stub).
IMAGE_ID = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
#: All images of the glance stub: id -> name (keep in step with peers/nova_stubs.py).
IMAGES = {IMAGE_ID: "cirros-fake", "a2459075-d96c-40d5-893e-577ff92e721c": "ubuntu-fake"}
#: Public flavors created on start: (name, ram MiB, vcpus, disk GiB, id).
FLAVORS = (
    ("m1.tiny", 512, 1, 1, "1"),
    ("m1.small", 2048, 1, 20, "2"),
    ("m1.medium", 4096, 2, 40, "3"),
    ("m1.large", 8192, 4, 80, "4"),
)
#: Nova API microversion used by this module's own calls.
MICROVERSION = "2.96"

KEYSTONE_URL = f"http://{HOST}:{PORTS['keystone']}/v3"
COMPUTE_URL = f"http://{HOST}:{PORTS['nova-api']}/v2.1"
PLACEMENT_URL = f"http://{HOST}:{PORTS['placement']}"
GLANCE_URL = f"http://{HOST}:{PORTS['glance-stub']}"
NEUTRON_URL = f"http://{HOST}:{PORTS['neutron-stub']}"


class Nova(NovaDatabases, NovaHosts, base.Component):
    """Nova + Placement with ``hosts`` fake compute hosts (an int N: host1..hostN, or names)."""

    name = "nova"

    def __init__(self, cloud: base.DevCloud, hosts: int | Sequence[str] = 3):
        super().__init__(cloud)
        if isinstance(hosts, int):
            if hosts < 1:
                raise ValueError("Nova needs at least one compute host")
            hosts = [f"host{i}" for i in range(1, hosts + 1)]
        self.hosts: list[str] = list(hosts)
        self.venv = cloud.venv(self.name)
        self.datadir = cloud.data(self.name)
        self.compute_url = COMPUTE_URL
        self.placement_url = PLACEMENT_URL
        self.http = nova_http.Client(KEYSTONE_URL)

    @functools.cached_property
    def layout(self) -> nova_conf.NovaLayout:
        return nova_conf.NovaLayout(
            etc=self.cloud.etc(self.name),
            data=self.datadir,
            keystone_url=KEYSTONE_URL,
            transport_url=self.transport_url,
            db_url=base.PG_ADMIN_URL,
            glance_url=GLANCE_URL,
            neutron_url=NEUTRON_URL,
        )

    # --- names and URLs --------------------------------------------------
    @property
    def processes(self) -> tuple[str, ...]:  # type: ignore[override]
        return (
            "nova-stubs",
            "nova-placement",
            "nova-conductor",
            "nova-scheduler",
            "nova-api",
            *(self.compute_proc(h) for h in self.hosts),
        )

    @staticmethod
    def compute_proc(host: str) -> str:
        return f"nova-compute-{host}"

    @property
    def transport_url(self) -> str:
        """RabbitMQ URL of Nova's RPC and versioned notifications (exchange ``nova``,
        topic ``versioned_notifications``)."""
        return nova_conf.transport_url()

    # --- install ---------------------------------------------------------
    def install(self) -> None:
        self.cloud.ensure_venv(self.name, LOCKFILE)

    def _bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    # --- start -----------------------------------------------------------
    def start(self, fresh: bool = False) -> None:
        """Start (or reuse) every process; ``fresh`` first forgets all state (like ``reset``)."""
        t0 = time.monotonic()
        self.install()
        if fresh:
            self.reset()
        self._check_keystone()
        self._check_foreign()
        if nova_conf.ensure_vhost():
            say(f"nova: RabbitMQ vhost {nova_conf.RABBIT_VHOST} created")
        nova_conf.write_all(self.layout, self.hosts, self.venv / "etc" / "nova" / "api-paste.ini")
        self._stop_unknown_computes()
        self._stop_if_changed()
        self._ensure_databases()
        # conductor and scheduler exit if placement does not answer when they start
        started = self._spawn(["nova-stubs", "nova-placement", "nova-api"])
        self._wait_http("nova-placement", self.placement_url + "/")
        self._pg("map-hosts", "devcloud_nova_api", "cell1", *self.hosts)  # no nova-manage discover_hosts
        started += self._spawn(["nova-conductor", "nova-scheduler", *map(self.compute_proc, self.hosts)])
        if started:
            say(f"nova: started {', '.join(started)}")
            (self.datadir / "code.sha256").write_text(self._code_digest())
        self._wait_http("nova-api", self.compute_url + "/")
        self._wait_ready(started)
        self._wait_up([h for h in self.hosts if self.compute_proc(h) in started])
        self._ensure_flavors()
        what = f"started {len(started)} process(es)" if started else "all processes were running"
        say(f"nova: ready at {self.compute_url}, hosts {', '.join(self.hosts)} ({what}, {time.monotonic() - t0:.1f}s)")

    def _code_digest(self) -> str:
        """What the running processes were started from: our peer modules and the common configs."""
        files = [*sorted(PEERS.glob("nova_*.py")), PEERS / "vmove_fake_virt.py", LOCKFILE,
                 self.layout.nova_conf, self.layout.placement_conf, self.layout.paste_ini]  # fmt: skip
        return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()

    def _stop_if_changed(self) -> None:
        """Processes started from other code or configuration are restarted (a dev cloud follows the tree)."""
        marker = self.datadir / "code.sha256"
        running = [p for p in self.cloud.procs() if p.startswith("nova-") and self.cloud.running(p)]
        if running and (not marker.exists() or marker.read_text() != self._code_digest()):
            say("nova: code or configuration changed since the processes started: restarting them")
            self.stop()

    def _check_foreign(self) -> None:
        """Refuse to start beside a Nova of another dev cloud: it would share our databases and vhost."""
        mine = (str(self.venv) + "/", str(self.layout.etc) + "/")
        sessions = {self.cloud.pid(p) for p in self.cloud.procs() if p.startswith("nova-")}
        foreign = []
        for proc in pathlib.Path("/proc").glob("[0-9]*"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                nova = "/peers/nova_launch.py" in cmd or "/peers/nova_stubs.py" in cmd or cmd.startswith("nova-")
                if not nova or any(m in cmd for m in mine):
                    continue
                session = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[3])
                if session not in sessions:  # forked workers carry only "nova-conductor: ... worker(0)"
                    foreign.append(int(proc.name))
        ports = {p: PORTS[n] for p, n in (("nova-stubs", "glance-stub"), ("nova-placement", "placement"),
                                          ("nova-api", "nova-api"))}  # fmt: skip
        for proc, port in ports.items():
            if not self.cloud.running(proc) and base.port_open(port):
                foreign.extend(base.port_owners(port))
        if foreign:
            raise DevCloudError(
                f"another Nova runs on this machine (pids {sorted(set(foreign))}), not this dev cloud's "
                f"({self.cloud.root}); stop it first (vmove-devcloud down with its VMOVE_DEVCLOUD_DIR)"
            )

    def _check_keystone(self) -> None:
        try:
            base.wait_http(KEYSTONE_URL, timeout=5, ok=(200,))
        except DevCloudError:
            raise DevCloudError(f"nova needs keystone at {KEYSTONE_URL}: start it first") from None

    def _env(self, **extra: str) -> dict[str, str]:
        env = {"PYTHONPATH": str(PEERS), "PYTHONWARNINGS": "ignore"}
        env.update(extra)
        return env

    def _argv(self, proc: str) -> tuple[list[str], dict[str, str]]:
        """Command line and extra environment of one of our processes."""
        py, launch, etc = self._bin("python"), str(PEERS / "nova_launch.py"), str(self.layout.etc)
        conf = ["--config-file", str(self.layout.nova_conf)]
        if proc == "nova-stubs":
            stubs = str(PEERS / "nova_stubs.py")
            ports = ["--glance-port", str(PORTS["glance-stub"]), "--neutron-port", str(PORTS["neutron-stub"])]
            return [py, stubs, *ports], {}
        if proc == "nova-placement":
            app = ["placement.wsgi.api:application", "placement-api"]
            return [py, launch, "wsgi", f"{HOST}:{PORTS['placement']}", *app], {"OS_PLACEMENT_CONFIG_DIR": etc}
        if proc == "nova-api":
            app = ["nova.wsgi.osapi_compute:application", "nova-api"]
            # the FIRST file of OS_NOVA_CONFIG_FILES is read as the paste config
            env = {"OS_NOVA_CONFIG_DIR": etc, "OS_NOVA_CONFIG_FILES": "api-paste.ini;nova.conf"}
            return [py, launch, "wsgi", f"{HOST}:{PORTS['nova-api']}", *app], env
        ready = {"VMOVE_NOVA_READY_FILE": str(self._ready_file(proc))}
        if proc in ("nova-conductor", "nova-scheduler"):
            return [py, launch, proc.removeprefix("nova-"), *conf], ready
        host = proc.removeprefix("nova-compute-")
        host_conf = ["--config-file", str(self.layout.compute_conf(host))]
        return [py, launch, "compute", *conf, *host_conf], {
            **ready,
            "VMOVE_FAKE_VIRT_CONTROL": str(self.layout.control),
        }

    def _ready_file(self, proc: str) -> pathlib.Path:
        return self.datadir / "ready" / proc

    def _spawn(self, procs: Sequence[str]) -> list[str]:
        """Start those of ``procs`` that do not run; returns the ones started."""
        started = []
        for proc in procs:
            if self.cloud.running(proc):
                continue
            argv, env = self._argv(proc)
            self._ready_file(proc).parent.mkdir(exist_ok=True)
            self._ready_file(proc).unlink(missing_ok=True)
            self.cloud.spawn(proc, argv, env=self._env(**env), cwd=self.datadir)
            started.append(proc)
        return started

    def _stop_unknown_computes(self) -> None:
        """Stop computes of hosts this Nova is no longer configured with."""
        for proc in self.cloud.procs():
            if proc.startswith("nova-compute-") and proc[len("nova-compute-") :] not in self.hosts:
                self.cloud.stop(proc, grace=0, sig=signal.SIGKILL)

    def _wait_http(self, proc: str, url: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if not self.cloud.running(proc):
                raise DevCloudError(f"{proc} exited; end of its log:\n{self._log_tail(proc)}")
            try:
                base.wait_http(url, timeout=1, ok=(200, 401))
                return
            except DevCloudError:
                if time.monotonic() > deadline:
                    raise DevCloudError(
                        f"{proc} did not answer on {url}; end of its log:\n{self._log_tail(proc)}"
                    ) from None

    def _wait_ready(self, procs: Sequence[str], timeout: float = 120) -> None:
        """Wait until the services ``procs`` (conductor, scheduler, computes) have started."""
        deadline = time.monotonic() + timeout
        waiting = [p for p in procs if not p.startswith(("nova-api", "nova-placement", "nova-stubs"))]
        while waiting:
            for proc in waiting:
                if not self.cloud.running(proc):
                    raise DevCloudError(f"{proc} exited; end of its log:\n{self._log_tail(proc)}")
            waiting = [p for p in waiting if not self._ready_file(p).exists()]
            if waiting and time.monotonic() > deadline:
                raise DevCloudError(f"{', '.join(waiting)} did not start within {timeout:.0f}s")
            time.sleep(0.2)

    def _wait_up(self, hosts: Sequence[str], timeout: float = 120) -> None:
        """Wait until Nova says the restarted computes of ``hosts`` are up: a compute that has just started
        may keep the stale heartbeat of its last run until its first report, and Nova refuses a live
        migration to a host it thinks is down ("Compute service of host2 is unavailable")."""
        deadline = time.monotonic() + timeout
        for host in hosts:
            while (service := self.compute_service(host))["state"] != "up":
                if service.get("forced_down"):
                    break  # down on purpose (a host failure under test): restore-host brings it back
                if time.monotonic() > deadline:
                    raise DevCloudError(f"nova-compute of {host} started but Nova still says it is down")
                time.sleep(0.5)

    def _ensure_flavors(self) -> None:
        have = {f["name"] for f in self.api("GET", "/flavors?is_public=None")["flavors"]}
        for name, ram, vcpus, disk, flavor_id in FLAVORS:
            if name not in have:
                self.api(
                    "POST",
                    "/flavors",
                    {"flavor": {"name": name, "ram": ram, "vcpus": vcpus, "disk": disk, "id": flavor_id}},
                )

    # --- stop / reset ----------------------------------------------------
    def stop(self) -> None:
        """SIGTERM every nova process at once, SIGKILL what is left after 3 s."""
        procs = [p for p in self.cloud.procs() if p.startswith("nova-")]
        for proc in procs:
            pid = self.cloud.pid(proc)
            if pid:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and any(self.cloud.running(p) for p in procs):
            time.sleep(0.1)
        for proc in procs:
            self.cloud.stop(proc, grace=0, sig=signal.SIGKILL)

    def reset(self) -> None:
        """Stop, drop the databases and the RabbitMQ vhost, forget the state (the templates stay)."""
        self.stop()
        if (self.venv / "bin" / "python").exists():
            self._pg("drop", *DATABASES)
        nova_conf.delete_vhost()
        shutil.rmtree(self.datadir, ignore_errors=True)
        self.datadir.mkdir(parents=True, exist_ok=True)

    # --- the APIs, as a test or the CLI calls them -----------------------
    def token(self, user: str = "admin") -> str:
        """A project-scoped Keystone token for ``user`` of base.USERS (cached)."""
        return self.http.token(user)

    def api(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        microversion: str = MICROVERSION,
        user: str = "admin",
    ) -> dict:
        """Call the compute API as ``user``; returns the JSON body ({} if none)."""
        return self.http.call(
            self.compute_url + path, method, body, user, {"OpenStack-API-Version": f"compute {microversion}"}
        )

    def placement(self, method: str, path: str, body: dict | None = None, version: str = "1.14") -> dict:
        return self.http.call(
            self.placement_url + path, method, body, "placement", {"OpenStack-API-Version": f"placement {version}"}
        )

    def _log_tail(self, proc: str, lines: int = 25) -> str:
        log = self.cloud.logfile(proc)
        if not log.exists():
            return "(no log)"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
