"""vmove.client against a fake API over real HTTP: versions, faults, pages, calls."""

from unittest import mock

from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session
import pytest

from vmove.client import Client, exceptions, versions
from vmove.tests.unit.cli.conftest import header, move, query


def test_negotiates_the_highest_common_version_once(fake_api, make_client):
    fake_api.set_versions("1.0", "1.1")
    fake_api.on("GET", "/v1/moves", body={"moves": []})
    fake_api.on("GET", "/v1/engines", body={"engines": [{"id": "e1", "state": "up"}]})
    client = make_client()
    assert client.moves.list() == []
    assert client.engines.list() == [{"id": "e1", "state": "up"}]
    assert client.api_version == "1.1"
    assert [header(r) for r in fake_api.made(path="/v1/moves") + fake_api.made(path="/v1/engines")] == [
        "vmove 1.1",
        "vmove 1.1",
    ]
    assert len(fake_api.made("GET", "/")) == 1
    assert "X-Auth-Token" not in fake_api.made("GET", "/")[0].headers


def test_a_newer_server_is_spoken_to_at_the_client_maximum(fake_api, make_client):
    fake_api.set_versions("1.0", "1.9")
    assert make_client().api_version == versions.MAX_VERSION


def test_no_common_version(fake_api, make_client):
    above = f"1.{int(versions.MAX_VERSION.split('.')[1]) + 1}"  # a server newer than this client, only
    fake_api.set_versions(above, "1.99")
    with pytest.raises(exceptions.VersionNotSupported) as e:
        make_client().moves.list()
    assert str(e.value) == (
        f"the vmove API at {fake_api.url} supports {above} to 1.99; this client speaks "
        f"{versions.MIN_VERSION} to {versions.MAX_VERSION}"
    )


def test_a_server_without_microversions_speaks_1_0(fake_api, make_client):
    fake_api.on("GET", "/", body={"versions": [{"id": "v1", "status": "CURRENT"}]})
    assert make_client().api_version == "1.0"


def test_a_version_asked_for_is_used_without_discovery(fake_api, make_client):
    fake_api.on("GET", "/v1/moves", body={"moves": []})
    client = make_client(api_version="1.0")
    client.moves.list()
    assert [header(r) for r in fake_api.requests] == ["vmove 1.0"]


@pytest.mark.parametrize("asked", ["1.99", "2.0", "latest", "1.x"])
def test_a_version_the_client_does_not_speak_is_refused(asked):
    with pytest.raises(exceptions.VersionNotSupported, match="not"):
        Client(session.Session(), endpoint_override="http://127.0.0.1:1", api_version=asked)


def test_a_command_the_server_is_too_old_for(fake_api, make_client):
    fake_api.set_versions("1.0", "1.1")
    client = make_client()
    with pytest.raises(exceptions.VersionNotSupported) as e:
        client.moves.create("instance", "i-1", "live_migration")
    assert str(e.value) == f"the vmove API at {fake_api.url} supports up to 1.1; this command needs 1.2 or later"
    assert fake_api.made("POST") == []


def test_a_command_the_version_asked_for_is_too_old_for(fake_api, make_client):
    with pytest.raises(exceptions.VersionNotSupported) as e:
        make_client(api_version="1.0").engines.list()
    assert "this command needs API version 1.1 or later; version 1.0 was asked for" in str(e.value)
    assert fake_api.requests == []


def test_a_fault_becomes_the_exception_of_its_code(fake_api, make_client):
    fake_api.on("GET", "/v1/moves/m-1", 404, {"itemNotFound": {"code": 404, "message": "Move m-1 could not be found."}})
    with pytest.raises(exceptions.NotFound) as e:
        make_client().moves.get("m-1")
    err = e.value
    assert (err.code, err.message, err.fault, err.method) == (
        404,
        "Move m-1 could not be found.",
        "itemNotFound",
        "GET",
    )
    assert err.url == f"{fake_api.url}/v1/moves/m-1" and err.request_id == "req-fake"
    assert str(err) == "Move m-1 could not be found. (HTTP 404)"


