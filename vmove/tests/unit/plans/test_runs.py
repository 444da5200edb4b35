"""A run's life in the engine, on a fake cloud: validate, approve, make the moves,
roll up, finish, cancel, order again (only what is not completed, attempt + 1)."""

import time

import pytest

from vmove import exception
from vmove.engine import extensions
from vmove.moves import queries as move_queries
from vmove.moves import scheduler
from vmove.moves.transitions import transition
from vmove.objects import plan as plan_obj
from vmove.plans import dispatch, lifecycle
from vmove.plans import extension as engine_plans
from vmove.plans import queries as plan_queries
from vmove.plans import service as plan_service
from vmove.tests.unit.plans.conftest import minutes


def run_obj(ctx, uuid):
    return plan_queries.run_get(ctx, uuid)


def moves_of(ctx, run_uuid):
    return list(move_queries.get_all(ctx, {"origin": f"run:{run_uuid}"}, sort_key="priority", sort_dir="desc"))


def finish(ctx, move, phase):
    """Drive a pending move to ``phase`` as an engine would."""
    move = transition(ctx, move, "starting")
    return transition(ctx, move, phase, message=f"it {phase}")


def rolled_up(ctx, conf, run):
    """``run`` read again once an engine's tick has rolled up its moves."""
    engine_plans.tick(None, conf, "e1")
    return run_obj(ctx, run.uuid)


def ordered(ctx, conf, order, plan):
    """Order ``plan`` and let the engine take the run: (the run as ordered, its moves, most important first)."""
    run = order(plan)
    engine_plans.handle_run(None, conf, run.uuid)
    return run, moves_of(ctx, run.uuid)


@pytest.fixture
def two_servers(cloud, make_plan):
    a, b = cloud.server("host1", name="a"), cloud.server("host1", name="b")
    plan = make_plan(
        [("instance", a, "live_migration", 10), ("instance", b, "live_migration", 1)], hosts={"host1": "host2"}
    )
    return plan, a, b


def test_auto_approved_run_makes_one_move_per_item(ctx, conf, two_servers, order):
    plan, a, b = two_servers
    run = order(plan)
    engine_plans.handle_run(None, conf, run.uuid)
    run = run_obj(ctx, run.uuid)
    assert run.status == "running", run.message
    assert run.counts == {"items": 2, "approved": 2, "refused": 0}
    assert run.validated_at and run.started_at and run.engine_id is None
    made = moves_of(ctx, run.uuid)
    assert [(m.resource_id, m.priority, m.attempt, m.source_host, m.params) for m in made] == [
        (a, 10, 1, "host1", {"host": "host2"}),
        (b, 1, 1, "host1", {"host": "host2"}),
    ]
    assert {m.project_id for m in made} == {"p1"} and {m.user_id for m in made} == {"u1"}
    items = plan_queries.run_items_get(ctx, run.uuid)
    assert {i.move_uuid for i in items} == {m.uuid for m in made}
    # the engine's cast came twice: nothing is made twice
    plan_queries.run_update(ctx, run.uuid, {"status": "approved"})
    engine_plans.handle_run(None, conf, run.uuid)
    assert len(moves_of(ctx, run.uuid)) == 2


def test_roll_up_finishes_the_run(ctx, conf, two_servers, order):
    plan, a, b = two_servers
    run, (first, second) = ordered(ctx, conf, order, plan)
    finish(ctx, first, "succeeded")
    transition(ctx, second, "starting")
    run = rolled_up(ctx, conf, run)
    assert run.status == "running" and run.progress >= 50
    assert (run.counts["succeeded"], run.counts["ongoing"]) == (1, 1)
    transition(ctx, move_queries.get(ctx, second.uuid), "failed", message="boom")
    run = rolled_up(ctx, conf, run)
    assert (run.status, run.progress) == ("failed", 100)
    assert run.message.startswith("1 of 2 moves succeeded; 1 failed.") and run.finished_at
    status = {k[1]: lifecycle.migration_status(v)[0] for k, v in plan_queries.item_history(ctx, plan.uuid).items()}
    assert status == {a: "completed", b: "failed"}


