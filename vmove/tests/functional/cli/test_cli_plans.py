"""``openstack vmove plan ...`` and ``vmove run ...`` (API 1.4) against the API behind real Keystone.

No engine runs here: a run stays validating; what is checked is what the
commands send and show, and the API's refusals.
"""

import uuid

import pytest

from vmove import context as vmove_context
from vmove.plans import queries as plan_queries

pytestmark = pytest.mark.keystone


def test_plan_commands(openstack, projects, tmp_path):
    i1, i2, v1 = (str(uuid.uuid4()) for _ in range(3))
    spec = tmp_path / "plan.yaml"
    spec.write_text(
        "description: from a file\n"
        "items:\n"
        f"  - {{resource_type: instance, resource_id: {i1}, type: live_migration, priority: 2}}\n"
        "mapping:\n"
        "  hosts: {h1: h2}\n"
        "window: {not_before: '2026-11-24T22:00:00Z'}\n"
    )
    plan = openstack.json(
        "vmove", "plan", "create", "night", "--file", str(spec), "--instance", f"{i2}:cold_migration:5",
        "--host-map", "h3=any", "--max-in-flight", "3", "--approval", "manual", user="demo",
    )  # fmt: skip
    pid = plan["uuid"]
    assert (plan["name"], plan["description"], plan["approval"], plan["item_count"]) == (
        "night", "from a file", "manual", 2,
    )  # fmt: skip
    assert plan["mapping"]["hosts"] == {"h1": "h2", "h3": "any"} and plan["limits"]["max_in_flight"] == 3
    assert plan["window"]["not_before"].startswith("2026-11-24T22:00:00")
    assert [(i["resource_id"], i["type"], i["priority"]) for i in plan["items"]] == [
        (i1, "live_migration", 2),
        (i2, "cold_migration", 5),
    ]
    assert plan["project_id"] == projects["demo"]

    changed = openstack.json(
        "vmove", "plan", "set", pid, "--name", "weekend", "--host-map", "h1=h9", "--per-source-host", "2", user="demo"
    )
    assert changed["name"] == "weekend" and changed["mapping"]["hosts"] == {"h1": "h9", "h3": "any"}
    assert (changed["limits"]["max_in_flight"], changed["limits"]["per_source_host"]) == (3, 2)

    added = openstack.json("vmove", "plan", "item", "add", pid, "--volume", v1, user="demo")
    assert [(i["Resource ID"], i["Type"], i["Migration Status"]) for i in added][-1] == (
        v1, "volume_migration", "planned",
    )  # fmt: skip
    removed = openstack.json("vmove", "plan", "item", "remove", pid, i1, user="demo")
    assert [i["Resource ID"] for i in removed] == [i2, v1]

    (listed,) = openstack.json("vmove", "plan", "list", "--name", "weekend", user="demo")
    assert (listed["ID"], listed["Item Count"]) == (pid, 2)
    assert openstack.json("vmove", "plan", "list", "--name", "weekend", user="alt") == []

    table = openstack("vmove", "plan", "show", pid, user="demo")
    assert table.returncode == 0 and "weekend" in table.stdout and v1 in table.stdout

    dry = openstack.json("vmove", "plan", "run", pid, "--dry-run", user="demo")
    assert (dry["plan_uuid"], dry["dry_run"], dry["status"]) == (pid, True, "validating")
    (run,) = openstack.json("vmove", "run", "list", "--plan", pid, user="demo")
    assert (run["ID"], run["Dry Run"], run["Status"]) == (dry["uuid"], True, "validating")

    approve = openstack("vmove", "run", "approve", dry["uuid"], user="demo")
    assert (approve.returncode, approve.stdout) == (1, "")
    assert approve.stderr.strip() == (
        f"Run {dry['uuid']} is still being validated; it can be approved once it awaits approval. (HTTP 409)"
    )

    busy = openstack("vmove", "plan", "delete", pid, user="demo")
    assert busy.returncode == 1 and "(HTTP 409)" in busy.stderr and dry["uuid"] in busy.stderr
    assert "1 of 1 plans could not be deleted." in busy.stderr

    cancelled = openstack.json("vmove", "run", "cancel", dry["uuid"], user="demo")
    assert cancelled["status"] in ("cancelled", "cancelling")
    shown = openstack.json("vmove", "run", "show", dry["uuid"], user="demo")
    assert shown["status"] == cancelled["status"] and "items" in shown

    # a run the engine would have validated: awaiting approval, then denied
    real = openstack.json("vmove", "plan", "run", pid, user="demo")
    assert (real["dry_run"], real["approval"]) == (False, "manual")
    plan_queries.run_update(vmove_context.get_admin_context(), real["uuid"], {"status": "awaiting_approval"})
    denied = openstack.json("vmove", "run", "deny", real["uuid"], "--reason", "not tonight", user="demo")
    assert denied["status"] == "denied" and "not tonight" in (denied["message"] or "")

    deleted = openstack("vmove", "plan", "delete", pid, user="demo")
    assert (deleted.returncode, deleted.stdout) == (0, ""), deleted.stderr
    gone = openstack("vmove", "plan", "show", pid, user="demo")
    assert gone.returncode == 1 and pid in gone.stderr and "(HTTP 404)" in gone.stderr
