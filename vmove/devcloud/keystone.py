"""Keystone peer of the dev cloud: real Keystone (SQLite, fernet) under gunicorn.

The venv comes from ``locks/keystone.txt``.  ``start`` is idempotent: a
Keystone that already answers on ``PORTS['keystone']`` with its database in
place is reused; the accounts (projects, users, roles, catalog) are
(re)applied only when their description changed.

Credentials for every user of :data:`base.USERS` are available through
:func:`credentials` and :func:`session`, which run in vmove's own venv
(keystoneauth1).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import time

from vmove.devcloud import base
from vmove.devcloud.base import HOST, PORTS, USERS, DevCloudError, say
from vmove.devcloud.keystone_texts import ACCOUNTS_SCRIPT, KEYSTONE_CONF, MANAGE_SCRIPT, WSGI_WRAPPER

LOCKFILE = pathlib.Path(__file__).parent / "locks" / "keystone.txt"
AUTH_URL = f"http://{HOST}:{PORTS['keystone']}/v3"
REGION = "RegionOne"
DOMAIN = "Default"
INTERFACES = ("public", "internal", "admin")

#: projects created besides ``admin`` (made by ``keystone-manage bootstrap``)
PROJECTS = ("service", "demo", "alt")

#: service catalog: type -> (service name, URL of all three interfaces)
CATALOG = {
    "identity": ("keystone", AUTH_URL),
    "compute": ("nova", f"http://{HOST}:{PORTS['nova-api']}/v2.1"),
    "placement": ("placement", f"http://{HOST}:{PORTS['placement']}"),
    # "cinderv3" is the name Nova's default [cinder] catalog_info looks for.
    "volumev3": ("cinderv3", f"http://{HOST}:{PORTS['cinder-api']}/v3"),
    "vmove": ("vmove", f"http://{HOST}:{PORTS['vmove-api']}"),
    # vmove as Masakari (its notifications and vmoves), with Masakari's project-scoped URL: Masakari's
    # clients and monitors find it there unchanged (the Masakari peer has its own region, see masakari.py)
    "instance-ha": ("vmove-instance-ha", f"http://{HOST}:{PORTS['vmove-api']}/v1/$(project_id)s"),
}


def credentials(user: str = "admin") -> dict[str, str]:
    """keystoneauth1 ``password`` options for ``user`` of :data:`base.USERS`."""
    try:
        password, project, _roles = USERS[user]
    except KeyError:
        raise DevCloudError(f"unknown dev cloud user {user!r}; known: {', '.join(USERS)}") from None
    return {
        "auth_url": AUTH_URL,
        "username": user,
        "password": password,
        "project_name": project,
        "user_domain_name": DOMAIN,
        "project_domain_name": DOMAIN,
    }


def session(user: str = "admin"):
    """A keystoneauth1 Session authenticated as ``user`` (password auth, project scope)."""
    from keystoneauth1 import session as ksa_session
    from keystoneauth1.identity import v3

    return ksa_session.Session(auth=v3.Password(**credentials(user)))


class Keystone(base.VenvComponent):
    name = "keystone"
    processes = ("keystone",)

    def __init__(self, cloud: base.DevCloud):
        super().__init__(cloud)
        self.db = self.datadir / "keystone.db"
        self.conf = self.etc / "keystone.conf"
        self.url = AUTH_URL

    # --- install -------------------------------------------------------
    def install(self) -> None:
        self.cloud.ensure_venv(self.name, LOCKFILE)

    # --- start ---------------------------------------------------------
    def start(self) -> None:
        t0 = time.monotonic()
        self._write_config()
        if self.cloud.running(self.name) and self.db.exists() and self._answers(timeout=15):
            say(f"keystone: already running (pid {self.cloud.pid(self.name)}), reusing it")
        else:
            if self.cloud.running(self.name):  # our process, but broken or without its DB
                say("keystone: process runs but does not answer or lost its database; restarting it")
                self.cloud.stop(self.name)
            if base.port_open(PORTS["keystone"]):
                self._reuse_foreign()
                return
            if not self.db.exists():
                self._bootstrap()
            self._spawn()
        # the accounts script imports keystoneclient while the server starts
        accounts = self._start_accounts()
        try:
            self._wait_serving()
        except DevCloudError:
            if accounts is not None:
                accounts[0].kill()
                accounts[0].wait()
            raise
        if accounts is not None:
            self._finish_accounts(*accounts)
        say(f"keystone: ready at {self.url} ({time.monotonic() - t0:.1f}s)")

    def _reuse_foreign(self) -> None:
        """Something else holds the port: reuse it if it is a dev cloud keystone (another state dir)."""
        owners = base.port_owners(PORTS["keystone"])
        try:
            session("admin").get_token()
        except Exception as e:
            raise DevCloudError(
                f"port {PORTS['keystone']} is taken by another process (pids {owners or '?'}) that is not "
                f"a dev cloud keystone ({type(e).__name__}: {e}); stop it, or run `vmove-devcloud down` "
                "with the VMOVE_DEVCLOUD_DIR it was started with"
            ) from e
        say(
            f"keystone: a dev cloud keystone of another state directory answers on port {PORTS['keystone']} "
            f"(pids {owners or '?'}); reusing it, this state directory will not stop it"
        )
        if not (self.venv / "bin" / "python").exists():
            return  # not installed here: nothing to check its accounts with
        marker = self.datadir / "accounts.sha256"
        marker.unlink(missing_ok=True)  # its accounts are not known to be ours: apply them
        accounts = self._start_accounts()
        if accounts is not None:
            self._finish_accounts(*accounts)

    def _answers(self, timeout: float = 2) -> bool:
        try:
            base.wait_http(self.url, timeout=timeout, ok=(200,))
        except DevCloudError:
            return False
        return True

    def _write_config(self) -> None:
        for sub in ("fernet-keys", "credential-keys"):
            (self.datadir / sub).mkdir(mode=0o700, exist_ok=True)
        text = KEYSTONE_CONF.format(
            db=self.db,
            fernet=self.datadir / "fernet-keys",
            credential=self.datadir / "credential-keys",
            log=self.cloud.logfile(self.name),
        )
        self.conf.write_text(text)
        (self.etc / "ks_wsgi.py").write_text(WSGI_WRAPPER)

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV" and not k.startswith("OS_")}
        env["PYTHONWARNINGS"] = "ignore"
        env["OS_KEYSTONE_CONFIG_DIR"] = str(self.etc)
        return env

    def _bootstrap(self) -> None:
        """New database: keys, schema, admin user/project/roles and the identity endpoints.

        ``keystone-manage`` spends 2-3 s importing keystone at every run, so
        the schema sync and the bootstrap share one run, and the fernet and
        credential keys (plain Fernet keys, as ``fernet_setup`` and
        ``credential_setup`` would write) are written from here.
        """
        say("keystone: new database: keys, db sync and bootstrap")
        t0 = time.monotonic()
        for sub in ("fernet-keys", "credential-keys"):
            repo = self.datadir / sub
            shutil.rmtree(repo, ignore_errors=True)
            repo.mkdir(mode=0o700)
            for index in ("0", "1"):  # 0: staged key, 1: primary key
                key = repo / index
                key.write_bytes(base64.urlsafe_b64encode(os.urandom(32)))
                key.chmod(0o600)
        admin_pw, admin_project, admin_roles = USERS["admin"]
        argv = [
            str(self.venv / "bin" / "python"), "-c", MANAGE_SCRIPT,
            "keystone-manage", "--config-file", str(self.conf), "bootstrap",
            "--bootstrap-username", "admin",
            "--bootstrap-password", admin_pw,
            "--bootstrap-project-name", admin_project,
            "--bootstrap-role-name", admin_roles[0],
            "--bootstrap-service-name", CATALOG["identity"][0],
            "--bootstrap-region-id", REGION,
            "--bootstrap-admin-url", self.url,
            "--bootstrap-internal-url", self.url,
            "--bootstrap-public-url", self.url,
        ]  # fmt: skip
        log = self.cloud.logfile("keystone-manage")
        with open(log, "ab") as out:
            proc = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self._env())
        if proc.returncode != 0:
            self.db.unlink(missing_ok=True)  # so that the next `up` starts over
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise DevCloudError(f"keystone-manage bootstrap failed (exit {proc.returncode}); end of {log}:\n{tail}")
        say(f"keystone: database and keys ready ({time.monotonic() - t0:.1f}s)")

    def _spawn(self) -> None:
        argv = [
            str(self.venv / "bin" / "gunicorn"),
            "--chdir", str(self.etc),
            "--bind", f"{HOST}:{PORTS['keystone']}",
            # one worker: the memory cache is per process, two workers would disagree
            "--workers", "1",
            "--threads", "8",
            "--timeout", "120",
            "--graceful-timeout", "3",
            "--no-control-socket",
            "ks_wsgi:application",
        ]  # fmt: skip
        pid = self.cloud.spawn(self.name, argv, env=self._env(), cwd=self.etc)
        say(f"keystone: gunicorn started (pid {pid}), waiting for {self.url}")

    def _wait_serving(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not self.cloud.running(self.name):
                break
            if base.port_open(PORTS["keystone"]) and self._answers():
                return
            time.sleep(0.2)
        self._stop_unanswering(f"keystone did not answer on {self.url}", 20)

    def _start_accounts(self) -> tuple[subprocess.Popen, pathlib.Path, str, float] | None:
        """Start the accounts script unless what it would create is already there."""
        spec = {
            "auth_url": self.url,
            "region": REGION,
            "interfaces": INTERFACES,
            "admin": {"username": "admin", "password": USERS["admin"][0], "project": USERS["admin"][1]},
            "roles": sorted({r for _pw, _p, roles in USERS.values() for r in roles}),
            "projects": PROJECTS,
            "users": USERS,
            "catalog": CATALOG,
        }
        blob = json.dumps(spec, sort_keys=True)
        marker = self.datadir / "accounts.sha256"
        digest = hashlib.sha256(blob.encode()).hexdigest()
        if marker.exists() and marker.read_text() == digest:
            return None
        proc = subprocess.Popen(
            [str(self.venv / "bin" / "python"), "-c", ACCOUNTS_SCRIPT, blob],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=self._env(),
        )
        return proc, marker, digest, time.monotonic()

    def register(self, catalog: dict, region: str) -> None:
        """Put ``catalog`` (type -> (service name, URL)) in the catalog of ``region`` (made if missing).

        A peer registers itself so (the Masakari peer: ``instance-ha`` in its own region, beside vmove's
        ``instance-ha`` of RegionOne); the users and the roles are base.USERS'.
        """
        spec = {
            "auth_url": self.url,
            "region": region,
            "client_region": REGION,  # where Keystone itself is in the catalog
            "interfaces": INTERFACES,
            "admin": {"username": "admin", "password": USERS["admin"][0], "project": USERS["admin"][1]},
            "roles": [],
            "projects": [],
            "users": {},
            "catalog": catalog,
        }
        argv = [str(self.venv / "bin" / "python"), "-c", ACCOUNTS_SCRIPT, json.dumps(spec)]
        proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, env=self._env())
        if proc.returncode != 0:
            raise DevCloudError(f"keystone: registering {sorted(catalog)} in {region} failed:\n{proc.stderr[-3000:]}")
        made = json.loads(proc.stdout.strip().splitlines()[-1])
        if made:
            say(f"keystone: {', '.join(made)} ({region})")

    def _finish_accounts(self, proc: subprocess.Popen, marker: pathlib.Path, digest: str, t0: float) -> None:
        try:
            out, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        if proc.returncode != 0:
            raise DevCloudError(f"keystone: creating projects/users/catalog failed:\n{err[-3000:]}")
        made = json.loads(out.strip().splitlines()[-1])
        marker.write_text(digest)
        what = f"{len(made)} created/updated" if made else "nothing to change"
        say(f"keystone: projects, users, roles and catalog in place ({what}, {time.monotonic() - t0:.1f}s)")

    # --- stop / reset --------------------------------------------------
    def reset(self) -> None:
        self.stop()
        shutil.rmtree(self.datadir, ignore_errors=True)
        self.datadir.mkdir(parents=True, exist_ok=True)
