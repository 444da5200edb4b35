"""Shared plumbing of the dev cloud: state directory, ports, processes, venvs.

Every component (keystone, nova, cinder, ...) is a :class:`Component` working
inside one :class:`DevCloud` state directory::

    <state>/venvs/<name>/        one virtualenv per peer, reused between runs
    <state>/etc/<name>/          generated configuration
    <state>/run/<proc>.pid       pid of every process we started
    <state>/log/<proc>.log       its stdout/stderr
    <state>/data/<name>/         databases, volume files, keys ...

Processes are started in their own session (``setsid``) so that a test
runner's ``timeout`` never kills them by accident, and are stopped by pid.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import hashlib
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import typing
import urllib.error
import urllib.request

HOST = "127.0.0.1"

# One place for every port the dev cloud listens on.
PORTS = {
    "keystone": 15000,
    "nova-api": 18774,
    "placement": 18778,
    "cinder-api": 18776,
    "glance-stub": 18292,
    "neutron-stub": 18696,
    "horizon": 18080,
    "masakari-api": 15868,
    "vmove-api": 9393,
}

ADMIN_PASSWORD = "adminpass"
SERVICE_PASSWORD = "servicepass"
USERS = {
    # name: (password, project, roles)
    "admin": (ADMIN_PASSWORD, "admin", ["admin"]),
    "vmove": (SERVICE_PASSWORD, "service", ["service", "admin"]),
    "nova": (SERVICE_PASSWORD, "service", ["service", "admin"]),
    "placement": (SERVICE_PASSWORD, "service", ["service", "admin"]),
    "cinder": (SERVICE_PASSWORD, "service", ["service", "admin"]),
    "demo": ("demopass", "demo", ["member", "reader"]),
    "demo-reader": ("demopass", "demo", ["reader"]),
    "alt": ("altpass", "alt", ["member", "reader"]),
    # the Masakari peer's service user (its engine calls Nova as an admin)
    "masakari": (SERVICE_PASSWORD, "service", ["service", "admin"]),
    # a host monitor's account (masakari-monitors): the service role only, to report host failures
    "hamonitor": (SERVICE_PASSWORD, "service", ["service"]),
}

RABBIT_URL = os.environ.get("VMOVE_DEVCLOUD_RABBIT", "rabbit://guest:guest@127.0.0.1:5672/")
PG_ADMIN_URL = os.environ.get("VMOVE_DEVCLOUD_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432")
MARIADB_ADMIN_URL = os.environ.get("VMOVE_DEVCLOUD_MARIADB", "mysql+pymysql://root@127.0.0.1:3306")


def default_state_dir() -> pathlib.Path:
    env = os.environ.get("VMOVE_DEVCLOUD_DIR")
    if env:
        return pathlib.Path(env)
    xdg = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return pathlib.Path(xdg) / "vmove" / "devcloud"


def say(msg: str) -> None:
    """Progress line: the dev cloud never stays silent for a minute."""
    print(f"[devcloud {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class DevCloudError(RuntimeError):
    pass


@dataclasses.dataclass
class DevCloud:
    """The state directory and the process table of one dev cloud."""

    root: pathlib.Path = dataclasses.field(default_factory=default_state_dir)

    def __post_init__(self) -> None:
        self.root = pathlib.Path(self.root)
        for sub in ("venvs", "etc", "run", "log", "data"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    # --- paths ---------------------------------------------------------
    def venv(self, name: str) -> pathlib.Path:
        return self.root / "venvs" / name

    def etc(self, name: str) -> pathlib.Path:
        p = self.root / "etc" / name
        p.mkdir(parents=True, exist_ok=True)
        return p

    def data(self, name: str) -> pathlib.Path:
        p = self.root / "data" / name
        p.mkdir(parents=True, exist_ok=True)
        return p

    def pidfile(self, proc: str) -> pathlib.Path:
        return self.root / "run" / f"{proc}.pid"

    def logfile(self, proc: str) -> pathlib.Path:
        return self.root / "log" / f"{proc}.log"

    # --- virtualenvs ---------------------------------------------------
    def ensure_venv(self, name: str, lockfile: pathlib.Path, extra: list[str] | None = None) -> pathlib.Path:
        """Create (or reuse) the venv ``name`` installed from ``lockfile``.

        The venv is reused as long as the lock file (and ``extra``) did not
        change: a hash of both is kept in ``<venv>/.vmove-lock``.
        """
        venv = self.venv(name)
        digest = hashlib.sha256(lockfile.read_bytes() + repr(extra or []).encode()).hexdigest()
        marker = venv / ".vmove-lock"
        if marker.exists() and marker.read_text() == digest and (venv / "bin" / "python").exists():
            return venv
        log = self.logfile("venv-" + name)
        say(f"{name}: creating virtualenv from {lockfile.name} (first run only; pip output in {log})")
        t0 = time.monotonic()
        log.write_text("")
        self._logged_run(log, [sys.executable, "-m", "venv", "--clear", str(venv)])
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        self._logged_run(log, pip + ["-U", "pip", "setuptools", "wheel"])
        self._logged_run(log, pip + ["-r", str(lockfile)] + (extra or []))
        marker.write_text(digest)
        say(f"{name}: virtualenv ready in {time.monotonic() - t0:.0f}s")
        return venv

    @staticmethod
    def _logged_run(log: pathlib.Path, argv: list[str]) -> None:
        """Run ``argv`` with its output appended to ``log``; on failure raise with the tail of it."""
        with open(log, "ab") as out:
            out.write(("$ " + " ".join(argv) + "\n").encode())
            out.flush()
            proc = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        rc = proc.returncode
        if rc != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise DevCloudError(f"{' '.join(argv[:4])} ... failed (exit {rc}); end of {log}:\n{tail}")

    # --- processes -----------------------------------------------------
    def spawn(
        self,
        proc: str,
        argv: list[str],
        env: dict[str, str] | None = None,
        cwd: pathlib.Path | None = None,
    ) -> int:
        """Start ``argv`` detached (own session), log to log/<proc>.log, record its pid."""
        if self.running(proc):
            return self.pid(proc)  # type: ignore[return-value]
        full_env = dict(os.environ)
        full_env.pop("VIRTUAL_ENV", None)
        full_env["PYTHONWARNINGS"] = "ignore"
        full_env.update(env or {})
        log = open(self.logfile(proc), "ab")
        p = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=full_env,
            cwd=str(cwd) if cwd else None,
            start_new_session=True,
        )
        log.close()
        self.pidfile(proc).write_text(str(p.pid))
        return p.pid

    def pid(self, proc: str) -> int | None:
        try:
            return int(self.pidfile(proc).read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def running(self, proc: str) -> bool:
        pid = self.pid(proc)
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        # a zombie is not running
        with contextlib.suppress(OSError):
            stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
            if stat.rsplit(")", 1)[1].split()[0] == "Z":
                return False
        return True

    def stop(self, proc: str, grace: float = 5.0, sig: int = signal.SIGTERM) -> None:
        """Stop ``proc`` and its whole process group: ``sig``, then SIGKILL after ``grace``."""
        pid = self.pid(proc)
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and self.running(proc):
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
        self.pidfile(proc).unlink(missing_ok=True)

    def procs(self) -> list[str]:
        return sorted(p.stem for p in (self.root / "run").glob("*.pid"))


def port_open(port: int, host: str = HOST) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def port_owners(port: int) -> list[int]:
    """Pids of the processes holding a socket that LISTENs on TCP ``port`` (any address)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in pathlib.Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    owners = []
    for fd_dir in pathlib.Path("/proc").glob("[0-9]*/fd"):
        with contextlib.suppress(OSError):
            for fd in fd_dir.iterdir():
                with contextlib.suppress(OSError):
                    link = os.readlink(fd)
                    if link.startswith("socket:[") and link[8:-1] in inodes:
                        owners.append(int(fd_dir.parent.name))
                        break
    return sorted(owners)