def test_a_conflict_and_an_unknown_code(fake_api, make_client):
    fake_api.on("POST", "/v1/moves/m-1/action", 409, {"conflict": {"code": 409, "message": "Move m-1 has ended."}})
    fake_api.on("GET", "/v1/moves/m-2", 502, "Bad   gateway\n from the proxy")
    client = make_client()
    with pytest.raises(exceptions.Conflict, match="Move m-1 has ended"):
        client.moves.cancel("m-1")
    with pytest.raises(exceptions.ApiError) as e:
        client.moves.get("m-2")
    assert type(e.value) is exceptions.ApiError
    assert (e.value.code, e.value.message, e.value.fault) == (502, "Bad gateway from the proxy", None)


def test_an_api_that_cannot_be_reached():
    client = Client(session.Session(), endpoint_override="http://127.0.0.1:9/")
    with pytest.raises(exceptions.ConnectionFailed, match=r"cannot reach the vmove API at http://127\.0\.0\.1:9"):
        client.moves.list()


def test_filters_go_in_the_query(fake_api, make_client):
    fake_api.on("GET", "/v1/moves", body={"moves": []})
    make_client().moves.list(
        status=["pending", "ongoing"],
        move_type="evacuation",
        host="h1",
        project_id="p1",
        changes_since="2026-11-24T10:00:00Z",
        sort_key="priority",
        sort_dir="desc",
        resource_id=None,
    )
    (req,) = fake_api.made("GET", "/v1/moves")
    assert req.query == query(
        "status=pending&status=ongoing&type=evacuation&host=h1&project_id=p1&changes-since=2026-11-24T10:00:00Z"
        "&sort_key=priority&sort_dir=desc"
    )


def test_every_page_is_followed_on_the_clients_own_endpoint(fake_api, make_client):
    items = [move("ongoing") for _ in range(5)]
    fake_api.pages("/v1/moves", "moves", items, 2, base="http://public.example:8080", query="&status=ongoing")
    found = make_client().moves.list(status="ongoing")
    assert [m["uuid"] for m in found] == [m["uuid"] for m in items]
    made = fake_api.made("GET", "/v1/moves")
    assert len(made) == 3  # 2 + 2 + 1
    assert made[1].query == {"limit": ["2"], "marker": [items[1]["uuid"]], "status": ["ongoing"]}


def test_a_limit_caps_the_total_across_pages(fake_api, make_client):
    items = [move() for _ in range(7)]
    fake_api.pages("/v1/moves", "moves", items, 2, base="http://public.example:8080", query="&status=ongoing")
    client = make_client()
    assert [m["uuid"] for m in client.moves.list(limit=3)] == [m["uuid"] for m in items[:3]]
    (req,) = fake_api.made("GET", "/v1/moves")
    assert req.query["limit"] == ["3"]
    after = client.moves.list(limit=2, marker=items[4]["uuid"])
    assert [m["uuid"] for m in after] == [m["uuid"] for m in items[5:7]]


def test_a_short_server_page_is_continued_up_to_the_limit(fake_api, make_client):
    items = [move() for _ in range(5)]
    calls = []

    def answer(req):
        calls.append(req.query)
        start = 0 if "marker" not in req.query else [m["uuid"] for m in items].index(req.query["marker"][0]) + 1
        page = items[start : start + 2]  # the server caps every page at 2
        link = [{"rel": "next", "href": f"/v1/moves?marker={page[-1]['uuid']}"}] if page else []
        return 200, {"moves": page, "moves_links": link}

    fake_api.on("GET", "/v1/moves", body=answer)
    assert len(make_client().moves.list(limit=4)) == 4
    assert [q.get("limit") for q in calls] == [["4"], ["2"]]


def test_resources_read_as_attributes(fake_api, make_client):
    body = move("ongoing", 40)
    fake_api.on("GET", f"/v1/moves/{body['uuid']}", body={"move": body})
    found = make_client().moves.get(body["uuid"])
    assert (found.status, found.progress, found["uuid"]) == ("ongoing", 40, body["uuid"])
    with pytest.raises(AttributeError):
        found.no_such_field  # noqa: B018


