"""VolumeMigration: the schema and Watcher's rules, Cinder's status quirks, one listing per poll.

Cinder is a fake cinderclient here; the sequences replayed are the ones
observed on the real Cinder (vmove/devcloud/CINDER_QUIRKS.md).  The real
Cinder is driven in vmove/tests/functional/test_volume_moves.py.
"""

import datetime
import types

from oslo_utils import timeutils
import pytest

from vmove import context as vmove_context
from vmove import exception
from vmove.actions import base, listings, volume
from vmove.api import validation
from vmove.engine import runner as engine_runner
from vmove.moves import queries as move_queries
from vmove.moves import service as moves
from vmove.moves import states
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


@pytest.fixture
def cinder():
    return FakeCinder(vol())


def action_for(conf, cinder, nova=None):
    return volume.VolumeMigration(conf, FakeClients(cinder, nova))


def a_move(move_type="volume_migration", phase=states.STARTING, source_backend=A1, started=None, **params):
    start = started or timeutils.utcnow() - datetime.timedelta(seconds=1)
    params = volume.VolumeMigration.validate_params(move_type, params)
    return types.SimpleNamespace(
        uuid=f"move-{id(params)}",
        type=move_type,
        params=params,
        phase=phase,
        source_backend=source_backend,
        resource_id=VID,
        resource_name="data-1",
        start_time=start,
        updated_at=start,
        attempt=1,
    )


# --- the schema and the API rules (400 before anything is written) -----------------
def test_schema_keywords_are_spelled_right():
    validation.check_schema(volume.VolumeMigration.schema)
    assert volume.VolumeMigration.schema["additionalProperties"] is False


@pytest.mark.parametrize(
    "params",
    [
        {"migration_type": "migrate", "destination_node": 12345},  # Watcher let this through
        {"migration_type": "migrate", "destination_node": ""},
        {"migration_type": "retype", "destination_type": ""},
        {"migration_type": "retype", "destination_type": None},
        {"migration_type": "Swap", "destination_type": "B"},
        {"migration_type": "move", "destination_type": "B"},
        {"migration_type": "retype", "destination_type": "B", "resource_id": VID},
        {"migration_type": "migrate", "destination_node": "x" * 256},
    ],
)
def test_schema_refuses_bad_params(params):
    with pytest.raises(exception.Invalid) as err:
        moves.check_request("volume_migration", "volume", params)
    assert err.value.code == 400


@pytest.mark.parametrize(
    ("move_type", "params", "message"),
    [
        ("volume_migration", {"migration_type": "swap"}, "destination type is required when migration type is swap"),
        ("volume_swap", {}, "destination type is required when migration type is swap"),
        ("volume_swap", {"destination_node": A2}, "destination type is required when migration type is swap"),
        (
            "volume_migration",
            {"migration_type": "retype"},
            "destination type is required when migration type is retype",
        ),
        ("volume_retype", {}, "destination type is required when migration type is retype"),
        (
            "volume_retype",
            {"migration_type": "cold", "destination_node": A2},
            "destination type is required for a volume_retype",
        ),
        (
            "volume_migration",
            {"migration_type": "migrate"},
            "destination node is required when migration type is migrate",
        ),
        (
            "volume_migration",
            {"migration_type": "cold"},
            "destination node or destination type is required when migration type is cold",
        ),
        (
            "volume_migration",
            {"destination_node": A2},
            "migration_type is required for a volume_migration: one of swap, cold, retype, migrate.",
        ),
        (
            "volume_swap",
            {"migration_type": "retype", "destination_type": "B"},
            "migration_type retype does not fit a volume_swap: it takes swap.",
        ),
        (
            "volume_retype",
            {"migration_type": "migrate", "destination_node": A2},
            "migration_type migrate does not fit a volume_retype: it takes retype or cold.",
        ),
    ],
)
def test_api_rules_messages(move_type, params, message):
    with pytest.raises(base.InvalidParams) as err:
        moves.check_request(move_type, "volume", params)
    assert err.value.code == 400
    assert err.value.message == message


def test_one_destination_only():
    with pytest.raises(base.InvalidParams, match="cannot be combined"):
        moves.check_request(
            "volume_migration", "volume", {"migration_type": "cold", "destination_node": A2, "destination_type": "B"}
        )


