"""Validation of a run, item by item, against a fake Nova/Placement/Cinder: every verdict."""

from oslo_utils import timeutils

from vmove.plans import queries as plan_queries
from vmove.plans import validation as plan_validation
from vmove.tests import fixtures as vfixtures
from vmove.tests.unit.plans import fakes
from vmove.tests.unit.plans.conftest import minutes


def validate(ctx, conf, cloud, plan, run, history=None):
    plan = plan_queries.plan_get(ctx, plan.uuid)
    validator = plan_validation.Validator(ctx, cloud, conf, plan, run, timeutils.utcnow())
    rows = validator.validate(history if history is not None else plan_queries.item_history(ctx, plan.uuid))
    return {r["resource_id"]: r for r in rows}


def verdict(rows, rid):
    r = rows[rid]
    return r["verdict"], r["code"], r["reason"]


def test_instances_ok_with_params_from_the_mapping(ctx, conf, cloud, make_plan, order):
    to2 = cloud.server("host1")
    anywhere = cloud.server("host3")
    plan = make_plan(
        [("instance", to2, "live_migration"), ("instance", anywhere, "cold_migration")],
        hosts={"host1": "host2", "host3": "any"},
    )
    rows = validate(ctx, conf, cloud, plan, order(plan))
    assert rows[to2]["verdict"] == "ok" and rows[to2]["params"] == {"host": "host2"}
    assert (rows[to2]["source"], rows[to2]["dest"], rows[to2]["attempt"]) == ("host1", "host2", 1)
    assert rows[anywhere]["verdict"] == "ok" and rows[anywhere]["params"] == {}
    assert rows[anywhere]["dest"] is None and rows[anywhere]["resource_name"].startswith("vm-")


def test_every_instance_refusal_has_a_code_and_a_reason(ctx, conf, cloud, make_plan, order):
    cloud.services["host3"].status = "disabled"
    cloud.services["host3"].disabled_reason = "maintenance"
    cloud.services["host2"].state = "down"
    cases = {
        "gone": ("missing-id", "live_migration", {}, "does not exist in project p1"),
        "shutoff": (cloud.server("host1", status="SHUTOFF"), "live_migration", {}, "is SHUTOFF"),
        "task": (cloud.server("host1", task="migrating"), "live_migration", {}, "busy (task state migrating)"),
        "evac_up": (cloud.server("host1"), "evacuation", {}, "is up: Nova evacuates only"),
        "unmapped": (cloud.server("host4"), "live_migration", {}, "host4"),
    }
    items = [("instance", c[0], c[1]) for c in cases.values()]
    plan = make_plan(items, hosts={"host1": "host2"})
    rows = validate(ctx, conf, cloud, plan, order(plan))
    assert verdict(rows, "missing-id")[:2] == ("refused", "gone")
    assert verdict(rows, cases["shutoff"][0])[1] == "wrong_state"
    assert "needs it ACTIVE or PAUSED" in verdict(rows, cases["shutoff"][0])[2]
    assert verdict(rows, cases["task"][0])[1] == "wrong_state"
    assert verdict(rows, cases["evac_up"][0])[1] == "wrong_state"
    assert verdict(rows, cases["unmapped"][0])[1] == "no_mapping"
    for c in cases.values():
        assert c[3] in rows[c[0]]["reason"], rows[c[0]]
        assert rows[c[0]]["params"] is None and rows[c[0]]["attempt"] is None
    # the destinations: down, disabled, unknown, the source itself
    for dest, code, words in (
        ("host2", "dest_down", "is down"),
        ("host3", "dest_disabled", "disabled (maintenance)"),
        ("nohost", "dest_missing", "not a Nova compute host"),
        ("host1", "already_there", "already on host host1"),
    ):
        sid = cloud.server("host1")
        plan = make_plan([("instance", sid, "live_migration")], hosts={"host1": dest})
        code_, reason = verdict(validate(ctx, conf, cloud, plan, order(plan)), sid)[1:]
        assert (code_, words in reason) == (code, True), reason


def test_other_projects_resources_only_for_cross_project_runs(ctx, conf, cloud, make_plan, order):
    theirs = cloud.server("host1", project="p2")
    plan = make_plan([("instance", theirs, "live_migration")], hosts={"host1": "host2"})
    assert verdict(validate(ctx, conf, cloud, plan, order(plan)), theirs)[1] == "gone"
    run = plan_queries.run_update(ctx, plan_queries.run_get_all(ctx)[-1].uuid, {"status": "failed"})
    assert verdict(validate(ctx, conf, cloud, plan, order(plan, cross_project=True)), theirs)[0] == "ok"
    assert run.status == "failed"


