"""/v1/notifications and their vmoves (microversion 1.3), in process."""

import concurrent.futures
import uuid

import pytest
import sqlalchemy as sa

from vmove.db import models
from vmove.moves import states
from vmove.recovery import extension as engine_recovery
from vmove.recovery import queries as recovery_queries
from vmove.recovery import rollup
from vmove.tests.unit.recovery import fakes
from vmove.tests.unit.recovery.conftest import BODY
from vmove.tests.unit.recovery.helpers import NO_VALID_HOST, finish, moves

V = "1.3"
SERVICE = {"X-Project-Id": "service", "X-Roles": "service", "X-User-Id": "monitor"}
MEMBER = {"X-Project-Id": "p1", "X-Roles": "member,reader", "X-User-Id": "u1"}


def body(**kw):
    n = dict(BODY, payload=dict(BODY["payload"]))
    n.update(kw)
    return {"notification": n}


def count(db):
    with db.engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(models.Notification)).scalar()


def post(api, b=None, headers=None, version=V):
    return api.request("POST", "/v1/notifications", body=b or body(), version=version, headers=headers)


def test_create_is_202_new_and_masakari_shaped(api):
    r = post(api)
    assert r.status_int == 202, r.body
    n = r.json_body_or_none["notification"]
    assert n["notification_uuid"] == n["uuid"]
    assert (n["type"], n["hostname"], n["status"], n["progress"], n["attempt"]) == (
        "COMPUTE_HOST",
        "host3",
        "new",
        0,
        1,
    )
    assert n["generated_time"] == "2026-11-24T10:00:00+00:00"
    assert n["payload"] == {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}
    assert n["restore"] is None and n["links"][0]["href"].endswith(f"/v1/notifications/{n['uuid']}")


def test_needs_1_3(api):
    for method, path in (("POST", "/v1/notifications"), ("GET", "/v1/notifications")):
        r = api.request(method, path, body=body() if method == "POST" else None, version="1.2")
        assert r.status_int == 404
        assert "needs 1.3 or later" in r.json_body_or_none["itemNotFound"]["message"]


def test_duplicate_while_new_or_running_is_the_same_notification(api, db):
    first = post(api).json_body_or_none["notification"]
    again = post(api, body(generated_time="2026-11-24T10:00:05Z"))
    assert again.status_int == 200
    assert again.json_body_or_none["notification"]["uuid"] == first["uuid"]
    # another event or another host is another notification
    assert post(api, body(payload={"event": "STARTED"})).status_int == 202
    assert post(api, body(hostname="host2")).status_int == 202
    assert count(db) == 3


def test_concurrent_duplicates_make_one_notification(api, db):
    def send(_):
        r = post(api, body(hostname="host-c"))
        return r.status_int, r.json_body_or_none["notification"]["uuid"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(16)))
    assert sorted(code for code, _ in answers) == [200] * 15 + [202]
    assert len({u for _, u in answers}) == 1
    assert count(db) == 1


