"""How the volume action reads Cinder's view of a volume: the sequences observed on the real Cinder
(vmove/devcloud/CINDER_QUIRKS.md), replayed on a fake cinderclient."""

import datetime

from oslo_utils import timeutils
import pytest

from vmove.tests.unit.actions.fakes import A1, A2, SERVER, B, FakeCinder, vol
from vmove.tests.unit.actions.volume_helpers import a_move, action_for, replay


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
