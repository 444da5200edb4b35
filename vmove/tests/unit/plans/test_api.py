"""/v1/plans and /v1/runs (microversion 1.4) in process: input checks, ownership, conflicts, actions."""

import uuid

import pytest

from vmove.api.controllers.v1 import common
from vmove.moves import queries as move_queries
from vmove.moves.transitions import transition
from vmove.plans import extension as engine_plans
from vmove.plans import queries as plan_queries

V = "1.4"
P1 = {"X-Project-Id": "p1", "X-User-Id": "alice", "X-Roles": "member,reader"}
P1_READER = {"X-Project-Id": "p1", "X-Roles": "reader"}
P2 = {"X-Project-Id": "p2", "X-Roles": "member,reader"}
SAME = "5a3e0c8e-93a1-4c47-9a44-2f1a4f7e0c11"  # fixed: it names a parametrized test
GONE = str(uuid.uuid4())  # no such server


class Casts:
    def __init__(self):
        self.sent = []

    def process(self, ctx, kind, ident):
        self.sent.append(("process", kind, ident))

    def abort_move(self, ctx, move_uuid):
        self.sent.append(("abort_move", move_uuid))


@pytest.fixture
def casts(monkeypatch):
    c = Casts()
    monkeypatch.setattr(common, "engine_api", lambda: c)
    return c


def body(**plan):
    plan.setdefault("name", "drain host1")
    return {"plan": plan}


def item(rid=None, rtype="instance", mtype="live_migration", priority=0):
    return {"resource_type": rtype, "resource_id": rid or str(uuid.uuid4()), "type": mtype, "priority": priority}


def create(api, headers=P1, **plan):
    r = api.request("POST", "/v1/plans", body=body(**plan), version=V, headers=headers)
    assert r.status_int == 201, r.body
    return r.json_body_or_none["plan"]


def test_create_show_list(api):
    plan = create(
        api,
        items=[item(priority=5)],
        mapping={"hosts": {"host1": "host2", "host3": "any"}},
        limits={"max_in_flight": 6, "per_source_host": 2},
        window={"not_before": "2030-01-01T02:00:00+02:00", "not_after": "2030-01-01T04:00:00Z"},
        approval="manual",
    )
    assert plan["mapping"] == {"hosts": {"host1": "host2", "host3": "any"}, "volume_types": {}, "backends": {}}
    assert plan["limits"] == {"max_in_flight": 6, "per_source_host": 2, "per_dest_host": None, "per_backend": None}
    assert plan["window"] == {"not_before": "2030-01-01T00:00:00+00:00", "not_after": "2030-01-01T04:00:00+00:00"}
    assert (plan["approval"], plan["project_id"], plan["user_id"], plan["item_count"]) == ("manual", "p1", "alice", 1)
    (it,) = plan["items"]
    assert (it["migration_status"], it["attempts"], it["priority"]) == ("planned", [], 5)
    r = api.get(f"/v1/plans/{plan['uuid']}", version=V, headers=P1_READER)
    assert r.status_int == 200 and r.json_body_or_none["plan"]["items"] == plan["items"]
    r = api.get("/v1/plans", version=V, headers=P1_READER)
    assert [p["uuid"] for p in r.json_body_or_none["plans"]] == [plan["uuid"]]
    assert "items" not in r.json_body_or_none["plans"][0]


