import datetime
import uuid

import pytest
import sqlalchemy as sa

from vmove.api.controllers.v1 import common
from vmove.db import models
from vmove.tests.fixtures import make_move

P1 = {"X-Project-Id": "p1", "X-Roles": "member,reader"}
P2 = {"X-Project-Id": "p2", "X-Roles": "member,reader"}


def test_list_empty(api):
    r = api.get("/v1/moves")
    assert r.status_int == 200
    assert r.json_body_or_none == {"moves": []}


def test_show_and_events(api):
    move = make_move(project_id="p1")
    r = api.get(f"/v1/moves/{move.uuid}", headers=P1)
    assert r.status_int == 200, r.body
    body = r.json_body_or_none["move"]
    assert body["uuid"] == move.uuid
    assert body["status"] == "pending"
    assert body["links"][0]["href"].endswith(f"/v1/moves/{move.uuid}")
    r = api.get(f"/v1/moves/{move.uuid}/events", headers=P1)
    assert r.status_int == 200
    events = r.json_body_or_none["events"]
    assert [(e["from_phase"], e["to_phase"], e["status"]) for e in events] == [(None, "queued", "pending")]
    assert events[0]["message"] == "requested"


def test_other_project_gets_404_not_403(api):
    move = make_move(project_id="p1")
    for path in (f"/v1/moves/{move.uuid}", f"/v1/moves/{move.uuid}/events"):
        r = api.get(path, headers=P2)
        assert r.status_int == 404
        assert r.json_body_or_none == {
            "itemNotFound": {"code": 404, "message": f"Move {move.uuid} could not be found."}
        }


def test_member_lists_only_own_project(api):
    mine = make_move(project_id="p1")
    make_move(project_id="p2")
    r = api.get("/v1/moves", headers=P1)
    assert [m["uuid"] for m in r.json_body_or_none["moves"]] == [mine.uuid]
    r = api.get("/v1/moves?project_id=p2", headers=P1)
    assert r.status_int == 403
    assert "forbidden" in r.json_body_or_none


def test_admin_lists_all_and_filters_by_project(api):
    a = make_move(project_id="p1")
    b = make_move(project_id="p2")
    r = api.get("/v1/moves")
    assert {m["uuid"] for m in r.json_body_or_none["moves"]} == {a.uuid, b.uuid}
    r = api.get("/v1/moves?project_id=p2")
    assert [m["uuid"] for m in r.json_body_or_none["moves"]] == [b.uuid]


def test_filters(api):
    live = make_move(type="live_migration", status="ongoing", source_host="h1", dest_host="h2")
    cold = make_move(type="cold_migration", status="failed", source_host="h3", dest_host="h1")
    vol = make_move(
        type="volume_retype", resource_type="volume", status="succeeded", source_host=None, origin="notification:abc"
    )
    make_move(type="evacuation", status="pending", source_host="h9", origin="notification:def")

    def uuids(q):
        r = api.get("/v1/moves?" + q)
        assert r.status_int == 200, r.body
        return {m["uuid"] for m in r.json_body_or_none["moves"]}

    assert uuids("status=ongoing") == {live.uuid}
    assert uuids("status=ongoing,failed") == {live.uuid, cold.uuid}
    assert uuids("status=ongoing&status=failed") == {live.uuid, cold.uuid}
    assert uuids("type=volume_retype") == {vol.uuid}
    assert uuids("host=h1") == {live.uuid, cold.uuid}
    assert uuids(f"resource_id={cold.resource_id}") == {cold.uuid}
    assert uuids("origin=notification:abc") == {vol.uuid}
    assert len(uuids("origin=notification")) == 2
    assert uuids("resource_type=volume") == {vol.uuid}
    assert len(uuids("changes-since=2000-01-01T00:00:00Z")) == 4
    assert uuids("changes-since=2999-01-01T00:00:00Z") == set()


def test_pagination_with_next_links(api):
    made = [make_move(priority=i % 3) for i in range(7)]
    seen = []
    url = "/v1/moves?limit=3&sort_key=priority&sort_dir=desc"
    pages = 0
    while url:
        r = api.get(url)
        assert r.status_int == 200, r.body
        body = r.json_body_or_none
        seen.extend(m["uuid"] for m in body["moves"])
        links = body.get("moves_links", [])
        url = links[0]["href"].split("localhost", 1)[1] if links else None
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(m.uuid for m in made)
    assert len(seen) == len(set(seen))
    prios = [m.priority for m in sorted(made, key=lambda m: (-m.priority, -m.id))]
    got = {m.uuid: m.priority for m in made}
    assert [got[u] for u in seen] == prios


