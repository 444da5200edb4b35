"""VolumeMigration: the schema and Watcher's rules, Cinder's status quirks, one listing per poll.

Cinder is a fake cinderclient here; the sequences replayed are the ones
observed on the real Cinder (vmove/devcloud/CINDER_QUIRKS.md).  The real
Cinder is driven in vmove/tests/functional/volumes/.
"""

import datetime

from oslo_utils import timeutils
import pytest

from vmove import context as vmove_context
from vmove.actions import base, listings, volume
from vmove.engine import runner as engine_runner
from vmove.moves import queries as move_queries
from vmove.moves import service as moves
from vmove.tests import fixtures as vfixtures
from vmove.tests.unit.actions.fakes import (
    A1,
    A2,
    SERVER,
    TYPE_A,
    TYPE_B,
    VID,
    B,
    FakeCinder,
    FakeClients,
    FakeNova,
    Obj,
    vol,
)
from vmove.tests.unit.actions.volume_helpers import a_move, action_for


# --- pre_condition: Watcher's run-time rules ---------------------------------------
def test_pre_condition_values_for_a_migrate(conf, cinder):
    values = action_for(conf, cinder).pre_condition(a_move(migration_type="migrate", destination_node=A2))
    assert values == {
        "resource_name": "data-1",
        "source_backend": A1,
        "source_type": "A",
        "dest_backend": A2,
        "dest_type": "A",
    }


def test_pre_condition_values_for_a_retype_by_type_id(conf, cinder):
    values = action_for(conf, cinder).pre_condition(a_move("volume_retype", destination_type=TYPE_B))
    assert values["dest_type"] == "B" and "dest_backend" not in values


def test_volume_not_found_is_skipped(conf):
    cinder = FakeCinder(None)
    with pytest.raises(base.ActionSkipped) as err:
        action_for(conf, cinder).pre_condition(a_move(migration_type="migrate", destination_node=A2))
    assert err.value.message == f"Volume {VID} not found"


@pytest.mark.parametrize("node", [A1, "cloud@a1"])
def test_already_on_node_is_skipped(conf, cinder, node):
    with pytest.raises(base.ActionSkipped) as err:
        action_for(conf, cinder).pre_condition(a_move(migration_type="migrate", destination_node=node))
    assert err.value.message == f"Volume is already on node {node}"


def test_a_volume_that_moved_since_the_plan_is_skipped(conf, cinder):
    with pytest.raises(base.ActionSkipped, match="it moved since"):
        action_for(conf, cinder).pre_condition(a_move(source_backend=A2, migration_type="migrate", destination_node=B))


@pytest.mark.parametrize(
    ("status", "ms"),
    [
        ("error", None),
        ("available", "migrating"),
        ("retyping", None),
        ("available", "target:abc"),
        ("maintenance", "starting"),
    ],
)
def test_a_busy_volume_fails(conf, cinder, status, ms):
    cinder.state = vol(status=status, ms=ms)
    with pytest.raises(base.ActionFailed, match="is busy"):
        action_for(conf, cinder).pre_condition(a_move(migration_type="migrate", destination_node=A2))


def test_cold_of_an_attached_volume(conf, cinder):
    cinder.state = vol(status="in-use", attachments=[SERVER])
    with pytest.raises(base.ActionFailed) as err:
        action_for(conf, cinder).pre_condition(a_move(migration_type="cold", destination_node=A2))
    assert err.value.message == "Invalid state for cold migration"


def test_cold_of_a_volume_with_snapshots(conf, cinder):
    cinder.snapshots = [Obj(id="snap-1")]
    with pytest.raises(base.ActionFailed) as err:
        action_for(conf, cinder).pre_condition(a_move(migration_type="cold", destination_type="B"))
    assert err.value.message == "Invalid state for cold migration"
    assert ("snapshots",) in cinder.calls


