"""Watcher's rules for volume moves, checked at run time by vmove's engine against the dev cloud's REAL Cinder
(and Nova for the attached volumes): each refusal ends the move with Watcher's message."""

from __future__ import annotations

import time
import uuid

import pytest

from vmove import context as vmove_context
from vmove import exception
from vmove.devcloud import cinder as cinder_mod
from vmove.moves import queries as move_queries
from vmove.moves import service as moves
from vmove.tests.functional.volumes.helpers import Run, attach_without_nova, host_of, other_a, wait_volume

pytestmark = pytest.mark.devcloud


def test_cold_migration_of_an_attached_volume(engine, cc, volumes):
    vol = attach_without_nova(cc, volumes, volumes("A"))
    run = Run(engine, vol.id, "volume_migration", {"migration_type": "cold", "destination_node": other_a(host_of(vol))})
    assert (run.move.status, run.move.message) == ("failed", "Invalid state for cold migration")
    assert run.phases == ["queued", "failed"]
    assert run.events[-1].detail["step"] == "pre_condition"  # with the request ids of the calls that told


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
