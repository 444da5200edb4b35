"""``openstack vmove list|show|event list`` as a user runs them: real HTTP, real Keystone tokens."""

import pytest

from vmove import context as vmove_context
from vmove.engine import heartbeat
from vmove.moves import queries as move_queries
from vmove.tests import fixtures as vfixtures

pytestmark = pytest.mark.keystone


def test_list_and_show_as_table_and_json(openstack, projects):
    m = vfixtures.make_move(project_id=projects["demo"], status="ongoing", phase="migrating", progress=40)
    table = openstack("vmove", "list", user="demo")
    assert table.returncode == 0, table.stderr
    header = table.stdout.splitlines()[1]
    for title in ("ID", "Type", "Resource ID", "Status", "Phase", "Progress", "Source Host", "Dest Host"):
        assert f" {title} " in header
    assert m.uuid in table.stdout and "migrating" in table.stdout

    (row,) = openstack.json("vmove", "list", user="demo")
    assert row["ID"] == m.uuid and row["Status"] == "ongoing" and row["Progress"] == 40

    shown = openstack.json("vmove", "show", m.uuid, user="demo")
    assert shown["uuid"] == m.uuid and shown["project_id"] == projects["demo"] and shown["phase"] == "migrating"
    assert "links" not in shown

    value = openstack("vmove", "show", m.uuid, "-f", "value", "-c", "status", "-c", "progress", user="demo")
    assert value.stdout.split() == ["ongoing", "40"]
    yaml = openstack("vmove", "list", "-f", "yaml", "--long", user="demo")
    assert f"ID: {m.uuid}" in yaml.stdout and "Origin: request:" in yaml.stdout
    csv = openstack("vmove", "list", "-f", "csv", "-c", "ID", "-c", "Status", user="demo")
    assert csv.stdout.splitlines() == ['"ID","Status"', f'"{m.uuid}","ongoing"']


def test_each_user_sees_their_project_and_an_admin_any(openstack, projects):
    demo = vfixtures.make_move(project_id=projects["demo"])
    alt = vfixtures.make_move(project_id=projects["alt"])
    ids = {user: {r["ID"] for r in openstack.json("vmove", "list", user=user)} for user in ("demo", "alt", "admin")}
    assert ids == {"demo": {demo.uuid}, "alt": {alt.uuid}, "admin": {demo.uuid, alt.uuid}}
    # --project by name (resolved in Keystone) and by ID
    assert [r["ID"] for r in openstack.json("vmove", "list", "--project", "alt")] == [alt.uuid]
    assert [r["ID"] for r in openstack.json("vmove", "list", "--project", projects["demo"])] == [demo.uuid]
    refused = openstack("vmove", "list", "--project", projects["alt"], user="demo")
    assert refused.returncode == 1
    assert "Policy does not allow vmove:move:get_all:all_projects to be performed. (HTTP 403)" in refused.stderr
    hidden = openstack("vmove", "show", alt.uuid, user="demo")
    assert hidden.returncode == 1 and f"{alt.uuid}" in hidden.stderr and "(HTTP 404)" in hidden.stderr


def test_filters(openstack, projects):
    p = projects["demo"]
    make = vfixtures.make_move
    a = make(project_id=p, status="pending", type="live_migration", source_host="h1", priority=1)
    b = make(project_id=p, status="ongoing", type="cold_migration", source_host="h2", priority=5)
    c = make(project_id=p, status="failed", type="evacuation", source_host="h1", priority=3)
    d = make(
        project_id=p, status="succeeded", resource_type="volume", type="volume_retype", source_host="c@lvm", priority=2
    )

    def ids(*args):
        return [r["ID"] for r in openstack.json("vmove", "list", *args, user="demo")]

    assert ids("--status", "pending", "--status", "failed") == [a.uuid, c.uuid]
    assert ids("--status", "ongoing,succeeded") == [b.uuid, d.uuid]
    assert ids("--type", "evacuation") == [c.uuid]
    assert ids("--resource-type", "volume") == [d.uuid]
    assert ids("--resource", b.resource_id) == [b.uuid]
    assert ids("--host", "h1") == [a.uuid, c.uuid]
    assert ids("--origin", c.origin) == [c.uuid]
    assert ids("--sort", "priority:desc") == [b.uuid, c.uuid, d.uuid, a.uuid]
    assert ids("--sort", "priority") == [a.uuid, d.uuid, c.uuid, b.uuid]
    assert ids("--changes-since", "2999-01-01T00:00:00Z") == []
    assert len(ids("--changes-since", "2000-01-01T00:00:00Z")) == 4


