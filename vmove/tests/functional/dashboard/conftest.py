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
import pathlib
import shutil
import time
import uuid

import pytest

from vmove.devcloud import horizon, seed
from vmove.devcloud.fixtures import devcloud_horizon, unavailable  # noqa: F401
from vmove.tests import fixtures as vfixtures
from vmove.tests.functional.dashboard import browser as browser_mod
from vmove.tests.functional.dashboard import catalog

ROOT = pathlib.Path(__file__).resolve().parents[4]
#: screenshots of every browser test, one directory per test (git-ignored)
ARTIFACTS = ROOT / ".artifacts" / "dashboard"
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


@pytest.fixture
def catalog_vmove(conf, devcloud_horizon, tmp_path):  # noqa: F811
    """vmove's API (Keystone auth) on the catalog's port and an engine, on a fresh PostgreSQL database."""
    devcloud_horizon.require("nova", "cinder", "horizon")
    vfixtures.require_url(vfixtures.POSTGRES_URL)
    database = vfixtures.Database(tmpdir=tmp_path, url=vfixtures.POSTGRES_URL)
    database.setUp()
    try:
        with catalog.serve(conf, database, devcloud_horizon, tmp_path, unavailable=unavailable) as vmove:
            yield vmove
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
