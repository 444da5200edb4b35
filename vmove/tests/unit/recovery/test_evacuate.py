"""The recovery extension's set-up, stop and roll-up against a fake Nova and Placement."""

import datetime

from oslo_utils import timeutils
import pytest

from vmove.moves import queries as move_queries
from vmove.moves import states
from vmove.moves.transitions import transition
from vmove.recovery import evacuate, lifecycle, rollup
from vmove.recovery import extension as engine_recovery
from vmove.recovery import queries as recovery_queries
from vmove.tests.unit.recovery import fakes


def moves(ctx, n):
    return move_queries.of_origins(ctx, [n.evacuation_origin])


def finish(ctx, move, status=states.SUCCEEDED, message=None, dest="host1"):
    """Drive a pending evacuation to an end as the engine's move loop would."""
    move = transition(ctx, move, states.STARTING, values={"source_host": move.source_host})
    values = {"dest_host": dest} if status == states.SUCCEEDED else {}
    return transition(ctx, move, status, message=message, values=values)


def reload(ctx, n):
    return recovery_queries.get(ctx, n.uuid)


def test_set_up_fences_the_host_and_writes_one_move_per_instance_most_important_first(ctx, cloud, notify):
    nova = cloud.nova()
    p3, p1, none, p1_ha, p2 = nova.add(
        fakes.server(name="p3", meta={"vmove:priority": "3"}),
        fakes.server(name="p1", meta={"vmove:priority": "1"}),
        fakes.server(name="none"),
        fakes.server(name="p1-ha", meta={"vmove:priority": "1", "HA_Enabled": "True"}, project="p2"),
        fakes.server(name="p2", meta={"vmove:priority": " 2 "}),
    )
    nova.add(fakes.server(host="host1", name="elsewhere"))
    n = notify()
    svc = nova.services_by_host["host3"]
    assert (svc.status, svc.forced_down) == ("disabled", True)
    assert ("services.disable", "host3", f"vmove: host failure, notification {n.uuid}") in nova.calls
    made = moves(ctx, n)
    assert [m.resource_name for m in made] == ["p1-ha", "p1", "p2", "p3", "none"]
    assert [m.priority for m in made] == [-1, -1, -2, -3, evacuate.UNMARKED]
    for m in made:
        assert (m.type, m.status, m.origin, m.source_host, m.attempt) == (
            "evacuation",
            "pending",
            f"notification:{n.uuid}",
            "host3",
            1,
        )
    assert made[0].project_id == "p2" and made[1].project_id == "p1"
    n = reload(ctx, n)
    assert n.status == lifecycle.RUNNING and n.processed_at is not None
    assert "5 evacuation(s) requested, 0 ignored" in n.message
    assert n.progress == 0


def test_set_up_is_idempotent(ctx, conf, cloud, notify):
    cloud.nova().add(*[fakes.server() for _ in range(3)])
    n = notify()
    engine_recovery.process(ctx, conf, n.uuid)
    engine_recovery.tick(ctx, conf, "engine-1")
    assert len(moves(ctx, n)) == 3


def test_resumes_a_set_up_an_engine_died_in(ctx, conf, cloud, notify):
    nova = cloud.nova()
    nova.add(*[fakes.server(meta={"vmove:priority": str(i)}) for i in range(1, 5)])
    n = notify(advance=False)
    # the dead engine had started the run and written the first two moves
    n = recovery_queries.update(ctx, n.uuid, {"run_started_at": n.created_at})
    plan = evacuate._decide(ctx, conf, n, nova.all_servers)[:2]
    evacuate._write(ctx, conf, n, plan, "dead-engine")
    engine_recovery.process(ctx, conf, n.uuid)
    made = moves(ctx, n)
    assert [m.priority for m in made] == [-1, -2, -3, -4]
    assert reload(ctx, n).status == lifecycle.RUNNING