def test_pages_are_followed_and_limit_and_marker_work(openstack, projects):
    # the test API's [api] max_limit is 50, its default page 100 -> 50
    made = [vfixtures.make_move(project_id=projects["demo"]).uuid for _ in range(57)]
    assert [r["ID"] for r in openstack.json("vmove", "list", user="demo")] == made
    assert [r["ID"] for r in openstack.json("vmove", "list", "--limit", "5", user="demo")] == made[:5]
    after = openstack.json("vmove", "list", "--limit", "3", "--marker", made[50], user="demo")
    assert [r["ID"] for r in after] == made[51:54]
    too_many = openstack("vmove", "list", "--limit", "51", user="demo")
    assert too_many.returncode == 1
    assert "Invalid query parameter 'limit': 51 is more than the maximum of 50. (HTTP 400)" in too_many.stderr


def test_events(openstack, projects):
    m = vfixtures.make_move(project_id=projects["demo"])
    ctx = vmove_context.get_admin_context()
    move_queries.write_transition(
        ctx, m.uuid, {"status": "ongoing", "phase": "migrating"}, {"message": "started", "detail": {"migration": 7}}
    )
    events = openstack.json("vmove", "event", "list", m.uuid, "--long", user="demo")
    assert [(e["To Phase"], e["Status"], e["Message"]) for e in events] == [
        ("queued", "pending", "requested"),
        ("migrating", "ongoing", "started"),
    ]
    assert events[1]["From Phase"] == "queued" and events[1]["Detail"] == {"migration": 7}
    table = openstack("vmove", "event", "list", m.uuid, user="demo")
    assert "Detail" not in table.stdout and "started" in table.stdout


def test_errors_show_the_apis_message(openstack):
    unknown = "8d5c0a55-5df0-4bbf-9e5e-5e7d0e0c6c2b"
    for args in (("vmove", "show", unknown), ("vmove", "event", "list", unknown)):
        result = openstack(*args, user="demo")
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.strip().endswith(f"Move {unknown} could not be found. (HTTP 404)")
    bad = openstack("vmove", "list", "--status", "sleeping", user="demo")
    assert bad.returncode == 1 and "(HTTP 400)" in bad.stderr and "sleeping" in bad.stderr
    usage = openstack("vmove", "list", "--sort", "priority:sideways", user="demo")
    assert usage.returncode == 2 and "sort direction must be asc or desc" in usage.stderr


def test_engine_list_is_for_admins_and_needs_1_1(openstack):
    ctx = vmove_context.get_admin_context()
    heartbeat.beat(ctx, "5b0f4a4e-2b7c-4cf4-9d2d-8a1a3c0a8a11", "node-1", "vmove-engine", pid=4242)
    (engine,) = openstack.json("vmove", "engine", "list")
    assert (engine["Host"], engine["PID"], engine["State"]) == ("node-1", 4242, "up")
    refused = openstack("vmove", "engine", "list", user="demo")
    assert refused.returncode == 1
    assert "Policy does not allow vmove:engine:get_all to be performed. (HTTP 403)" in refused.stderr
    old = openstack("--os-vmove-api-version", "1.0", "vmove", "engine", "list")
    assert old.returncode == 1
    assert "this command needs API version 1.1 or later; version 1.0 was asked for" in old.stderr