def test_after_the_end_a_new_notification_is_recorded(api, ctx, conf, cloud):
    first = post(api).json_body_or_none["notification"]
    engine_recovery.process(ctx, conf, first["uuid"])  # empty host: finished at once
    assert api.get(f"/v1/notifications/{first['uuid']}", version=V).json_body_or_none["notification"]["status"] == (
        "finished"
    )
    second = post(api)
    assert second.status_int == 202 and second.json_body_or_none["notification"]["uuid"] != first["uuid"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "VM"}, "'notification.type': 'VM' is not one of: COMPUTE_HOST"),
        ({"hostname": ""}, "'notification.hostname'"),
        ({"hostname": "two words"}, "'notification.hostname'"),
        ({"generated_time": "yesterday"}, "'notification.generated_time': 'yesterday' is not an ISO 8601 time"),
        ({"payload": {"event": "EXPLODED"}}, "'notification.payload.event'"),
        ({"payload": {"host_status": "NORMAL"}}, "'event' is a required property"),
        ({"payload": {"event": "STOPPED", "extra": 1}}, "Unknown request body field 'extra'"),
        ({"segment": "x"}, "Unknown request body field 'segment'"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(api, db, change, field):
    r = post(api, body(**change))
    assert r.status_int == 400, r.body
    assert field in r.json_body_or_none["badRequest"]["message"]
    assert count(db) == 0


def test_missing_hostname_is_400(api, db):
    b = body()
    del b["notification"]["hostname"]
    r = post(api, b)
    assert r.status_int == 400 and "'hostname' is a required property" in r.json_body_or_none["badRequest"]["message"]


def test_policy_admin_reads_service_role_may_only_report(api, db):
    r = post(api, headers=SERVICE)
    assert r.status_int == 202, r.body
    uuid_ = r.json_body_or_none["notification"]["uuid"]
    for path in ("/v1/notifications", f"/v1/notifications/{uuid_}", f"/v1/notifications/{uuid_}/vmoves"):
        assert api.get(path, version=V, headers=SERVICE).status_int == 403
        assert api.get(path, version=V, headers=MEMBER).status_int == 403
    assert post(api, body(hostname="hostx"), headers=MEMBER).status_int == 403
    r = api.request("POST", f"/v1/notifications/{uuid_}/action", body={"restore": None}, version=V, headers=MEMBER)
    assert r.status_int == 403


def test_list_filters_sort_and_pages(api, db):
    made = [post(api, body(hostname=f"h{i}")).json_body_or_none["notification"]["uuid"] for i in range(5)]
    post(api, body(hostname="h9", payload={"event": "STARTED"}))

    def uuids(query):
        r = api.get("/v1/notifications?" + query, version=V)
        assert r.status_int == 200, r.body
        return [n["uuid"] for n in r.json_body_or_none["notifications"]]

    assert uuids("event=STOPPED&sort_dir=asc") == made
    assert uuids("hostname=h2") == [made[2]]
    assert uuids("status=new&event=STOPPED&sort_key=hostname&sort_dir=desc") == made[::-1]
    page = api.get("/v1/notifications?event=STOPPED&sort_dir=asc&limit=2", version=V).json_body_or_none
    assert [n["uuid"] for n in page["notifications"]] == made[:2]
    assert f"marker={made[1]}" in page["notifications_links"][0]["href"]
    assert uuids(f"event=STOPPED&sort_dir=asc&limit=2&marker={made[1]}") == made[2:4]
    assert uuids("generated-since=2026-11-24T11:00:00Z") == []
    r = api.get("/v1/notifications?sort_key=bogus", version=V)
    assert r.status_int == 400 and "'sort_key'" in r.json_body_or_none["badRequest"]["message"]
    r = api.get("/v1/notifications?generated-since=soon", version=V)
    assert r.status_int == 400 and "'generated-since'" in r.json_body_or_none["badRequest"]["message"]


def test_show_404(api, db):
    for ident in (str(uuid.uuid4()), "not-a-uuid"):
        r = api.get(f"/v1/notifications/{ident}", version=V)
        assert r.status_int == 404
        assert r.json_body_or_none["itemNotFound"]["message"] == f"Notification {ident} could not be found."


@pytest.fixture
def recovered(api, ctx, conf, cloud):
    """A notification whose recovery ran: 2 evacuated (host1, host2), 1 NoValidHost, 1 cold-migration candidate."""
    conf.set_override("no_valid_host_limit", 0, group="recovery")
    servers = cloud.nova().add(*[fakes.server(name=f"vm{i}", meta={"vmove:priority": str(i)}) for i in range(1, 4)])
    n = post(api).json_body_or_none["notification"]
    engine_recovery.process(ctx, conf, n["uuid"])
    notification = recovery_queries.get(ctx, n["uuid"])
    made = moves(ctx, notification)
    finish(ctx, made[0], dest="host1")
    finish(ctx, made[1], dest="host2")
    finish(ctx, made[2], states.FAILED, NO_VALID_HOST)
    setattr(servers[0], "OS-EXT-SRV-ATTR:host", "host1")
    setattr(servers[1], "OS-EXT-SRV-ATTR:host", "host2")
    engine_recovery.tick(ctx, conf, "e1")
    return recovery_queries.get(ctx, n["uuid"]), made


def test_show_has_status_progress_and_summary(api, recovered):
    n, _ = recovered
    body_ = api.get(f"/v1/notifications/{n.uuid}", version=V).json_body_or_none["notification"]
    assert (body_["status"], body_["progress"]) == ("failed", 100)
    assert body_["vmoves_summary"] == {"evacuation": {"succeeded": 2, "failed": 1}, "restore": {}}
    assert "Result: 3 instance(s), latest attempts: failed 1, succeeded 2." in body_["message"]


def test_vmoves_in_masakari_shape(api, recovered):
    n, made = recovered
    r = api.get(f"/v1/notifications/{n.uuid}/vmoves", version=V)
    assert r.status_int == 200, r.body
    vmoves = r.json_body_or_none["vmoves"]
    assert [v["uuid"] for v in vmoves] == [m.uuid for m in made]
    first = vmoves[0]
    for key in (
        "uuid",
        "notification_uuid",
        "instance_uuid",
        "instance_name",
        "source_host",
        "dest_host",
        "start_time",
        "end_time",
        "type",
        "status",
        "message",
    ):
        assert key in first
    assert (first["notification_uuid"], first["instance_name"], first["type"]) == (n.uuid, "vm1", "evacuation")
    assert (first["source_host"], first["dest_host"], first["status"]) == ("host3", "host1", "succeeded")
    assert first["start_time"] and first["end_time"] and first["links"][0]["href"].endswith(f"/v1/moves/{made[0].uuid}")
    one = api.get(f"/v1/notifications/{n.uuid}/vmoves/{made[2].uuid}", version=V).json_body_or_none["vmove"]
    assert one["status"] == "failed" and "No valid host" in one["message"]


def test_vmoves_filters_sort_and_pages(api, ctx, recovered):
    n, made = recovered
    base = f"/v1/notifications/{n.uuid}/vmoves"

    def uuids(query):
        r = api.get(f"{base}?{query}", version=V)
        assert r.status_int == 200, r.body
        return [v["uuid"] for v in r.json_body_or_none["vmoves"]]

    assert uuids("status=failed") == [made[2].uuid]
    assert uuids("status=succeeded&type=evacuation") == [made[0].uuid, made[1].uuid]
    assert uuids("type=migration") == []
    assert uuids("sort_key=priority&sort_dir=asc") == [made[2].uuid, made[1].uuid, made[0].uuid]
    assert uuids("sort_key=end_time&sort_dir=desc") == [made[2].uuid, made[1].uuid, made[0].uuid]
    assert uuids("limit=1") == [made[0].uuid]
    assert uuids(f"marker={made[0].uuid}") == [made[1].uuid, made[2].uuid]
    assert uuids(f"marker={made[1].id}") == [made[2].uuid]  # Masakari's integer marker
    r = api.get(f"{base}?marker={uuid.uuid4()}", version=V)
    assert r.status_int == 400 and "could not be found" in r.json_body_or_none["badRequest"]["message"]
    r = api.get(f"{base}?type=teleport", version=V)
    assert r.status_int == 400 and "'type.0': 'teleport' is not one of" in r.json_body_or_none["badRequest"]["message"]


def test_a_vmove_belongs_to_its_notification(api, ctx, recovered):
    n, made = recovered
    other = post(api, body(hostname="host2")).json_body_or_none["notification"]["uuid"]
    r = api.get(f"/v1/notifications/{other}/vmoves/{made[0].uuid}", version=V)
    assert r.status_int == 404
    assert r.json_body_or_none["itemNotFound"]["message"] == (
        f"VM move {made[0].uuid} of notification {other} could not be found."
    )
    assert api.get(f"/v1/notifications/{other}/vmoves", version=V).json_body_or_none == {"vmoves": []}
    # an ordinary move is nobody's vmove
    from vmove.tests.fixtures import make_move

    plain = make_move(origin="request:r1")
    assert api.get(f"/v1/notifications/{n.uuid}/vmoves/{plain.uuid}", version=V).status_int == 404
    assert api.get(f"/v1/notifications/{uuid.uuid4()}/vmoves", version=V).status_int == 404


def test_restore_and_retry_actions(api, ctx, conf, recovered):
    n, made = recovered
    url = f"/v1/notifications/{n.uuid}/action"
    r = api.request("POST", url, body={"restore": None, "retry": None}, version=V)
    assert r.status_int == 400
    r = api.request("POST", url, body={"teleport": None}, version=V)
    assert (
        r.status_int == 400 and "Unknown request body field 'teleport'" in r.json_body_or_none["badRequest"]["message"]
    )
    r = api.request("POST", url, body={"restore": None}, version=V)
    assert r.status_int == 202, r.body
    restore = r.json_body_or_none["notification"]["restore"]
    assert (restore["status"], restore["attempt"]) == ("requested", 1)
    r = api.request("POST", url, body={"retry": None}, version=V)
    assert r.status_int == 409 and "A restore of notification" in r.json_body_or_none["conflict"]["message"]
    engine_recovery.process(ctx, conf, n.uuid)  # the restore is set up (the fake host is up)
    shown = api.get(f"/v1/notifications/{n.uuid}", version=V).json_body_or_none["notification"]
    assert shown["restore"]["status"] == "running"
    assert shown["vmoves_summary"]["restore"] == {"pending": 2}
    vmoves = api.get(f"/v1/notifications/{n.uuid}/vmoves?type=live_migration", version=V).json_body_or_none["vmoves"]
    assert {(v["type"], v["source_host"], v["dest_host"]) for v in vmoves} == {
        ("live_migration", "host1", None),
        ("live_migration", "host2", None),
    }
    assert all(v["origin"] == f"restore:{n.uuid}" for v in vmoves)


def test_retry_action(api, ctx, conf, recovered):
    n, _ = recovered
    r = api.request("POST", f"/v1/notifications/{n.uuid}/action", body={"retry": None}, version=V)
    assert r.status_int == 202, r.body
    shown = r.json_body_or_none["notification"]
    assert (shown["status"], shown["attempt"]) == ("new", 2)
    r = api.request("POST", f"/v1/notifications/{n.uuid}/action", body={"retry": None}, version=V)
    assert r.status_int == 409 and "only a failed one can be retried" in r.json_body_or_none["conflict"]["message"]
    # a duplicate report of the same failure now finds the retried notification
    again = post(api)
    assert again.status_int == 200 and again.json_body_or_none["notification"]["uuid"] == n.uuid


def test_vmoves_of_a_started_notification_are_its_moves_back(api, ctx, conf, recovered):
    n, _ = recovered
    conf.set_override("auto_restore", True, group="recovery")
    started = post(api, body(payload={"event": "STARTED"})).json_body_or_none["notification"]["uuid"]
    engine_recovery.process(ctx, conf, started)
    shown = api.get(f"/v1/notifications/{started}", version=V).json_body_or_none["notification"]
    assert (shown["status"], shown["related_notification_uuid"]) == ("running", n.uuid)
    vmoves = api.get(f"/v1/notifications/{started}/vmoves", version=V).json_body_or_none["vmoves"]
    assert len(vmoves) == 2 and all(v["notification_uuid"] == started for v in vmoves)
    assert shown["vmoves_summary"] == {"evacuation": {}, "restore": {"pending": 2}}


def test_moves_of_a_notification_are_ordinary_moves(api, ctx, recovered):
    n, made = recovered
    r = api.get(f"/v1/moves?origin=notification:{n.uuid}", version="1.2")
    assert [m["uuid"] for m in r.json_body_or_none["moves"]] == [m.uuid for m in made]
    events = api.get(f"/v1/moves/{made[2].uuid}/events").json_body_or_none["events"]
    assert [e["to_phase"] for e in events] == ["queued", "starting", "failed"]
    # the instance's own project sees its moves
    r = api.get(f"/v1/moves/{made[0].uuid}", headers=MEMBER)
    assert r.status_int == 200
    assert rollup.summary(moves(ctx, n)) == {"succeeded": 2, "failed": 1}