def test_capacity_is_reserved_most_important_first(ctx, conf, cloud, make_plan, order):
    big = dict(fakes.TINY, ram=5000, original_name="m1.big")
    first = cloud.server("host1", flavor=big)
    second = cloud.server("host3", flavor=big)
    cloud.usage["host2"]["DISK_GB"] = 99
    small_disk = cloud.server("host1")
    plan = make_plan(
        [("instance", second, "live_migration", 1), ("instance", first, "live_migration", 5)],
        hosts={"host1": "host2", "host3": "host2"},
    )
    rows = validate(ctx, conf, cloud, plan, order(plan))
    assert rows[first]["verdict"] == "ok"
    code, reason = verdict(rows, second)[1:]
    assert code == "no_capacity" and "5000 MB RAM (free 3192)" in reason and "m1.big" in reason, reason
    # a disk short by one gigabyte: the host's usage counts
    cloud.usage["host2"]["DISK_GB"] = 100
    plan = make_plan([("instance", small_disk, "cold_migration")], hosts={"host1": "host2"})
    code, reason = verdict(validate(ctx, conf, cloud, plan, order(plan)), small_disk)[1:]
    assert code == "no_capacity" and "1 GB disk (free 0)" in reason


def test_any_destination_needs_one_host_with_room(ctx, conf, cloud, make_plan, order):
    big = dict(fakes.TINY, ram=6000)
    sids = [cloud.server("host1", flavor=big) for _ in range(3)]
    plan = make_plan([("instance", s, "live_migration") for s in sids], hosts={"host1": "any"})
    rows = validate(ctx, conf, cloud, plan, order(plan))
    assert [rows[s]["verdict"] for s in sids] == ["ok", "ok", "refused"]
    assert rows[sids[2]]["code"] == "no_capacity" and "No compute host other than host1" in rows[sids[2]]["reason"]
    # no other usable host at all
    for h in ("host2", "host3"):
        cloud.services[h].status = "disabled"
    sid = cloud.server("host1")
    plan = make_plan([("instance", sid, "live_migration")], hosts={"host1": "any"})
    assert verdict(validate(ctx, conf, cloud, plan, order(plan)), sid)[1] == "dest_missing"


def test_capacity_unknown_is_left_to_nova(ctx, conf, cloud, make_plan, order):
    cloud.placement_fails = True
    sid = cloud.server("host1", flavor=dict(fakes.TINY, ram=10**6))
    plan = make_plan([("instance", sid, "live_migration")], hosts={"host1": "host2"})
    assert verdict(validate(ctx, conf, cloud, plan, order(plan)), sid)[0] == "ok"


def test_completed_busy_and_outside_window(ctx, conf, cloud, make_plan, order):
    done, busy = cloud.server("host1"), cloud.server("host1")
    plan = make_plan(
        [("instance", done, "live_migration"), ("instance", busy, "live_migration")], hosts={"host1": "host2"}
    )
    vfixtures.make_move(resource_id=busy, status="ongoing", phase="running")
    history = {("instance", done): [{"run": "r1", "run_status": "succeeded", "move_uuid": "m1", "attempt": 2,
                                     "move_status": "succeeded", "move_message": None}]}  # fmt: skip
    rows = validate(ctx, conf, cloud, plan, order(plan), history=history)
    assert verdict(rows, done)[1:] == ("completed", "Already completed by run r1 (move m1).")
    assert verdict(rows, busy)[1] == "busy" and "ongoing" in verdict(rows, busy)[2]

    closed = make_plan([("instance", done, "live_migration")], hosts={"host1": "host2"}, not_after=minutes(-1))
    code, reason = verdict(validate(ctx, conf, cloud, closed, order(closed)), done)[1:]
    assert code == "outside_window" and "window" in reason


def test_retried_item_gets_the_next_attempt(ctx, conf, cloud, make_plan, order):
    sid = cloud.server("host1")
    plan = make_plan([("instance", sid, "live_migration")], hosts={"host1": "host2"})
    history = {("instance", sid): [{"run": "r1", "run_status": "failed", "move_uuid": "m1", "attempt": 1,
                                    "move_status": "failed", "move_message": "boom"}]}  # fmt: skip
    rows = validate(ctx, conf, cloud, plan, order(plan), history=history)
    assert rows[sid]["verdict"] == "ok" and rows[sid]["attempt"] == 2


