"""POST /v1/moves and the cancel action (microversion 1.2), in process."""

import sqlalchemy as sa

from vmove import context as vmove_context
from vmove.db import models
from vmove.moves import queries as move_queries
from vmove.moves.transitions import transition
from vmove.tests.fixtures import make_move

V = "1.2"
P1 = {"X-Project-Id": "p1", "X-Roles": "member,reader", "X-User-Id": "u1"}
READER = {"X-Project-Id": "p1", "X-Roles": "reader", "X-User-Id": "u2"}


def body(**kw):
    move = {
        "resource_type": "instance",
        "resource_id": "0b6d6e7e-3f3c-4a55-9a4e-2f0c7c1a3b11",
        "type": "live_migration",
    }
    move.update(kw)
    return {"move": move}


def counts(db):
    with db.engine.connect() as c:
        return tuple(
            c.execute(sa.select(sa.func.count()).select_from(t)).scalar() for t in (models.Move, models.MoveEvent)
        )


def test_create_is_202_pending_with_first_event(api, db):
    r = api.request("POST", "/v1/moves", body=body(params={"host": "host2"}, priority=5), version=V, headers=P1)
    assert r.status_int == 202, r.body
    move = r.json_body_or_none["move"]
    assert (move["status"], move["phase"], move["priority"], move["project_id"]) == ("pending", "queued", 5, "p1")
    assert move["params"] == {"host": "host2"}
    assert move["origin"].startswith("request:req-")
    events = api.get(f"/v1/moves/{move['uuid']}/events", headers=P1).json_body_or_none["events"]
    assert [(e["to_phase"], e["status"], e["message"]) for e in events] == [("queued", "pending", "Move requested.")]


def test_create_needs_1_2(api):
    r = api.request("POST", "/v1/moves", body=body(), version="1.1", headers=P1)
    assert r.status_int == 404
    assert "needs 1.2 or later" in r.json_body_or_none["itemNotFound"]["message"]


def test_reader_may_not_create(api, db):
    r = api.request("POST", "/v1/moves", body=body(), version=V, headers=READER)
    assert r.status_int == 403
    assert counts(db) == (0, 0)


BAD = [
    (None, "Invalid request body field: None is not of type 'object'."),
    ({}, "Invalid request body field: 'move' is a required property."),
    ({"move": {}, "x": 1}, "Unknown request body field 'x'."),
    (body(resource_type="disk"), "Invalid request body field 'move.resource_type': 'disk' is not one of"),
    (body(type="teleport"), "Unknown move type 'teleport'; installed types:"),
    (body(resource_type="volume", type="evacuation"), "Move type evacuation moves an instance, not a volume."),
    (body(params={"host": ""}), "Invalid live_migration parameter 'host': '' should be non-empty"),
    (body(params={"hots": "h"}), "Unknown live_migration parameter 'hots'."),
    (body(params={"block_migration": "yes"}), "Invalid live_migration parameter 'block_migration'"),
    (body(priority="high"), "Invalid request body field 'move.priority': 'high' is not of type 'integer'."),
    (body(resource_id="has space"), "Invalid request body field 'move.resource_id'"),
    (body(extra=1), "Unknown request body field 'extra'."),
]


def test_bad_bodies_are_400_and_write_nothing(api, db):
    for payload, message in BAD:
        r = api.request("POST", "/v1/moves", body=payload, version=V, headers=P1)
        assert r.status_int == 400, (payload, r.body)
        got = r.json_body_or_none["badRequest"]["message"]
        assert got.startswith(message), (payload, got)
    r = api.request("POST", "/v1/moves", raw=b"{not json", version=V, headers=P1)
    assert r.status_int == 400
    assert r.json_body_or_none["badRequest"]["message"].startswith("The request body is not valid JSON")
    assert counts(db) == (0, 0)


def test_second_move_of_a_busy_resource_is_409(api, db):
    assert api.request("POST", "/v1/moves", body=body(), version=V, headers=P1).status_int == 202
    r = api.request("POST", "/v1/moves", body=body(type="cold_migration"), version=V, headers=P1)
    assert r.status_int == 409
    assert "already has move" in r.json_body_or_none["conflict"]["message"]
    assert counts(db) == (1, 1)


def test_cancel_pending(api, db):
    uuid = api.request("POST", "/v1/moves", body=body(), version=V, headers=P1).json_body_or_none["move"]["uuid"]
    r = api.request("POST", f"/v1/moves/{uuid}/action", body={"cancel": None}, version=V, headers=P1)
    assert r.status_int == 202, r.body
    assert r.json_body_or_none["move"]["status"] == "cancelled"
    r = api.request("POST", f"/v1/moves/{uuid}/action", body={"cancel": None}, version=V, headers=P1)
    assert r.status_int == 409
    assert r.json_body_or_none["conflict"]["message"] == f"Move {uuid} has already ended (cancelled)."


def _ongoing(move_type, phase):
    ctx = vmove_context.get_admin_context()
    row = make_move(type=move_type, project_id="p1")
    move = move_queries.get(ctx, row.uuid)
    move = transition(ctx, move, "starting")
    if phase != "starting":
        move = transition(ctx, move, phase)
    return move


def test_cancel_running_live_migration_marks_aborting(api, db):
    move = _ongoing("live_migration", "running")
    r = api.request("POST", f"/v1/moves/{move.uuid}/action", body={"cancel": None}, version=V, headers=P1)
    assert r.status_int == 202, r.body
    assert (r.json_body_or_none["move"]["status"], r.json_body_or_none["move"]["phase"]) == ("ongoing", "aborting")
    ctx = vmove_context.get_admin_context()
    assert move_queries.events(ctx, move.uuid)[-1].message == "Abort requested."


def test_cancel_not_abortable_says_why(api, db):
    move = _ongoing("cold_migration", "migrating")
    r = api.request("POST", f"/v1/moves/{move.uuid}/action", body={"cancel": None}, version=V, headers=P1)
    assert r.status_int == 409
    msg = r.json_body_or_none["conflict"]["message"]
    assert "cannot be aborted" in msg and "no abort for a cold migration" in msg


def test_cancel_bad_action_bodies(api, db):
    move = make_move(project_id="p1")
    for payload in ({}, {"cancel": 1}, {"cancel": None, "approve": None}, {"explode": None}):
        r = api.request("POST", f"/v1/moves/{move.uuid}/action", body=payload, version=V, headers=P1)
        assert r.status_int == 400, payload


def test_cancel_of_another_projects_move_is_404(api, db):
    move = make_move(project_id="p2")
    r = api.request("POST", f"/v1/moves/{move.uuid}/action", body={"cancel": None}, version=V, headers=P1)
    assert r.status_int == 404


def test_only_non_admin_requests_enforce_the_project(api, db):
    ctx = vmove_context.get_admin_context()
    member = api.request("POST", "/v1/moves", body=body(), version=V, headers=P1).json_body_or_none["move"]
    admin = api.request(
        "POST", "/v1/moves", body=body(resource_id="5c3f2b1e-7a7e-4f55-8f10-9d3c2a1b0c99"), version=V
    ).json_body_or_none["move"]
    assert move_queries.get(ctx, member["uuid"]).enforce_project is True
    assert move_queries.get(ctx, admin["uuid"]).enforce_project is False