def test_cold_of_a_detached_volume_without_snapshots(conf, cinder):
    values = action_for(conf, cinder).pre_condition(a_move(migration_type="cold", destination_node=A2))
    assert values["dest_backend"] == A2


@pytest.mark.parametrize("node", [B, "cloud@b"])
def test_migrate_to_a_pool_serving_another_type(conf, cinder, node):
    with pytest.raises(base.ActionFailed) as err:
        action_for(conf, cinder).pre_condition(a_move(migration_type="migrate", destination_node=node))
    assert err.value.message == "Volume type must be same for migrating"


def test_a_type_pinning_no_backend_may_go_to_any_pool(conf, cinder):
    cinder.state = vol(vtype="any")
    values = action_for(conf, cinder).pre_condition(a_move(migration_type="migrate", destination_node=B))
    assert values["dest_backend"] == B


def test_pool_not_found(conf, cinder):
    with pytest.raises(base.ActionFailed) as err:
        action_for(conf, cinder).pre_condition(a_move(migration_type="migrate", destination_node="cloud@zz#x"))
    assert err.value.message == "Pool cloud@zz#x not found"


@pytest.mark.parametrize("wanted", ["A", TYPE_A])
def test_retype_to_the_same_type(conf, cinder, wanted):
    with pytest.raises(base.ActionFailed) as err:
        action_for(conf, cinder).pre_condition(a_move("volume_retype", destination_type=wanted))
    assert err.value.message == "Volume type must be different for retyping"


def test_retype_to_an_unknown_type(conf, cinder):
    with pytest.raises(base.ActionFailed) as err:
        action_for(conf, cinder).pre_condition(a_move("volume_retype", destination_type="C"))
    assert err.value.message == "Volume type C not found"


@pytest.mark.parametrize("status", ["ACTIVE", "PAUSED", "VERIFY_RESIZE"])
def test_swap_of_a_volume_of_a_server_nova_can_swap(conf, cinder, status):
    cinder.state = vol(status="in-use", attachments=[SERVER])
    nova = FakeNova(status=status)
    values = action_for(conf, cinder, nova).pre_condition(a_move("volume_swap", destination_type="B"))
    assert values["dest_type"] == "B" and nova.calls == [("servers.get", SERVER)]


@pytest.mark.parametrize(
    ("state", "nova"),
    [
        (vol(), FakeNova()),  # not attached
        (vol(status="in-use", attachments=[SERVER]), FakeNova(status="SHUTOFF")),
        (vol(status="in-use", attachments=[SERVER]), FakeNova(status="RESIZED")),  # not a Nova status
        (vol(status="in-use", attachments=[SERVER]), FakeNova(task="migrating")),
        (vol(status="in-use", attachments=[SERVER]), FakeNova(exists=False)),
        (vol(status="in-use", attachments=[SERVER, "88888888-2222-3333-4444-555555555555"]), FakeNova()),
    ],
)
def test_swap_in_an_invalid_state(conf, cinder, state, nova):
    cinder.state = state
    with pytest.raises(base.ActionFailed) as err:
        action_for(conf, cinder, nova).pre_condition(a_move("volume_swap", destination_type="B"))
    assert err.value.message == "Invalid state for swapping volume"


def test_migrate_of_an_attached_volume_is_checked_like_a_swap(conf, cinder):
    """Cinder swaps an attached volume through Nova for a migrate too."""
    cinder.state = vol(status="in-use", attachments=[SERVER])
    with pytest.raises(base.ActionFailed, match="^Invalid state for swapping volume$"):
        action_for(conf, cinder, FakeNova(status="SHUTOFF")).pre_condition(
            a_move(migration_type="migrate", destination_node=A2)
        )


