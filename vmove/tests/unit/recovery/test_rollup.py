"""The recovery's roll-up and its NoValidHost stop, against a fake Nova and Placement."""

import pytest

from vmove.moves import queries as move_queries
from vmove.moves import states
from vmove.moves.transitions import transition
from vmove.recovery import extension as engine_recovery
from vmove.recovery import lifecycle, rollup
from vmove.recovery import queries as recovery_queries
from vmove.tests.unit.recovery import fakes
from vmove.tests.unit.recovery.helpers import NO_VALID_HOST, finish, finish_from_starting, moves, reload


@pytest.fixture
def host_fails(ctx, conf, cloud, notify):
    """Nova has ``servers`` on a host that fails (under ``[recovery] no_valid_host_limit`` if given):
    (its notification, its evacuations, most important first)."""

    def fail(servers, no_valid_host_limit=None):
        if no_valid_host_limit is not None:
            conf.set_override("no_valid_host_limit", no_valid_host_limit, group="recovery")
        cloud.nova().add(*servers)
        n = notify()
        return n, moves(ctx, n)

    return fail


def ranked(count):
    """``count`` servers of priorities 1 (the most important) to ``count``."""
    return [fakes.server(meta={"vmove:priority": str(i)}) for i in range(1, count + 1)]


def test_roll_up_progress_then_finished(ctx, conf, host_fails):
    n, made = host_fails([fakes.server() for _ in range(4)])
    finish(ctx, made[0])
    transition(ctx, made[1], states.STARTING)
    engine_recovery.tick(ctx, conf, "e1")
    n = reload(ctx, n)
    # one done (100), one starting (the evacuation FSM's 33), two pending
    assert (n.status, n.progress) == (lifecycle.RUNNING, (100 + 33) // 4)
    for m in moves(ctx, n)[1:]:
        if m.status == "pending":
            m = transition(ctx, m, states.STARTING)
        finish_from_starting(ctx, m)
    engine_recovery.tick(ctx, conf, "e1")
    n = reload(ctx, n)
    assert (n.status, n.progress) == (lifecycle.FINISHED, 100)
    assert "Result: 4 instance(s), latest attempts: succeeded 4." in n.message
    # finished: a new notification for the host may be recorded
    assert recovery_queries.get(ctx, n.uuid).active_key is None


def test_stops_after_no_valid_host_in_a_row_and_ignores_the_rest(ctx, conf, host_fails):
    n, made = host_fails(ranked(6), no_valid_host_limit=2)
    finish(ctx, made[0])
    finish(ctx, made[1], states.FAILED, NO_VALID_HOST)
    finish(ctx, made[2], states.FAILED, "Nova migration 9 ended error: spawn failed")  # not a capacity problem
    engine_recovery.tick(ctx, conf, "e1")
    assert [m.status for m in moves(ctx, n)][3:] == ["pending"] * 3  # one in a row so far
    finish(ctx, made[3], states.FAILED, NO_VALID_HOST)
    engine_recovery.tick(ctx, conf, "e1")
    after = moves(ctx, n)
    assert [m.status for m in after] == ["succeeded", "failed", "failed", "failed", "ignored", "ignored"]
    assert "2 evacuations in a row found no valid host" in after[4].message
    n = reload(ctx, n)
    assert n.status == lifecycle.FAILED
    assert "Stopped early" in n.message and "2 could not be placed for lack of room" in n.message


def test_stop_never_touches_a_started_move(ctx, conf, host_fails):
    n, made = host_fails([fakes.server() for _ in range(3)], no_valid_host_limit=1)
    finish(ctx, made[0], states.FAILED, NO_VALID_HOST)
    transition(ctx, made[1], states.STARTING)
    engine_recovery.tick(ctx, conf, "e1")
    assert [m.status for m in moves(ctx, n)] == ["failed", "ongoing", "ignored"]
    assert reload(ctx, n).status == lifecycle.RUNNING


def test_no_valid_host_limit_zero_never_stops(ctx, conf, host_fails):
    n, made = host_fails([fakes.server() for _ in range(3)], no_valid_host_limit=0)
    finish(ctx, made[0], states.FAILED, NO_VALID_HOST)
    finish(ctx, made[1], states.FAILED, NO_VALID_HOST)
    engine_recovery.tick(ctx, conf, "e1")
    assert moves(ctx, n)[2].status == "pending"


def test_an_instance_left_alone_keeps_its_other_move(ctx, conf, cloud, notify):
    from vmove.moves import service as move_requests

    conf.set_override("evacuate_all_instances", False, group="recovery")
    (s,) = cloud.nova().add(fakes.server(name="busy"))
    old = move_requests.request_move(
        ctx, resource_type="instance", resource_id=s.id, move_type="live_migration", params={"host": "host1"}
    )
    n = reload(ctx, notify())
    assert moves(ctx, n) == []
    assert move_queries.of_origins(ctx, [old.origin])[0].status == "pending"
    assert f"Left alone (another move in progress): busy ({s.id})" in n.message


def test_the_row_follows_the_start_order(ctx, conf, host_fails):
    """A success of an instance started earlier but ending later does not hide the failures after it."""
    n, made = host_fails(ranked(5), no_valid_host_limit=2)
    early, late1, late2 = (transition(ctx, m, states.STARTING) for m in made[:3])
    finish_from_starting(ctx, late1, states.FAILED, NO_VALID_HOST)
    finish_from_starting(ctx, late2, states.FAILED, NO_VALID_HOST)
    finish_from_starting(ctx, early)  # ends last, started first
    engine_recovery.tick(ctx, conf, "e1")
    assert [m.status for m in moves(ctx, n)] == ["succeeded", "failed", "failed", "ignored", "ignored"]


def test_no_valid_host_read_from_the_server_fault_when_the_message_does_not_say(ctx, conf, cloud, host_fails):
    """The engine's message may only say "Nova migration N ended error.": Nova's fault on the server tells."""
    servers = ranked(4)
    n, made = host_fails(servers, no_valid_host_limit=2)
    a = finish(ctx, made[0], states.FAILED, "Nova migration 7 ended error.")
    b = finish(ctx, made[1], states.FAILED, "Nova migration 8 ended error.")
    servers[0].fault = {"message": "No valid host was found. ", "created": a.start_time.isoformat()}
    servers[1].fault = {"message": "No valid host was found. ", "created": "2020-01-01T00:00:00Z"}  # an old one
    engine_recovery.tick(ctx, conf, "e1")
    assert [m.status for m in moves(ctx, n)][2:] == ["pending", "pending"]
    # Nova records the fault after it ends the migration: a move that ended a moment ago is read again
    servers[1].fault = {"message": "No valid host was found. ", "created": b.start_time.isoformat()}
    engine_recovery.tick(ctx, conf, "e1")
    assert [m.status for m in moves(ctx, n)][2:] == ["ignored", "ignored"]
    gets = [c for c in cloud.nova().calls if c[0] == "servers.get"]
    engine_recovery.tick(ctx, conf, "e1")
    assert [c for c in cloud.nova().calls if c[0] == "servers.get"] == gets  # remembered, not read again


def test_dispatch_starts_nothing_more_once_the_row_is_reached(ctx, conf, host_fails):
    """The engine refills freed slots in the poll that saw evacuations fail, before the tick's roll-up: the
    recovery's limits hold the rest at dispatch already, and the roll-up then ignores them."""
    from vmove.engine import extensions
    from vmove.moves import scheduler

    extensions.registry()  # the engine loads the recovery extension: its limits are registered
    conf.set_override("max_in_flight", 3, group="recovery")
    n, made = host_fails(ranked(6), no_valid_host_limit=2)
    assert scheduler.limits_for(ctx, n.evacuation_origin) == scheduler.Limits(total=3)
    finish(ctx, made[0], states.FAILED, NO_VALID_HOST)
    assert scheduler.limits_for(ctx, n.evacuation_origin).total == 3  # one in a row: go on
    finish(ctx, made[1], states.FAILED, NO_VALID_HOST)
    assert scheduler.limits_for(ctx, n.evacuation_origin) == scheduler.HOLD
    assert [m.status for m in moves(ctx, n)][2:] == ["pending"] * 4  # held, not yet ignored
    engine_recovery.tick(ctx, conf, "e1")
    assert [m.status for m in moves(ctx, n)][2:] == ["ignored"] * 4
    # ended: its limits no longer hold anything (a retry starts a new row)
    assert reload(ctx, n).status == lifecycle.FAILED
    assert scheduler.limits_for(ctx, n.evacuation_origin).total == 3


def test_the_row_is_read_past_one_batch_of_other_failures(ctx, conf, host_fails, monkeypatch):
    """The streak is read a few moves at a time; failures for other reasons neither count nor end it."""
    servers = [fakes.server(meta={"vmove:priority": str(100 - i)}) for i in range(25)]
    n, made = host_fails(servers, no_valid_host_limit=2)
    reads = []
    real = move_queries.ended_latest_started_first
    monkeypatch.setattr(
        move_queries,
        "ended_latest_started_first",
        lambda *a: reads.append(len(found := real(*a))) or found,
    )
    finish(ctx, made[0])
    assert rollup.cloud_full(ctx, conf, reload(ctx, n)) == 0
    assert reads == [1]  # all goes well: one row read
    finish(ctx, made[1], states.FAILED, NO_VALID_HOST)
    for m in made[2:23]:
        finish(ctx, m, states.FAILED, "Nova migration 9 ended error: spawn failed")
    finish(ctx, made[23], states.FAILED, NO_VALID_HOST)
    reads.clear()
    assert rollup.cloud_full(ctx, conf, reload(ctx, n)) == 2
    assert reads == [20, 24]  # the first batch held no success: read on to the one that ends the row
    engine_recovery.tick(ctx, conf, "e1")
    assert moves(ctx, n)[24].status == "ignored"
