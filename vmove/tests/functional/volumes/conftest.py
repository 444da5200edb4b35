"""The volume moves' fixtures: vmove's engine in process on the dev cloud (SQLite, fake:// RPC), volumes
and a server made for a test and deleted after it."""

import contextlib
import time
import uuid

import pytest

from vmove import rpc
from vmove.engine import service as engine_service
from vmove.tests import fixtures as vfixtures
from vmove.tests.functional.moves_env import configure_cloud
from vmove.tests.functional.volumes.helpers import POLL, settled, wait_gone, wait_volume


@pytest.fixture
def vmove_db(conf, tmp_path):
    """vmove's database on the machine's PostgreSQL.

    Not SQLite: the engine's threads (the loop, the start pool, the heartbeat)
    write at the same time, and SQLite then fails at random with "database is
    locked" (a move stays queued).
    """
    fx = vfixtures.Database(tmpdir=tmp_path, url=vfixtures.POSTGRES_URL)
    fx.setUp()
    yield fx
    fx.cleanUp()


@pytest.fixture
def engine(conf, vmove_db, devcloud, cinder_peer):
    """One vmove engine on the dev cloud, polling every POLL seconds."""
    configure_cloud(conf, devcloud, poll=POLL)
    if "max_poll_interval" in conf.engine:
        conf.set_override("max_poll_interval", 0.5, group="engine")
    rpc.cleanup()
    svc = engine_service.EngineService(conf)
    svc.start()
    yield svc
    svc.stop()
    rpc.cleanup()


@pytest.fixture
def volumes(cc):
    """make(vtype) -> an available volume; every volume made is deleted after the test."""
    made: list[str] = []
    attachments: list[str] = []

    def make(vtype="A", name=None):
        vol = cc.volumes.create(1, name=name or f"vmove-vol-{uuid.uuid4().hex[:6]}", volume_type=vtype)
        made.append(vol.id)
        return wait_volume(cc, vol.id, lambda v: v.status != "creating", "available")

    make.attachments = attachments
    yield make
    for att in attachments:
        with contextlib.suppress(Exception):
            cc.attachments.delete(att)
    for vid in made:
        with contextlib.suppress(Exception):
            wait_volume(cc, vid, settled, None, timeout=30)
            for snap in cc.volume_snapshots.list(search_opts={"volume_id": vid}):
                cc.volume_snapshots.delete(snap.id)
                wait_gone(cc.volume_snapshots, snap.id)
            cc.volumes.delete(vid)


@pytest.fixture(scope="module")
def nc(devcloud):
    devcloud.require("nova")
    return devcloud.nova("admin")


@pytest.fixture
def server(nc):
    """An ACTIVE server without network; deleted (and waited for) after the test."""
    from vmove.devcloud import nova

    flavor = min(nc.flavors.list(), key=lambda f: f.ram)
    srv = nc.servers.create(f"vmove-swap-{uuid.uuid4().hex[:6]}", nova.IMAGE_ID, flavor.id, nics="none")
    deadline = time.monotonic() + 60
    while (srv := nc.servers.get(srv.id)).status not in ("ACTIVE", "ERROR") or getattr(
        srv, "OS-EXT-STS:task_state", None
    ):
        assert time.monotonic() < deadline, f"server {srv.id} still {srv.status}"
        time.sleep(0.3)
    assert srv.status == "ACTIVE", getattr(srv, "fault", None)
    yield srv
    nc.servers.delete(srv.id)
    wait_gone(nc.servers, srv.id)


# --- helpers --------------------------------------------------------------
