"""The recovery extension's set-up against a fake Nova and Placement."""

import datetime

from oslo_utils import timeutils
import pytest

from vmove.moves import queries as move_queries
from vmove.recovery import evacuate, lifecycle
from vmove.recovery import extension as engine_recovery
from vmove.recovery import queries as recovery_queries
from vmove.tests.unit.recovery import fakes
from vmove.tests.unit.recovery.helpers import moves, reload


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
