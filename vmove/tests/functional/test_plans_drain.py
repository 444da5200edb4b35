# ruff: noqa: F811 - the fixtures of test_plans and moves_env are imported, and used as arguments
"""Drains, resize, approval per item, runs across two recurring windows and the estimate, on the dev
cloud: real Nova, Placement and Cinder, the API over HTTP, RPC over RabbitMQ, PostgreSQL, one engine.

The dev cloud is shared with other test sessions: the drains are filtered on a metadata tag of this
test's own servers and volumes, a host disabled by a drain is enabled again at the end, and windows
are a few seconds long.
"""

import concurrent.futures
import datetime
import time
import types
import uuid

import pytest

from vmove.api.schemas import plan_runs
from vmove.devcloud import cinder as cinder_mod
from vmove.devcloud import seed
from vmove.tests.functional import moves_env
from vmove.tests.functional import test_plans as plans_ft
from vmove.tests.functional.moves_env import vmove_env  # noqa: F401
from vmove.tests.functional.test_plans import (  # noqa: F401
    cloud_nova,
    explain,
    host_of,
    hosts,
    nova,
    quick_engine,
    run_moves,
    spans,
    verdicts,
)

pytestmark = pytest.mark.devcloud

V = plan_runs.VERSION
ENDED = ("validated", "denied", "succeeded", "failed", "cancelled")


# ------------------------------------------------------------------ fixtures and helpers
@pytest.fixture
def tag():
    return f"vmove-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def tagged(nova, cloud_nova, tag):
    """boot(host, n, flavor) -> n servers on host with the metadata ``tag=1``, ACTIVE; deleted after."""
    made = []

    def boot(host, n, flavor="m1.tiny"):
        flavor = seed.ensure_flavors(nova)[flavor]
        batch = [
            nova.servers.create(f"{tag}-{i}", seed.image_id(), flavor, nics="none", host=host, meta={tag: "1"})
            for i in range(n)
        ]
        made.extend(s.id for s in batch)
        wait_for(lambda: all(_active(nova, s.id) for s in batch), f"{n} servers ACTIVE on {host}", 180)
        return [nova.servers.get(s.id) for s in batch]

    yield boot
    for sid in made:
        cloud_nova.set_live_migration_seconds(None, server=sid)
        try:
            nova.servers.delete(sid)
        except Exception:  # noqa: BLE001 - already gone
            pass


def _active(nova, sid):
    s = nova.servers.get(sid)
    assert s.status != "ERROR", getattr(s, "fault", None)
    return s.status == "ACTIVE" and getattr(s, "OS-EXT-STS:task_state") is None


def _time(text):
    return datetime.datetime.fromisoformat(text)


def wait_for(check, what, timeout=120.0):
    moves_env.wait_until(check, what, timeout)


@pytest.fixture
def enabled_again(cloud_nova):
    """Hosts a drain disabled are enabled again after the test (the dev cloud is shared)."""
    drained = []
    yield drained
    for host in drained:
        enable(cloud_nova, host)


@pytest.fixture
def drain(vmove_env, nova, cloud_nova, hosts, tagged, tag, enabled_again):
    """What a drain test works with: ``env``, ``nova``, ``cloud_nova``, ``hosts``, ``boot`` (the ``tagged``
    fixture), ``tag`` and ``enabled_again``."""
    return types.SimpleNamespace(
        env=vmove_env, nova=nova, cloud_nova=cloud_nova, hosts=hosts, boot=tagged, tag=tag, enabled_again=enabled_again
    )


def enable(cloud_nova, host):
    svc = cloud_nova.compute_service(host)["id"]
    cloud_nova.api("PUT", f"/os-services/{svc}", {"status": "enabled"}, microversion="2.53")


def make_plan(env, **plan):
    return plans_ft.make_plan(env, plan.pop("items", None), version=V, **plan)


def order(env, plan, dry_run=False):
    return plans_ft.order(env, plan, dry_run, version=V)


def wait_run(env, run_uuid, until=plans_ft.RUN_DONE, timeout=120.0):
    return plans_ft.wait_run(env, run_uuid, until, timeout, version=V)


def run_events(env, run_uuid):
    code, body = env.call("GET", f"/v1/runs/{run_uuid}/events", version=V)
    assert code == 200, body
    return body["events"]


def decide(env, run_uuid, body):
    return env.call("POST", f"/v1/runs/{run_uuid}/action", body, version=V)


