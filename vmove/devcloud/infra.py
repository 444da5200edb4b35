"""The machine services the dev cloud's Nova and Cinder need: RabbitMQ and PostgreSQL.

They are the machine's own services (``127.0.0.1:5672`` guest/guest and
``127.0.0.1:5432`` user ``postgres`` with trust auth, see
:data:`base.RABBIT_URL` and :data:`base.PG_ADMIN_URL`), shared with anything
else on the machine: the dev cloud starts them when they are installed but
stopped, installs them with apt when it runs as root, and never stops them.

This module runs in vmove's own venv (psycopg2-binary, amqp).
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import time
import urllib.parse

from vmove.devcloud import base
from vmove.devcloud.base import DevCloudError, say

_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


# --- PostgreSQL --------------------------------------------------------------
def pg_dsn(dbname: str = "postgres") -> str:
    """libpq URI of ``dbname`` on the dev cloud's PostgreSQL server."""
    url = urllib.parse.urlsplit(base.PG_ADMIN_URL)
    return urllib.parse.urlunsplit(("postgresql", url.netloc, "/" + dbname, url.query, ""))


def database_url(name: str) -> str:
    """SQLAlchemy URL (``postgresql+psycopg2://...``) of database ``name``, for a peer's config."""
    url = urllib.parse.urlsplit(base.PG_ADMIN_URL)
    return urllib.parse.urlunsplit((url.scheme, url.netloc, "/" + _checked(name), url.query, ""))


def _checked(name: str) -> str:
    if not _DB_NAME.match(name):
        raise ValueError(f"not a plain PostgreSQL database name: {name!r}")
    return name


def _pg_connect(dbname: str = "postgres", timeout: int = 3):
    import psycopg2

    conn = psycopg2.connect(pg_dsn(dbname), connect_timeout=timeout)
    conn.autocommit = True
    return conn


def postgres_problem() -> str | None:
    """None if PostgreSQL answers a query, else why not."""
    try:
        conn = _pg_connect()
    except Exception as e:  # psycopg2.OperationalError and friends
        return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
    finally:
        conn.close()
    return None


def database_exists(name: str) -> bool:
    conn = _pg_connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (_checked(name),))
            return cur.fetchone() is not None
    finally:
        conn.close()


def create_database(name: str, fresh: bool = False) -> str:
    """Create database ``name`` unless it exists (drop it first if ``fresh``); return its URL."""
    if fresh:
        drop_database(name)
    conn = _pg_connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (_checked(name),))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')  # name checked above: [a-z0-9_]
    finally:
        conn.close()
    return database_url(name)


def drop_database(name: str) -> None:
    """Drop database ``name`` if it exists, closing the connections still open to it."""
    conn = _pg_connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)')
    finally:
        conn.close()


# --- RabbitMQ ----------------------------------------------------------------
def rabbit_problem() -> str | None:
    """None if RabbitMQ accepts an AMQP login with the dev cloud's credentials, else why not."""
    url = urllib.parse.urlsplit(base.RABBIT_URL)
    host, port = url.hostname or base.HOST, url.port or 5672
    if not base.port_open(port, host):
        return f"nothing listens on {host}:{port}"
    try:
        import amqp
    except ImportError:  # the port answers; that is the best we can check
        return None
    conn = amqp.Connection(
        host=f"{host}:{port}",
        userid=urllib.parse.unquote(url.username or "guest"),
        password=urllib.parse.unquote(url.password or "guest"),
        virtual_host=urllib.parse.unquote(url.path[1:]) or "/",
        connect_timeout=5,
    )
    try:
        conn.connect()
    except Exception as e:
        return f"AMQP login on {host}:{port} failed: {e}"
    finally:
        try:
            conn.close()
        except Exception:  # noqa: S110 - closing a half-open connection
            pass
    return None


# --- bring them up -----------------------------------------------------------
def _is_local_default(url: str, port: int) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.hostname in ("127.0.0.1", "localhost") and (parts.port or port) == port


def _run(argv: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        start_new_session=True,  # a daemon it starts must not die with our process group
    )


def _apt_install(package: str) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise DevCloudError(
            f"{package} is not installed and this is not root with apt-get: "
            f"install it (apt-get install -y {package}) and run `vmove-devcloud up` again"
        )
    say(f"infra: apt-get install -y {package} (as root)")
    proc = _run(["apt-get", "install", "-y", package])
    if proc.returncode != 0:
        say("infra: apt-get install failed; apt-get update, then retry")
        _run(["apt-get", "update"])
        proc = _run(["apt-get", "install", "-y", package])
    if proc.returncode != 0:
        raise DevCloudError(f"apt-get install -y {package} failed:\n{proc.stderr[-2000:]}")


