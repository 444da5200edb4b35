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
import concurrent.futures
import contextlib
import functools
import hashlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import time

from vmove.devcloud import base, nova_conf, nova_http
from vmove.devcloud.base import HOST, PORTS, DevCloudError, say

LOCKFILE = pathlib.Path(__file__).parent / "locks" / "nova.txt"
PEERS = pathlib.Path(__file__).parent / "peers"

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
DATABASES = ("devcloud_nova_api", "devcloud_nova_cell0", "devcloud_nova", "devcloud_placement")
TEMPLATE_PREFIX = "devcloud_nova_tpl_"
#: What ``inject_failure`` can break (see peers/vmove_fake_virt.py).
FAULT_OPS = ("live_migration", "live_migration_precheck", "cold_migration", "spawn")
#: Nova API microversion used by this module's own calls.
MICROVERSION = "2.96"

KEYSTONE_URL = f"http://{HOST}:{PORTS['keystone']}/v3"
COMPUTE_URL = f"http://{HOST}:{PORTS['nova-api']}/v2.1"
PLACEMENT_URL = f"http://{HOST}:{PORTS['placement']}"
GLANCE_URL = f"http://{HOST}:{PORTS['glance-stub']}"
NEUTRON_URL = f"http://{HOST}:{PORTS['neutron-stub']}"


