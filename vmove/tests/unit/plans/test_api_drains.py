"""/v1/plans and /v1/runs from the drains microversion on: drains, cold fallback, recurring windows,
flavor mapping, per-item approval, estimate and events; and both sides of the version boundary."""

import uuid

import pytest

from vmove.api.schemas import plan_runs
from vmove.plans import extension as engine_plans
from vmove.tests.unit.plans.test_api import P1, P2, casts, item  # noqa: F401

V, BEFORE = plan_runs.VERSION, plan_runs.BEFORE
RECURRING = {"timezone": "Europe/Paris", "days": ["sat", "sun"], "periods": [{"start": "22:00", "end": "06:00"}]}


def create(api, version=V, **plan):
    plan.setdefault("name", "drain")
    r = api.request("POST", "/v1/plans", body={"plan": plan}, version=version, headers=P1)
    assert r.status_int == 201, r.body
    return r.json_body_or_none["plan"]


def test_a_plan_with_drains_a_recurring_window_and_flavors(api):
    plan = create(
        api,
        drains={"hosts": [{"host": "host1", "metadata": "tier=web", "priority": 3}], "backends": [{"backend": "c@a1"}]},
        cold_fallback=True,
        window={"recurring": RECURRING},
        mapping={"hosts": {"host1": "host2"}, "flavors": {"m1.tiny": "m1.small"}},
        items=[item(mtype="resize")],
    )
    assert plan["drains"] == {"hosts": [{"host": "host1", "metadata": "tier=web", "priority": 3}],
                              "backends": [{"backend": "c@a1"}]}  # fmt: skip
    assert plan["cold_fallback"] is True and plan["mapping"]["flavors"] == {"m1.tiny": "m1.small"}
    assert plan["window"] == {"not_before": None, "not_after": None, "recurring": RECURRING}
    # the same plan read at the version before: its shape then, nothing newer
    old = api.get(f"/v1/plans/{plan['uuid']}", version=BEFORE, headers=P1).json_body_or_none["plan"]
    assert "drains" not in old and "cold_fallback" not in old
    assert old["window"] == {"not_before": None, "not_after": None} and "flavors" not in old["mapping"]


@pytest.mark.parametrize(
    "plan,words",
    [
        ({"drains": {"hosts": [{"host": "h"}, {"host": "h"}]}}, "'plan.drains.hosts.1.host': host h is drained twice"),
        ({"drains": {"hosts": [{"metadata": "x"}]}}, "'host' is a required property"),
        ({"window": {"recurring": {"timezone": "Nowhere/Land", "periods": [{"start": "01:00", "end": "02:00"}]}}},
         "'plan.window.recurring': timezone: 'Nowhere/Land' is not a time zone"),
        ({"window": {"recurring": {"periods": [{"start": "25:00", "end": "02:00"}]}}},
         "'plan.window.recurring': periods.0.start: '25:00' is not a time of day (HH:MM or HH:MM:SS)."),
        ({"window": {"recurring": {"periods": [{"start": "02:00", "end": "02:00"}]}}}, "must not close when it opens"),
        ({"window": {"recurring": {"days": ["someday"], "periods": [{"start": "01:00", "end": "02:00"}]}}},
         "'plan.window.recurring.days.0'"),
    ],
)  # fmt: skip
def test_bad_drains_and_windows_are_400_naming_the_field(api, plan, words):
    r = api.request("POST", "/v1/plans", body={"plan": dict(name="p", **plan)}, version=V, headers=P1)
    assert r.status_int == 400 and words in r.json_body_or_none["badRequest"]["message"], r.body


def test_the_new_fields_need_the_new_version(api):
    for plan in ({"drains": {"hosts": [{"host": "h"}]}}, {"cold_fallback": True},
                 {"window": {"recurring": RECURRING}}, {"mapping": {"flavors": {"a": "b"}}}):  # fmt: skip
        r = api.request("POST", "/v1/plans", body={"plan": dict(name="p", **plan)}, version=BEFORE, headers=P1)
        assert r.status_int == 400, (plan, r.body)
    assert api.get(f"/v1/runs/{uuid.uuid4()}/events", version=BEFORE).status_int == 404


def test_items_approved_one_by_one_over_http(api, conf, cloud, casts):  # noqa: F811
    a, b = cloud.server("host1"), cloud.server("host1")
    plan = create(api, items=[item(a), item(b)], mapping={"hosts": {"host1": "host2"}}, approval="manual")
    run = api.request("POST", f"/v1/plans/{plan['uuid']}/runs", body={}, version=V, headers=P1).json_body_or_none
    run_uuid = run["run"]["uuid"]
    engine_plans.handle_run(None, conf, run_uuid)
    casts.sent.clear()
    path = f"/v1/runs/{run_uuid}/action"
    r = api.request("POST", path, body={"approve": {"items": [a]}}, version=V, headers=P1)
    assert r.status_int == 202 and r.json_body_or_none["run"]["status"] == "awaiting_approval", r.body
    items = {i["resource_id"]: i for i in r.json_body_or_none["run"]["items"]}
    assert (items[a]["decision"], items[a]["decided_by"]) == ("approved", "alice") and items[a]["decided_at"]
    assert [e["event"] for e in items[a]["history"]] == ["validated", "approved"]
    assert casts.sent == []  # not approved as a whole yet: no engine woken
    r = api.request("POST", path, body={"approve": {"items": [a]}}, version=V, headers=P1)
    assert r.status_int == 409 and "already approved by alice" in r.json_body_or_none["conflict"]["message"]
    r = api.request("POST", path, body={"approve": {"items": [a]}}, version=BEFORE, headers=P1)
    assert r.status_int == 400  # items need the new version
    assert api.request("POST", path, body={"deny": {"items": [b]}}, version=V, headers=P2).status_int == 404
    r = api.request("POST", path, body={"deny": {"items": [b], "reason": "no"}}, version=V, headers=P1)
    run = r.json_body_or_none["run"]
    assert run["status"] == "approved" and run["estimate"]["moves"] == 2, run
    assert casts.sent == [("process", "run", run_uuid)]
    r = api.get(f"/v1/runs/{run_uuid}/events?item={b}", version=V, headers=P1)
    assert [(e["event"], e["user_id"], e["message"]) for e in r.json_body_or_none["events"]][-1] == (
        "denied", "alice", "Denied by alice: no",
    )  # fmt: skip
    everything = api.get(f"/v1/runs/{run_uuid}/events", version=V, headers=P1).json_body_or_none["events"]
    assert {"validated", "estimated", "approved", "denied"} <= {e["event"] for e in everything}
    old = api.get(f"/v1/runs/{run_uuid}", version=BEFORE, headers=P1).json_body_or_none["run"]
    assert "estimate" not in old and "decision" not in old["items"][0]
