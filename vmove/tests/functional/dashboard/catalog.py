"""A vmove at the catalog's vmove endpoint (127.0.0.1:9393), as Horizon finds it.

The API validates tokens of the dev cloud's Keystone (the functional tests'
``keystone_api`` set-up, reused), and an engine runs beside it in the same
process (in-process RPC, as ``vmove-all``). Port 9393 is the catalog's and
the machine has one: :func:`catalog_port` lets one user at a time of all the
machine's test sessions (and benchmarks) hold it.
"""

import contextlib
import dataclasses
import fcntl
import time

from vmove import rpc
from vmove.api import app as api_app
from vmove.api import server
from vmove.client import Client
from vmove.devcloud import base as dc_base
from vmove.engine import service as engine_service
from vmove.tests.functional import keystone_api
from vmove.tests.functional.moves_env import configure_cloud

PORT = dc_base.PORTS["vmove-api"]


def _raise(message):
    raise RuntimeError(message)


@contextlib.contextmanager
def catalog_port(cloud: dc_base.DevCloud, timeout: float = 300, unavailable=_raise):
    """Hold the catalog's vmove port: a lock of every test session on the state directory, then
    the port free (a short-lived server of another test, the CLI's catalog test, may hold it a
    moment). ``unavailable(message)`` is called when another program keeps it."""
    lockfile = cloud.root / "leases" / "vmove-api-port.lock"
    lockfile.parent.mkdir(exist_ok=True)
    with open(lockfile, "a") as fh:
        deadline = time.monotonic() + timeout
        while not _try_lock(fh):
            if time.monotonic() > deadline:
                unavailable(f"port {PORT}: another test session kept {lockfile} locked for {timeout:.0f}s")
            time.sleep(1)
        try:
            deadline = time.monotonic() + 30
            while dc_base.port_open(PORT) and time.monotonic() < deadline:
                time.sleep(0.5)
            if dc_base.port_open(PORT):
                unavailable(f"port {PORT} (the catalog's vmove) is held by pids {dc_base.port_owners(PORT)}: "
                            "stop that vmove (tools/run-embedded?)")  # fmt: skip
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _try_lock(fh) -> bool:
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@dataclasses.dataclass
class CatalogVmove:
    """The vmove Horizon talks to; ``client(user)`` finds it in the catalog the same way."""

    cloud: object
    url: str

    def client(self, user: str = "admin") -> Client:
        return Client(self.cloud.session(user), region_name=self.cloud.region)


@contextlib.contextmanager
def serve(conf, database, cloud, tmp_path, engine=True, wrap=None, unavailable=_raise):
    """vmove's API with Keystone auth on the catalog's port (and an engine unless ``engine=False``),
    on ``database``; ``wrap(app)`` wraps the WSGI application (a request counter, say)."""
    with catalog_port(cloud.cloud, unavailable=unavailable), keystone_api.keystone_api(conf, database, cloud, tmp_path):
        rpc.cleanup()
        configure_cloud(conf, cloud)
        service = engine_service.EngineService(conf) if engine else None
        srv = None
        try:
            if service:
                service.start()
            app = api_app.setup_app(conf)
            srv = server.APIServer(wrap(app) if wrap else app, conf, "127.0.0.1", PORT)
            srv.start()
            yield CatalogVmove(cloud, srv.url)
        finally:
            if srv is not None:
                srv.stop()
            if service:
                service.stop()
            rpc.cleanup()