def test_volumes(ctx, conf, cloud, make_plan, order):
    migrate = cloud.volume(host=fakes.A1)
    there = cloud.volume(host=fakes.A2)
    retype = cloud.volume(vtype="A")
    same_type = cloud.volume(vtype="B", host=fakes.B)
    no_type = cloud.volume(vtype="C")
    swap = cloud.volume(vtype="A", status="available")
    moving = cloud.volume(ms="migrating")
    huge = cloud.volume(size=150)
    plan = make_plan(
        [
            ("volume", migrate, "volume_migration"),
            ("volume", there, "volume_migration"),
            ("volume", retype, "volume_retype"),
            ("volume", same_type, "volume_retype"),
            ("volume", no_type, "volume_retype"),
            ("volume", swap, "volume_swap"),
            ("volume", moving, "volume_migration"),
            ("volume", huge, "volume_migration"),
            ("volume", "gone-vol", "volume_retype"),
        ],
        backends={"cloud@a1": "cloud@a2", "cloud@a2": "cloud@a2"},
        volume_types={"A": "B", "B": "B"},
    )
    rows = validate(ctx, conf, cloud, plan, order(plan))
    assert rows[migrate]["verdict"] == "ok"
    assert rows[migrate]["params"] == {"migration_type": "migrate", "destination_node": fakes.A2}
    assert rows[migrate]["source"] == fakes.A1
    assert rows[retype]["params"] == {"migration_type": "retype", "destination_type": "B"}
    assert verdict(rows, there)[1] == "already_there"
    assert verdict(rows, same_type)[1] == "already_there"
    assert verdict(rows, no_type)[1] == "no_mapping"
    assert verdict(rows, swap)[1] == "wrong_state" and "attached" in verdict(rows, swap)[2]
    assert verdict(rows, moving)[1] == "wrong_state"
    assert verdict(rows, huge)[1] == "no_capacity" and "150 GB" in verdict(rows, huge)[2]
    assert verdict(rows, "gone-vol")[1] == "gone"


def test_volume_destinations_missing(ctx, conf, cloud, make_plan, order):
    to_nowhere, to_b, to_z = cloud.volume(), cloud.volume(), cloud.volume()
    plan = make_plan(
        [("volume", to_nowhere, "volume_migration"), ("volume", to_b, "volume_migration")],
        backends={"cloud@a1": "cloud@zz"},
    )
    rows = validate(ctx, conf, cloud, plan, order(plan))
    assert verdict(rows, to_nowhere)[1:] == ("backend_missing", "No Cinder pool on backend cloud@zz.")
    plan = make_plan([("volume", to_b, "volume_migration")], backends={"cloud@a1": "cloud@b"})
    code, reason = verdict(validate(ctx, conf, cloud, plan, order(plan)), to_b)[1:]
    assert code == "backend_missing" and "does not serve volume type A" in reason
    plan = make_plan([("volume", to_z, "volume_retype")], volume_types={"A": "Z"})
    assert verdict(validate(ctx, conf, cloud, plan, order(plan)), to_z)[1:] == (
        "type_missing",
        "Volume type Z does not exist.",
    )


def test_large_plans_list_instead_of_getting_each(ctx, conf, cloud, make_plan, order):
    for inventory in cloud.inventory.values():
        inventory["VCPU"]["allocation_ratio"] = 4.0  # 32 vCPUs a host
    sids = [cloud.server(f"host{1 + i % 3}") for i in range(plan_validation.LISTING_THRESHOLD + 5)]
    plan = make_plan(
        [("instance", s, "live_migration") for s in sids], hosts={"host1": "host2", "host2": "host3", "host3": "host1"}
    )
    rows = validate(ctx, conf, cloud, plan, order(plan))
    assert all(r["verdict"] == "ok" for r in rows.values())
    names = [c[0] for c in cloud.calls]
    assert names.count("servers.list") == 1 and "servers.get" not in names
    assert names.count("services.list") == 1 and names.count("hypervisors.list") == 1
    assert names.count("placement") == 6  # inventories + usages of each of the 3 destinations, once