def wait_http(url: str, timeout: float = 60.0, ok=(200, 300, 401)) -> None:
    """Wait until ``url`` answers with a status in ``ok`` (a 401 means alive behind auth)."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status in ok:
                    return
        except urllib.error.HTTPError as e:
            if e.code in ok:
                return
            last = e
        except OSError as e:
            last = e
        time.sleep(0.25)
    raise DevCloudError(f"{url} did not answer within {timeout:.0f}s (last: {last})")


class Component(abc.ABC):
    """One peer of the dev cloud.

    ``install`` creates/reuses its venv, ``start`` is idempotent (reuses what
    runs), ``stop`` stops every process it started, by pid.
    """

    name: str = ""
    #: names of the processes (pid files) this component owns
    processes: tuple[str, ...] = ()

    def __init__(self, cloud: DevCloud):
        self.cloud = cloud

    @abc.abstractmethod
    def install(self) -> None: ...

    @abc.abstractmethod
    def start(self) -> None: ...

    def stop(self) -> None:
        for proc in reversed(self.cloud.procs()):
            if proc == self.name or proc.startswith(self.name + "-"):
                self.cloud.stop(proc)

    def reset(self) -> None:
        """Forget this component's state (``up --fresh``): stop it, remove its data directory.

        Components keeping state elsewhere (a PostgreSQL database, ...) extend this.
        """
        self.stop()
        shutil.rmtree(self.cloud.root / "data" / self.name, ignore_errors=True)

    def status(self) -> dict[str, bool]:
        mine = [p for p in self.cloud.procs() if p == self.name or p.startswith(self.name + "-")]
        return {p: self.cloud.running(p) for p in mine}

    def _stop_unanswering(self, why: str, lines: int) -> typing.NoReturn:
        """Stop its process (named as the component), which did not answer: DevCloudError ``why`` with the
        last ``lines`` of its log."""
        log = self.cloud.logfile(self.name)
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
        self.cloud.stop(self.name)
        raise DevCloudError(f"{why}; end of {log}:\n{tail}")


class VenvComponent(Component):
    """A peer with its own venv, etc and data directories (``venv``, ``etc``, ``datadir``; the last two made)."""

    def __init__(self, cloud: DevCloud):
        super().__init__(cloud)
        self.venv = cloud.venv(self.name)
        self.etc = cloud.etc(self.name)
        self.datadir = cloud.data(self.name)