def test_events(fake_api, make_client):
    events = [
        {"id": 1, "to_phase": "queued", "status": "pending"},
        {"id": 2, "to_phase": "done", "status": "succeeded"},
    ]
    fake_api.on("GET", "/v1/moves/m-1/events", body={"move_uuid": "m-1", "events": events})
    assert [e.to_phase for e in make_client().moves.events("m-1")] == ["queued", "done"]


def test_create_and_cancel(fake_api, make_client):
    created = move()
    fake_api.on("POST", "/v1/moves", 202, {"move": created})
    fake_api.on("POST", f"/v1/moves/{created['uuid']}/action", 202, {"move": dict(created, status="cancelled")})
    client = make_client()
    got = client.moves.create("volume", "v-1", "volume_retype", params={"destination_type": "fast"}, priority=5)
    assert got.uuid == created["uuid"]
    assert fake_api.made("POST", "/v1/moves")[0].body == {
        "move": {
            "resource_type": "volume",
            "resource_id": "v-1",
            "type": "volume_retype",
            "params": {"destination_type": "fast"},
            "priority": 5,
        }
    }
    assert client.moves.cancel(got).status == "cancelled"
    action = fake_api.made("POST", f"/v1/moves/{created['uuid']}/action")[0]
    assert action.body == {"cancel": None} and header(action) == "vmove 1.2"


class CatalogSession:
    """A session whose auth plugin answers the catalog lookups."""

    def __init__(self, url=None, error=None):
        self.url, self.error, self.asked = url, error, []

    def get_endpoint(self, **kwargs):
        self.asked.append(kwargs)
        if self.error:
            raise self.error
        return self.url


def test_the_endpoint_comes_from_the_catalog():
    sess = CatalogSession("http://vmove.example:9393/v1/")
    client = Client(sess, region_name="RegionTwo", interface="internal")
    assert client.endpoint == "http://vmove.example:9393"
    assert sess.asked == [{"service_type": "vmove", "interface": "internal", "region_name": "RegionTwo"}]


@pytest.mark.parametrize("sess", [CatalogSession(None), CatalogSession(error=ksa_exc.EndpointNotFound())])
def test_no_endpoint_in_the_catalog(sess):
    with pytest.raises(exceptions.EndpointNotFound) as e:
        Client(sess, region_name="RegionOne").moves.list()
    assert "no vmove endpoint in the service catalog" in str(e.value)
    assert "region RegionOne" in str(e.value) and "--os-vmove-endpoint-override" in str(e.value)


def test_wait_for_move_calls_back_until_the_move_ends(fake_api, make_client):
    body = move("pending")
    answers = iter(
        [dict(body), dict(body, status="ongoing", progress=50), dict(body, status="succeeded", progress=100)]
    )
    fake_api.on("GET", f"/v1/moves/{body['uuid']}", body=lambda req: (200, {"move": next(answers)}))
    seen = []
    final = make_client().wait_for_move(body["uuid"], lambda m: seen.append((m.status, m.progress)), interval=0)
    assert final.status == "succeeded"
    assert seen == [("pending", 0), ("ongoing", 50), ("succeeded", 100)]


def test_wait_for_moves_asks_no_more_for_a_move_that_ended():
    from vmove.client import wait

    a, b = move("failed", message="boom"), move("ongoing")
    later = {b["uuid"]: iter([b, dict(b, status="succeeded")])}
    get = mock.Mock(side_effect=lambda uuid: a if uuid == a["uuid"] else next(later[uuid]))
    calls = []
    final = wait.wait_for_moves(get, [a, b["uuid"]], calls.append, interval=5, sleep=mock.Mock())
    assert [m["status"] for m in final] == ["failed", "succeeded"]
    assert [c.args[0] for c in get.call_args_list] == [a["uuid"], b["uuid"], b["uuid"]]
    assert len(calls) == 2


def test_wait_gives_up_after_the_timeout():
    from vmove.client import wait

    ongoing = move("ongoing")
    clock = iter([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    sleep = mock.Mock()
    with pytest.raises(exceptions.WaitTimeout) as e:
        wait.wait_for_moves(
            lambda uuid: ongoing, [ongoing], interval=1, timeout=3, sleep=sleep, clock=lambda: next(clock)
        )
    assert str(e.value) == f"1 of 1 moves had not ended after 3 s: {ongoing['uuid']}"
    assert sleep.call_count == 2
