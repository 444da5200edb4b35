"""Approval per item (who and when in each item's history; the run starts what is approved), a run
paused while its recurring window is closed and resumed when it opens, and the drained hosts disabled
before any move (on the fake cloud)."""

import datetime
import types

import pytest

from vmove import context as vmove_context
from vmove import exception
from vmove.moves import notify
from vmove.moves import queries as move_queries
from vmove.plans import approvals, dispatch, events, lifecycle
from vmove.plans import extension as engine_plans
from vmove.plans import queries as plan_queries


def approver(name):
    ctx = vmove_context.get_admin_context()
    ctx.user_id = name
    return ctx


@pytest.fixture
def waiting(ctx, conf, cloud, make_plan, order):
    """A manual run of three instances, validated and awaiting approval: (run, [server ids])."""
    sids = [cloud.server("host1", name=f"vm{n}") for n in range(3)]
    plan = make_plan([("instance", s, "live_migration", 3 - n) for n, s in enumerate(sids)],
                     hosts={"host1": "host2"}, approval="manual")  # fmt: skip
    run = order(plan)
    engine_plans.handle_run(None, conf, run.uuid)
    run = plan_queries.run_get(ctx, run.uuid)
    assert run.status == lifecycle.AWAITING_APPROVAL, run.message
    return run, sids


def test_items_approved_and_denied_one_by_one_then_the_run_moves_the_approved(ctx, conf, waiting):
    run, (a, b, c) = waiting
    run, decided = approvals.decide(approver("alice"), run.uuid, "approved", [a])
    assert run.status == lifecycle.AWAITING_APPROVAL and [i.resource_id for i in decided] == [a]
    assert run.counts["undecided"] == 2 and "1 item(s) approved, 0 denied, 2 to decide" in run.message
    with pytest.raises(exception.Conflict, match="already approved by alice at"):
        approvals.decide(approver("bob"), run.uuid, "denied", [a])
    with pytest.raises(exception.Invalid, match="has no item nope"):
        approvals.decide(approver("bob"), run.uuid, "approved", ["nope"])
    run, _ = approvals.decide(approver("bob"), run.uuid, "denied", [b], reason="database of record")
    run, rest = approvals.decide(approver("carol"), run.uuid, "approved")  # every one left: c
    assert [i.resource_id for i in rest] == [c]
    assert run.status == lifecycle.APPROVED and run.decided_by == "carol"
    assert run.message == "Decided by carol: 2 item(s) approved, 1 denied; making the approved moves."

    items = {i.resource_id: i for i in plan_queries.run_items_get(ctx, run.uuid)}
    assert [(items[r].decision, items[r].decided_by) for r in (a, b, c)] == [
        ("approved", "alice"), ("denied", "bob"), ("approved", "carol"),
    ]  # fmt: skip
    history = events.by_item(events.get_all(ctx, run.uuid))[items[b].item_uuid]
    assert [(e.event, e.user_id, e.message) for e in history][-1] == (
        "denied", "bob", "Denied by bob: database of record",
    )  # fmt: skip
    assert history[0].event == "validated" and history[-1].at is not None

    engine_plans.handle_run(None, conf, run.uuid)
    run = plan_queries.run_get(ctx, run.uuid)
    assert run.status == lifecycle.RUNNING and (run.counts["approved"], run.counts["denied"]) == (2, 1)
    made = move_queries.get_all(ctx, {"origin": lifecycle.origin_of(run.uuid)})
    assert {m.resource_id for m in made} == {a, c}


def test_denying_every_item_denies_the_run(ctx, waiting):
    run, sids = waiting
    run, _ = approvals.decide(approver("alice"), run.uuid, "denied", sids[:2])
    run, _ = approvals.decide(approver("alice"), run.uuid, "denied", None, reason="freeze")
    assert run.status == lifecycle.DENIED and run.message == "Denied by alice: freeze" and run.finished_at


@pytest.mark.parametrize("decision", ["approved", "denied"])
def test_a_run_with_no_item_to_decide_follows_the_decision(ctx, make_plan, order, cloud, decision):
    plan = make_plan([("instance", cloud.server("host1"), "live_migration")], hosts={"host1": "host2"})
    run = order(plan)  # not validated: no item found ok
    plan_queries.run_update(ctx, run.uuid, {"status": lifecycle.AWAITING_APPROVAL})
    run, decided = approvals.decide(approver("alice"), run.uuid, decision, reason="not tonight")
    assert decided == [] and run.status == decision
    expected = "Denied by alice: not tonight" if decision == "denied" else "Approved by alice; making the moves."
    assert run.message == expected


def test_decisions_only_while_the_run_awaits_approval(ctx, conf, make_plan, order, cloud):
    sid = cloud.server("host1")
    plan = make_plan([("instance", sid, "live_migration")], hosts={"host1": "host2"})
    run = order(plan)
    with pytest.raises(exception.Conflict, match="still being validated"):
        approvals.decide(approver("a"), run.uuid, "approved", [sid])


