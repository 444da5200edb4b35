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
import time

from vmove.devcloud import base, infra
from vmove.devcloud.base import PORTS, Component, DevCloud, DevCloudError, say
from vmove.devcloud.cinder_conf import (  # noqa: F401 - part of this module's interface
    BACKENDS,
    DB_NAME,
    ENDPOINT,
    FAULT_KINDS,
    HERE,
    HOST_NAME,
    KEYSTONE_URL,
    LOCKFILE,
    PEERS_DIR,
    TEMPLATE_DB,
    VOLUME_TYPES,
    CinderConf,
    _write_if_changed,
    backend_of,
    pool,
)
from vmove.devcloud.cinder_db import CinderDatabase, _pg
from vmove.devcloud.cinder_http import API_VERSION, CinderApi  # noqa: F401 - part of this module's interface


class Cinder(CinderConf, CinderDatabase, CinderApi, Component):
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