class Nova(base.Component):
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

    # --- databases -------------------------------------------------------
    def _pg(self, action: str, *args: str) -> str:
        proc = subprocess.run(
            [self._bin("python"), str(PEERS / "nova_dbtool.py"), base.PG_ADMIN_URL, action, *args],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise DevCloudError(
                f"PostgreSQL {action} {' '.join(args)} failed at {base.PG_ADMIN_URL}:\n{proc.stderr[-2000:]}"
            )
        return proc.stdout

    def _schema_digest(self) -> str:
        """What the synced schema and the cell mappings depend on."""
        blob = LOCKFILE.read_bytes() + f"|{base.PG_ADMIN_URL}|{self.transport_url}".encode()
        return hashlib.sha256(blob).hexdigest()[:32]

    def _ensure_databases(self) -> None:
        """Reuse our databases, or make new ones (from the templates when they match).

        Each database's comment says which dev cloud (state directory) made it
        for which schema: the databases have fixed names on the machine's
        PostgreSQL, and a dev cloud in another state directory may have
        recreated them since.
        """
        digest = self._schema_digest()
        stamp = f"{digest} {self.cloud.root}"
        existing = json.loads(self._pg("list"))
        if all(existing.get(d) == stamp for d in DATABASES):
            return
        t0 = time.monotonic()
        self.stop()  # whatever of ours runs belongs to other databases
        shutil.rmtree(self.layout.data / "hosts", ignore_errors=True)  # node identities, fake guests
        nova_conf.write_all(self.layout, self.hosts, self.venv / "etc" / "nova" / "api-paste.ini")
        self._pg("drop", *DATABASES)
        templates = {d: TEMPLATE_PREFIX + d.removeprefix("devcloud_") for d in DATABASES}
        if all(existing.get(t) == digest for t in templates.values()):
            self._pg("create", *(f"{d}={t}" for d, t in templates.items()))
            say(f"nova: databases created from templates ({time.monotonic() - t0:.1f}s)")
        else:
            say("nova: new databases: schema sync (first time only, ~20 s)")
            self._pg("create", *DATABASES)
            self._sync_schemas()
            self._pg("drop", *templates.values())
            self._pg("create", *(f"{t}={d}" for d, t in templates.items()))
            self._pg("comment", *(f"{t}={digest}" for t in templates.values()))
            say(f"nova: databases synced and kept as templates ({time.monotonic() - t0:.1f}s)")
        self._pg("comment", *(f"{d}={stamp}" for d in DATABASES))

    def _sync_schemas(self) -> None:
        conf = ["--config-file", str(self.layout.nova_conf)]
        nm = ["nova-manage", *conf]
        api_steps = [
            [*nm, "api_db", "sync"],
            [*nm, "cell_v2", "map_cell0", "--database_connection", self.layout.db("devcloud_nova_cell0")],
            [*nm, "cell_v2", "create_cell", "--name", "cell1"],
        ]
        chains = [
            api_steps,
            [[*nm, "db", "sync", "--local_cell"]],
            [
                [
                    "nova-manage",
                    *conf,
                    "--config-file",
                    str(self.layout.cell0_conf),
                    "db",
                    "sync",
                    "--local_cell",
                ]
            ],
            [["placement-manage", "--config-file", str(self.layout.placement_conf), "db", "sync"]],
        ]
        with concurrent.futures.ThreadPoolExecutor(len(chains)) as pool:
            for future in [pool.submit(lambda c=c: [self._manage(step) for step in c]) for c in chains]:
                future.result()

    def _manage(self, argv: list[str]) -> None:
        log = self.cloud.logfile("nova-manage")
        with open(log, "ab") as out:
            out.write(("$ " + " ".join(argv) + "\n").encode())
            out.flush()
            env = {**self._env(), "OS_PLACEMENT_CONFIG_DIR": str(self.layout.etc)}
            proc = subprocess.run(
                [self._bin(argv[0]), *argv[1:]],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**_clean_environ(), **env},
            )
        if proc.returncode != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise DevCloudError(f"{' '.join(argv[:6])} failed (exit {proc.returncode}); end of {log}:\n{tail}")

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

    # --- host failure ----------------------------------------------------
    def fail_host(self, host: str, lose_guests: bool = False) -> None:
        """Kill ``host``'s nova-compute (SIGKILL) and force its service down, so Nova allows evacuation.

        ``lose_guests``: the fake hypervisor forgets its guests too (a crashed
        hypervisor); by default they are still there when the host comes back.
        """
        self._check_host(host)
        self.cloud.stop(self.compute_proc(host), grace=0, sig=signal.SIGKILL)
        if lose_guests:
            (self.layout.state(host) / "fake_guests.json").unlink(missing_ok=True)
        service = self.compute_service(host)
        self.api("PUT", f"/os-services/{service['id']}", {"forced_down": True}, microversion="2.53")
        say(f"nova: {host} failed (nova-compute killed, service forced down)")

    def restore_host(self, host: str, timeout: float = 120) -> float:
        """Restart ``host``'s nova-compute and unset forced_down once Nova allows it.

        Nova refuses while 'done' evacuation records of the host remain: the
        restarted compute cleans the evacuated guests and completes them.
        Returns the seconds it took.
        """
        self._check_host(host)
        t0 = time.monotonic()
        proc = self.compute_proc(host)
        self._wait_ready(self._spawn([proc]), timeout=timeout)
        deadline = t0 + timeout
        service_id = self.compute_service(host)["id"]
        while True:
            if not self.cloud.running(proc):
                raise DevCloudError(f"nova-compute of {host} exited; end of its log:\n{self._log_tail(proc)}")
            try:
                self.api("PUT", f"/os-services/{service_id}", {"forced_down": False}, microversion="2.53")
                if self.compute_service(host)["state"] == "up":
                    break
            except DevCloudError as exc:
                if "HTTP 400" not in str(exc) or time.monotonic() > deadline:
                    raise
            if time.monotonic() > deadline:
                raise DevCloudError(f"{host} did not come back up within {timeout:.0f}s")
            time.sleep(0.5)
        took = time.monotonic() - t0
        say(f"nova: {host} restored ({took:.1f}s)")
        return took

    def restore_and_enable(self, host: str, timeout: float = 120) -> float:
        """:meth:`restore_host`, then enable its nova-compute if a recovery (vmove's, Masakari's) left it
        disabled, whatever happened to the restore."""
        try:
            return self.restore_host(host, timeout=timeout)
        finally:
            service = self.compute_service(host)
            if service["status"] == "disabled":
                self.api("PUT", f"/os-services/{service['id']}", {"status": "enabled"}, microversion="2.53")

    def compute_service(self, host: str) -> dict:
        """The ``os-services`` record of ``host``'s nova-compute (microversion 2.53: uuid ids)."""
        found = self.api("GET", f"/os-services?binary=nova-compute&host={host}", microversion="2.53")["services"]
        if not found:
            raise DevCloudError(f"no nova-compute service for {host}")
        return found[0]

    def _check_host(self, host: str) -> None:
        if host not in self.hosts:
            raise DevCloudError(f"unknown host {host!r}; this Nova has {', '.join(self.hosts)}")

    # --- fake driver controls -------------------------------------------
    # Plain files under data/nova/control, read by the fake driver at each
    # operation: no restart needed.  A server-scoped control does not disturb
    # other test sessions sharing the dev cloud; a host-scoped one does.
    def _control(self, name: str, host: str | None, server: str | None) -> pathlib.Path:
        if host and server:
            raise ValueError("give a host or a server, not both")
        if host:
            self._check_host(host)
            return self.layout.control / host / name
        if server:
            return self.layout.control / "servers" / server / name
        return self.layout.control / name

    def set_live_migration_seconds(
        self, seconds: float | None, host: str | None = None, server: str | None = None
    ) -> None:
        """How long a live migration of ``server``, or leaving ``host``, or any, stays 'running'.

        The most specific setting wins.  ``seconds=None`` removes the setting
        (with neither host nor server: every setting); the default is 0.
        """
        path = self._control("live_migration_seconds", host, server)
        if seconds is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{float(seconds)}\n")
        elif host or server:
            path.unlink(missing_ok=True)
        else:
            for found in self.layout.control.rglob("live_migration_seconds"):
                found.unlink(missing_ok=True)

    def inject_failure(self, host: str | None, op: str, times: int | None = 1, server: str | None = None) -> None:
        """Make the next ``times`` ``op`` (one of FAULT_OPS) on ``host``, or of ``server``, fail.

        ``times=None``: until cleared.  See peers/vmove_fake_virt.py for what
        each failure looks like from the API.
        """
        if op not in FAULT_OPS:
            raise ValueError(f"unknown fault {op!r}; known: {', '.join(FAULT_OPS)}")
        if not (host or server):
            raise ValueError("inject_failure needs a host or a server")
        path = self._control(f"fail_{op}", host, server)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("always" if times is None else str(int(times)))

    def clear_failures(self, host: str | None = None, server: str | None = None) -> None:
        """Remove injected failures: of ``host``, of ``server``, or (neither) all of them."""
        pattern = f"{host}/fail_*" if host else f"servers/{server}/fail_*" if server else "**/fail_*"
        for path in self.layout.control.glob(pattern):
            path.unlink(missing_ok=True)

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


def _clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV" and not k.startswith("OS_")}
