"""Who may do what with plans and runs, with REAL Keystone tokens of four personas:
an admin, a member and a reader of project demo, and a member of project alt."""

import uuid

import pytest

from vmove.tests.functional import keystone_api as ks_api

pytestmark = pytest.mark.keystone

PERSONAS, USER_OF = ks_api.PERSONAS, ks_api.USER_OF


def call(url, token, method="GET", body=None):
    return ks_api.call(url, token, method, body, version="1.4")


def plan_body(name):
    item = {"resource_type": "instance", "resource_id": str(uuid.uuid4()), "type": "live_migration"}
    return {"plan": {"name": name, "items": [item], "mapping": {"hosts": {"host1": "host2"}}, "approval": "manual"}}


def test_plans_and_runs_rbac(keystone_api):
    srv, ks = keystone_api
    tokens = {p: ks.token(USER_OF[p]) for p in PERSONAS}
    url = srv.url

    # who may create
    created = {p: call(url + "/v1/plans", tokens[p], "POST", plan_body(p)) for p in PERSONAS}
    assert {p: c for p, (c, _) in created.items()} == {"admin": 201, "member": 201, "reader": 403, "other": 201}
    demo_plan = created["member"][1]["plan"]["uuid"]
    alt_plan = created["other"][1]["plan"]["uuid"]
    code, body = call(url + f"/v1/plans/{demo_plan}/runs", tokens["reader"], "POST", {"dry_run": True})
    assert code == 403, body
    code, body = call(url + f"/v1/plans/{demo_plan}/runs", tokens["member"], "POST", {})
    assert code == 202, body
    run = body["run"]["uuid"]

    # reads: readers read their project's, another project's are not found; admins read all
    matrix = {
        ("GET", f"/v1/plans/{demo_plan}"): {"admin": 200, "member": 200, "reader": 200, "other": 404},
        ("GET", f"/v1/plans/{alt_plan}"): {"admin": 200, "member": 404, "reader": 404, "other": 200},
        ("GET", f"/v1/plans/{demo_plan}/runs"): {"admin": 200, "member": 200, "reader": 200, "other": 404},
        ("GET", f"/v1/runs/{run}"): {"admin": 200, "member": 200, "reader": 200, "other": 404},
        ("GET", f"/v1/runs/{run}/moves"): {"admin": 200, "member": 200, "reader": 200, "other": 404},
        ("GET", "/v1/runs"): {"admin": 200, "member": 200, "reader": 200, "other": 200},
        ("GET", "/v1/plans?project_id=x"): {"admin": 200, "member": 403, "reader": 403, "other": 403},
        ("PATCH", f"/v1/plans/{demo_plan}"): {"admin": 200, "member": 200, "reader": 403, "other": 404},
        ("DELETE", f"/v1/plans/{alt_plan}"): {"admin": None, "member": 404, "reader": 404, "other": None},
    }
    failures = []
    for (method, path), expected in matrix.items():
        for persona, want in expected.items():
            if want is None:
                continue
            body = {"plan": {"description": persona}} if method == "PATCH" else None
            got, answer = call(url + path, tokens[persona], method, body)
            if got != want:
                failures.append(f"{persona} {method} {path}: {got} (wanted {want}) {answer}")
    assert not failures, "\n".join(failures)

    # actions on a run: the reader may not, the other project does not see it
    code, _ = call(url + f"/v1/runs/{run}/action", tokens["reader"], "POST", {"cancel": None})
    assert code == 403
    code, _ = call(url + f"/v1/runs/{run}/action", tokens["other"], "POST", {"cancel": None})
    assert code == 404
    code, body = call(url + f"/v1/runs/{run}/action", tokens["member"], "POST", {"cancel": None})
    assert code == 202 and body["run"]["status"] == "cancelled", body

    # what each persona lists
    listed = {p: {x["uuid"] for x in call(url + "/v1/plans", tokens[p])[1]["plans"]} for p in PERSONAS}
    assert listed["member"] == listed["reader"] == {demo_plan}
    assert listed["other"] == {alt_plan} and {demo_plan, alt_plan} <= listed["admin"]
    runs = {p: {x["uuid"] for x in call(url + "/v1/runs", tokens[p])[1]["runs"]} for p in PERSONAS}
    assert runs["member"] == runs["reader"] == {run} and runs["other"] == set() and run in runs["admin"]

    # a token is needed
    code, _ = call(url + "/v1/plans", "not-a-real-token")
    assert code == 401
