"""The dashboard end to end: headless Chromium -> the dev cloud's real Horizon (with this
checkout's plugin) -> a vmove API with Keystone auth at the catalog's vmove endpoint
(port 9393) -> vmove's engine -> the dev cloud's Nova and Cinder.

Each test gets its own vmove (API, engine, a fresh PostgreSQL database), so the
moves, plans and notifications a test sees are its own. Port 9393 is the
catalog's: a lock on the dev cloud's state directory lets one test at a time of
all the machine's test sessions hold it. Under CI=true a missing Horizon,
browser or peer fails the tests; elsewhere they are skipped.
"""

import contextlib
import dataclasses
import fcntl
import pathlib
import shutil
import time
import uuid

import pytest

from vmove import rpc
from vmove.api import app as api_app
from vmove.api import server
from vmove.client import Client
from vmove.devcloud import base as dc_base
from vmove.devcloud import horizon, seed
from vmove.devcloud.fixtures import devcloud_horizon, unavailable  # noqa: F401
from vmove.engine import service as engine_service
from vmove.tests import fixtures as vfixtures
from vmove.tests.functional import keystone_api
from vmove.tests.functional.dashboard import browser as browser_mod
from vmove.tests.functional.moves_env import configure_cloud

ROOT = pathlib.Path(__file__).resolve().parents[4]
#: screenshots of every browser test, one directory per test (git-ignored)
ARTIFACTS = ROOT / ".artifacts" / "dashboard"
CATALOG_PORT = dc_base.PORTS["vmove-api"]
TIMEOUT = 240


def wait_until(what, check, timeout=TIMEOUT, every=0.5):
    """Poll ``check()`` (a state in vmove, Nova or Cinder) until it returns something true."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    pytest.fail(f"{what}: not true after {timeout:.0f}s (last: {last!r})")


@contextlib.contextmanager
def catalog_port(cloud: dc_base.DevCloud, timeout: float = 300):
    """Hold the catalog's vmove port: an exclusive lock of every test session, then the port free."""
    lockfile = cloud.root / "leases" / "vmove-api-port.lock"
    lockfile.parent.mkdir(exist_ok=True)
    with open(lockfile, "a") as fh:
        wait_until(f"the lock on port {CATALOG_PORT} ({lockfile})", lambda: _try_lock(fh), timeout=timeout, every=1)
        try:
            # a short-lived server of another test (the CLI's catalog test) may hold it a moment
            deadline = time.monotonic() + 30
            while dc_base.port_open(CATALOG_PORT) and time.monotonic() < deadline:
                time.sleep(0.5)
            if dc_base.port_open(CATALOG_PORT):
                unavailable(f"port {CATALOG_PORT} (the catalog's vmove) is held by pids "
                            f"{dc_base.port_owners(CATALOG_PORT)}: stop that vmove (tools/run-embedded?)")  # fmt: skip
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


@pytest.fixture
def catalog_vmove(conf, devcloud_horizon, tmp_path):  # noqa: F811
    """vmove's API (Keystone auth) on the catalog's port and an engine, on a fresh PostgreSQL database."""
    cloud = devcloud_horizon
    cloud.require("nova", "cinder", "horizon")
    vfixtures.require_url(vfixtures.POSTGRES_URL)
    database = vfixtures.Database(tmpdir=tmp_path, url=vfixtures.POSTGRES_URL)
    database.setUp()
    try:
        with catalog_port(cloud.cloud), keystone_api.keystone_api(conf, database, cloud, tmp_path):
            rpc.cleanup()
            configure_cloud(conf, cloud)
            engine = engine_service.EngineService(conf)
            engine.start()
            srv = server.APIServer(api_app.setup_app(conf), "127.0.0.1", CATALOG_PORT)
            srv.start()
            try:
                yield CatalogVmove(cloud, srv.url)
            finally:
                srv.stop()
                engine.stop()
                rpc.cleanup()
    finally:
        database.cleanUp()


@pytest.fixture
def browser(request, devcloud_horizon):  # noqa: F811
    why = browser_mod.missing()
    if why:
        unavailable(why)
    devcloud_horizon.require("horizon")
    shots = ARTIFACTS / request.node.name
    shutil.rmtree(shots, ignore_errors=True)
    b = browser_mod.Browser(horizon.URL, shots)
    b.cloud = devcloud_horizon
    yield b
    with contextlib.suppress(Exception):
        b.screenshot("end")
    b.close()


def login(browser, user):
    browser.login(user, browser.cloud.password(user))


@pytest.fixture
def servers(devcloud_horizon):  # noqa: F811
    """``boot(user, host=None)``: an ACTIVE server of ``user``'s project (a host only for the admin);
    every server booted is deleted at the end."""
    cloud = devcloud_horizon
    made = []
    admin = cloud.nova("admin")

    def boot(user="demo", host=None, count=1):
        nova = cloud.nova(user)
        flavor = seed.ensure_flavors(admin)["m1.tiny"]
        booted = []
        for _ in range(count):
            kwargs = {"host": host} if host else {}
            s = nova.servers.create(f"dash-{uuid.uuid4().hex[:6]}", seed.image_id(), flavor, nics="none", **kwargs)
            made.append(s.id)
            booted.append(s.id)

        def active():
            found = [admin.servers.get(sid) for sid in booted]
            for s in found:
                assert s.status != "ERROR", getattr(s, "fault", None)
            done = all(s.status == "ACTIVE" and getattr(s, "OS-EXT-STS:task_state") is None for s in found)
            return found if done else None

        return wait_until(f"servers {booted} ACTIVE", active, timeout=120)

    yield boot
    for sid in made:
        with contextlib.suppress(Exception):
            admin.servers.delete(sid)


def host_of(server) -> str:
    return getattr(server, "OS-EXT-SRV-ATTR:host")