# ------------------------------------------------------------------ drains
def test_drain_a_host_of_20_instances_and_a_backend_of_5_volumes(drain, devcloud):
    env, nova, cloud_nova, tag = drain.env, drain.nova, drain.cloud_nova, drain.tag
    src, dst = drain.hosts[0], drain.hosts[1]
    booted = drain.boot(src, 20)
    cc = devcloud.cinder("admin")
    a1, a2 = cinder_mod.pool("a1"), cinder_mod.pool("a2")
    vols = [cc.volumes.create(1, name=f"{tag}-v{i}", volume_type="A", metadata={tag: "1"}) for i in range(5)]
    try:
        wait_for(lambda: all(cc.volumes.get(v.id).status == "available" for v in vols), "volumes available", 120)
        for v in vols:  # every one on a1 (Cinder's scheduler spreads them over a1 and a2)
            if getattr(cc.volumes.get(v.id), "os-vol-host-attr:host") != a1:
                cc.volumes.migrate_volume(v.id, a1, False, False)
        wait_for(lambda: all(getattr(cc.volumes.get(v.id), "os-vol-host-attr:host") == a1
                             and cc.volumes.get(v.id).migration_status in (None, "success") for v in vols),
                 "volumes on a1", 180)  # fmt: skip
        plan = make_plan(
            env,
            drains={
                "hosts": [{"host": src, "metadata": f"{tag}=1"}],
                "backends": [{"backend": "devcloud@a1", "metadata": tag}],
            },  # fmt: skip
            mapping={"hosts": {src: dst}, "backends": {"devcloud@a1": "devcloud@a2"}},
            limits={"max_in_flight": 6, "per_source_host": 3},
        )
        drain.enabled_again.append(src)
        run = wait_run(env, order(env, plan)["uuid"], until=ENDED, timeout=400)
        assert run["status"] == "succeeded", explain(env, run)
        assert run["counts"]["succeeded"] == 25 and run["counts"]["items"] == 25, run["counts"]
        found = verdicts(run)
        assert {s.id for s in booted} | {v.id for v in vols} == set(found)
        items = {i["resource_id"]: i for i in run["items"]}
        assert {items[s.id]["selector"] for s in booted} == {f"host:{src}"}
        assert {items[v.id]["selector"] for v in vols} == {"backend:devcloud@a1"}
        assert {host_of(nova, s.id) for s in booted} == {dst}
        assert {getattr(cc.volumes.get(v.id), "os-vol-host-attr:host") for v in vols} == {a2}
        # the run disabled the host before moving anything, and says so
        svc = cloud_nova.compute_service(src)
        assert svc["status"] == "disabled" and run["uuid"] in svc["disabled_reason"], svc
        happened = run_events(env, run["uuid"])
        disabled = [e for e in happened if e["event"] == "host_disabled"]
        assert len(disabled) == 1 and disabled[0]["detail"]["host"] == src, happened
        assert [e["message"] for e in happened if e["event"] == "drain"] == [
            f"Drain of host {src} (metadata {tag}=1): 20 instance(s) found.",
            f"Drain of backend devcloud@a1 (metadata {tag}): 5 volume(s) found.",
        ]
        starts = [s.start for s in spans(env, run_moves(env, run["uuid"])) if s.start]
        assert min(starts) >= _time(disabled[0]["at"]).replace(tzinfo=None)
    finally:
        for v in vols:
            try:
                cc.volumes.delete(v.id)
            except Exception:  # noqa: BLE001
                pass


def test_a_drain_refuses_what_cannot_move_and_falls_back_to_cold_only_when_allowed(drain):
    env, nova, tag = drain.env, drain.nova, drain.tag
    src, dst = drain.hosts[-1], drain.hosts[0]
    running, stopped, pinned = drain.boot(src, 3)
    nova.servers.stop(stopped.id)
    nova.servers.set_meta(pinned.id, {"vmove_pinned": "amphora"})
    wait_for(lambda: nova.servers.get(stopped.id).status == "SHUTOFF", "stopped", 60)
    drains = {"hosts": [{"host": src, "metadata": tag}]}
    plan = make_plan(env, drains=drains, mapping={"hosts": {src: dst}})
    run = wait_run(env, order(env, plan, dry_run=True)["uuid"])
    found = verdicts(run)
    assert found[running.id][0] == "ok"
    assert found[stopped.id][1] == "wrong_state" and "cold_fallback" in found[stopped.id][2]
    assert found[pinned.id][1:] == ("pinned", f"Instance {pinned.name} is pinned to its host "
                                              "(metadata vmove_pinned=amphora).")  # fmt: skip
    plan = make_plan(env, drains=drains, mapping={"hosts": {src: dst}}, cold_fallback=True)
    drain.enabled_again.append(src)
    run = wait_run(env, order(env, plan)["uuid"], until=ENDED, timeout=180)
    assert run["status"] == "succeeded" and run["counts"]["succeeded"] == 2, explain(env, run)
    assert run["counts"]["refused"] == 1 and "1 item was refused at validation" in run["message"]  # pinned
    types = {m["resource_id"]: m["type"] for m in run_moves(env, run["uuid"])}
    assert types == {running.id: "live_migration", stopped.id: "cold_migration"}
    assert host_of(nova, stopped.id) == dst and nova.servers.get(stopped.id).status == "SHUTOFF"
    assert host_of(nova, pinned.id) == src


