"""Migration plans and runs on the dev cloud: real Nova, Placement and Cinder, the
API over HTTP, RPC over RabbitMQ, PostgreSQL, one engine (see moves_env).

Covered: a dry run with every validation reason, auto and manual approval,
deny, limits held under load (checked from the recorded event times), a
window that opens late and closes on waiting moves, cancel mid-run, and a
second run that retries only the failures (attempt 2, the first one still
readable). Faults and slow migrations are set per server: the dev cloud is
shared with other test sessions.
"""

import datetime
import time
import uuid

import pytest

from vmove.tests import plan_metrics
from vmove.tests.functional import moves_env
from vmove.tests.functional.moves_env import vmove_env  # noqa: F401

pytestmark = pytest.mark.devcloud

V = "1.4"
RUN_DONE = ("validated", "awaiting_approval", "denied", "succeeded", "failed", "cancelled")


# ------------------------------------------------------------------ fixtures
@pytest.fixture(autouse=True)
def quick_engine(conf):
    """The engine looks at Nova at least every 0.5 s (not up to 5 s while nothing changes)."""
    conf.set_override("max_poll_interval", 0.5, group="engine")


@pytest.fixture
def nova(devcloud):
    devcloud.require("nova")
    return devcloud.nova("admin")


@pytest.fixture
def cloud_nova(devcloud):
    return devcloud.component("nova")


@pytest.fixture
def hosts(nova):
    """The compute hosts that are enabled and up now (other sessions fail and disable hosts too)."""
    usable = sorted(
        s.host
        for s in nova.services.list(binary="nova-compute")
        if s.status == "enabled" and s.state == "up" and not s.forced_down
    )
    if len(usable) < 2:
        pytest.skip(f"the dev cloud has {len(usable)} usable compute host(s); these tests need 2")
    return usable


def rotation(hosts):
    """Each host's servers go to the next host."""
    return {h: hosts[(i + 1) % len(hosts)] for i, h in enumerate(hosts)}


@pytest.fixture
def servers(nova, cloud_nova):
    """boot(hosts, flavor=...) -> servers booted on those hosts (in order), ACTIVE; deleted after the test."""
    made = []

    def boot(hosts, flavor="m1.tiny"):
        return moves_env.boot_active(nova, hosts, made, flavor=flavor, prefix="plan")

    yield boot
    moves_env.delete_booted(nova, cloud_nova, made)


@pytest.fixture
def big_flavor(nova):
    """A flavor of 400 000 MB: two do not fit on one dev cloud host (799 488 MB free when empty)."""
    flavor = nova.flavors.create(f"vmove-plans-big-{uuid.uuid4().hex[:6]}", 400000, 1, 1, is_public=True)
    yield flavor
    nova.flavors.delete(flavor.id)


@pytest.fixture
def volumes(devcloud):
    devcloud.require("cinder")
    cc = devcloud.cinder("admin")
    made = []

    def make(vtype="A"):
        vol = cc.volumes.create(1, name=f"plan-vol-{uuid.uuid4().hex[:6]}", volume_type=vtype)
        made.append(vol.id)
        deadline = time.monotonic() + 60
        while cc.volumes.get(vol.id).status != "available":
            assert time.monotonic() < deadline, "volume not available"
            time.sleep(0.3)
        return cc.volumes.get(vol.id)

    yield make
    for vid in made:
        try:
            cc.volumes.delete(vid)
        except Exception:  # noqa: BLE001
            pass


# ------------------------------------------------------------------ helpers
def host_of(nova, sid):
    return getattr(nova.servers.get(sid), "OS-EXT-SRV-ATTR:host")


def item(server, move_type="live_migration", priority=0, rtype="instance"):
    rid = server if isinstance(server, str) else server.id
    return {"resource_type": rtype, "resource_id": rid, "type": move_type, "priority": priority}


def iso(seconds_from_now):
    t = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=seconds_from_now)
    return t.isoformat()


def make_plan(env, items, version=V, **plan):
    plan.setdefault("name", f"plan-{uuid.uuid4().hex[:6]}")
    if items is not None:
        plan["items"] = items
    code, body = env.call("POST", "/v1/plans", {"plan": plan}, version=version)
    assert code == 201, body
    return body["plan"]


def order(env, plan, dry_run=False, version=V):
    code, body = env.call("POST", f"/v1/plans/{plan['uuid']}/runs", {"dry_run": dry_run}, version=version)
    assert code == 202, body
    return body["run"]