def test_a_lost_cast_is_set_up_by_the_poll_once_late(ctx, conf, cloud, notify):
    """The API's cast never reached an engine: the tick leaves a fresh notification to the RPC handler,
    and sets it up itself once ``claim_timeout`` has passed (the times read back from the database are
    time-zone aware, the engine's clock is naive UTC: they compare)."""
    cloud.nova().add(*[fakes.server() for _ in range(2)])
    n = notify(advance=False)
    engine_recovery.tick(ctx, conf, "engine-1")
    assert reload(ctx, n).status == lifecycle.NEW and moves(ctx, n) == []
    asked = timeutils.utcnow() - datetime.timedelta(seconds=conf.recovery.claim_timeout + 1)
    recovery_queries.update(ctx, n.uuid, {"created_at": asked})
    engine_recovery.tick(ctx, conf, "engine-1")
    assert reload(ctx, n).status == lifecycle.RUNNING and len(moves(ctx, n)) == 2


def test_unknown_host_is_ignored(ctx, cloud, notify):
    n = notify(hostname="nohost")
    n = reload(ctx, n)
    assert n.status == lifecycle.IGNORED and "no nova-compute service on host nohost" in n.message
    assert moves(ctx, n) == []


def test_empty_host_finishes(ctx, cloud, notify):
    n = reload(ctx, notify())
    assert n.status == lifecycle.FINISHED and n.progress == 100
    assert "0 instance(s) on it" in n.message and n.message.endswith("Result: no instance to evacuate.")


@pytest.mark.parametrize(
    ("order", "default", "expected"),
    [
        # unmarked ("none") and invalid ("bad") values: last, in creation order
        ("lowest_first", None, ["p1", "p5", "none", "bad"]),
        ("highest_first", None, ["p5", "p1", "none", "bad"]),
        ("lowest_first", 3, ["p1", "none", "bad", "p5"]),
    ],
)
def test_priority_order_and_default(ctx, conf, cloud, notify, order, default, expected):
    conf.set_override("priority_order", order, group="recovery")
    conf.set_override("default_priority", default, group="recovery")
    cloud.nova().add(
        fakes.server(name="none"),
        fakes.server(name="p5", meta={"vmove:priority": "5"}),
        fakes.server(name="bad", meta={"vmove:priority": "high"}),
        fakes.server(name="p1", meta={"vmove:priority": "1"}),
    )
    n = notify()
    assert [m.resource_name for m in moves(ctx, n)] == expected


def test_ties_are_broken_by_ha_then_creation_then_id(conf):
    a, b, c = (fakes.server(name=x, meta={"vmove:priority": "2"}) for x in "abc")
    c.metadata["HA_Enabled"] = "true"
    b.created = a.created  # same creation time: the id decides
    ordered = evacuate.ordered([a, b, c], conf)
    assert ordered[0].server is c
    assert [x.server for x in ordered[1:]] == sorted([a, b], key=lambda s: s.id)


def test_non_ha_and_error_instances_recorded_as_ignored_with_the_reason(ctx, conf, cloud, notify):
    conf.set_override("evacuate_all_instances", False, group="recovery")
    conf.set_override("error_instances", "skip", group="recovery")
    cloud.nova().add(
        fakes.server(name="ha", meta={"HA_Enabled": "True"}),
        fakes.server(name="off", meta={"HA_Enabled": "False"}),
        fakes.server(name="unmarked"),
        fakes.server(name="broken", status="ERROR", meta={"HA_Enabled": "yes"}),
    )
    n = notify()
    by_name = {m.resource_name: m for m in moves(ctx, n)}
    assert by_name["ha"].status == "pending"
    for name in ("off", "unmarked"):
        assert by_name[name].status == "ignored"
        assert "not HA-enabled" in by_name[name].message
    assert by_name["broken"].status == "ignored" and "ERROR state" in by_name["broken"].message
    details = move_queries.last_details(ctx, [by_name["off"].id, by_name["broken"].id])
    assert {d["reason"] for d in details.values()} == {lifecycle.REASON_NOT_HA, lifecycle.REASON_ERROR_STATE}
    assert "1 evacuation(s) requested, 3 ignored" in reload(ctx, n).message