def test_second_run_retries_only_what_did_not_complete(ctx, conf, two_servers, order):
    plan, a, b = two_servers
    run1, (first, second) = ordered(ctx, conf, order, plan)
    finish(ctx, first, "succeeded")
    finish(ctx, second, "failed")
    engine_plans.tick(None, conf, "e1")
    run2, (retry,) = ordered(ctx, conf, order, plan)
    items = {i.resource_id: i for i in plan_queries.run_items_get(ctx, run2.uuid)}
    assert items[a].verdict == "refused" and items[a].code == "completed" and run1.uuid in items[a].reason
    assert (retry.resource_id, retry.attempt) == (b, 2)
    events = move_queries.events(ctx, retry.uuid)
    assert [e.attempt for e in events] == [2]
    # the first attempt stays readable, in its run
    assert move_queries.get(ctx, second.uuid).status == "failed"
    history = plan_queries.item_history(ctx, plan.uuid)[("instance", b)]
    assert [(e["run"], e["attempt"]) for e in history] == [(run1.uuid, 1), (run2.uuid, 2)]
    finish(ctx, retry, "succeeded")
    assert rolled_up(ctx, conf, run2).status == "succeeded"
    with pytest.raises(exception.Conflict, match="completed by earlier runs"):
        order(plan)
    assert order(plan, dry_run=True).status == "validating"  # a dry run still shows the verdicts


def test_manual_approval_waits_then_runs(ctx, conf, two_servers, order):
    plan, _, _ = two_servers
    plan_service.update_plan(ctx, plan.uuid, {"approval": "manual"})
    run = order(plan)
    engine_plans.handle_run(None, conf, run.uuid)
    run = run_obj(ctx, run.uuid)
    assert run.status == "awaiting_approval" and "approve" in run.message
    assert moves_of(ctx, run.uuid) == []
    run = plan_service.approve(ctx, run)
    assert run.status == "approved"
    engine_plans.handle_run(None, conf, run.uuid)
    assert run_obj(ctx, run.uuid).status == "running" and len(moves_of(ctx, run.uuid)) == 2
    with pytest.raises(exception.Conflict, match="only a run awaiting approval"):
        plan_service.deny(ctx, run_obj(ctx, run.uuid), "too late")


def test_deny(ctx, conf, two_servers, order):
    plan, _, _ = two_servers
    plan_service.update_plan(ctx, plan.uuid, {"approval": "manual"})
    run = order(plan)
    with pytest.raises(exception.Conflict, match="still being validated"):
        plan_service.approve(ctx, run_obj(ctx, run.uuid))
    engine_plans.handle_run(None, conf, run.uuid)
    ctx.user_id = "boss"
    run = plan_service.deny(ctx, run_obj(ctx, run.uuid), "not during the sale")
    assert (run.status, run.message, run.decided_by) == ("denied", "Denied by boss: not during the sale", "boss")
    assert moves_of(ctx, run.uuid) == [] and run.finished_at


def test_dry_run_and_nothing_to_move(ctx, conf, cloud, make_plan, order):
    ok = cloud.server("host1")
    plan = make_plan(
        [("instance", ok, "live_migration"), ("instance", "gone", "live_migration")], hosts={"host1": "host2"}
    )
    run = order(plan, dry_run=True)
    engine_plans.handle_run(None, conf, run.uuid)
    run = run_obj(ctx, run.uuid)
    assert run.status == "validated" and run.finished_at
    assert run.message == "Dry run: 1 of 2 items can be moved; 1 refused (see the items). Nothing was moved."
    assert moves_of(ctx, run.uuid) == []
    plan = make_plan([("instance", "gone", "live_migration")], hosts={"host1": "host2"})
    run = order(plan)
    engine_plans.handle_run(None, conf, run.uuid)
    run = run_obj(ctx, run.uuid)
    assert run.status == "failed" and run.message.startswith("No item can be moved")


def test_validation_error_fails_the_run_with_the_reason(ctx, conf, cloud, two_servers, order, monkeypatch):
    plan, _, _ = two_servers

    def broken(*a, **kw):
        raise ConnectionError("Nova is unreachable")

    monkeypatch.setattr(cloud, "nova", broken)
    run = order(plan)
    engine_plans.handle_run(None, conf, run.uuid)
    run = run_obj(ctx, run.uuid)
    assert run.status == "failed" and "Nova is unreachable" in run.message


def test_cancel_a_running_run(ctx, conf, two_servers, order):
    plan, _, _ = two_servers
    run, (first, second) = ordered(ctx, conf, order, plan)
    transition(ctx, transition(ctx, first, "starting"), "migrating" if first.type == "cold_migration" else "running")
    run, summary = plan_service.cancel_run(ctx, conf, run_obj(ctx, run.uuid))
    assert run.status == "cancelling"
    assert summary == {"cancelled": 1, "aborting": [first.uuid], "not_abortable": []}
    assert move_queries.get(ctx, second.uuid).status == "cancelled"
    assert rolled_up(ctx, conf, run).status == "cancelling"  # the abort is not through yet
    transition(ctx, move_queries.get(ctx, first.uuid), "cancelled")
    run = rolled_up(ctx, conf, run)
    assert run.status == "cancelled" and "2 cancelled" in run.message
    with pytest.raises(exception.Conflict, match="already ended"):
        plan_service.cancel_run(ctx, conf, run)


