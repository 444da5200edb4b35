"""``openstack vmove notification ...`` (API 1.3) against the API behind real Keystone.

No engine runs here: a notification stays new; what is checked is what the
commands send and show, and the API's refusals.
"""

import uuid

import pytest

pytestmark = pytest.mark.keystone


def test_notification_commands(openstack):
    host = f"cli-{uuid.uuid4().hex[:8]}"
    created = openstack.json(
        "vmove", "notification", "create", host, "--generated-time", "2026-11-24T10:00:00Z", "--host-status", "UNKNOWN"
    )
    assert (created["hostname"], created["type"], created["status"]) == (host, "COMPUTE_HOST", "new")
    assert created["payload"] == {"event": "STOPPED", "host_status": "UNKNOWN"}
    assert created["generated_time"].startswith("2026-11-24T10:00:00")
    assert "uuid" not in created and "links" not in created
    nid = created["notification_uuid"]

    again = openstack.json("vmove", "notification", "create", host)
    assert again["notification_uuid"] == nid  # the same host and event: that one

    (listed,) = openstack.json("vmove", "notification", "list", "--hostname", host, "--status", "new,running")
    assert (listed["Notification Uuid"], listed["Status"], listed["Payload"]["event"]) == (nid, "new", "STOPPED")

    table = openstack("vmove", "notification", "show", nid)
    assert table.returncode == 0 and nid in table.stdout and "vmoves_summary" in table.stdout

    assert openstack.json("vmove", "notification", "vmove", "list", nid, "--filters", "status=failed") == []

    unknown = str(uuid.uuid4())
    missing = openstack("vmove", "notification", "vmove", "show", nid, unknown)
    assert missing.returncode == 1 and "(HTTP 404)" in missing.stderr and unknown in missing.stderr

    refused = openstack("vmove", "notification", "create", host, user="demo")
    assert refused.returncode == 1
    assert "Policy does not allow vmove:notification:create to be performed. (HTTP 403)" in refused.stderr

    old = openstack("--os-vmove-api-version", "1.2", "vmove", "notification", "list")
    assert old.returncode == 1
    assert "this command needs API version 1.3 or later; version 1.2 was asked for" in old.stderr