@pytest.mark.parametrize(
    "query, message",
    [
        ("limit=abc", "Invalid query parameter 'limit': 'abc' is not of type 'integer'."),
        ("limit=0", "Invalid query parameter 'limit': 0 is less than the minimum of 1."),
        ("limit=1001", "Invalid query parameter 'limit': 1001 is more than the maximum of 1000."),
        ("sort_key=nope", "Invalid query parameter 'sort_key': 'nope' is not one of:"),
        ("sort_dir=up", "Invalid query parameter 'sort_dir': 'up' is not one of: asc, desc."),
        ("status=walking", "Invalid query parameter 'status.0': 'walking' is not one of:"),
        ("marker=xyz", "Invalid query parameter 'marker': 'xyz' is not a UUID."),
        ("colour=blue", "Unknown query parameter 'colour'."),
        ("host=a&host=b", "Query parameter 'host' is given more than once."),
        ("changes-since=yesterday", "Invalid query parameter 'changes-since': 'yesterday' is not an ISO 8601"),
    ],
)
def test_bad_queries_are_400_with_the_field_named(api, query, message):
    r = api.get("/v1/moves?" + query)
    assert r.status_int == 400, r.body
    assert r.json_body_or_none["badRequest"]["message"].startswith(message)


def test_unknown_marker(api):
    marker = str(uuid.uuid4())
    r = api.get(f"/v1/moves?marker={marker}")
    assert r.status_int == 400
    assert r.json_body_or_none["badRequest"]["message"] == f"Marker {marker} could not be found."


def test_bad_uuid_and_unknown_move(api):
    r = api.get("/v1/moves/not-a-uuid")
    assert r.status_int == 400
    assert r.json_body_or_none["badRequest"]["message"] == "Invalid move 'uuid': 'not-a-uuid' is not a UUID."
    missing = str(uuid.uuid4())
    r = api.get(f"/v1/moves/{missing}")
    assert r.status_int == 404
    r = api.get(f"/v1/moves/{missing}/events")
    assert r.status_int == 404


def test_unknown_path_and_method_are_faults(api):
    r = api.get("/v1/nothing-here")
    assert r.status_int == 404
    assert "itemNotFound" in r.json_body_or_none
    r = api.request("DELETE", "/v1/moves")
    assert r.status_int in (404, 405)
    assert r.content_type == "application/json"


def test_errors_write_nothing(api, db):
    make_move()
    with db.engine.connect() as c:
        before = (
            c.execute(sa.select(sa.func.count()).select_from(models.Move)).scalar(),
            c.execute(sa.select(sa.func.count()).select_from(models.MoveEvent)).scalar(),
        )
    for q in ("limit=abc", "colour=1", "marker=" + str(uuid.uuid4())):
        assert api.get("/v1/moves?" + q).status_int == 400
    with db.engine.connect() as c:
        after = (
            c.execute(sa.select(sa.func.count()).select_from(models.Move)).scalar(),
            c.execute(sa.select(sa.func.count()).select_from(models.MoveEvent)).scalar(),
        )
    assert before == after


def test_list_shows_each_move_as_it_is_shown_alone(api):
    """List pages make their views of the rows straight; a move must read the same there as on its own page
    (every field, times in the same UTC form, links)."""
    started = datetime.datetime(2026, 12, 4, 12, 0, 1, 250)
    made = [make_move(project_id="p1"), make_move(project_id="p1", start_time=started, params={"block": True})]
    alone = {m.uuid: api.get(f"/v1/moves/{m.uuid}", headers=P1).json_body_or_none["move"] for m in made}
    listed = api.get("/v1/moves", headers=P1).json_body_or_none["moves"]
    assert {m["uuid"]: m for m in listed} == alone
    assert all(view["created_at"].endswith("+00:00") for view in listed)


def test_isotime_gives_one_form_for_aware_and_naive_utc():
    naive = datetime.datetime(2026, 12, 4, 12, 0, 1, 250)
    aware = naive.replace(tzinfo=datetime.UTC)
    assert common.isotime(naive) == common.isotime(aware) == "2026-12-04T12:00:01.000250+00:00"
    assert common.isotime(None) is None