@pytest.mark.parametrize(
    "plan,field",
    [
        ({"name": ""}, "'plan.name'"),
        ({"items": [item(mtype="teleport")]}, "'plan.items.0.type': Unknown move type 'teleport'"),
        ({"items": [item(rtype="volume")]}, "'plan.items.0.type': move type live_migration moves a instance"),
        ({"items": [item(SAME), item(SAME)]}, f"'plan.items.1.resource_id': instance {SAME} is already item 0"),
        ({"items": [item("x")]}, "'plan.items.0.resource_id': 'x' is not a UUID"),
        ({"items": [{"resource_type": "instance", "type": "live_migration"}]}, "'resource_id' is a required"),
        ({"window": {"not_after": "tomorrow"}}, "'plan.window.not_after': 'tomorrow' is not an ISO 8601 time"),
        (
            {"window": {"not_before": "2030-01-02T00:00:00Z", "not_after": "2030-01-01T00:00:00Z"}},
            "'plan.window.not_after': the window must close",
        ),
        ({"limits": {"per_source_host": 0}}, "'plan.limits.per_source_host'"),
        ({"approval": "sometimes"}, "'plan.approval'"),
        ({"mapping": {"hosts": {"host1": 7}}}, "'plan.mapping.hosts.host1'"),
        ({"mapping": {"racks": {}}}, "'racks'"),
        ({"colour": "blue"}, "'colour'"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(api, plan, field):
    plan = dict({"name": "p"}, **plan)
    r = api.request("POST", "/v1/plans", body={"plan": plan}, version=V, headers=P1)
    assert r.status_int == 400, r.body
    assert field in r.json_body_or_none["badRequest"]["message"]
    assert api.get("/v1/plans", version=V).json_body_or_none["plans"] == []


def test_needs_microversion_1_4(api):
    r = api.get("/v1/plans", version="1.3")
    assert r.status_int == 404 and "needs 1.4" in r.json_body_or_none["itemNotFound"]["message"]
    assert api.get("/v1/runs", version="1.3").status_int == 404
    assert api.request("POST", "/v1/plans", body=body(), version="1.3").status_int == 404


def test_ownership(api):
    plan = create(api)
    path = f"/v1/plans/{plan['uuid']}"
    assert api.get(path, version=V, headers=P2).status_int == 404
    assert api.request("PATCH", path, body={"plan": {"name": "x"}}, version=V, headers=P2).status_int == 404
    assert api.request("DELETE", path, version=V, headers=P2).status_int == 404
    assert api.request("POST", path + "/runs", body={}, version=V, headers=P2).status_int == 404
    assert api.request("PATCH", path, body={"plan": {"name": "x"}}, version=V, headers=P1_READER).status_int == 403
    r = api.request("POST", "/v1/plans", body=body(), version=V, headers=P1_READER)
    assert r.status_int == 403
    assert api.get("/v1/plans", version=V, headers=P2).json_body_or_none["plans"] == []
    assert api.get("/v1/plans?project_id=p1", version=V, headers=P2).status_int == 403
    assert len(api.get("/v1/plans?project_id=p1", version=V).json_body_or_none["plans"]) == 1  # admin


def test_patch_replaces_parts_and_keeps_item_history(api):
    keep, drop = str(uuid.uuid4()), str(uuid.uuid4())
    plan = create(api, items=[item(keep), item(drop)], limits={"max_in_flight": 3}, mapping={"hosts": {"a": "b"}})
    kept_uuid = plan["items"][0]["uuid"]
    r = api.request(
        "PATCH",
        f"/v1/plans/{plan['uuid']}",
        body={
            "plan": {"items": [item(keep, mtype="cold_migration", priority=9), item()], "limits": {"per_dest_host": 1}}
        },
        version=V,
        headers=P1,
    )
    assert r.status_int == 200, r.body
    new = r.json_body_or_none["plan"]
    assert [(i["resource_id"], i["type"], i["priority"]) for i in new["items"]][0] == (keep, "cold_migration", 9)
    assert new["items"][0]["uuid"] == kept_uuid and drop not in {i["resource_id"] for i in new["items"]}
    assert new["limits"] == {"max_in_flight": None, "per_source_host": None, "per_dest_host": 1, "per_backend": None}
    assert new["mapping"]["hosts"] == {"a": "b"}  # not given: unchanged
    r = api.request("PATCH", f"/v1/plans/{plan['uuid']}", body={"plan": {}}, version=V, headers=P1)
    assert r.status_int == 400


def test_runs_conflicts_and_delete(api, casts):
    empty = create(api)
    r = api.request("POST", f"/v1/plans/{empty['uuid']}/runs", body={}, version=V, headers=P1)
    assert r.status_int == 409 and "no items" in r.json_body_or_none["conflict"]["message"]
    plan = create(api, items=[item()])
    path = f"/v1/plans/{plan['uuid']}"
    r = api.request("POST", path + "/runs", body={"dry_run": False}, version=V, headers=P1)
    assert r.status_int == 202, r.body
    run = r.json_body_or_none["run"]
    assert (run["status"], run["dry_run"], run["plan_uuid"], run["user_id"]) == (
        "validating",
        False,
        plan["uuid"],
        "alice",
    )
    assert casts.sent == [("process", "run", run["uuid"])]
    r = api.request("POST", path + "/runs", version=V, headers=P1)
    assert r.status_int == 409 and run["uuid"] in r.json_body_or_none["conflict"]["message"]
    r = api.request("PATCH", path, body={"plan": {"items": []}}, version=V, headers=P1)
    assert r.status_int == 409 and "cannot be changed while its run" in r.json_body_or_none["conflict"]["message"]
    r = api.request("DELETE", path, version=V, headers=P1)
    assert r.status_int == 409 and "cannot be deleted" in r.json_body_or_none["conflict"]["message"]
    r = api.request("POST", f"/v1/runs/{run['uuid']}/action", body={"cancel": None}, version=V, headers=P1)
    assert r.status_int == 202 and r.json_body_or_none["run"]["status"] == "cancelled"
    assert api.request("DELETE", path, version=V, headers=P1).status_int == 204
    assert api.get(path, version=V, headers=P1).status_int == 404
    r = api.get(f"/v1/runs/{run['uuid']}", version=V, headers=P1)
    assert r.status_int == 200 and r.json_body_or_none["run"]["plan_name"] == "drain host1"


def test_run_lifecycle_over_the_api(api, casts, cloud, conf, db):
    servers = [cloud.server("host1") for _ in range(2)]
    plan = create(
        api,
        items=[item(servers[0], priority=2), item(servers[1]), item(GONE)],
        mapping={"hosts": {"host1": "host2"}},
        approval="manual",
    )
    r = api.request("POST", f"/v1/plans/{plan['uuid']}/runs", body={"dry_run": True}, version=V, headers=P1)
    dry = r.json_body_or_none["run"]
    engine_plans.handle_run(None, conf, dry["uuid"])
    shown = api.get(f"/v1/runs/{dry['uuid']}", version=V, headers=P1_READER).json_body_or_none["run"]
    assert shown["status"] == "validated" and shown["counts"] == {"items": 3, "approved": 2, "refused": 1}
    gone = [i for i in shown["items"] if i["resource_id"] == GONE][0]
    assert (gone["verdict"], gone["code"]) == ("refused", "gone")
    assert [i["priority"] for i in shown["items"]] == [2, 0, 0]

    run = api.request("POST", f"/v1/plans/{plan['uuid']}/runs", version=V, headers=P1).json_body_or_none["run"]
    engine_plans.handle_run(None, conf, run["uuid"])
    action = f"/v1/runs/{run['uuid']}/action"
    r = api.request("POST", action, body={"approve": None, "cancel": None}, version=V, headers=P1)
    assert r.status_int == 400
    r = api.request("POST", action, body={"approve": None}, version=V, headers=P1_READER)
    assert r.status_int == 403
    r = api.request("POST", action, body={"approve": None}, version=V, headers=P2)
    assert r.status_int == 404
    r = api.request("POST", action, body={"approve": None}, version=V, headers=P1)
    assert r.status_int == 202 and r.json_body_or_none["run"]["status"] == "approved"
    assert casts.sent[-1] == ("process", "run", run["uuid"])
    r = api.request("POST", action, body={"deny": {"reason": "no"}}, version=V, headers=P1)
    assert r.status_int == 409
    engine_plans.handle_run(None, conf, run["uuid"])

    moves = api.get(f"/v1/runs/{run['uuid']}/moves", version=V, headers=P1).json_body_or_none["moves"]
    assert sorted(m["resource_id"] for m in moves) == sorted(servers)
    assert {m["origin"] for m in moves} == {f"run:{run['uuid']}"}
    ctx = common_ctx()
    first = move_queries.get(ctx, moves[0]["uuid"])
    transition(ctx, transition(ctx, first, "starting"), "succeeded")
    shown = api.get(f"/v1/runs/{run['uuid']}", version=V, headers=P1).json_body_or_none["run"]
    assert shown["status"] == "running" and shown["progress"] == 50 and shown["counts"]["succeeded"] == 1
    plan_now = api.get(f"/v1/plans/{plan['uuid']}", version=V, headers=P1).json_body_or_none["plan"]
    status = {i["resource_id"]: i["migration_status"] for i in plan_now["items"]}
    assert status == {first.resource_id: "completed", moves[1]["resource_id"]: "approved", GONE: "planned"}
    done = [i for i in plan_now["items"] if i["resource_id"] == first.resource_id][0]
    assert done["attempts"] == [{"run": run["uuid"], "move": first.uuid, "attempt": 1, "status": "succeeded"}]

    r = api.request("POST", action, body={"cancel": None}, version=V, headers=P1)
    assert r.status_int == 202
    cancelled = r.json_body_or_none["run"]
    assert cancelled["status"] == "cancelling" and cancelled["cancel"]["cancelled"] == 1
    engine_plans.tick(None, conf, "e1")
    final = api.get(f"/v1/runs/{run['uuid']}", version=V, headers=P1).json_body_or_none["run"]
    assert final["status"] == "cancelled" and final["progress"] == 100
    listed = api.get(f"/v1/plans/{plan['uuid']}/runs", version=V, headers=P1).json_body_or_none["runs"]
    assert [r["uuid"] for r in listed] == [dry["uuid"], run["uuid"]]
    only_dry = api.get("/v1/runs?dry_run=true&status=validated", version=V, headers=P1).json_body_or_none["runs"]
    assert [r["uuid"] for r in only_dry] == [dry["uuid"]]
    assert api.get("/v1/runs", version=V, headers=P2).json_body_or_none["runs"] == []


def test_deny_over_the_api(api, casts, cloud, conf, db):
    plan = create(api, items=[item(cloud.server("host1"))], mapping={"hosts": {"host1": "host2"}}, approval="manual")
    run = api.request("POST", f"/v1/plans/{plan['uuid']}/runs", version=V, headers=P1).json_body_or_none["run"]
    engine_plans.handle_run(None, conf, run["uuid"])
    r = api.request(
        "POST", f"/v1/runs/{run['uuid']}/action", body={"deny": {"reason": "freeze"}}, version=V, headers=P1
    )
    assert r.status_int == 202
    assert (r.json_body_or_none["run"]["status"], r.json_body_or_none["run"]["message"]) == (
        "denied",
        "Denied by alice: freeze",
    )
    assert plan_queries.run_items_get(common_ctx(), run["uuid"])[0].move_uuid is None


def common_ctx():
    from vmove import context as vmove_context

    return vmove_context.get_admin_context()