def get_run(env, run_uuid, version=V):
    code, body = env.call("GET", f"/v1/runs/{run_uuid}", version=version)
    assert code == 200, body
    return body["run"]


def wait_run(env, run_uuid, until=RUN_DONE, timeout=120.0, version=V):
    deadline = time.monotonic() + timeout
    run = None
    while time.monotonic() < deadline:
        run = get_run(env, run_uuid, version)
        if run["status"] in until:
            return run
        time.sleep(0.2)
    pytest.fail(f"run {run_uuid} not {until} after {timeout:.0f}s: {run}")


def action(env, run_uuid, body):
    return env.call("POST", f"/v1/runs/{run_uuid}/action", body, version=V)


def run_moves(env, run_uuid):
    code, body = env.call("GET", f"/v1/runs/{run_uuid}/moves", version=V)
    assert code == 200, body
    return body["moves"]


def explain(env, run):
    """The run's message and each move's end, for assertion messages."""
    moves = run_moves(env, run["uuid"])
    return run["status"], run["message"], [(m["resource_id"][:8], m["status"], m["message"]) for m in moves]


def verdicts(run):
    return {i["resource_id"]: (i["verdict"], i["code"], i["reason"]) for i in run["items"]}


def spans(env, moves):
    return [
        plan_metrics.span_of(
            m["uuid"], m["source_host"], m["dest_host"] or (m["params"] or {}).get("host"), env.events(m["uuid"])
        )
        for m in moves
    ]


# ------------------------------------------------------------------ tests
def test_dry_run_shows_every_refusal(vmove_env, nova, hosts, servers, big_flavor, volumes, cloud_nova):  # noqa: F811
    env = vmove_env
    h0, h1, last = hosts[0], hosts[1], hosts[-1]
    ok, stopped, up = servers([h0, h0, h0])
    # each big one goes where the other one is: neither fits
    big1, big2 = servers([h0, h1], flavor=big_flavor)
    nova.servers.stop(stopped.id)
    deadline = time.monotonic() + 60
    while nova.servers.get(stopped.id).status != "SHUTOFF":
        assert time.monotonic() < deadline
        time.sleep(0.3)
    gone = str(uuid.uuid4())
    plan = make_plan(
        env,
        [
            item(ok, priority=9),
            item(big1, priority=8),
            item(big2, priority=7),
            item(stopped),
            item(up, "evacuation"),
            item(gone),
        ],
        mapping={"hosts": {h0: h1, h1: h0}},
    )
    run = wait_run(env, order(env, plan, dry_run=True)["uuid"])
    assert run["status"] == "validated", run
    assert run["counts"] == {"items": 6, "approved": 1, "refused": 5}
    found = verdicts(run)
    assert found[ok.id][0] == "ok"
    for big in (big1, big2):
        assert found[big.id][1] == "no_capacity" and "400000 MB RAM" in found[big.id][2], found[big.id]
    assert found[stopped.id][1] == "wrong_state" and "SHUTOFF" in found[stopped.id][2]
    assert found[up.id][1] == "wrong_state" and "is up" in found[up.id][2]
    assert found[gone][1] == "gone"
    assert run_moves(env, run["uuid"]) == []
    assert host_of(nova, ok.id) == h0

    # destinations that do not exist, or are disabled (for a second: the dev cloud is shared)
    plan = make_plan(env, [item(ok)], mapping={"hosts": {h0: "no-such-host"}})
    run = wait_run(env, order(env, plan, dry_run=True)["uuid"])
    assert verdicts(run)[ok.id][1] == "dest_missing", run
    plan = make_plan(env, [item(ok)], mapping={"hosts": {h0: last}})
    service = cloud_nova.compute_service(last)["id"]
    cloud_nova.api(
        "PUT",
        f"/os-services/{service}",
        {"status": "disabled", "disabled_reason": "vmove plan test"},
        microversion="2.53",
    )
    try:
        run = wait_run(env, order(env, plan, dry_run=True)["uuid"], timeout=30)
    finally:
        cloud_nova.api("PUT", f"/os-services/{service}", {"status": "enabled"}, microversion="2.53")
    assert verdicts(run)[ok.id][1:] == ("dest_disabled", f"Destination host {last} is disabled (vmove plan test)."), run

    # volumes: a backend and a type that do not exist
    v1, v2 = volumes("A"), volumes("A")
    plan = make_plan(
        env,
        [item(v1.id, "volume_migration", rtype="volume"), item(v2.id, "volume_retype", rtype="volume")],
        mapping={"backends": {"devcloud@a1": "devcloud@zz", "devcloud@a2": "devcloud@zz"}, "volume_types": {"A": "Z"}},
    )
    run = wait_run(env, order(env, plan, dry_run=True)["uuid"])
    assert verdicts(run)[v1.id][1:] == ("backend_missing", "No Cinder pool on backend devcloud@zz."), run
    assert verdicts(run)[v2.id][1:] == ("type_missing", "Volume type Z does not exist."), run

    # a window that has closed
    plan = make_plan(env, [item(ok)], mapping={"hosts": {h0: h1}}, window={"not_after": iso(-60)})
    run = wait_run(env, order(env, plan)["uuid"])
    assert run["status"] == "failed" and verdicts(run)[ok.id][1] == "outside_window", run