def test_cancel_before_any_move(ctx, conf, two_servers, order):
    plan, _, _ = two_servers
    run = order(plan)
    run, summary = plan_service.cancel_run(ctx, conf, run_obj(ctx, run.uuid))
    assert run.status == "cancelled" and summary["cancelled"] == 0
    engine_plans.handle_run(None, conf, run.uuid)  # the cast arrives late: nothing happens
    assert run_obj(ctx, run.uuid).status == "cancelled" and moves_of(ctx, run.uuid) == []


def test_cancelled_while_moves_are_made(ctx, conf, two_servers, order, monkeypatch):
    plan, _, _ = two_servers
    run = order(plan)
    real = dispatch.move_service.request_move

    def request_then_cancel(*a, **kw):
        move = real(*a, **kw)
        plan_queries.run_update(ctx, run.uuid, {"status": "cancelling"})
        return move

    monkeypatch.setattr(dispatch.move_service, "request_move", request_then_cancel)
    engine_plans.handle_run(None, conf, run.uuid)
    made = moves_of(ctx, run.uuid)
    assert len(made) == 1 and made[0].status == "cancelled"
    assert rolled_up(ctx, conf, run).status == "cancelled"


def test_limits_provider_reads_the_plan(ctx, conf, two_servers, order):
    reg = extensions.registry()  # the installed entry point registers the provider
    assert reg.handlers["run"] is engine_plans.handle_run and engine_plans.tick in reg.ticks
    plan, _, _ = two_servers
    plan_service.update_plan(
        ctx, plan.uuid, {"max_in_flight": 6, "per_source_host": 2, "per_dest_host": 3, "not_after": minutes(5)}
    )
    run = order(plan)
    limits = scheduler.limits_for(ctx, f"run:{run.uuid}")
    assert (limits.total, limits.per_source_host, limits.per_dest_host, limits.per_backend) == (6, 2, 3, None)
    assert limits.not_after is not None and limits.not_before is None
    assert scheduler.limits_for(ctx, "run:no-such-run") == scheduler.NO_LIMITS


def test_tick_resumes_a_run_no_engine_holds(ctx, conf, two_servers, order, monkeypatch):
    plan, _, _ = two_servers
    monkeypatch.setattr(engine_plans, "RESUME_GRACE", 0.0)
    run = order(plan)  # its cast was lost
    engine_plans.tick(None, conf, "e1")
    deadline = time.monotonic() + 10
    while run_obj(ctx, run.uuid).status != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run_obj(ctx, run.uuid).status == "running"
    assert len(moves_of(ctx, run.uuid)) == 2


def test_a_held_run_is_left_to_its_engine(ctx, conf, two_servers, order):
    plan, _, _ = two_servers
    run = order(plan)
    from oslo_utils import timeutils

    now = timeutils.utcnow()
    assert plan_queries.run_claim(ctx, run.uuid, "other", minutes(1), now, ("validating",)) is not None
    engine_plans.handle_run(None, conf, run.uuid)
    assert run_obj(ctx, run.uuid).status == "validating"


def test_one_run_at_a_time_and_no_item_edit_meanwhile(ctx, conf, two_servers, order):
    plan, a, _ = two_servers
    run = order(plan)
    with pytest.raises(exception.Conflict, match=f"already has run {run.uuid} in progress"):
        order(plan)
    with pytest.raises(exception.Conflict, match="cannot be changed while its run"):
        plan_service.update_plan(
            ctx, plan.uuid, {}, [{"resource_type": "instance", "resource_id": a, "type": "cold_migration"}]
        )
    with pytest.raises(exception.Conflict, match="cannot be deleted while its run"):
        plan_service.delete_plan(ctx, plan.uuid)
    plan_service.update_plan(ctx, plan.uuid, {"per_source_host": 1})  # limits may change: they throttle the run
    plan_service.cancel_run(ctx, conf, run_obj(ctx, run.uuid))
    plan_service.delete_plan(ctx, plan.uuid)
    assert run_obj(ctx, run.uuid).plan_name == "plan"  # runs outlive their plan


def test_progress_never_goes_back():
    run = plan_obj.Run(counts={"items": 4, "approved": 4, "refused": 0}, progress=60)
    counts, percent = dispatch.progress_of(run, {"succeeded": (2, 200), "ongoing": (1, 30), "pending": (1, 0)})
    assert counts["succeeded"] == 2 and counts["approved"] == 4
    assert percent == 60  # 230 / 4 = 57, but 60 was shown already
    _, percent = dispatch.progress_of(run, {"succeeded": (3, 300), "failed": (1, 10)})
    assert percent == 100
