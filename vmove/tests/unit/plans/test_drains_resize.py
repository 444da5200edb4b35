"""Drains resolved at validation (host and backend, filters, cold fallback, pinned), resize items
(flavor mapping, same flavor, smaller disk, room), against the fake cloud."""

from vmove.plans import queries as plan_queries
from vmove.tests.unit.plans import fakes
from vmove.tests.unit.plans.test_validation import validate, verdict


def test_a_host_drain_finds_every_instance_on_the_host_with_its_filters(ctx, conf, cloud, make_plan, order):
    on1 = [cloud.server("host1") for _ in range(3)]
    tagged = cloud.server("host1")
    cloud.servers[tagged].metadata = {"tier": "db"}
    other_project = cloud.server("host1", project="p2")
    elsewhere = cloud.server("host2")
    plan = make_plan([], hosts={"host1": "host3"}, drains={"hosts": [{"host": "host1", "priority": 5}]})
    rows = validate(ctx, conf, cloud, plan, order(plan))
    assert set(rows) == {*on1, tagged}  # not another project's (run not cross-project), not host2's
    for rid in (*on1, tagged):
        r = rows[rid]
        assert (r["verdict"], r["move_type"], r["params"], r["selector"], r["priority"]) == (
            "ok", "live_migration", {"host": "host3"}, "host:host1", 5,
        )  # fmt: skip
        assert r["size"] == fakes.TINY["ram"]
    assert other_project not in rows and elsewhere not in rows

    only_db = make_plan([], drains={"hosts": [{"host": "host1", "metadata": "tier=db"}]})
    rows = validate(ctx, conf, cloud, only_db, order(only_db))
    assert set(rows) == {tagged} and rows[tagged]["dest"] is None  # no mapping: anywhere
    only_db = make_plan([], drains={"hosts": [{"host": "host1", "metadata": "tier"}]})
    assert set(validate(ctx, conf, cloud, only_db, order(only_db, cross_project=True))) == {tagged}
    everyone = make_plan([], drains={"hosts": [{"host": "host1"}]})
    assert other_project in validate(ctx, conf, cloud, everyone, order(everyone, cross_project=True))


def test_drained_items_keep_one_id_across_runs_and_listed_items_win(ctx, conf, cloud, make_plan, order):
    sid = cloud.server("host1")
    listed = cloud.server("host1")
    plan = make_plan([("instance", listed, "cold_migration", 9)], hosts={"host1": "host2"},
                     drains={"hosts": [{"host": "host1"}]})  # fmt: skip
    first = validate(ctx, conf, cloud, plan, order(plan))
    assert first[listed]["selector"] is None and first[listed]["move_type"] == "cold_migration"
    assert first[sid]["selector"] == "host:host1"
    plan_queries.run_update(ctx, plan_queries.active_run(ctx, plan.uuid).uuid, {"status": "failed"})
    again = validate(ctx, conf, cloud, plan, order(plan, dry_run=True))
    assert again[sid]["item_uuid"] == first[sid]["item_uuid"]


def test_what_a_host_drain_cannot_live_migrate(ctx, conf, cloud, make_plan, order):
    stopped = cloud.server("host1", status="SHUTOFF")
    pci = cloud.server("host1", flavor=dict(fakes.TINY, extra_specs={"pci_passthrough:alias": "gpu:1"}))
    pinned = cloud.server("host1")
    cloud.servers[pinned].metadata = {"vmove_pinned": "amphora"}
    broken = cloud.server("host1", status="ERROR")
    drains = {"hosts": [{"host": "host1"}]}
    plan = make_plan([], hosts={"host1": "host2"}, drains=drains)
    rows = validate(ctx, conf, cloud, plan, order(plan))
    assert verdict(rows, stopped)[1] == "wrong_state" and "cold_fallback" in verdict(rows, stopped)[2]
    assert verdict(rows, pci)[1] == "pinned" and "PCI devices" in verdict(rows, pci)[2]
    assert verdict(rows, pinned)[1:] == ("pinned", f"Instance {cloud.servers[pinned].name} is pinned to its host "
                                                   "(metadata vmove_pinned=amphora).")  # fmt: skip
    assert verdict(rows, broken)[1] == "wrong_state"

    plan = make_plan([], hosts={"host1": "host2"}, drains=drains, cold_fallback=True)
    rows = validate(ctx, conf, cloud, plan, order(plan))
    for sid in (stopped, pci):
        assert (rows[sid]["verdict"], rows[sid]["move_type"]) == ("ok", "cold_migration"), rows[sid]
        assert rows[sid]["note"].startswith("cold migration: the instance ")
    assert verdict(rows, pinned)[1] == "pinned" and verdict(rows, broken)[1] == "wrong_state"