def test_limits_hold_under_load(vmove_env, nova, hosts, servers, cloud_nova):  # noqa: F811
    env = vmove_env
    booted = servers((hosts * 4)[:9])
    for s in booted:
        cloud_nova.set_live_migration_seconds(1.0, server=s.id)
    limits = {"max_in_flight": 2, "per_source_host": 1, "per_dest_host": 1}
    plan = make_plan(
        env,
        [item(s, priority=len(booted) - i) for i, s in enumerate(booted)],
        mapping={"hosts": rotation(hosts)},
        limits=limits,
    )
    run = order(env, plan)
    run = wait_run(env, run["uuid"], until=("succeeded", "failed"), timeout=180)
    assert run["status"] == "succeeded", explain(env, run)
    assert run["progress"] == 100 and run["counts"]["succeeded"] == len(booted)
    moves = run_moves(env, run["uuid"])
    found = spans(env, moves)
    overall = plan_metrics.max_concurrency(found)["all"]
    per_src = plan_metrics.max_concurrency(found, key=lambda s: s.source)
    per_dst = plan_metrics.max_concurrency(found, key=lambda s: s.dest)
    print("concurrency from event times:", overall, per_src, per_dst)
    assert overall == 2  # the limit held, and was used
    assert max(per_src.values()) == 1 and max(per_dst.values()) == 1
    # most important first: the two first to start are the two top priorities
    first = sorted(found, key=lambda s: s.start)[:2]
    by_uuid = {m["uuid"]: m for m in moves}
    assert {by_uuid[s.uuid]["priority"] for s in first} == {len(booted), len(booted) - 1}
    for s in booted:
        assert host_of(nova, s.id) == rotation(hosts)[getattr(s, "OS-EXT-SRV-ATTR:host")]
    code, body = env.call("GET", f"/v1/plans/{plan['uuid']}", version=V)
    assert {i["migration_status"] for i in body["plan"]["items"]} == {"completed"}


def test_manual_approval_and_deny(vmove_env, nova, hosts, servers):  # noqa: F811
    env = vmove_env
    (s,) = servers([hosts[-1]])
    plan = make_plan(env, [item(s, "cold_migration")], mapping={"hosts": {hosts[-1]: hosts[0]}}, approval="manual")
    run = wait_run(env, order(env, plan)["uuid"])
    assert run["status"] == "awaiting_approval" and "approve" in run["message"]
    code, body = action(env, run["uuid"], {"deny": {"reason": "change freeze"}})
    assert code == 202 and body["run"]["status"] == "denied", body
    assert body["run"]["message"].endswith(": change freeze") and run_moves(env, run["uuid"]) == []

    run = wait_run(env, order(env, plan)["uuid"])
    assert run["status"] == "awaiting_approval"
    code, body = action(env, run["uuid"], {"approve": None})
    assert code == 202 and body["run"]["status"] == "approved", body
    run = wait_run(env, run["uuid"], until=("succeeded", "failed"))
    assert run["status"] == "succeeded", explain(env, run)
    assert run["decided_by"] and host_of(nova, s.id) == hosts[0]
    code, body = action(env, run["uuid"], {"approve": None})
    assert code == 409


