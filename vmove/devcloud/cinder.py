"""Real Cinder 29 of the dev cloud: cinder-api, cinder-scheduler, cinder-volume.

Three backends of our file-backed driver (``peers/vmove_file_driver.py``):
``a1`` and ``a2`` report ``volume_backend_name = fileA`` and ``b`` reports
``fileB``; volume type ``A`` selects fileA and ``B`` selects fileB.  So a
plain migrate (same type, other backend) is a1 <-> a2, and a retype is A -> B.
Volumes are sparse files under ``<state>/data/cinder/volumes/<backend>/``, and
migrate/retype take Cinder's generic path, which really copies the data
(``dd conv=sparse`` between the two files).

RPC goes over the machine's RabbitMQ (exchange ``cinder``), the database is
``devcloud_cinder`` on the machine's PostgreSQL (SQLite breaks under several
processes), auth is the dev cloud's real Keystone, and Cinder talks to the
dev cloud's real Nova (``[nova]``) for the swap of attached volumes.

Ready means ``GET /scheduler-stats/get_pools`` lists all three pools; the
heartbeat-based service list is not enough (old heartbeats count as "up" for
60 s).  See ``vmove/devcloud/CINDER_QUIRKS.md`` for the status quirks
that vmove's engine must handle.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

from vmove.devcloud import base, infra
from vmove.devcloud.base import HOST, PORTS, Component, DevCloud, DevCloudError, say

HERE = pathlib.Path(__file__).resolve().parent
LOCKFILE = HERE / "locks" / "cinder.txt"
PEERS_DIR = HERE / "peers"

ENDPOINT = f"http://{HOST}:{PORTS['cinder-api']}/v3"
KEYSTONE_URL = f"http://{HOST}:{PORTS['keystone']}/v3"
DB_NAME = "devcloud_cinder"
#: a synced copy of DB_NAME (its comment: the lock file digest); makes a reset fast
TEMPLATE_DB = "devcloud_cinder_tpl"
#: the ``host`` of every cinder service; pools are ``devcloud@<backend>#<name>``
HOST_NAME = "devcloud"
#: backend (cinder.conf section) -> volume_backend_name
BACKENDS = {"a1": "fileA", "a2": "fileA", "b": "fileB"}
#: volume type -> volume_backend_name extra spec
VOLUME_TYPES = {"A": "fileA", "B": "fileB"}
#: what inject_fault() accepts; the driver reads them on every operation
FAULT_KINDS = ("fail-create", "delay-create", "fail-connect", "delay-connect", "fail-delete", "delay-delete")
#: microversion used for our own admin calls (3.67: no project id in URLs)
API_VERSION = "3.71"


def pool(backend: str) -> str:
    """The pool name (``os-vol-host-attr:host``) of ``backend``: ``devcloud@a1#fileA``."""
    return f"{HOST_NAME}@{backend}#{BACKENDS[backend]}"


def backend_of(host: str) -> str:
    """``devcloud@a1#fileA`` (or ``devcloud@a1``) -> ``a1``."""
    return host.split("@", 1)[1].split("#", 1)[0]