# ------------------------------------------------------------------ resize
def test_resize_as_a_move(vmove_env, nova, hosts, tagged):
    env = vmove_env
    (tiny,) = tagged(hosts[0], 1)
    (small,) = tagged(hosts[1], 1, flavor="m1.small")
    move = env.request(resource_type="instance", resource_id=tiny.id, type="resize", params={"flavor": "m1.small"})
    done = env.wait(move["uuid"], timeout=120)
    assert done["status"] == "succeeded", (done, env.events(move["uuid"]))
    phases = [e["to_phase"] for e in env.events(move["uuid"])]
    assert "resized" in phases and phases[-2:] == ["confirming", "succeeded"], phases  # confirmed by the engine
    server = nova.servers.get(tiny.id)
    assert server.flavor["original_name"] == "m1.small" and server.status == "ACTIVE"
    assert getattr(server, "OS-EXT-SRV-ATTR:host") != hosts[0]

    same = env.request(resource_type="instance", resource_id=small.id, type="resize", params={"flavor": "m1.small"})
    same = env.wait(same["uuid"])
    assert same["status"] == "ignored" and "already has flavor m1.small" in same["message"], same
    shrink = env.request(resource_type="instance", resource_id=small.id, type="resize", params={"flavor": "m1.tiny"})
    shrink = env.wait(shrink["uuid"])
    assert shrink["status"] == "failed" and "Nova cannot shrink a disk" in shrink["message"], shrink
    code, body = env.call("POST", "/v1/moves", {"move": {"resource_type": "instance", "resource_id": small.id,
                                                          "type": "resize", "params": {}}})  # fmt: skip
    assert code == 400 and "'flavor' is a required property" in body["badRequest"]["message"], body

    # a plan of resize items: the flavor mapping
    plan = make_plan(env, items=[{"resource_type": "instance", "resource_id": small.id, "type": "resize"}],
                     mapping={"flavors": {"m1.small": "m1.medium"}})  # fmt: skip
    run = wait_run(env, order(env, plan)["uuid"], until=ENDED, timeout=120)
    assert run["status"] == "succeeded", explain(env, run)
    assert nova.servers.get(small.id).flavor["original_name"] == "m1.medium"


# ------------------------------------------------------------------ approval per item
def test_a_run_approved_item_by_item(vmove_env, nova, hosts, tagged, tag):
    env = vmove_env
    booted = tagged(hosts[0], 4)
    ids = [s.id for s in booted]
    plan = make_plan(
        env,
        items=[{"resource_type": "instance", "resource_id": i, "type": "live_migration"} for i in ids],
        mapping={"hosts": {hosts[0]: hosts[1]}},
        approval="manual",
    )
    run = wait_run(env, order(env, plan)["uuid"])
    assert run["status"] == "awaiting_approval", run
    code, body = decide(env, run["uuid"], {"approve": {"items": [ids[0]]}})
    assert code == 202 and body["run"]["status"] == "awaiting_approval", body
    # two approvers race for the same item: one decides it, the other is told who did
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(
                lambda b: decide(env, run["uuid"], b),
                [{"deny": {"items": [ids[1]], "reason": "db"}}, {"approve": {"items": [ids[1]]}}],
            )
        )
    assert sorted(c for c, _ in answers) == [202, 409], answers
    # the last two items decided at the same time by two approvers: the run moves on exactly once
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda i: decide(env, run["uuid"], {"approve": {"items": [i]}}), ids[2:]))
    assert [c for c, _ in answers] == [202, 202], answers
    run = wait_run(env, run["uuid"], until=ENDED, timeout=120)
    assert run["status"] == "succeeded", explain(env, run)
    moved = {m["resource_id"] for m in run_moves(env, run["uuid"])}
    items = {i["resource_id"]: i for i in run["items"]}
    assert moved == {rid for rid in ids if items[rid]["decision"] == "approved"}
    assert len(moved) in (3, 4)
    for rid in ids:
        decision = [e for e in items[rid]["history"] if e["event"] in ("approved", "denied")]
        assert len(decision) == 1 and decision[0]["at"] and decision[0]["message"], items[rid]["history"]
        assert items[rid]["decided_at"] and items[rid]["decision"] == decision[0]["event"]
    kinds = [e["event"] for e in run_events(env, run["uuid"]) if e["item_uuid"] is None]
    assert kinds.count("estimated") == 1