def test_capacity_check_ignores_what_cannot_fit_most_important_first(ctx, conf, cloud, notify):
    cloud.session.free_ram = {"host1": 3000, "host2": 2000}
    cloud.nova().add(
        fakes.server(name="big-p3", ram=2500, meta={"vmove:priority": "3"}),
        fakes.server(name="big-p1", ram=2500, meta={"vmove:priority": "1"}),
        fakes.server(name="small-p2", ram=1500, meta={"vmove:priority": "2"}),
        fakes.server(name="small-p4", ram=1000, meta={"vmove:priority": "4"}),
    )
    n = notify()
    status = {m.resource_name: (m.status, m.message) for m in moves(ctx, n)}
    assert status["big-p1"][0] == status["small-p2"][0] == "pending"
    assert status["big-p3"][0] == "ignored"
    assert (
        "No room: no enabled, up compute host (host1, host2) has 1 VCPU, 2500 MB RAM, 1 GB disk" in status["big-p3"][1]
    )
    # big-p1 went to host1 (most free RAM), small-p2 to host2: 500 MB left on each
    assert status["small-p4"][0] == "ignored"
    assert ("hypervisors.list",) in cloud.nova().calls


def test_no_capacity_check_when_placement_does_not_answer(ctx, cloud, notify):
    cloud.session.down = True
    cloud.nova().add(fakes.server())
    n = reload(ctx, notify())
    assert [m.status for m in moves(ctx, n)] == ["pending"]
    assert "No capacity check (Placement did not answer" in n.message


def test_per_destination_limit_makes_vmove_choose_destinations(ctx, conf, cloud, notify):
    conf.set_override("max_in_flight_per_dest_host", 2, group="recovery")
    cloud.session.free_ram = {"host1": 4000, "host2": 3000}
    cloud.nova().add(*[fakes.server(ram=1000) for _ in range(4)])
    n = notify()
    # most free RAM first (4000/3000), then most free VCPU on equal RAM (3000/3000: host2 has one more)
    assert [m.params["host"] for m in moves(ctx, n)] == ["host1", "host2", "host1", "host2"]
    limits = engine_recovery.notification_limits(ctx, n.uuid)
    assert (limits.total, limits.per_dest_host) == (10, 2)


def test_a_pending_move_of_the_instance_is_replaced(ctx, cloud, notify):
    from vmove.moves import service as move_requests

    (s,) = cloud.nova().add(fakes.server())
    old = move_requests.request_move(
        ctx, resource_type="instance", resource_id=s.id, move_type="live_migration", params={"host": "host3"}
    )
    n = notify()
    (made,) = moves(ctx, n)
    assert made.status == "pending"
    old = move_queries.of_origins(ctx, [old.origin])[0]
    assert old.status == "cancelled" and f"notification {n.uuid} evacuates" in old.message


def test_roll_up_progress_then_finished(ctx, conf, cloud, notify):
    cloud.nova().add(*[fakes.server() for _ in range(4)])
    n = notify()
    made = moves(ctx, n)
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


def finish_from_starting(ctx, m, status=states.SUCCEEDED, message=None):
    values = {"dest_host": "host1"} if status == states.SUCCEEDED else {}
    return transition(ctx, m, status, message=message, values=values)


NO_VALID_HOST = "Nova migration 7 ended error: conductor_rebuild_server failed: No valid host was found. "


def test_stops_after_no_valid_host_in_a_row_and_ignores_the_rest(ctx, conf, cloud, notify):
    conf.set_override("no_valid_host_limit", 2, group="recovery")
    cloud.nova().add(*[fakes.server(meta={"vmove:priority": str(i)}) for i in range(1, 7)])
    n = notify()
    made = moves(ctx, n)
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


def test_stop_never_touches_a_started_move(ctx, conf, cloud, notify):
    conf.set_override("no_valid_host_limit", 1, group="recovery")
    cloud.nova().add(*[fakes.server() for _ in range(3)])
    n = notify()
    made = moves(ctx, n)
    finish(ctx, made[0], states.FAILED, NO_VALID_HOST)
    transition(ctx, made[1], states.STARTING)
    engine_recovery.tick(ctx, conf, "e1")
    assert [m.status for m in moves(ctx, n)] == ["failed", "ongoing", "ignored"]
    assert reload(ctx, n).status == lifecycle.RUNNING


def test_no_valid_host_limit_zero_never_stops(ctx, conf, cloud, notify):
    conf.set_override("no_valid_host_limit", 0, group="recovery")
    cloud.nova().add(*[fakes.server() for _ in range(3)])
    n = notify()
    made = moves(ctx, n)
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


