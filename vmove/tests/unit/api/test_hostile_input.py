"""Hostile input on every POST of the API: a clear 4xx in the fault format, and nothing written.

Every POST route at the newest microversion (from the controllers themselves) gets malformed JSON, a
wrong content type, a 2 MB body, deep nesting, unicode where identifiers go, unknown fields; the
moves' own identifiers get invalid UUIDs; every list gets a huge ``limit``. Every answer is a 4xx
with a fault a person can read, and no table has a row more.
"""

import json
import uuid

import pytest
import sqlalchemy as sa

from vmove.api import microversion, routes
from vmove.db import models

LATEST = microversion.max_version_string()
POSTS = sorted(path for (method, path) in routes.api_routes() if method == "POST")
LISTS = ["/v1/moves", "/v1/plans", "/v1/runs", "/v1/notifications"]
BIG = b"[" * 100_000 + b"]" * 100_000  # deeper than any parser's recursion


def _path(path):
    return "/".join(str(uuid.uuid4()) if p.startswith("{") else p for p in path.split("/"))


def _counts(engine):
    with engine.connect() as c:
        return {
            t.name: c.execute(sa.select(sa.func.count()).select_from(t)).scalar()
            for t in models.Base.metadata.sorted_tables
        }


def _fault(r, codes):
    assert r.status_int in codes, (r.status_int, r.body[:300])
    assert r.content_type == "application/json"
    ((name, fault),) = r.json_body_or_none.items()
    assert fault["code"] == r.status_int and len(fault["message"]) > 10, fault
    assert "Traceback" not in fault["message"] and "unexpected error" not in fault["message"]
    return fault["message"]


@pytest.fixture
def before(api, db):
    return _counts(db.engine)


def test_every_post_is_covered():
    assert "/v1/moves" in POSTS and "/v1/plans" in POSTS and len(POSTS) >= 6, POSTS


@pytest.mark.parametrize("path", POSTS)
def test_malformed_json(api, db, before, path):
    for raw in (b'{"move": ', b"{'single': 'quotes'}", b"\xff\xfe\x00garbage", b"NaN"):
        r = api.request("POST", _path(path), raw=raw, version=LATEST)
        _fault(r, (400, 404))
    assert _counts(db.engine) == before


@pytest.mark.parametrize("path", POSTS)
def test_wrong_content_type(api, db, before, path):
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        r = api.request("POST", _path(path), raw=b'{"a": 1}', version=LATEST, headers={"Content-Type": ctype})
        r2 = api.request("POST", _path(path), version=LATEST, headers={"Content-Type": ctype}, raw=None, body=None)
        assert r2.status_int < 500
        message = _fault(r, (415, 400, 404))
        if r.status_int == 415:
            assert "application/json" in message
    assert _counts(db.engine) == before


@pytest.mark.parametrize("path", POSTS)
def test_two_megabyte_body(api, db, before, path):
    body = json.dumps({"x": "é" * 1_000_000}).encode()
    r = api.request("POST", _path(path), raw=body, version=LATEST)
    assert "max_request_body_size" in _fault(r, (413,))
    assert _counts(db.engine) == before


@pytest.mark.parametrize("path", POSTS)
def test_deep_nesting(api, db, before, path):
    for raw in (BIG[:60_000] + BIG[-60_000:], b'{"a":' * 5000 + b"1" + b"}" * 5000):
        r = api.request("POST", _path(path), raw=raw, version=LATEST)
        _fault(r, (400, 404))
    assert _counts(db.engine) == before


@pytest.mark.parametrize("path", POSTS)
def test_unicode_and_unknown_fields(api, db, before, path):
    for body in ({"ünïcødé 💥\u202e": "\u0000"}, {"zero\u0000width": [1]}):
        r = api.request("POST", _path(path), raw=json.dumps(body).encode(), version=LATEST)
        _fault(r, (400, 404))
    assert _counts(db.engine) == before


@pytest.mark.parametrize(
    "resource_id",
    ["not-a-uuid", "", "💥" * 10, "0" * 300, "../../etc/passwd", "123e4567-e89b-12d3-a456-42661417400", "\u0000"],
)
@pytest.mark.parametrize("resource_type", ["instance", "volume"])
def test_resource_id_must_be_a_uuid(api, db, before, resource_type, resource_id):
    move_type = "live_migration" if resource_type == "instance" else "volume_migration"
    body = {"move": {"resource_type": resource_type, "resource_id": resource_id, "type": move_type}}
    message = _fault(api.request("POST", "/v1/moves", body=body, version=LATEST), (400,))
    assert "resource_id" in message
    plan = {
        "plan": {
            "name": "p",
            "items": [{"resource_type": resource_type, "resource_id": resource_id, "type": move_type}],
        }
    }
    message = _fault(api.request("POST", "/v1/plans", body=plan, version=LATEST), (400,))
    assert "resource_id" in message
    assert _counts(db.engine) == before


@pytest.mark.parametrize("path", ["/v1/moves/not-a-uuid/action", "/v1/moves/%F0%9F%92%A5/action"])
def test_invalid_uuid_in_the_path(api, db, before, path):
    r = api.request("POST", path, body={"cancel": None}, version=LATEST)
    _fault(r, (400, 404))
    assert _counts(db.engine) == before


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit", ["10" + "0" * 30, "-1", "0", "1e3", "NaN", "%F0%9F%92%A5", "1%00"])
def test_huge_or_bad_limit(api, path, limit):
    r = api.get(f"{path}?limit={limit}", version=LATEST)
    assert "limit" in _fault(r, (400,))
