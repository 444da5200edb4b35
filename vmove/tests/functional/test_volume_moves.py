"""Volume moves driven by vmove's real engine against the dev cloud's REAL Cinder.

The engine runs in process (``fake://`` RPC, SQLite from the ``db`` fixture)
as vmove's service user on the dev cloud's Keystone; Cinder is the dev
cloud's (three file backends: a1 and a2 serve type A, b serves type B), and
the swap of an attached volume goes through the dev cloud's real Nova.  Each
volume move type is driven to success and to its failure paths, and the event
history of every move is checked.  Run with ``-s`` to see the measured times
and Cinder calls per move.
"""

from __future__ import annotations

import contextlib
import time
import uuid

import pytest

from vmove import context as vmove_context
from vmove import exception, rpc
from vmove.actions import listings as backend_listings
from vmove.devcloud import cinder as cinder_mod
from vmove.engine import service as engine_service
from vmove.moves import queries as move_queries
from vmove.moves import service as moves
from vmove.tests import fixtures as vfixtures
from vmove.tests.functional.moves_env import configure_cloud

pytestmark = pytest.mark.devcloud

POLL = 0.2
MARK = b"VMOVE-VOLUME-MOVE-MARKER-0123456789"
FAR = 700 << 20  # a second marker well inside the 1 GiB volume
CONNECTOR = {
    "host": "vmove-test",
    "initiator": "iqn.vmove-test",
    "ip": "127.0.0.1",
    "platform": "x86_64",
    "os_type": "linux",
    "multipath": False,
}


# --- fixtures -------------------------------------------------------------


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
def host_of(vol) -> str:
    return getattr(vol, "os-vol-host-attr:host")


def settled(vol) -> bool:
    return vol.status in ("available", "in-use", "error") and vol.migration_status not in (
        "starting",
        "migrating",
        "completing",
    )