# --- execute: Cinder only ------------------------------------------------------------
def test_execute_migrate(conf, cinder):
    action = action_for(conf, cinder)
    move = a_move(migration_type="migrate", destination_node=A2)
    action.pre_condition(move)
    detail = action.execute(move)
    assert cinder.calls[-1] == ("migrate_volume", VID, A2, False, True)
    assert detail["request"] == "os-migrate_volume" and detail["request_id"] == "req-0123"
    assert (detail["host_before"], detail["migration_status_before"], detail["status_before"]) == (
        A1,
        None,
        "available",
    )


def test_execute_swap_is_a_cinder_retype_on_demand(conf, cinder):
    cinder.state = vol(status="in-use", attachments=[SERVER], ms="success")
    nova = FakeNova()
    action = action_for(conf, cinder, nova)
    move = a_move("volume_swap", destination_type="B")
    action.pre_condition(move)
    detail = action.execute(move)
    assert cinder.calls[-1] == ("retype", VID, "B", "on-demand")
    assert detail["migration_status_before"] == "success" and detail["attached_to"] == [SERVER]
    assert nova.calls == [("servers.get", SERVER)]  # the state check only: Cinder calls Nova's swap


# --- observe: one listing per poll ------------------------------------------------------
def test_one_listing_for_every_volume_move_type(conf, cinder):
    clients = FakeClients(cinder)
    oldest = timeutils.utcnow() - datetime.timedelta(minutes=10)
    retype = volume.VolumeMigration(conf, clients)
    migrate = volume.VolumeMigration(conf, clients)
    m1 = a_move("volume_retype", destination_type="B", started=oldest)
    m2 = a_move(migration_type="migrate", destination_node=A2)
    cinder.state = vol(status="retyping")
    assert retype.observe([m1])[m1.uuid].phase == "starting"
    migrate.observe([m2])
    lists = [c for c in cinder.calls if c[0] == "list"]
    assert len(lists) == 1
    since = (oldest - datetime.timedelta(seconds=listings.CLOCK_SKEW)).strftime("%Y-%m-%dT%H:%M:%S")
    assert lists[0][1] == {"all_tenants": 1, "updated_at": "gte:" + since}


def test_a_move_changed_after_the_listing_waits_for_the_next_one(conf, cinder):
    action = action_for(conf, cinder)
    cinder.state = vol(status="retyping")
    move = a_move("volume_retype", destination_type="B")
    assert move.uuid in action.observe([move])
    move.updated_at = timeutils.utcnow() + datetime.timedelta(seconds=1)  # the request went out meanwhile
    # the listing of this poll is older than the move's request: no verdict on it, and no second listing
    assert move.uuid not in action.observe([move])
    assert len([c for c in cinder.calls if c[0] == "list"]) == 1
    move.updated_at = timeutils.utcnow() - datetime.timedelta(seconds=1)
    listings.listing_for(action.clients)._at = 0.0  # the next poll
    assert action.observe([move])[move.uuid].phase == "starting"
    assert len([c for c in cinder.calls if c[0] == "list"]) == 2


def test_listing_falls_back_when_cinder_refuses_the_filter(conf, cinder):
    cinder.filter_refused = True
    cinder.state = vol(status="retyping")
    action = action_for(conf, cinder)
    action.observe([a_move("volume_retype", destination_type="B")])
    lists = [c for c in cinder.calls if c[0] == "list"]
    assert [sorted(c[1]) for c in lists] == [["all_tenants", "updated_at"], ["all_tenants"]]
    assert not listings.listing_for(action.clients).use_filter


def test_a_volume_missing_from_the_listing(conf, cinder):
    action = action_for(conf, cinder)
    starting = a_move("volume_retype", destination_type="B")
    cinder.state = None
    assert action.observe([starting])[starting.uuid].not_started
    running = a_move("volume_retype", destination_type="B", phase="migrating")
    obs = action.observe([running])[running.uuid]
    assert obs.phase == "failed" and obs.message == f"Volume {VID} was deleted during the move."