# ------------------------------------------------------------------ windows
def test_a_run_across_two_windows(vmove_env, nova, cloud_nova, hosts, tagged):
    env = vmove_env
    booted = tagged(hosts[0], 4)
    for s in booted:
        cloud_nova.set_live_migration_seconds(2.0, server=s.id)
    now = datetime.datetime.now(datetime.UTC)
    if now.hour == 23 and now.minute >= 58:
        time.sleep(130)  # the periods are times of one day
        now = datetime.datetime.now(datetime.UTC)
    now = now.replace(microsecond=0)  # periods are to the second
    first = (now + datetime.timedelta(seconds=8), now + datetime.timedelta(seconds=14))
    second = (now + datetime.timedelta(seconds=30), now + datetime.timedelta(seconds=75))
    periods = [{"start": a.strftime("%H:%M:%S"), "end": b.strftime("%H:%M:%S")} for a, b in (first, second)]
    plan = make_plan(
        env,
        items=[
            {"resource_type": "instance", "resource_id": s.id, "type": "live_migration", "priority": 4 - n}
            for n, s in enumerate(booted)
        ],  # fmt: skip
        mapping={"hosts": {hosts[0]: hosts[1]}},
        limits={"max_in_flight": 1},
        window={"recurring": {"timezone": "UTC", "periods": periods}},
    )
    run = order(env, plan)
    paused = wait_run(env, run["uuid"], until=("paused",) + ENDED, timeout=60)
    assert paused["status"] == "paused", explain(env, paused)
    run = wait_run(env, run["uuid"], until=ENDED, timeout=150)
    assert run["status"] == "succeeded", explain(env, run)
    found = spans(env, run_moves(env, run["uuid"]))
    slack = datetime.timedelta(seconds=1)  # the start is recorded just after the dispatch that chose it
    in_first = [s for s in found if first[0].replace(tzinfo=None) <= s.start <= first[1].replace(tzinfo=None) + slack]
    in_second = [s for s in found if second[0].replace(tzinfo=None) <= s.start <= second[1].replace(tzinfo=None)]
    assert len(in_first) + len(in_second) == 4 and in_first and in_second, [s.start for s in found]
    kinds = [e["event"] for e in run_events(env, run["uuid"])]
    assert "paused" in kinds and "resumed" in kinds and kinds.index("paused") < kinds.index("resumed")
    assert run["estimate"]["windows"] >= 1 and run["estimate"]["summary"], run["estimate"]


# ------------------------------------------------------------------ estimate
def test_the_estimate_of_a_second_run_is_within_30_percent(drain):
    env, cloud_nova, tag = drain.env, drain.cloud_nova, drain.tag
    src, dst = drain.hosts[0], drain.hosts[1]
    booted = drain.boot(src, 6)
    for s in booted:
        cloud_nova.set_live_migration_seconds(2.0, server=s.id)
    plan = make_plan(env, drains={"hosts": [{"host": src, "metadata": tag}]}, mapping={"hosts": {src: dst}},
                     limits={"max_in_flight": 2})  # fmt: skip
    drain.enabled_again.append(src)
    first = wait_run(env, order(env, plan)["uuid"], until=ENDED, timeout=180)
    assert first["status"] == "succeeded", explain(env, first)
    # back to the drained host (enabled again first), then the same plan again
    enable(cloud_nova, src)
    moves = [env.request(resource_type="instance", resource_id=s.id, type="live_migration", params={"host": src})
             for s in booted]  # fmt: skip
    for m in moves:
        assert env.wait(m["uuid"], timeout=120)["status"] == "succeeded"
    second = wait_run(env, order(env, plan)["uuid"], until=ENDED, timeout=180)
    assert second["status"] == "succeeded", explain(env, second)
    guess = second["estimate"]
    assert guess["basis"][0]["level"] == "pair" and guess["basis"][0]["samples"] >= 6, guess
    took = (_time(second["finished_at"]) - _time(second["started_at"])).total_seconds()
    print(f"estimate {guess['seconds']} s, actual {took:.1f} s ({guess['summary']})")
    assert abs(guess["seconds"] - took) <= 0.3 * took, (guess, took)