def wait_volume(cc, vid, pred, want_status, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not pred(vol := cc.volumes.get(vid)):
        assert time.monotonic() < deadline, f"volume {vid}: {vol.status} {vol.migration_status}"
        time.sleep(0.2)
    if want_status:
        assert vol.status == want_status, (vol.status, vol.migration_status)
    return vol


def wait_gone(manager, rid, timeout=60.0):
    deadline = time.monotonic() + timeout
    with contextlib.suppress(Exception):
        while time.monotonic() < deadline:
            manager.get(rid)
            time.sleep(0.3)


def other_a(host: str) -> str:
    return cinder_mod.pool("a2" if cinder_mod.backend_of(host) == "a1" else "a1")


def write_marker(peer, vol):
    peer.write_data(vol, MARK)
    peer.write_data(vol, MARK, FAR)


def has_marker(peer, vol) -> bool:
    return peer.read_data(vol, len(MARK)) == MARK and peer.read_data(vol, len(MARK), FAR) == MARK


def attach_without_nova(cc, volumes, vol, server_id=None):
    """Attach through Cinder's attachments API to a server id (no Nova involved)."""
    att = cc.attachments.create(vol.id, CONNECTOR, instance_id=server_id or str(uuid.uuid4()), mode="rw")
    att = att if isinstance(att, dict) else att.to_dict()
    volumes.attachments.append(att["id"])
    cc.attachments.complete(att["id"])
    return wait_volume(cc, vol.id, lambda v: v.status != "attaching", "in-use")


class Run:
    """One move through the engine: the final move, its events, seconds taken, Cinder calls made."""

    def __init__(self, engine, resource_id, move_type, params, timeout=60.0):
        self.ctx = vmove_context.get_admin_context()
        before = engine.clients.calls()
        t0 = time.monotonic()
        self.move = moves.request_move(
            self.ctx,
            resource_type="volume",
            resource_id=resource_id,
            move_type=move_type,
            params=params,
            project_id="vmove-test",
        )
        engine.runner.wake()
        self.move = wait_move(self.ctx, self.move.uuid, timeout)
        self.seconds = time.monotonic() - t0
        after = engine.clients.calls()
        self.calls = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        self.events = move_queries.events(self.ctx, self.move.uuid)
        print(
            f"\n{move_type} {params}: {self.move.status} in {self.seconds:.2f}s, calls {self.calls}, "
            f"phases {self.phases}, message {self.move.message!r}"
        )

    @property
    def phases(self) -> list[str]:
        return [e.to_phase for e in self.events]

    def detail(self, key):
        return [(e.detail or {}).get(key) for e in self.events]


def wait_move(ctx, move_uuid, timeout):
    deadline = time.monotonic() + timeout
    while (move := move_queries.get(ctx, move_uuid)).status not in ("succeeded", "failed", "ignored"):
        assert time.monotonic() < deadline, f"move {move_uuid} still {move.phase}: {move.message}"
        time.sleep(0.1)
    return move


def assert_full_history(run, final="succeeded"):
    """queued -> starting (intent, then request sent) -> migrating -> [completing] -> final."""
    phases = run.phases
    assert phases[:3] == ["queued", "starting", "starting"], phases
    assert phases[-1] == final, phases
    assert "migrating" in phases, phases
    assert phases == sorted(phases, key=["queued", "starting", "migrating", "completing", final].index), phases
    assert run.events[2].detail["executed"] and run.events[2].detail["request_id"].startswith("req-")
    observed = [e for e in run.events[3:]]
    assert all("migration_status" in (e.detail or {}) for e in observed), [e.detail for e in observed]


# --- success paths ----------------------------------------------------------
def test_migrate_a1_to_a2_keeps_data(engine, cinder_peer, cc, volumes):
    vol = volumes("A")
    src, dst = host_of(vol), other_a(host_of(vol))
    write_marker(cinder_peer, vol)
    run = Run(engine, vol.id, "volume_migration", {"migration_type": "migrate", "destination_node": dst})
    assert run.move.status == "succeeded", run.move.message
    assert (run.move.source_backend, run.move.dest_backend) == (src, dst)
    assert (run.move.source_type, run.move.dest_type, run.move.progress) == ("A", "A", 100)
    assert run.move.resource_name == vol.name
    assert_full_history(run)
    assert run.events[2].detail["request"] == "os-migrate_volume"
    vol = cc.volumes.get(vol.id)
    assert (host_of(vol), vol.status, vol.migration_status) == (dst, "available", "success")
    assert has_marker(cinder_peer, vol), "the data did not move"


def test_retype_a_to_b_keeps_data(engine, cinder_peer, cc, volumes):
    vol = volumes("A")
    write_marker(cinder_peer, vol)
    run = Run(engine, vol.id, "volume_retype", {"destination_type": "B"})
    assert run.move.status == "succeeded", run.move.message
    assert (run.move.source_type, run.move.dest_type) == ("A", "B")
    assert run.move.dest_backend == cinder_mod.pool("b")
    assert run.move.params["migration_type"] == "retype"
    assert_full_history(run)
    vol = cc.volumes.get(vol.id)
    assert (vol.volume_type, host_of(vol), vol.status) == ("B", cinder_mod.pool("b"), "available")
    assert has_marker(cinder_peer, vol), "the data did not move"


def test_retype_after_a_migration_ignores_the_stale_success(engine, cc, volumes):
    """The volume says migration_status=success (of the first move) until the retype starts."""
    vol = volumes("A")
    first = Run(
        engine, vol.id, "volume_migration", {"migration_type": "cold", "destination_node": other_a(host_of(vol))}
    )
    assert first.move.status == "succeeded", first.move.message
    assert cc.volumes.get(vol.id).migration_status == "success"
    run = Run(engine, vol.id, "volume_retype", {"destination_type": "B"})
    assert run.move.status == "succeeded", run.move.message
    assert_full_history(run)
    assert run.detail("migration_status_before")[2] == "success"
    assert cc.volumes.get(vol.id).volume_type == "B"


def test_swap_of_an_attached_volume_goes_through_cinder_and_nova(engine, cc, nc, volumes, server, devcloud):
    vol = volumes("A")
    nc.volumes.create_server_volume(server.id, vol.id)
    vol = wait_volume(cc, vol.id, lambda v: v.status in ("in-use", "error", "available") and v.attachments, "in-use")
    old_attachment = vol.attachments[0]["attachment_id"]
    run = Run(engine, vol.id, "volume_swap", {"destination_type": "B"}, timeout=90)
    assert run.move.status == "succeeded", run.move.message
    assert run.move.params["migration_type"] == "swap"
    assert (run.move.dest_type, run.move.dest_backend) == ("B", cinder_mod.pool("b"))
    assert_full_history(run)
    assert run.events[2].detail["request"] == "os-retype"
    vol = cc.volumes.get(vol.id)
    assert (vol.status, vol.volume_type) == ("in-use", "B")
    assert [a["server_id"] for a in vol.attachments] == [server.id]
    assert vol.attachments[0]["attachment_id"] != old_attachment
    # Nova swapped the volume at Cinder's request: the action is Cinder's, not vmove's
    swaps = [a for a in nc.instance_action.list(server.id) if a.action == "swap_volume"]
    assert len(swaps) == 1
    assert swaps[0].user_id == devcloud.session("cinder").get_user_id()
    assert [a.volumeId for a in nc.volumes.get_server_volumes(server.id)] == [vol.id]
    # vmove asked Nova only for the server's state (pre_condition), never for the swap
    assert run.calls.get("compute", 0) <= 1, run.calls


def test_concurrent_moves_share_one_listing_per_poll(engine, cc, volumes):
    vols = [volumes("A") for _ in range(3)]
    cinder = engine.clients.cinder()
    listings = []
    real_list = cinder.volumes.list

    def counting_list(*args, **kwargs):
        listings.append(time.monotonic())
        return real_list(*args, **kwargs)

    cinder.volumes.list = counting_list
    ctx = vmove_context.get_admin_context()
    t0 = time.monotonic()
    requested = [
        moves.request_move(
            ctx,
            resource_type="volume",
            resource_id=vols[0].id,
            move_type="volume_migration",
            params={"migration_type": "migrate", "destination_node": other_a(host_of(vols[0]))},
            project_id="vmove-test",
        ),
        moves.request_move(
            ctx,
            resource_type="volume",
            resource_id=vols[1].id,
            move_type="volume_retype",
            params={"destination_type": "B"},
            project_id="vmove-test",
        ),
        moves.request_move(
            ctx,
            resource_type="volume",
            resource_id=vols[2].id,
            move_type="volume_retype",
            params={"destination_type": "B"},
            project_id="vmove-test",
        ),
    ]
    engine.runner.wake()
    done = [wait_move(ctx, m.uuid, 90) for m in requested]
    elapsed = time.monotonic() - t0
    assert [m.status for m in done] == ["succeeded"] * 3, [m.message for m in done]
    # one listing per poll for the two move types together, never one per move
    polls = elapsed / POLL + 2
    print(f"\n3 volume moves in {elapsed:.2f}s: {len(listings)} listings ({polls:.0f} polls at most)")
    assert len(listings) <= polls, (len(listings), elapsed)
    gaps = [b - a for a, b in zip(listings, listings[1:], strict=False)]
    assert sum(1 for g in gaps if g < POLL * 0.4) <= 2, gaps  # no second listing within a poll
    assert backend_listings.listing_for(engine.clients).use_filter  # Cinder took updated_at=gte:...


# --- failure paths ----------------------------------------------------------
def test_destination_create_fails(engine, faults, cc, volumes):
    vol = volumes("A")
    src, dst = host_of(vol), other_a(host_of(vol))
    faults.inject_fault(cinder_mod.backend_of(dst), "fail-create")
    run = Run(engine, vol.id, "volume_migration", {"migration_type": "migrate", "destination_node": dst})
    assert run.move.status == "failed"
    assert run.move.message.startswith(f"Cinder could not migrate volume {vol.name} to {dst} (migration status error)")
    assert "Cinder says: create volume from backend storage:Driver failed to create the volume." in run.move.message
    assert run.events[-1].detail["migration_status"] == "error"
    vol = cc.volumes.get(vol.id)
    assert (host_of(vol), vol.status) == (src, "available")


def test_retype_to_a_type_no_backend_serves_is_a_failure(engine, cc, volumes):
    """Cinder's scheduler finds no backend: retyping -> available, type unchanged, no error anywhere."""
    vtype = cc.volume_types.create(f"vmove-test-nowhere-{uuid.uuid4().hex[:6]}", is_public=False)
    try:
        vtype.set_keys({"volume_backend_name": "nowhere"})
        vol = volumes("A")
        run = Run(engine, vol.id, "volume_retype", {"destination_type": vtype.id})
        assert run.move.status == "failed"
        assert run.move.message.startswith("Cinder did not change the volume type"), run.move.message
        assert run.move.dest_type == vtype.name
        assert cc.volumes.get(vol.id).volume_type == "A"
    finally:
        cc.volume_types.delete(vtype.id)


def test_timeout_fails_the_move(engine, conf, faults, cc, volumes):
    conf.set_override("volume_migration_timeout", 1.0, group="engine")
    vol = volumes("A")
    dst = other_a(host_of(vol))
    faults.inject_fault(cinder_mod.backend_of(dst), "delay-create", seconds=3)
    run = Run(engine, vol.id, "volume_migration", {"migration_type": "migrate", "destination_node": dst})
    assert run.move.status == "failed"
    assert run.move.message.startswith("Timed out after"), run.move.message
    assert run.events[-1].detail == {"step": "timeout"}
    wait_volume(cc, vol.id, settled, None)  # Cinder has no abort: its migration runs on


# --- Watcher's rules, at run time -------------------------------------------
def test_cold_migration_of_an_attached_volume(engine, cc, volumes):
    vol = attach_without_nova(cc, volumes, volumes("A"))
    run = Run(engine, vol.id, "volume_migration", {"migration_type": "cold", "destination_node": other_a(host_of(vol))})
    assert (run.move.status, run.move.message) == ("failed", "Invalid state for cold migration")
    assert run.phases == ["queued", "failed"]
    assert run.events[-1].detail == {"step": "pre_condition"}


def test_cold_migration_of_a_volume_with_snapshots(engine, cc, volumes):
    vol = volumes("A")
    snap = cc.volume_snapshots.create(vol.id, name="vmove-test-snap")
    wait_volume(cc, vol.id, lambda v: cc.volume_snapshots.get(snap.id).status != "creating", "available")
    run = Run(engine, vol.id, "volume_migration", {"migration_type": "cold", "destination_type": "B"})
    assert (run.move.status, run.move.message) == ("failed", "Invalid state for cold migration")


def test_migrate_to_a_pool_of_another_type(engine, volumes):
    vol = volumes("A")
    run = Run(
        engine, vol.id, "volume_migration", {"migration_type": "migrate", "destination_node": cinder_mod.pool("b")}
    )
    assert (run.move.status, run.move.message) == ("failed", "Volume type must be same for migrating")


def test_retype_to_the_same_type(engine, cc, volumes):
    vol = volumes("A")
    type_a = next(t for t in cc.volume_types.list() if t.name == "A")
    for wanted in ("A", type_a.id):  # by name and by id
        run = Run(engine, vol.id, "volume_retype", {"destination_type": wanted})
        assert (run.move.status, run.move.message) == ("failed", "Volume type must be different for retyping")


def test_swap_of_a_detached_volume(engine, volumes):
    vol = volumes("A")
    run = Run(engine, vol.id, "volume_swap", {"destination_type": "B"})
    assert (run.move.status, run.move.message) == ("failed", "Invalid state for swapping volume")


def test_swap_of_a_volume_attached_to_a_server_nova_does_not_know(engine, nc, cc, volumes):
    vol = attach_without_nova(cc, volumes, volumes("A"))
    run = Run(engine, vol.id, "volume_swap", {"destination_type": "B"})
    assert (run.move.status, run.move.message) == ("failed", "Invalid state for swapping volume")


def test_swap_of_a_volume_of_a_stopped_server(engine, nc, cc, volumes, server):
    vol = volumes("A")
    nc.volumes.create_server_volume(server.id, vol.id)
    wait_volume(cc, vol.id, lambda v: v.status in ("in-use", "error", "available") and v.attachments, "in-use")
    nc.servers.stop(server.id)
    deadline = time.monotonic() + 30
    while nc.servers.get(server.id).status != "SHUTOFF":
        assert time.monotonic() < deadline
        time.sleep(0.3)
    run = Run(engine, vol.id, "volume_swap", {"destination_type": "B"})
    assert (run.move.status, run.move.message) == ("failed", "Invalid state for swapping volume")
    nc.volumes.delete_server_volume(server.id, vol.id)
    wait_volume(cc, vol.id, lambda v: v.status == "available", "available")


MIGRATE = {"migration_type": "migrate"}


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"migration_type": "migrate", "destination_node": "devcloud@zz#nowhere"}, "failed", "Pool {node} not found"),
        (
            {"migration_type": "retype", "destination_type": "no-such-type"},
            "failed",
            "Volume type no-such-type not found",
        ),
        (
            {"migration_type": "migrate", "destination_node": "<own pool>"},
            "ignored",
            "Volume is already on node {node}",
        ),
        (
            {"migration_type": "migrate", "destination_node": "<own backend>"},
            "ignored",
            "Volume is already on node {node}",
        ),
    ],
)
def test_pre_condition_messages(engine, volumes, params, status, message):
    vol = volumes("A")
    params = dict(params)
    if params.get("destination_node") == "<own pool>":
        params["destination_node"] = host_of(vol)
    elif params.get("destination_node") == "<own backend>":
        params["destination_node"] = host_of(vol).split("#")[0]
    run = Run(engine, vol.id, "volume_migration", params)
    assert (run.move.status, run.move.message) == (status, message.format(node=params.get("destination_node")))


def test_volume_not_found_is_ignored(engine):
    vid = str(uuid.uuid4())
    run = Run(engine, vid, "volume_migration", {"migration_type": "migrate", "destination_node": "devcloud@a1#fileA"})
    assert (run.move.status, run.move.message) == ("ignored", f"Volume {vid} not found")


def test_swap_without_destination_type_is_refused_before_anything_is_written(engine, volumes):
    vol = volumes("A")
    ctx = vmove_context.get_admin_context()
    with pytest.raises(exception.Invalid) as err:
        moves.request_move(
            ctx,
            resource_type="volume",
            resource_id=vol.id,
            move_type="volume_swap",
            params={"destination_node": host_of(vol)},
            project_id="vmove-test",
        )
    assert err.value.code == 400
    assert err.value.message == "destination type is required when migration type is swap"
    assert not move_queries.get_all(ctx, {"resource_id": vol.id})
