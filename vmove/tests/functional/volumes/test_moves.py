"""Volume moves driven by vmove's real engine against the dev cloud's REAL Cinder.

The engine runs in process (``fake://`` RPC, SQLite from the ``db`` fixture)
as vmove's service user on the dev cloud's Keystone; Cinder is the dev
cloud's (three file backends: a1 and a2 serve type A, b serves type B), and
the swap of an attached volume goes through the dev cloud's real Nova.  Each
volume move type is driven to success and to its failure paths, and the event
history of every move is checked.  Run with ``-s`` to see the measured times
and Cinder calls per move. Watcher's rules at run time are in test_volume_rules.
"""

from __future__ import annotations

import time
import uuid

import pytest

from vmove import context as vmove_context
from vmove.actions import listings as backend_listings
from vmove.devcloud import cinder as cinder_mod
from vmove.moves import service as moves
from vmove.tests.functional.volumes.helpers import (
    POLL,
    Run,
    assert_full_history,
    has_marker,
    host_of,
    other_a,
    settled,
    wait_move,
    wait_volume,
    write_marker,
)

pytestmark = pytest.mark.devcloud


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
    asked = [
        ("volume_migration", {"migration_type": "migrate", "destination_node": other_a(host_of(vols[0]))}),
        ("volume_retype", {"destination_type": "B"}),
        ("volume_retype", {"destination_type": "B"}),
    ]
    requested = [
        moves.request_move(
            ctx, resource_type="volume", resource_id=vol.id, move_type=move_type, params=params, project_id="vmove-test"
        )
        for vol, (move_type, params) in zip(vols, asked, strict=True)
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
    assert run.events[-1].detail["step"] == "timeout"
    wait_volume(cc, vol.id, settled, None)  # Cinder has no abort: its migration runs on
