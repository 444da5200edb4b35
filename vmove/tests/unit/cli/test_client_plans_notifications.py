"""vmove.client's notifications (1.3), plans and runs (1.4) against the fake API over real HTTP."""

import pytest

from vmove.client import exceptions
from vmove.tests.unit.cli.conftest import header, query

N = "11111111-2222-4333-8444-555555555555"
P = "21111111-2222-4333-8444-555555555555"
R = "31111111-2222-4333-8444-555555555555"


@pytest.fixture
def client(fake_api, make_client):
    fake_api.set_versions("1.0", "1.4")
    return make_client()


def notification(status="new", **values):
    body = {"notification_uuid": N, "uuid": N, "hostname": "h1", "status": status, "progress": 0, "restore": None}
    body.update(values)
    return body


def run(status="running", **values):
    body = {"uuid": R, "plan_uuid": P, "status": status, "progress": 0, "counts": {}, "message": None, "items": []}
    body.update(values)
    return body


def test_notification_create_sends_masakaris_body(fake_api, client):
    fake_api.on("POST", "/v1/notifications", 202, {"notification": notification()})
    got = client.notifications.create("h1", "2026-11-24T10:00:00Z", host_status="UNKNOWN")
    assert got.notification_uuid == N
    (req,) = fake_api.made("POST", "/v1/notifications")
    assert req.body == {
        "notification": {
            "type": "COMPUTE_HOST",
            "hostname": "h1",
            "generated_time": "2026-11-24T10:00:00Z",
            "payload": {"event": "STOPPED", "host_status": "UNKNOWN"},
        }
    }
    assert header(req) == "vmove 1.4"


def test_notification_list_filters_show_actions_and_vmoves(fake_api, client):
    fake_api.on("GET", "/v1/notifications", body={"notifications": [notification()]})
    fake_api.on("GET", f"/v1/notifications/{N}", body={"notification": notification(vmoves_summary={})})
    fake_api.on("POST", f"/v1/notifications/{N}/action", 202, {"notification": notification("running")})
    fake_api.on("GET", f"/v1/notifications/{N}/vmoves", body={"vmoves": [{"uuid": "v1"}]})
    fake_api.on("GET", f"/v1/notifications/{N}/vmoves/v1", body={"vmove": {"uuid": "v1"}})
    client.notifications.list(status=["new", "failed"], event=["STOPPED"], hostname="h1",
                              generated_since="2026-11-24T00:00:00Z", sort_key="hostname", limit=3)  # fmt: skip
    (req,) = fake_api.made("GET", "/v1/notifications")
    assert req.query == query(
        "status=new&status=failed&event=STOPPED&hostname=h1&generated-since=2026-11-24T00:00:00Z&sort_key=hostname&limit=3"
    )
    assert client.notifications.get(N).vmoves_summary == {}
    assert client.notifications.restore(notification()).status == "running"
    client.notifications.retry(N)
    assert [r.body for r in fake_api.made("POST", f"/v1/notifications/{N}/action")] == [
        {"restore": None},
        {"retry": None},
    ]
    assert client.notifications.vmoves(N, status=["failed"], vmove_type=["migration"]) == [{"uuid": "v1"}]
    assert fake_api.made("GET", f"/v1/notifications/{N}/vmoves")[0].query == query("status=failed&type=migration")
    assert client.notifications.get_vmove(N, "v1") == {"uuid": "v1"}


def test_plans_crud_and_run(fake_api, client):
    plan = {"uuid": P, "name": "p", "items": []}
    fake_api.on("POST", "/v1/plans", 201, {"plan": plan})
    fake_api.on("PATCH", f"/v1/plans/{P}", body={"plan": dict(plan, name="q")})
    fake_api.on("DELETE", f"/v1/plans/{P}", 204, "")
    fake_api.on("GET", "/v1/plans", body={"plans": [plan]})
    fake_api.on("POST", f"/v1/plans/{P}/runs", 202, {"run": run("validating", dry_run=True)})
    items = [{"resource_type": "instance", "resource_id": "i1", "type": "live_migration"}]
    assert client.plans.create("p", items=items, approval="manual").uuid == P
    assert fake_api.made("POST", "/v1/plans")[0].body == {"plan": {"items": items, "approval": "manual", "name": "p"}}
    assert client.plans.update(P, name="q").name == "q"
    assert fake_api.made("PATCH")[0].body == {"plan": {"name": "q"}}
    assert client.plans.delete(P) is None
    assert client.plans.list(name="p", limit=1) == [plan]
    assert fake_api.made("GET", "/v1/plans")[0].query == {"name": ["p"], "limit": ["1"]}
    assert client.plans.run(P, dry_run=True).status == "validating"
    assert fake_api.made("POST", f"/v1/plans/{P}/runs")[0].body == {"dry_run": True}
    with pytest.raises(TypeError, match="not a field of a plan: colour"):
        client.plans.create("p", colour="blue")


def test_runs_list_actions_and_moves(fake_api, client):
    fake_api.on("GET", "/v1/runs", body={"runs": [run()]})
    fake_api.on("POST", f"/v1/runs/{R}/action", 202, {"run": run("denied")})
    fake_api.on("GET", f"/v1/runs/{R}/moves", body={"run_uuid": R, "moves": []})
    client.runs.list(plan_id=P, status=["running"], dry_run=False)
    assert fake_api.made("GET", "/v1/runs")[0].query == {"plan_id": [P], "status": ["running"], "dry_run": ["false"]}
    client.runs.approve(R)
    client.runs.deny(R, reason="not tonight")
    client.runs.deny(R)
    client.runs.cancel(run())
    assert [r.body for r in fake_api.made("POST")] == [
        {"approve": None},
        {"deny": {"reason": "not tonight"}},
        {"deny": None},
        {"cancel": None},
    ]
    assert client.runs.moves(R, status=["failed"]) == []


def test_faults_are_the_apis_message(fake_api, client):
    fake_api.on("POST", f"/v1/runs/{R}/action", 409, {"conflict": {"code": 409, "message": "Run is running."}})
    with pytest.raises(exceptions.Conflict) as e:
        client.runs.approve(R)
    assert str(e.value) == "Run is running. (HTTP 409)"


def test_an_older_server_refuses_before_sending(fake_api, make_client):
    fake_api.set_versions("1.0", "1.3")
    client = make_client()
    with pytest.raises(exceptions.VersionNotSupported, match="supports up to 1.3; this command needs 1.4"):
        client.plans.list()
    fake_api.set_versions("1.0", "1.2")
    with pytest.raises(exceptions.VersionNotSupported, match="needs 1.3 or later"):
        make_client().notifications.list()
    assert fake_api.made("GET", "/v1/plans") == []


def test_wait_for_run_and_notification(fake_api, client):
    answers = iter([run("running", progress=40), run("succeeded", progress=100)])
    fake_api.on("GET", f"/v1/runs/{R}", body=lambda req: (200, {"run": next(answers)}))
    seen = []
    final = client.wait_for_run(R, seen.append, interval=0, sleep=lambda s: None)
    assert final.status == "succeeded" and [r["status"] for r in seen] == ["running", "succeeded"]

    restore = {"status": "running", "progress": 10, "message": None}
    fake_api.on("GET", f"/v1/notifications/{N}", body={"notification": notification("finished", restore=restore)})
    ticks = iter([0, 0, 5, 10])
    with pytest.raises(exceptions.WaitTimeout, match=f"notification {N} had not ended after 3 s"):
        client.wait_for_notification(N, restore=True, timeout=3, sleep=lambda s: None, clock=lambda: next(ticks))
    assert client.wait_for_notification(N).status == "finished"