@pytest.mark.parametrize(
    ("move_type", "params", "kind"),
    [
        ("volume_retype", {"destination_type": "B"}, "retype"),
        ("volume_swap", {"destination_type": "B"}, "swap"),
        ("volume_retype", {"migration_type": "cold", "destination_type": "B"}, "cold"),
        ("volume_migration", {"migration_type": "migrate", "destination_node": "cloud@a2"}, "migrate"),
        ("volume_migration", {"migration_type": "swap", "destination_type": "B"}, "swap"),
    ],
)
def test_migration_type_defaults_and_normalised_params(move_type, params, kind):
    out = moves.check_request(move_type, "volume", params)
    assert out == dict(params, migration_type=kind)


def test_a_volume_move_of_an_instance_is_refused():
    with pytest.raises(exception.Invalid, match="moves a volume, not an instance"):
        moves.check_request("volume_swap", "instance", {"destination_type": "B"})


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


# --- interpret: Cinder's statuses and quirks ----------------------------------------------
def replay(conf, move, states_seen):
    """Feed the volume states one by one, advancing the move's phase like the runner; return the phases."""
    action = action_for(conf, FakeCinder())
    phases = []
    for state in states_seen:
        obs = action.interpret(move, state)
        phases.append(obs.phase)
        if not obs.not_started:
            move.phase = obs.phase
    return phases, obs


def test_migrate_sequence(conf):
    move = a_move(migration_type="migrate", destination_node=A2)
    phases, obs = replay(
        conf,
        move,
        [
            vol(status="maintenance", ms="starting"),
            vol(status="maintenance", ms="migrating"),
            vol(status="maintenance", ms="completing", **{"os-vol-mig-status-attr:name_id": "4a8c"}),
            vol(status="available", ms="success", host=A2),
        ],
    )
    assert phases == ["starting", "migrating", "completing", "succeeded"]
    assert obs.values == {"dest_backend": A2, "dest_type": "A"}
    assert obs.detail["migration_status"] == "success"


def test_none_just_before_success_is_not_done(conf):
    move = a_move(migration_type="migrate", destination_node=A2, phase="migrating")
    phases, _ = replay(conf, move, [vol(ms=None, host=A2), vol(ms="success", host=A2)])
    assert phases == ["completing", "succeeded"]


def test_retype_after_a_migration_ignores_the_stale_success(conf):
    move = a_move("volume_retype", destination_type="B", source_backend=A2)
    phases, obs = replay(
        conf,
        move,
        [
            vol(status="retyping", ms="success", host=A2),  # stale: of the previous migration
            vol(status="retyping", ms="migrating", host=A2),
            vol(status="retyping", ms="completing", host=A2),
            vol(status="available", ms=None, host=B, vtype="B"),  # the DB swap, success not written yet
            vol(status="available", ms="success", host=B, vtype="B"),
        ],
    )
    assert phases == ["starting", "migrating", "completing", "completing", "succeeded"]
    assert obs.values == {"dest_backend": B, "dest_type": "B"}


def test_retype_not_yet_picked_up(conf):
    phases, _ = replay(conf, a_move("volume_retype", destination_type="B"), [vol(status="retyping", ms=None)])
    assert phases == ["starting"]


def test_attached_retype_sequence_of_a_swap(conf):
    move = a_move("volume_swap", destination_type="B")
    phases, _ = replay(
        conf,
        move,
        [
            vol(status="retyping", attachments=[SERVER]),
            vol(status="retyping", ms="migrating"),  # Nova swapping: no attachment at all
            vol(status="in-use", ms=None, host=B, vtype="B"),
            vol(status="in-use", ms="success", host=B, vtype="B"),  # attachment not recorded yet
            vol(status="in-use", ms="success", host=B, vtype="B", attachments=[SERVER]),
        ],
    )
    assert phases == ["starting", "migrating", "completing", "completing", "succeeded"]


def test_a_swap_that_leaves_the_volume_detached_failed(conf):
    move = a_move("volume_swap", destination_type="B", phase="completing")
    obs = action_for(conf, FakeCinder()).interpret(move, vol(status="available", ms="success", host=B, vtype="B"))
    assert obs.phase == "failed" and "no longer attached" in obs.message


def test_silent_retype_failure(conf):
    """policy never, or no backend for the type: retyping -> available, type and migration status unchanged."""
    move = a_move("volume_retype", destination_type="B")
    phases, obs = replay(conf, move, [vol(status="retyping"), vol(status="available")])
    assert phases == ["starting", "failed"]
    assert obs.message.startswith("Cinder did not change the volume type: volume data-1 is still A on " + A1)