def _wait(problem, what: str, timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    why = problem()
    while why and time.monotonic() < deadline:
        time.sleep(0.5)
        why = problem()
    return why


def _pg_versions() -> list[str]:
    etc = pathlib.Path("/etc/postgresql")
    found = [p.name for p in etc.iterdir() if (p / "main").is_dir()] if etc.is_dir() else []
    return sorted(found, key=lambda v: [int(x) for x in v.split(".") if x.isdigit()])


def _to_start(problem, what: str, url: str, port: int) -> bool:
    """Whether ``what`` (at ``url``) does not answer and is ours to start: the default on this machine
    (DevCloudError if it is elsewhere)."""
    why = problem()
    if why is None:
        return False
    say(f"infra: {what} does not answer ({why})")
    if not _is_local_default(url, port):
        raise DevCloudError(f"{what} at {url} does not answer: {why}")
    return True


def ensure_postgres() -> None:
    if not _to_start(postgres_problem, "PostgreSQL", base.PG_ADMIN_URL, 5432):
        return
    installed_here = False
    if not shutil.which("pg_ctlcluster") or not _pg_versions():
        _apt_install("postgresql")
        installed_here = True
    version = _pg_versions()[-1]
    if installed_here:
        _trust_loopback(version)
    say(f"infra: starting PostgreSQL {version} (pg_ctlcluster {version} main start)")
    proc = _run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], timeout=60)
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0 and "already running" not in output:  # pg_ctlcluster says it on stdout
        raise DevCloudError(f"pg_ctlcluster {version} main start failed: {output[-1000:]}")
    why = _wait(postgres_problem, "PostgreSQL", 30)
    if why:
        hint = ""
        if "password" in why or "authentication" in why:
            hint = (
                "; the dev cloud logs in as postgres without a password: add "
                "'host all postgres 127.0.0.1/32 trust' at the top of "
                f"/etc/postgresql/{version}/main/pg_hba.conf and reload, "
                "or point VMOVE_DEVCLOUD_PG at a server it may use"
            )
        raise DevCloudError(f"PostgreSQL still does not answer: {why}{hint}")
    say("infra: PostgreSQL answers")


def _trust_loopback(version: str) -> None:
    """A PostgreSQL we just installed: let postgres log in over 127.0.0.1 without a password."""
    hba = pathlib.Path(f"/etc/postgresql/{version}/main/pg_hba.conf")
    line = "host all postgres 127.0.0.1/32 trust  # vmove dev cloud\n"
    text = hba.read_text()
    if line not in text:
        hba.write_text(line + text)


def ensure_rabbit() -> None:
    if not _to_start(rabbit_problem, "RabbitMQ", base.RABBIT_URL, 5672):
        return
    if not shutil.which("rabbitmq-server"):
        _apt_install("rabbitmq-server")
        why = _wait(rabbit_problem, "RabbitMQ", 5)  # the package may have started it
        if why is None:
            say("infra: RabbitMQ answers")
            return
    if not base.port_open(5672):
        say("infra: starting RabbitMQ (rabbitmq-server -detached), up to 60 s")
        proc = _run(["rabbitmq-server", "-detached"], timeout=60)
        if proc.returncode != 0:
            raise DevCloudError(f"rabbitmq-server -detached failed: {(proc.stderr or proc.stdout)[-1000:]}")
    why = _wait(rabbit_problem, "RabbitMQ", 60)
    if why:
        raise DevCloudError(f"RabbitMQ still does not answer: {why}")
    say("infra: RabbitMQ answers")


def ensure(postgres: bool = True, rabbit: bool = True) -> None:
    """Make sure the selected machine services answer; raise DevCloudError saying what is missing."""
    problems = []
    for wanted, fn in ((postgres, ensure_postgres), (rabbit, ensure_rabbit)):
        if wanted:
            try:
                fn()
            except DevCloudError as e:
                problems.append(str(e))
    if problems:
        raise DevCloudError("the dev cloud needs RabbitMQ and PostgreSQL:\n  " + "\n  ".join(problems))


def status() -> dict[str, str]:
    """Human readable state of both services."""
    return {
        "postgresql": postgres_problem() or "ok",
        "rabbitmq": rabbit_problem() or "ok",
    }