class Cinder(Component):
    name = "cinder"
    processes = ("cinder-api", "cinder-scheduler", "cinder-volume")

    def __init__(self, cloud: DevCloud, debug: bool | None = None):
        super().__init__(cloud)
        self.debug = os.environ.get("VMOVE_DEVCLOUD_DEBUG") == "1" if debug is None else debug
        self.endpoint = ENDPOINT

    # --- paths ---------------------------------------------------------
    @property
    def venv(self) -> pathlib.Path:
        return self.cloud.venv(self.name)

    @property
    def etc(self) -> pathlib.Path:
        return self.cloud.etc(self.name)

    @property
    def data(self) -> pathlib.Path:
        return self.cloud.data(self.name)

    @property
    def conf_path(self) -> pathlib.Path:
        return self.etc / "cinder.conf"

    @property
    def faults_path(self) -> pathlib.Path:
        return self.data / "faults.json"

    def backend_dir(self, backend: str) -> pathlib.Path:
        return self.data / "volumes" / backend

    def volume_path(self, host: str, name_id: str) -> pathlib.Path:
        """File of a volume, from its ``os-vol-host-attr:host`` and
        ``os-vol-mig-status-attr:name_id`` (or its id while name_id is empty:
        it is only set by a migration)."""
        return self.backend_dir(backend_of(host)) / f"volume-{name_id}"

    def volume_file(self, volume) -> pathlib.Path:
        """File of ``volume``: a cinderclient Volume or the API's JSON dict, admin view."""
        if isinstance(volume, dict):
            attrs = volume
        else:
            attrs = getattr(volume, "_info", None) or vars(volume)
        name_id = attrs.get("os-vol-mig-status-attr:name_id") or attrs["id"]
        return self.volume_path(attrs["os-vol-host-attr:host"], name_id)

    def write_data(self, volume, data: bytes, offset: int = 0) -> None:
        """Write ``data`` into the volume's file (a marker to follow across moves)."""
        with open(self.volume_file(volume), "r+b") as f:
            f.seek(offset)
            f.write(data)

    def read_data(self, volume, length: int, offset: int = 0) -> bytes:
        with open(self.volume_file(volume), "rb") as f:
            f.seek(offset)
            return f.read(length)

    # --- install -------------------------------------------------------
    def install(self) -> None:
        """Create/reuse the venv and copy Cinder's stock paste/rootwrap files."""
        self.cloud.ensure_venv(self.name, LOCKFILE)
        stock = self.venv / "etc" / "cinder"
        etc = self.etc
        paste = (stock / "api-paste.ini").read_text()
        paste = paste.replace("/etc/cinder/healthcheck_disable", str(self.data / "healthcheck_disable"))
        _write_if_changed(etc / "api-paste.ini", paste)
        shutil.copyfile(stock / "resource_filters.json", etc / "resource_filters.json")
        rootwrap = (stock / "rootwrap.conf").read_text()
        lines = [
            f"filters_path={etc / 'rootwrap.d'}" if ln.startswith("filters_path=") else ln
            for ln in rootwrap.splitlines()
        ]
        _write_if_changed(etc / "rootwrap.conf", "\n".join(lines) + "\n")
        shutil.copytree(stock / "rootwrap.d", etc / "rootwrap.d", dirs_exist_ok=True)

    # --- start ---------------------------------------------------------
    def start(self, fresh: bool = False) -> None:
        """Start (or reuse) the Cinder processes and wait until all pools are known.

        ``fresh`` stops what runs, drops the database and removes every
        volume file first.
        """
        t0 = time.monotonic()
        self.install()
        if fresh:
            self.reset()
        problem = infra.postgres_problem() or infra.rabbit_problem()
        if problem:
            raise DevCloudError(f"cinder needs PostgreSQL and RabbitMQ: {problem}")
        if not base.port_open(PORTS["keystone"]):
            raise DevCloudError(f"cinder needs the dev cloud keystone, which does not answer at {KEYSTONE_URL}")
        for backend in BACKENDS:
            self.backend_dir(backend).mkdir(parents=True, exist_ok=True)
        (self.data / "state").mkdir(exist_ok=True)
        self._write_conf()
        if not all(self.cloud.running(p) for p in self.processes):
            port = PORTS["cinder-api"]
            if not self.cloud.running("cinder-api") and base.port_open(port):
                raise DevCloudError(
                    f"port {port} is taken by another process (pids {base.port_owners(port) or '?'}), "
                    "not by this dev cloud's cinder-api; stop it or run `vmove-devcloud down`"
                )
            self._prepare_db()
            env = {"PYTHONPATH": str(PEERS_DIR)}
            for proc in self.processes:
                if not self.cloud.running(proc):
                    argv = [str(self.venv / "bin" / proc), "--config-file", str(self.conf_path)]
                    self.cloud.spawn(proc, argv, env)
        self.wait_ready()
        self.ensure_volume_types()
        say(f"cinder: ready at {self.endpoint} in {time.monotonic() - t0:.1f}s")

    def reset(self) -> None:
        """Stop Cinder, drop its database, remove its volume files and faults."""
        self.stop()
        owner = _pg("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (DB_NAME,))
        if owner and (owner[0][0] or "").endswith(f" {self.cloud.root}"):
            infra.drop_database(DB_NAME)  # only ours: another state directory may own it now
        super().reset()

    def _prepare_db(self) -> None:
        """Reuse our database, or make a new one (a copy of the template when it matches).

        The database has a fixed name on the machine's PostgreSQL, so its comment
        says which dev cloud (state directory) made it for which lock file: a dev
        cloud of another state directory may have recreated it since, and then our
        volume files mean nothing.  ``cinder-manage db sync`` takes ~4 s; a copy of
        the template database (kept after a sync) well under a second.
        """
        digest = _file_digest(LOCKFILE)[:32]
        stamp = f"{digest} {self.cloud.root}"
        comments = dict(
            _pg(
                "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database WHERE datname IN (%s, %s)",
                (DB_NAME, TEMPLATE_DB),
            )
        )
        if comments.get(DB_NAME) == stamp:
            return
        t0 = time.monotonic()
        if DB_NAME in comments:
            say(f"cinder: database {DB_NAME} is not this dev cloud's ({comments[DB_NAME]}); recreating it")
        infra.drop_database(DB_NAME)
        shutil.rmtree(self.data / "volumes", ignore_errors=True)  # they belonged to the old database
        for backend in BACKENDS:
            self.backend_dir(backend).mkdir(parents=True, exist_ok=True)
        if comments.get(TEMPLATE_DB) == digest:
            _pg(f'CREATE DATABASE "{DB_NAME}" TEMPLATE "{TEMPLATE_DB}"')
            say(f"cinder: database {DB_NAME} copied from {TEMPLATE_DB} in {time.monotonic() - t0:.1f}s")
        else:
            infra.create_database(DB_NAME)
            manage = str(self.venv / "bin" / "cinder-manage")
            argv = [manage, "--config-file", str(self.conf_path), "db", "sync"]
            log = self.cloud.logfile("cinder-dbsync")
            with open(log, "ab") as out:
                rc = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, env=_child_env()).returncode
            if rc:
                raise DevCloudError(f"cinder: db sync failed (exit {rc}); see {log}")
            say(f"cinder: database {DB_NAME} synced in {time.monotonic() - t0:.1f}s")
            try:  # nobody is connected to the new database yet: keep a copy for the next time
                infra.drop_database(TEMPLATE_DB)
                _pg(f'CREATE DATABASE "{TEMPLATE_DB}" TEMPLATE "{DB_NAME}"')
                _pg(f'COMMENT ON DATABASE "{TEMPLATE_DB}" IS %s', (digest,))
            except Exception as e:  # only an optimisation
                say(f"cinder: no template database ({str(e).strip()})")
        _pg(f'COMMENT ON DATABASE "{DB_NAME}" IS %s', (stamp,))

    def _write_conf(self) -> None:
        _write_if_changed(self.conf_path, self.render_conf())

    def render_conf(self) -> str:
        """cinder.conf: keystone auth, RabbitMQ, PostgreSQL, 3 file backends."""
        db = infra.database_url(DB_NAME)
        conf = self.conf_path
        privsep = f"{self.venv / 'bin' / 'privsep-helper'} --config-file {conf}"
        password = base.USERS["cinder"][0]
        # the cinder service user, as keystoneauth options (authtoken, nova, service token)
        ksa = (
            f"auth_type = password\nauth_url = {KEYSTONE_URL}\nusername = cinder\npassword = {password}\n"
            "project_name = service\nuser_domain_name = Default\nproject_domain_name = Default\n"
        )
        backends = "".join(
            f"\n[{b}]\nvolume_driver = vmove_file_driver.FileVolumeDriver\n"
            f"volume_backend_name = {name}\nfile_volume_dir = {self.backend_dir(b)}\n"
            f"file_faults_path = {self.faults_path}\n"
            for b, name in BACKENDS.items()
        )
        quotas = "".join(
            f"quota_{q} = -1\n" for q in ("volumes", "snapshots", "gigabytes", "backups", "backup_gigabytes", "groups")
        )
        return f"""# generated by vmove.devcloud.cinder: do not edit, it is rewritten on start
[DEFAULT]
debug = {str(self.debug).lower()}
state_path = {self.data / "state"}
host = {HOST_NAME}
my_ip = {HOST}
auth_strategy = keystone
transport_url = {base.RABBIT_URL}
control_exchange = cinder
api_paste_config = {self.etc / "api-paste.ini"}
rootwrap_config = {self.etc / "rootwrap.conf"}
resource_query_filters_file = {self.etc / "resource_filters.json"}
osapi_volume_listen = {HOST}
osapi_volume_listen_port = {PORTS["cinder-api"]}
osapi_volume_workers = 1
enabled_backends = {",".join(BACKENDS)}
default_volume_type = A
# quotas lifted: db sync creates a default quota class of 10 volumes,
# quota_volumes = -1 alone does not lift it
use_default_quota_class = false
per_volume_size_limit = -1
{quotas}# fast capability reports: the scheduler knows all pools within seconds
periodic_interval = 5
periodic_fuzzy_delay = 0
backend_stats_polling_interval = 5

[database]
connection = {db}
max_pool_size = 3
max_overflow = 4

[oslo_concurrency]
lock_path = {self.data / "state" / "lock"}

[coordination]
backend_url = file://{self.data / "state" / "coord"}

[oslo_messaging_notifications]
driver = noop

[privsep_osbrick]
helper_command = {privsep}

[cinder_sys_admin]
helper_command = {privsep}

[keystone_authtoken]
www_authenticate_uri = {KEYSTONE_URL}
{ksa}service_token_roles_required = true

[service_user]
send_service_user_token = true
{ksa}
[nova]
# Cinder -> Nova: swap of attached volumes during migrate/retype
{ksa}region_name = RegionOne
interface = public
{backends}"""

    # --- readiness -----------------------------------------------------
    def wait_ready(self, timeout: float = 120.0) -> None:
        """Wait until the API answers and the scheduler knows every pool."""
        deadline = time.monotonic() + timeout
        want = {pool(b) for b in BACKENDS}
        seen: set[str] = set()
        last: object = None
        while time.monotonic() < deadline:
            dead = [p for p in self.processes if not self.cloud.running(p)]
            if dead:
                raise DevCloudError(f"cinder: {', '.join(dead)} exited; see {self.cloud.logfile(dead[0])}")
            try:
                seen = {p["name"] for p in self.api("GET", "/scheduler-stats/get_pools")["pools"]}
                if want <= seen:
                    return
            except (OSError, DevCloudError, KeyError, ValueError) as e:
                last = e
            time.sleep(0.5)
        missing = sorted(want - seen)
        raise DevCloudError(f"cinder: pools {missing} not known after {timeout:.0f}s (last: {last})")

    def ready(self) -> bool:
        try:
            pools = {p["name"] for p in self.api("GET", "/scheduler-stats/get_pools")["pools"]}
        except (OSError, DevCloudError, KeyError, ValueError):
            return False
        return {pool(b) for b in BACKENDS} <= pools

    def ensure_volume_types(self) -> dict[str, str]:
        """Create the volume types A and B if missing; return name -> id."""
        types = {t["name"]: t["id"] for t in self.api("GET", "/types?is_public=None")["volume_types"]}
        for name, backend_name in VOLUME_TYPES.items():
            if name not in types:
                body = {"volume_type": {"name": name, "extra_specs": {"volume_backend_name": backend_name}}}
                types[name] = self.api("POST", "/types", body)["volume_type"]["id"]
        return {n: types[n] for n in VOLUME_TYPES}

    # --- admin REST calls (urllib only: no client library needed) -------
    _token: tuple[str, float] | None = None

    def token(self) -> str:
        """A Keystone token of the dev cloud admin (cached for 10 minutes)."""
        if self._token and self._token[1] > time.monotonic():
            return self._token[0]
        password, project, _roles = base.USERS["admin"]
        user = {"name": "admin", "domain": {"id": "default"}, "password": password}
        body = {
            "auth": {
                "identity": {"methods": ["password"], "password": {"user": user}},
                "scope": {"project": {"name": project, "domain": {"id": "default"}}},
            }
        }
        req = urllib.request.Request(
            f"{KEYSTONE_URL}/auth/tokens",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                tok = r.headers["X-Subject-Token"]
        except urllib.error.HTTPError as e:
            raise DevCloudError(f"keystone refused the admin token: {e.code} {e.read()[:200]!r}") from e
        self._token = (tok, time.monotonic() + 600)
        return tok

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        """Call Cinder's API as the dev cloud admin; return the decoded JSON (or {})."""
        try:
            return self._api(method, path, body)
        except urllib.error.HTTPError as e:
            if e.code != 401:
                raise DevCloudError(f"cinder {method} {path}: {e.code} {e.read()[:300]!r}") from e
        self._token = None  # keystone was reset meanwhile: one more try with a new token
        try:
            return self._api(method, path, body)
        except urllib.error.HTTPError as e:
            raise DevCloudError(f"cinder {method} {path}: {e.code} {e.read()[:300]!r}") from e

    def _api(self, method: str, path: str, body: dict | None) -> dict:
        req = urllib.request.Request(
            self.endpoint + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "X-Auth-Token": self.token(),
                "Content-Type": "application/json",
                "Accept": "application/json",
                "OpenStack-API-Version": f"volume {API_VERSION}",
            },
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
        return json.loads(raw) if raw else {}

    # --- fault injection -----------------------------------------------
    def inject_fault(self, backend: str, kind: str, seconds: float | None = None) -> None:
        """Make ``backend`` (a1, a2, b) fail or slow down an operation.

        ``kind`` is one of :data:`FAULT_KINDS`; ``seconds`` is the delay of a
        ``delay-*`` kind (5 s if not given).  Takes effect on the next
        operation, without a restart.
        """
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; one of {sorted(BACKENDS)}")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULT_KINDS}")
        faults = self.faults()
        if kind.startswith("fail-"):
            faults.setdefault(backend, {})[kind] = True
        else:
            faults.setdefault(backend, {})[kind] = float(5 if seconds is None else seconds)
        self._write_faults(faults)

    def clear_faults(self, backend: str | None = None) -> None:
        """Remove every injected fault (of ``backend`` only, if given)."""
        faults = self.faults()
        if backend is None:
            faults = {}
        else:
            faults.pop(backend, None)
        self._write_faults(faults)

    def faults(self) -> dict[str, dict[str, bool | float]]:
        try:
            return json.loads(self.faults_path.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def _write_faults(self, faults: dict) -> None:
        tmp = self.faults_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(faults, indent=1, sort_keys=True))
        os.replace(tmp, self.faults_path)

    # --- stop / status -------------------------------------------------
    def stop(self) -> None:
        helpers = self._privsep_helpers()
        # SIGTERM to every process group at once; Component.stop then waits for
        # each in turn (and SIGKILLs what is left) instead of up to 5 s apiece
        for proc in self.cloud.procs():
            pid = self.cloud.pid(proc)
            if proc.startswith(self.name + "-") and pid and self.cloud.running(proc):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGTERM)
        super().stop()
        # os-brick's privsep daemons leave our process groups: stop them by pid
        for pid in helpers + self._privsep_helpers():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _privsep_helpers(self) -> list[int]:
        """Pids of the privsep-helper daemons started for *our* cinder.conf."""
        needle = str(self.conf_path).encode()
        pids = []
        for proc in pathlib.Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                argv = (proc / "cmdline").read_bytes().split(b"\0")
                if any(a.endswith(b"privsep-helper") for a in argv[:2]) and needle in argv:
                    pids.append(int(proc.name))
        return pids

    def status(self) -> dict[str, bool]:
        st = super().status()
        if st and all(st.values()):
            st["cinder-pools-ready"] = self.ready()
        return st


def _file_digest(path: pathlib.Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pg(sql: str, params: tuple = ()) -> list[tuple]:
    """Run one statement on the server's ``postgres`` database (autocommit); return its rows."""
    import psycopg2

    conn = psycopg2.connect(infra.pg_dsn(), connect_timeout=5)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env["PYTHONWARNINGS"] = "ignore"
    env["PYTHONPATH"] = str(PEERS_DIR)
    return env


def _write_if_changed(path: pathlib.Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
