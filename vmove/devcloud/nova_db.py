"""The databases of the dev cloud's Nova and Placement (see nova.py): a mixin of :class:`nova.Nova`.

Four databases on the machine's PostgreSQL, made through ``peers/nova_dbtool.py`` (run by the Nova
venv's python), synced with ``nova-manage`` and ``placement-manage`` the first time and kept as
template databases for the next ones.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import time

from vmove.devcloud import base, nova_conf
from vmove.devcloud.base import DevCloudError, say
from vmove.devcloud.nova_conf import LOCKFILE, PEERS

DATABASES = ("devcloud_nova_api", "devcloud_nova_cell0", "devcloud_nova", "devcloud_placement")
TEMPLATE_PREFIX = "devcloud_nova_tpl_"


class NovaDatabases:
    """Nova's databases: made, reused, recreated from their templates, synced."""

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


def _clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV" and not k.startswith("OS_")}