def test_the_row_follows_the_start_order(ctx, conf, cloud, notify):
    """A success of an instance started earlier but ending later does not hide the failures after it."""
    conf.set_override("no_valid_host_limit", 2, group="recovery")
    cloud.nova().add(*[fakes.server(meta={"vmove:priority": str(i)}) for i in range(1, 6)])
    n = notify()
    early, late1, late2 = (transition(ctx, m, states.STARTING) for m in moves(ctx, n)[:3])
    finish_from_starting(ctx, late1, states.FAILED, NO_VALID_HOST)
    finish_from_starting(ctx, late2, states.FAILED, NO_VALID_HOST)
    finish_from_starting(ctx, early)  # ends last, started first
    engine_recovery.tick(ctx, conf, "e1")
    assert [m.status for m in moves(ctx, n)] == ["succeeded", "failed", "failed", "ignored", "ignored"]


def test_no_valid_host_read_from_the_server_fault_when_the_message_does_not_say(ctx, conf, cloud, notify):
    """The engine's message may only say "Nova migration N ended error.": Nova's fault on the server tells."""
    conf.set_override("no_valid_host_limit", 2, group="recovery")
    servers = cloud.nova().add(*[fakes.server(meta={"vmove:priority": str(i)}) for i in range(1, 5)])
    n = notify()
    made = moves(ctx, n)
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


def test_dispatch_starts_nothing_more_once_the_row_is_reached(ctx, conf, cloud, notify):
    """The engine refills freed slots in the poll that saw evacuations fail, before the tick's roll-up: the
    recovery's limits hold the rest at dispatch already, and the roll-up then ignores them."""
    from vmove.engine import extensions
    from vmove.moves import scheduler

    extensions.registry()  # the engine loads the recovery extension: its limits are registered
    conf.set_override("no_valid_host_limit", 2, group="recovery")
    conf.set_override("max_in_flight", 3, group="recovery")
    cloud.nova().add(*[fakes.server(meta={"vmove:priority": str(i)}) for i in range(1, 7)])
    n = notify()
    made = moves(ctx, n)
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


def test_the_row_is_read_past_one_batch_of_other_failures(ctx, conf, cloud, notify, monkeypatch):
    """The streak is read a few moves at a time; failures for other reasons neither count nor end it."""
    conf.set_override("no_valid_host_limit", 2, group="recovery")
    cloud.nova().add(*[fakes.server(meta={"vmove:priority": str(100 - i)}) for i in range(25)])
    n = notify()
    made = moves(ctx, n)
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


def test_the_first_evacuations_are_pre_checked_from_the_set_ups_listing(ctx, conf, cloud, notify):
    from vmove.actions import listings
    from vmove.actions import nova as nova_actions

    nova = cloud.nova()
    nova.add(*(fakes.server(name=f"vm{i}") for i in range(5)))
    n = notify()
    before = len(nova.calls)
    action = nova_actions.Evacuation(conf, cloud)
    made = moves(ctx, n)
    action.prefetch(made)
    checked = [action.pre_condition(m) for m in made]
    assert [c["source_host"] for c in checked] == ["host3"] * 5
    assert nova.calls[before:] == []
    # once the listing is old, a pre-check reads Nova again (and the fenced service is still down)
    for sid in list(listings.LISTINGS.entries):
        server, _, host = listings.LISTINGS.entries[sid]
        listings.LISTINGS.entries[sid] = (server, -1e9, host)
    listings.LISTINGS.services["host3"] = (listings.LISTINGS.services["host3"][0], -1e9)
    action.pre_condition(made[0])
    assert [c[0] for c in nova.calls[before:]] == ["servers.get", "services.list"]


def test_fencing_listing_and_the_capacity_read_overlap(ctx, cloud, notify):
    """The set-up waits for the slowest of the three, not their sum: each here waits for the others."""
    import threading

    nova = cloud.nova()
    nova.add(*(fakes.server(name=f"vm{i}") for i in range(3)))
    met = threading.Barrier(3, timeout=10)
    for ns, name in ((nova.services, "force_down"), (nova.servers, "list"), (nova.hypervisors, "list")):
        inner = getattr(ns, name)

        def waiting(*a, _inner=inner, **kw):
            met.wait()  # BrokenBarrierError (the set-up fails) unless all three are under way together
            return _inner(*a, **kw)

        setattr(ns, name, waiting)
    n = reload(ctx, notify())
    assert n.status == lifecycle.RUNNING, n.message
    assert "3 evacuation(s) requested" in n.message
