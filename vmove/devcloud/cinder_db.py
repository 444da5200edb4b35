"""The database of the dev cloud's Cinder (see cinder.py): a mixin of :class:`cinder.Cinder`, and
one-statement access to the machine's PostgreSQL.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import time

from vmove.devcloud import infra
from vmove.devcloud.base import DevCloudError, say
from vmove.devcloud.cinder_conf import BACKENDS, DB_NAME, LOCKFILE, PEERS_DIR, TEMPLATE_DB


class CinderDatabase:
    """``devcloud_cinder``: reused, copied from its template, or synced."""

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