def test_a_failure_carries_cinders_user_messages(conf, cinder, monkeypatch):
    action = action_for(conf, cinder)
    monkeypatch.setattr(action, "_executed_detail", lambda move: {"executed": True, "request_id": "req-0123"})
    cinder.messages_found = [Obj(user_message="create volume from backend storage:Driver failed to create the volume.")]
    cinder.state = vol(ms="error")
    move = a_move(migration_type="migrate", destination_node=A2, phase="migrating")
    obs = action.observe([move])[move.uuid]
    assert obs.message.endswith("Cinder says: create volume from backend storage:Driver failed to create the volume.")
    assert ("messages", {"request_id": "req-0123"}) in cinder.calls


# --- through the engine's runner (a real database, fake Cinder) ------------------------------
def test_runner_drives_a_migration_to_success_with_its_events(conf, db, cinder):
    ctx = vmove_context.get_admin_context()
    move = moves.request_move(
        ctx,
        resource_type="volume",
        resource_id=VID,
        move_type="volume_migration",
        params={"migration_type": "migrate", "destination_node": A2},
        project_id="p1",
    )
    runner = engine_runner.MoveRunner(conf, "engine-1", FakeClients(cinder))
    now = timeutils.utcnow()
    [row] = vfixtures.claim_pending(ctx, "engine-1", 1, now + datetime.timedelta(seconds=30), now)
    runner.start_move(move_queries.get(ctx, row.uuid))
    for state in (vol(status="maintenance", ms="migrating"), vol(ms=None, host=A2), vol(ms="success", host=A2)):
        cinder.state = state
        listings.listing_for(runner.clients)._at = 0.0  # a new poll
        runner._observe()
    done = move_queries.get(ctx, move.uuid)
    assert (done.status, done.source_backend, done.dest_backend, done.progress) == ("succeeded", A1, A2, 100)
    events = move_queries.events(ctx, move.uuid)
    assert [e.to_phase for e in events] == ["queued", "starting", "starting", "migrating", "completing", "succeeded"]
    assert events[2].detail["request_id"] == "req-0123"
    assert [e.detail.get("migration_status") for e in events[3:]] == ["migrating", None, "success"]
    assert runner.actions.get("volume_migration")._executed_detail(done)["request_id"] == "req-0123"


def executed(monkeypatch, action, detail):
    monkeypatch.setattr(action, "_executed_detail", lambda move: detail)


def test_a_failure_without_a_request_sent_is_not_a_failure(conf, cinder, monkeypatch):
    """An engine died before sending the request: the stale "error" is of an earlier migration."""
    action = action_for(conf, cinder)
    executed(monkeypatch, action, None)
    cinder.state = vol(ms="error")
    move = a_move(migration_type="migrate", destination_node=A2)
    obs = action.observe([move])[move.uuid]
    assert obs.not_started and obs.phase == "starting"


@pytest.mark.parametrize(
    ("before", "why"),
    [
        ("error", "Cinder found no backend for it or refused it, without an error on the volume."),
        (None, "the copy to a backend of the new type failed (migration status error)."),
    ],
)
def test_a_retype_error_is_ours_only_if_the_volume_did_not_say_it_before(conf, cinder, monkeypatch, before, why):
    action = action_for(conf, cinder)
    executed(monkeypatch, action, {"executed": True, "migration_status_before": before})
    cinder.state = vol(status="available", ms="error")
    move = a_move("volume_retype", destination_type="B")
    obs = action.observe([move])[move.uuid]
    assert obs.phase == "failed" and obs.message.endswith(why)


def test_an_error_while_still_retyping_counts_once_known_fresh(conf, cinder):
    action = action_for(conf, cinder)
    move = a_move("volume_retype", destination_type="B")
    assert action.interpret(move, vol(status="retyping", ms="error")).phase == "starting"  # may be stale
    obs = action.interpret(move, vol(status="retyping", ms="error"), {"migration_status_before": "success"})
    assert obs.phase == "failed"