def test_a_host_drain_refuses_what_has_no_room(ctx, conf, cloud, make_plan, order):
    big = dict(fakes.TINY, ram=5000, original_name="big")
    first, second = cloud.server("host1", flavor=big), cloud.server("host1", flavor=big)
    plan = make_plan([], hosts={"host1": "host2"}, drains={"hosts": [{"host": "host1"}]})
    rows = validate(ctx, conf, cloud, plan, order(plan))
    assert sorted(r["verdict"] for r in rows.values()) == ["ok", "refused"]
    refused = next(r for r in rows.values() if r["verdict"] == "refused")
    assert refused["code"] == "no_capacity" and refused["resource_id"] in (first, second)


def test_a_backend_drain_finds_every_volume_on_the_backend(ctx, conf, cloud, make_plan, order):
    on_a1 = [cloud.volume(fakes.A1) for _ in range(5)]
    on_a2 = cloud.volume(fakes.A2)
    plan = make_plan([], backends={"cloud@a1": "cloud@a2"}, drains={"backends": [{"backend": "cloud@a1"}]})
    rows = validate(ctx, conf, cloud, plan, order(plan))
    assert set(rows) == set(on_a1) and on_a2 not in rows
    for vid in on_a1:
        assert (rows[vid]["verdict"], rows[vid]["move_type"], rows[vid]["selector"]) == (
            "ok", "volume_migration", "backend:cloud@a1",
        )  # fmt: skip
        assert rows[vid]["params"] == {"migration_type": "migrate", "destination_node": fakes.A2}
    unmapped = make_plan([], drains={"backends": [{"backend": "cloud@a1"}]})
    rows = validate(ctx, conf, cloud, unmapped, order(unmapped))
    assert {r["code"] for r in rows.values()} == {"no_mapping"}


def test_resize_items_take_their_flavor_from_the_mapping(ctx, conf, cloud, make_plan, order):
    small = cloud.flavor("m1.small", ram=2048, vcpus=1, disk=20)
    cloud.flavor("m1.tiny", ram=512, disk=1)
    cloud.flavor("m1.huge", ram=100000, disk=40)
    cloud.flavor("m1.shrunk", ram=512, disk=0)
    tiny = cloud.server("host1")
    also_tiny = cloud.server("host1")
    plan = make_plan([("instance", tiny, "resize")], flavors={"m1.tiny": "m1.small"})
    row = validate(ctx, conf, cloud, plan, order(plan))[tiny]
    assert (row["verdict"], row["params"], row["dest"]) == ("ok", {"flavor": small}, None), row

    for target, code, words in (
        ("m1.tiny", "already_there", "already has flavor m1.tiny: a resize needs another flavor"),
        ("m1.shrunk", "smaller_disk", "has a 0 GB root disk, smaller than the 1 GB of flavor m1.tiny"),
        ("m1.nope", "flavor_missing", "Flavor m1.nope does not exist."),
        ("m1.huge", "no_capacity", "No compute host other than host1 has room"),
    ):
        plan = make_plan([("instance", also_tiny, "resize")], flavors={"m1.tiny": target})
        got = verdict(validate(ctx, conf, cloud, plan, order(plan)), also_tiny)
        assert got[1] == code and words in got[2], got
    plan = make_plan([("instance", also_tiny, "resize")])
    assert verdict(validate(ctx, conf, cloud, plan, order(plan)), also_tiny)[1] == "no_mapping"
