"""The lifecycles of runs, notifications and restores: every edge exactly as declared, every other refused,
and the database refuses a change made from a status that is no longer the row's."""

import itertools

import pytest

from vmove import context as vmove_context
from vmove import exception, fsm
from vmove.plans import lifecycle as plan_lifecycle
from vmove.plans import queries as plan_queries
from vmove.recovery import lifecycle as recovery_lifecycle
from vmove.recovery import queries as recovery_queries

LIFECYCLES = {
    "run": plan_lifecycle.RUN,
    "notification": recovery_lifecycle.NOTIFICATION,
    "restore": recovery_lifecycle.RESTORE,
}


@pytest.mark.parametrize("lc", LIFECYCLES.values(), ids=LIFECYCLES.keys())
def test_every_pair_of_state_and_event_is_decided(lc):
    sources = [None, *lc.states]
    for source, event in itertools.product(sources, sorted(lc.events)):
        target = lc.edges.get((source, event))
        if target is None:
            with pytest.raises(fsm.IllegalStateChange) as e:
                lc.target(source, event, "x")
            assert e.value.code == 409 and event.replace("_", " ") in e.value.message
        else:
            assert lc.target(source, event, "x") == target


@pytest.mark.parametrize("lc", LIFECYCLES.values(), ids=LIFECYCLES.keys())
def test_every_state_is_reachable_and_documented(lc):
    start = lc.initial
    reach, todo = {start}, [start]
    while todo:
        here = todo.pop()
        for (source, _), target in lc.edges.items():
            if source == here and target not in reach:
                reach.add(target)
                todo.append(target)
    assert set(lc.states) <= reach, f"unreachable: {set(lc.states) - reach}"
    assert all(doc.strip() for doc in lc.states.values())


def test_finished_runs_change_no_more():
    assert plan_lifecycle.RUN.final() == frozenset(plan_lifecycle.FINISHED)
    assert set(plan_lifecycle.ACTIVE) | set(plan_lifecycle.FINISHED) == set(plan_lifecycle.RUN.states)


def test_a_notification_ends_finished_failed_or_ignored_and_only_a_failed_one_is_retried():
    lc = recovery_lifecycle.NOTIFICATION
    assert lc.final() == {recovery_lifecycle.FINISHED, recovery_lifecycle.IGNORED}
    assert [s for (s, e) in lc.edges if e == "retry"] == [recovery_lifecycle.FAILED]


def test_a_lifecycle_refuses_an_edge_to_an_unknown_state():
    with pytest.raises(ValueError, match="unknown state"):
        fsm.Lifecycle(what="X", states={"a": "A"}, edges={("a", "go"): "b"}, initial="a")


#: a change made from a stale read, per kind: the fixture making one, its queries' advance and get, the
#: event another writer takes first, then an event legal from the status the stale copy still says, and
#: the status the row keeps
STALE_READS = {
    "run": ("make_run", plan_queries.advance, plan_queries.run_get, "await_approval", "approve",
            plan_lifecycle.AWAITING_APPROVAL),
    "notification": ("make_notification", recovery_queries.advance, recovery_queries.get, "set_up", "ignore",
                     recovery_lifecycle.RUNNING),
}  # fmt: skip


@pytest.mark.parametrize("kind", STALE_READS)
def test_what_was_read_before_a_concurrent_change_cannot_be_moved_on(db, request, kind):
    make, advance, get, first, stale, kept = STALE_READS[kind]
    ctx = vmove_context.get_admin_context()
    obj = request.getfixturevalue(make)()
    advance(ctx, obj, first, {"message": first})
    # ``obj`` still says its first status: ``stale`` is a legal edge from there, but the row moved on
    with pytest.raises(exception.Conflict):
        advance(ctx, obj, stale)
    assert get(ctx, obj.uuid).status == kept


def test_a_running_notification_is_not_retried(db, make_notification):
    ctx = vmove_context.get_admin_context()
    n = recovery_queries.advance(ctx, make_notification(), "set_up", {"message": "set up"})
    with pytest.raises(fsm.IllegalStateChange):
        recovery_queries.advance(ctx, n, "retry")  # running is not failed


@pytest.fixture
def make_run():
    from vmove.plans import service as plan_service

    def make():
        ctx = vmove_context.get_admin_context()
        values = {"uuid": "11111111-2222-3333-4444-555555555555", "name": "p", "project_id": "p1", "approval": "manual"}
        plan = plan_service.create_plan(
            ctx, values, [{"resource_type": "instance", "resource_id": "vm-1", "type": "live_migration"}]
        )
        return plan_service.order_run(ctx, plan, dry_run=False, cross_project=False)

    return make


@pytest.fixture
def make_notification():
    import datetime

    from vmove.recovery import service as recovery_service

    def make():
        ctx = vmove_context.get_admin_context()
        body = {"type": "COMPUTE_HOST", "hostname": "h1", "payload": {"event": "STOPPED"}}
        n, created = recovery_service.create_notification(ctx, body, datetime.datetime(2026, 12, 1))
        assert created
        return n

    return make


def test_a_run_pauses_only_while_running_and_leaves_a_pause_by_resuming_ending_or_cancelling():
    lc = plan_lifecycle.RUN
    assert {s for (s, e), t in lc.edges.items() if t == plan_lifecycle.PAUSED} == {plan_lifecycle.RUNNING}
    assert {e: t for (s, e), t in lc.edges.items() if s == plan_lifecycle.PAUSED} == {
        "resume": plan_lifecycle.RUNNING,
        "cancel_moves": plan_lifecycle.CANCELLING,
        "succeed": plan_lifecycle.SUCCEEDED,
        "fail": plan_lifecycle.FAILED,
    }
    assert plan_lifecycle.PAUSED in plan_lifecycle.ACTIVE and plan_lifecycle.PAUSED in plan_lifecycle.MOVING