def test_retype_whose_copy_failed(conf):
    move = a_move("volume_retype", destination_type="B")
    phases, obs = replay(conf, move, [vol(status="retyping", ms="migrating"), vol(status="available", ms="error")])
    assert phases == ["migrating", "failed"]
    assert obs.message.startswith("Cinder did not change the volume type") and "migration status error" in obs.message


def test_retype_done_in_place(conf):
    """Same backend serves both types: no migration, migration_status untouched."""
    move = a_move("volume_retype", destination_type="B")
    phases, obs = replay(conf, move, [vol(status="retyping"), vol(status="available", vtype="B")])
    assert phases == ["starting", "succeeded"] and obs.values["dest_backend"] == A1


@pytest.mark.parametrize("seen", [["starting", "error"], ["starting", "migrating", "error"]])
def test_migrate_error(conf, seen):
    move = a_move(migration_type="migrate", destination_node=A2)
    phases, obs = replay(conf, move, [vol(status="maintenance", ms=ms) for ms in seen])
    assert phases[-1] == "failed"
    assert (
        obs.message
        == f"Cinder could not migrate volume data-1 to {A2} (migration status error); it stays on {A1}, maintenance."
    )


def test_a_stale_success_of_a_migrate_that_did_not_reach_cinder(conf):
    obs = action_for(conf, FakeCinder()).interpret(
        a_move(migration_type="migrate", destination_node=A2), vol(ms="success")
    )
    assert obs.not_started and obs.phase == "starting"


def test_success_on_the_wrong_host_once_running_fails(conf):
    move = a_move(migration_type="migrate", destination_node=A2, phase="migrating")
    obs = action_for(conf, FakeCinder()).interpret(move, vol(ms="success", host=B))
    assert obs.phase == "failed" and "not on " + A2 in obs.message


def test_phases_never_go_back(conf):
    move = a_move(migration_type="migrate", destination_node=A2, phase="migrating")
    assert action_for(conf, FakeCinder()).interpret(move, vol(ms="starting")).phase == "migrating"


def test_success_while_still_locked_is_completing(conf):
    move = a_move(migration_type="migrate", destination_node=A2, phase="migrating")
    assert action_for(conf, FakeCinder()).interpret(move, vol(status="maintenance", ms="success", host=A2)).phase == (
        "completing"
    )


def test_success_into_an_error_volume_fails(conf):
    move = a_move(migration_type="migrate", destination_node="cloud@a2", phase="completing")
    obs = action_for(conf, FakeCinder()).interpret(move, vol(status="error", ms="success", host=A2))
    assert obs.phase == "failed" and obs.message.endswith("but is error.")


def test_a_volume_untouched_since_the_start_was_not_started(conf):
    long_ago = timeutils.utcnow() - datetime.timedelta(hours=1)
    obs = action_for(conf, FakeCinder()).interpret(a_move("volume_retype", destination_type="B"), vol(updated=long_ago))
    assert obs.not_started


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


# --- through the REST API: a 400 with the message, nothing written -------------------------
def test_post_moves_refuses_a_swap_without_destination_type(api, db):
    headers = {"X-Project-Id": "p1", "X-Roles": "admin,member,reader", "X-User-Id": "u1"}
    move = {"resource_type": "volume", "resource_id": VID, "type": "volume_swap", "params": {}}
    r = api.request("POST", "/v1/moves", body={"move": move}, version="1.2", headers=headers)
    assert r.status_int == 400, r.body
    assert "destination type is required when migration type is swap" in r.body.decode()
    assert move_queries.get_all(vmove_context.get_admin_context(), {"resource_id": VID}) == []


def test_post_moves_records_the_defaulted_migration_type(api, db):
    headers = {"X-Project-Id": "p1", "X-Roles": "admin,member,reader", "X-User-Id": "u1"}
    move = {"resource_type": "volume", "resource_id": VID, "type": "volume_retype", "params": {"destination_type": "B"}}
    r = api.request("POST", "/v1/moves", body={"move": move}, version="1.2", headers=headers)
    assert r.status_int == 202, r.body
    assert r.json_body_or_none["move"]["params"] == {"destination_type": "B", "migration_type": "retype"}
