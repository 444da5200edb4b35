import re

from vmove.api import microversion

# Pin the latest version: changing it must be deliberate (see the checklist
# in vmove/api/microversion.py).
LATEST = "1.6"


def test_latest_is_pinned():
    assert microversion.VERSIONS[-1] == LATEST


def test_versions_are_consecutive():
    minors = [int(v.split(".")[1]) for v in microversion.VERSIONS]
    assert minors == list(range(len(minors)))
    assert all(v.startswith("1.") for v in microversion.VERSIONS)


def test_root_discovery(api):
    r = api.get("/")
    assert r.status_int == 200
    v = r.json_body_or_none["versions"][0]
    assert (v["id"], v["min_version"], v["version"]) == ("v1", "1.0", LATEST)
    r = api.get("/v1")
    assert r.json_body_or_none["version"]["version"] == LATEST


def test_headers_on_every_answer(api):
    r = api.get("/v1/moves", version="1.1")
    assert r.headers["OpenStack-API-Version"] == "vmove 1.1"
    assert "openstack-api-version" in r.headers["Vary"].lower()
    r = api.get("/v1/moves")
    assert r.headers["OpenStack-API-Version"] == "vmove 1.0"
    r = api.get("/v1/moves", version="latest")
    assert r.headers["OpenStack-API-Version"] == f"vmove {LATEST}"


def test_out_of_range_is_406_fault(api):
    for bad in ("1.99", "2.0", "0.9"):
        r = api.get("/v1/moves", version=bad)
        assert r.status_int == 406, bad
        msg = r.json_body_or_none["notAcceptable"]["message"]
        assert "1.0" in msg and LATEST in msg


def test_malformed_version_is_400(api):
    r = api.get("/v1/moves", headers={"OpenStack-API-Version": "vmove one.two"})
    assert r.status_int == 400
    assert "badRequest" in r.json_body_or_none


def test_engines_gated_at_1_1(api):
    r = api.get("/v1/engines", version="1.0")
    assert r.status_int == 404
    assert re.search(r"needs 1\.1 or later", r.json_body_or_none["itemNotFound"]["message"])
    r = api.get("/v1/engines", version="1.1")
    assert r.status_int == 200
    assert r.json_body_or_none == {"engines": []}


def test_every_handler_has_exactly_one_schema_of_each_kind_at_every_version_it_serves():
    """No gap nor overlap between a handler's per-version schemas: a gap answers a valid request
    with 'No response schema for microversion 1.N' (a renumbered version once left one)."""
    from vmove.api import routes

    problems = []
    for (method, path), handler in sorted(routes.api_routes().items()):
        for kind in routes.SCHEMA_ATTRS:
            choices = routes.schemas(handler, kind)
            if not choices:
                continue
            for version in microversion.VERSIONS:
                if not routes.exists_at(handler, version):
                    continue
                hits = [c for c in choices if routes._within(version, c[1], c[2])]
                if len(hits) != 1:
                    problems.append(f"{method} {path} {kind} at {version}: {len(hits)} schemas")
    assert not problems, "\n".join(problems)
