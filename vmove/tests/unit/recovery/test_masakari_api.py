"""Masakari's clients on vmove (specs/masakari-compatibility.rst): the ``instance-ha`` namespace on the
Masakari-shaped routes, and the Masakari fields of microversion 1.6. In process; the real clients run
against the real API in vmove/tests/functional/test_masakari_clients.py."""

import uuid

import pytest

from vmove.api import microversion
from vmove.objects.notification import host_uuid
from vmove.tests.unit.recovery.test_api import body, recovered  # noqa: F401 - the fixture

MV = "OpenStack-API-Version"
COMPAT = microversion.MASAKARI_COMPAT


def ha(version=None):
    """Headers of a Masakari client: ``instance-ha X.Y``, or none at all."""
    return {MV: f"instance-ha {version}"} if version else {}


def test_compat_version_is_a_vmove_version():
    assert COMPAT in microversion.VERSIONS
    assert microversion.MASAKARI_VERSIONS == ["1.0", "1.1", "1.2", "1.3"]


@pytest.mark.parametrize("version", [None, "1.0", "1.1", "1.3", "latest"])
def test_masakari_routes_answer_masakari_clients(api, recovered, version):  # noqa: F811
    n, made = recovered
    served = {None: "1.0", "latest": "1.3"}.get(version, version)
    for path in (
        "/v1/notifications",
        f"/v1/notifications/{n.uuid}",
        f"/v1/notifications/{n.uuid}/vmoves",
        f"/v1/notifications/{n.uuid}/vmoves/{made[0].uuid}",
    ):
        r = api.get(path, headers=ha(version))
        assert r.status_int == 200, (path, r.body)
        assert r.headers[MV] == f"instance-ha {served}", path
        assert "openstack-api-version" in r.headers["Vary"].lower()


def test_masakari_post_without_header(api, db):
    r = api.request("POST", "/v1/notifications", body=body())
    assert r.status_int == 202, r.body
    n = r.json_body_or_none["notification"]
    assert r.headers[MV] == "instance-ha 1.0"
    assert n["source_host_uuid"] == host_uuid("host3") and n["status"] == "new"


def test_masakari_versions_out_of_range_and_malformed(api, db):
    r = api.get("/v1/notifications", headers=ha("1.4"))
    assert r.status_int == 406
    message = r.json_body_or_none["notAcceptable"]["message"]
    assert message.startswith("Version 1.4 is not supported by the API. Minimum is 1.0 and maximum is 1.3")
    r = api.get("/v1/notifications", headers={MV: "instance-ha one"})
    assert r.status_int == 400 and "badRequest" in r.json_body_or_none


def test_vmove_routes_keep_their_gating(api, recovered):  # noqa: F811
    n, _ = recovered
    # vmove's own routes: instance-ha is not their namespace
    r = api.get("/v1/engines", headers=ha("1.3"))
    assert r.status_int == 404 and r.headers[MV] == "vmove 1.0"
    # the restore/retry action is vmove's own, under the Masakari prefix
    r = api.request("POST", f"/v1/notifications/{n.uuid}/action", body={"restore": None}, headers=ha("1.3"))
    assert r.status_int == 404 and "needs 1.3 or later" in r.json_body_or_none["itemNotFound"]["message"]
    # naming a vmove version is vmove's namespace, on the Masakari routes too
    r = api.get("/v1/notifications", headers={MV: "vmove 1.2, instance-ha 1.3"})  # both named: vmove's wins
    assert r.status_int == 404 and r.headers[MV] == "vmove 1.2"
    r = api.get("/v1/notifications", version="1.3")
    assert r.status_int == 200 and r.headers[MV] == "vmove 1.3"
    assert "source_host_uuid" not in r.json_body_or_none["notifications"][0]


def test_masakari_fields(api, recovered):  # noqa: F811
    n, made = recovered
    shown = api.get(f"/v1/notifications/{n.uuid}", headers=ha("1.1")).json_body_or_none["notification"]
    assert shown["source_host_uuid"] == host_uuid("host3")
    (step,) = shown["recovery_workflow_details"]
    assert (step["name"], step["state"], step["progress"]) == ("vmove-evacuation", "FAILURE", 1.0)
    assert step["progress_details"][0]["message"] == shown["message"]
    listed = api.get("/v1/notifications", headers=ha()).json_body_or_none["notifications"]
    assert "recovery_workflow_details" not in listed[0] and listed[0]["source_host_uuid"] == host_uuid("host3")
    vmoves = api.get(f"/v1/notifications/{n.uuid}/vmoves", headers=ha()).json_body_or_none["vmoves"]
    assert all((v["deleted"], v["deleted_at"]) == (False, None) for v in vmoves)
    # at vmove 1.6 too, and not before
    r = api.get(f"/v1/notifications/{n.uuid}/vmoves", version=COMPAT).json_body_or_none["vmoves"]
    assert r[0]["deleted"] is False
    r = api.get(f"/v1/notifications/{n.uuid}/vmoves", version="1.4").json_body_or_none["vmoves"]
    assert "deleted" not in r[0]