class Recorder:
    def __init__(self):
        self.sent = []

    def info(self, ctx, event_type, payload):
        self.sent.append((event_type, payload))


def test_run_and_plan_changes_are_notified_with_counts(ctx, conf, cloud, make_plan, order, monkeypatch):
    recorder = Recorder()
    monkeypatch.setattr(notify, "_notifier", recorder)
    sid = cloud.server("host1")
    plan = make_plan([("instance", sid, "live_migration")], hosts={"host1": "host2"}, approval="manual")
    run = order(plan)
    engine_plans.handle_run(None, conf, run.uuid)
    approvals.decide(approver("alice"), run.uuid, "approved", [sid])
    engine_plans.handle_run(None, conf, run.uuid)
    kinds = [e for e, _ in recorder.sent if not e.startswith("vmove.move.")]
    assert kinds == ["vmove.plan.created", "vmove.run.created", "vmove.run.awaiting_approval",
                     "vmove.run.item_decided", "vmove.run.approved", "vmove.run.running"]  # fmt: skip
    payloads = {e: p for e, p in recorder.sent}
    started = payloads["vmove.run.running"]
    assert started["vmove_object.name"] == "RunPayload" and started["vmove_object.version"] == "1.0"
    data = started["vmove_object.data"]
    assert (data["status"], data["old_status"], data["counts"]["approved"]) == ("running", "approved", 1)
    decided = payloads["vmove.run.item_decided"]["vmove_object.data"]
    assert (decided["decision"], decided["decided_by"], decided["items"][0]["resource_id"]) == (
        "approved", "alice", sid,
    )  # fmt: skip


def test_a_run_pauses_when_its_window_closes_and_resumes_when_it_opens(ctx, conf, cloud, make_plan, order):
    sid, other = cloud.server("host1"), cloud.server("host1")
    now = datetime.datetime.now(datetime.UTC)
    period = {"start": (now - datetime.timedelta(hours=1)).strftime("%H:%M:%S"),
              "end": (now + datetime.timedelta(hours=1)).strftime("%H:%M:%S")}  # fmt: skip
    plan = make_plan([("instance", sid, "live_migration"), ("instance", other, "live_migration")],
                     hosts={"host1": "host2"}, schedule={"timezone": "UTC", "periods": [period]})  # fmt: skip
    run = order(plan)
    engine_plans.handle_run(None, conf, run.uuid)
    run = plan_queries.run_get(ctx, run.uuid)
    assert run.status == lifecycle.RUNNING and "fits in the next window" in run.message
    assert engine_plans.limits_of_run(ctx, run.uuid).is_open(now)

    later = now + datetime.timedelta(hours=2)
    counts = {"pending": 2, "ongoing": 0}
    event, message = dispatch._window_step(ctx, run, counts, later)
    assert event == "pause" and "2 move(s) wait for the next one (opens " in message
    assert dispatch._window_step(ctx, run, counts, now) is None
    plan_queries.advance(ctx, run, "pause", {"message": message})
    paused = plan_queries.run_get(ctx, run.uuid)
    assert dispatch._window_step(ctx, paused, counts, later) is None
    event, message = dispatch._window_step(ctx, paused, counts, now)
    assert event == "resume" and message.startswith("Resumed: the window is open until ")


def test_a_host_drain_disables_the_host_before_its_moves(ctx, conf, cloud, make_plan, order):
    disabled = []
    cloud.services["host1"].id = "svc-1"
    nova = cloud.nova

    def nova_with_disable(version=None):
        client = nova(version)
        client.services.disable_log_reason = lambda sid, reason: disabled.append((sid, reason))
        return client

    cloud.nova = nova_with_disable
    sid = cloud.server("host1")
    plan = make_plan([], hosts={"host1": "host2"}, drains={"hosts": [{"host": "host1"}]})
    run = order(plan)
    engine_plans.handle_run(None, conf, run.uuid)
    assert plan_queries.run_get(ctx, run.uuid).status == lifecycle.RUNNING
    # the fake lists every service for any host: the one of host1 is the first
    assert disabled[0] == ("svc-1", f"vmove run {run.uuid}: draining host host1 (plan plan)")
    found = [e for e in events.get_all(ctx, run.uuid) if e.event in ("drain", "host_disabled")]
    assert found[0].message == "Drain of host host1: 1 instance(s) found."
    assert found[1].message.startswith("Compute service of host host1 disabled before moving anything")
    made = move_queries.get_all(ctx, {"origin": lifecycle.origin_of(run.uuid)})
    assert [m.resource_id for m in made] == [sid]
    # resumed by another engine: not disabled twice
    plan_queries.run_update(ctx, run.uuid, {"status": "approved"})
    engine_plans.handle_run(None, conf, run.uuid)
    assert sum(1 for e in events.get_all(ctx, run.uuid) if e.event == "host_disabled") == len(disabled)
    assert types is not None