def test_window_opens_late_and_closes_on_waiting_moves(vmove_env, nova, hosts, servers, cloud_nova):  # noqa: F811
    env = vmove_env
    booted = servers([hosts[0]] * 3)
    for s in booted:
        cloud_nova.set_live_migration_seconds(4.0, server=s.id)
    not_before, not_after = iso(3), iso(6)
    plan = make_plan(
        env,
        [item(s, priority=3 - i) for i, s in enumerate(booted)],
        mapping={"hosts": {hosts[0]: hosts[1]}},
        limits={"max_in_flight": 1},
        window={"not_before": not_before, "not_after": not_after},
    )
    run = order(env, plan)
    run = wait_run(env, run["uuid"], until=("succeeded", "failed"), timeout=60)
    assert run["status"] == "failed", explain(env, run)
    assert (run["counts"]["succeeded"], run["counts"]["ignored"]) == (1, 2), explain(env, run)
    moves = sorted(run_moves(env, run["uuid"]), key=lambda m: -m["priority"])
    found = {s.uuid: s for s in spans(env, moves)}
    opened = datetime.datetime.fromisoformat(not_before).replace(tzinfo=None)
    assert found[moves[0]["uuid"]].start >= opened  # nothing started before the window opened
    for m in moves[1:]:
        assert m["status"] == "ignored" and "Outside window" in m["message"], m
        assert found[m["uuid"]].start is None
    items = env.call("GET", f"/v1/plans/{plan['uuid']}", version=V)[1]["plan"]["items"]
    assert sorted(i["migration_status"] for i in items) == ["completed", "failed", "failed"]


def test_cancel_mid_run(vmove_env, nova, hosts, servers, cloud_nova):  # noqa: F811
    env = vmove_env
    booted = servers([hosts[0]] * 4)
    for s in booted:
        cloud_nova.set_live_migration_seconds(30.0, server=s.id)
    plan = make_plan(
        env, [item(s) for s in booted], mapping={"hosts": {hosts[0]: hosts[1]}}, limits={"max_in_flight": 1}
    )
    run = order(env, plan)
    deadline = time.monotonic() + 60
    while not any(m["phase"] == "running" for m in run_moves(env, run["uuid"])):
        assert time.monotonic() < deadline, run_moves(env, run["uuid"])
        time.sleep(0.2)
    t0 = time.monotonic()
    code, body = action(env, run["uuid"], {"cancel": None})
    assert code == 202, body
    assert body["run"]["status"] == "cancelling"
    assert body["run"]["cancel"]["cancelled"] == 3 and len(body["run"]["cancel"]["aborting"]) == 1, body
    run = wait_run(env, run["uuid"], until=("cancelled",), timeout=60)
    took = time.monotonic() - t0
    print(f"cancelled in {took:.1f}s")
    assert took < 20  # the 30 s migration was aborted, not waited for
    assert run["counts"]["cancelled"] == 4 and run["progress"] == 100, run
    assert {host_of(nova, s.id) for s in booted} == {hosts[0]}


def test_second_run_retries_only_the_failures(vmove_env, nova, hosts, servers, cloud_nova):  # noqa: F811
    env = vmove_env
    good, bad, good2 = servers([hosts[0]] * 3)
    cloud_nova.inject_failure(None, "live_migration", server=bad.id)
    plan = make_plan(env, [item(good), item(bad), item(good2)], mapping={"hosts": {hosts[0]: hosts[1]}})
    first = wait_run(env, order(env, plan)["uuid"], until=("succeeded", "failed"), timeout=120)
    assert first["status"] == "failed" and first["counts"]["failed"] == 1, explain(env, first)
    assert "Order the plan again" in first["message"]
    failed_move = [m for m in run_moves(env, first["uuid"]) if m["resource_id"] == bad.id][0]
    assert failed_move["status"] == "failed" and failed_move["attempt"] == 1
    cloud_nova.clear_failures(server=bad.id)

    second = wait_run(env, order(env, plan)["uuid"], until=("succeeded", "failed"), timeout=120)
    assert second["status"] == "succeeded", explain(env, second)
    found = verdicts(second)
    assert found[good.id][:2] == ("refused", "completed") and first["uuid"] in found[good.id][2]
    assert found[good2.id][:2] == ("refused", "completed")
    (retry,) = run_moves(env, second["uuid"])
    assert (retry["resource_id"], retry["attempt"], retry["status"]) == (bad.id, 2, "succeeded")
    assert {e["attempt"] for e in env.events(retry["uuid"])} == {2}
    assert env.move(failed_move["uuid"])["status"] == "failed"  # the first attempt stays readable
    items = {i["resource_id"]: i for i in env.call("GET", f"/v1/plans/{plan['uuid']}", version=V)[1]["plan"]["items"]}
    assert [a["attempt"] for a in items[bad.id]["attempts"]] == [1, 2]
    assert {i["migration_status"] for i in items.values()} == {"completed"}
    assert host_of(nova, bad.id) == hosts[1]
    code, body = env.call("POST", f"/v1/plans/{plan['uuid']}/runs", {"dry_run": False}, version=V)
    assert code == 409 and "completed by earlier runs" in body["conflict"]["message"]