def test_restore_step(api, ctx, conf, recovered):  # noqa: F811
    n, _ = recovered
    api.request("POST", f"/v1/notifications/{n.uuid}/action", body={"restore": None}, version=COMPAT)
    shown = api.get(f"/v1/notifications/{n.uuid}", headers=ha("1.1")).json_body_or_none["notification"]
    assert [(s["name"], s["state"]) for s in shown["recovery_workflow_details"]] == [
        ("vmove-evacuation", "FAILURE"),
        ("vmove-restore", "PENDING"),
    ]


def test_masakari_order_filters_and_sort(api, recovered):  # noqa: F811
    n, made = recovered
    base = f"/v1/notifications/{n.uuid}/vmoves"

    def uuids(query="", headers=None, version=None):
        r = api.get(f"{base}?{query}", headers=headers if headers is not None else ha("1.3"), version=version)
        assert r.status_int == 200, r.body
        return [v["uuid"] for v in r.json_body_or_none["vmoves"]]

    newest_first = [m.uuid for m in reversed(made)]
    assert uuids() == newest_first  # Masakari's order
    assert uuids(version=COMPAT, headers={}) == [m.uuid for m in made]  # vmove's, unchanged
    assert uuids("status=failed") == [made[2].uuid]
    assert uuids("type=evacuation&status=succeeded") == [made[1].uuid, made[0].uuid]
    # masakariclient's --sort priority:asc,status:desc repeats the parameters: the first sorts
    assert uuids("sort_key=priority&sort_key=status&sort_dir=asc&sort_dir=desc") == newest_first
    assert uuids("sort_key=priority&sort_dir=desc") == [m.uuid for m in made]
    assert uuids(f"limit=1&marker={made[2].id}") == [made[1].uuid]
    # the notifications list filters by Masakari's host uuid
    listed = api.get(f"/v1/notifications?source_host_uuid={host_uuid('host3')}", headers=ha()).json_body_or_none
    assert [x["notification_uuid"] for x in listed["notifications"]] == [n.uuid]
    listed = api.get(f"/v1/notifications?source_host_uuid={host_uuid('host9')}", headers=ha()).json_body_or_none
    assert listed["notifications"] == []


def test_a_vmove_by_masakari_id(api, recovered):  # noqa: F811
    n, made = recovered
    r = api.get(f"/v1/notifications/{n.uuid}/vmoves/{made[1].id}", headers=ha("1.3"))
    assert r.status_int == 200 and r.json_body_or_none["vmove"]["uuid"] == made[1].uuid
    # still only under its notification; before 1.6 the id is no name
    other = api.request("POST", "/v1/notifications", body=body(hostname="host9")).json_body_or_none
    other_uuid = other["notification"]["notification_uuid"]
    assert api.get(f"/v1/notifications/{other_uuid}/vmoves/{made[1].id}", headers=ha()).status_int == 404
    assert api.get(f"/v1/notifications/{n.uuid}/vmoves/{made[1].id}", version="1.4").status_int == 404


def test_masakari_project_prefix(api, recovered):  # noqa: F811
    n, _ = recovered
    project = uuid.uuid4().hex
    mine = {"X-Project-Id": project, "X-Roles": "admin", "X-User-Id": "u"}
    r = api.get(f"/v1/{project}/notifications/{n.uuid}/vmoves", headers=mine)
    assert r.status_int == 200 and r.headers[MV] == "instance-ha 1.0"
    r = api.get(f"/v1/{uuid.uuid4().hex}/notifications", headers=mine)
    assert r.status_int == 400 and "not the project of the token" in r.json_body_or_none["badRequest"]["message"]


def test_masakari_policies(api, recovered):  # noqa: F811
    n, _ = recovered
    member = {"X-Project-Id": "p1", "X-Roles": "member,reader", "X-User-Id": "u1"}
    for path in ("/v1/notifications", f"/v1/notifications/{n.uuid}/vmoves"):
        r = api.get(path, headers=member)
        assert r.status_int == 403, path
        assert r.headers[MV] == "instance-ha 1.0"
    service = {"X-Project-Id": "service", "X-Roles": "service", "X-User-Id": "monitor"}
    r = api.request("POST", "/v1/notifications", body=body(hostname="host7"), headers=service)
    assert r.status_int == 202, r.body
