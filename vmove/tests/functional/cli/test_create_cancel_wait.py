"""``openstack vmove create|cancel|wait`` (API 1.2), and --wait's progress and exit status.

No engine runs here: the test plays the engine, moving the rows along in
the database while the command polls the API.
"""

import json
import uuid

import pytest

from vmove import context as vmove_context
from vmove.moves import queries as move_queries
from vmove.tests import fixtures as vfixtures

pytestmark = pytest.mark.keystone

FAST = ("--poll-interval", "0.2", "--wait-timeout", "60")


def advance(move_uuid, phase, status, progress=None, message=None):
    values = {"phase": phase, "status": status}
    if progress is not None:
        values["progress"] = progress
    if message is not None:
        values["message"] = message
    move_queries.write_transition(vmove_context.get_admin_context(), move_uuid, values, {"message": message})


class Watch:
    """A running ``--wait`` command, its progress lines read as they come."""

    def __init__(self, proc):
        self.proc = proc
        self.lines = []

    def until(self, text) -> str:
        """Read progress lines up to the first one showing ``text`` (the command has seen that state)."""
        while True:
            line = self.proc.stderr.readline()
            assert line, f"the command ended before showing {text!r}: {self.lines} {self.proc.communicate()}"
            self.lines.append(line)
            if text in line:
                return line

    def finish(self, timeout=60):
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, "".join(self.lines) + err


def only_move_of(resource_id):
    (move,) = move_queries.get_all(vmove_context.get_admin_context(), {"resource_id": resource_id})
    return move


def test_create_then_cancel(openstack, projects):
    instance = str(uuid.uuid4())
    created = openstack.json(
        "vmove", "create", "--instance", instance, "--host", "host2", "--priority", "7", user="demo"
    )
    assert (created["status"], created["phase"], created["type"]) == ("pending", "queued", "live_migration")
    assert created["resource_id"] == instance and created["priority"] == 7
    assert created["params"] == {"host": "host2"} and created["project_id"] == projects["demo"]

    again = openstack("vmove", "create", "--instance", instance, user="demo")
    assert again.returncode == 1
    assert f"already has move {created['uuid']}" in again.stderr and "(HTTP 409)" in again.stderr

    cancel = openstack("vmove", "cancel", created["uuid"], user="demo")
    assert (cancel.returncode, cancel.stdout) == (0, "")
    assert openstack.json("vmove", "show", created["uuid"], user="demo")["status"] == "cancelled"

    twice = openstack("vmove", "cancel", created["uuid"], user="demo")
    assert twice.returncode == 1
    assert (
        f"Failed to cancel move {created['uuid']}: Move {created['uuid']} has already ended (cancelled). (HTTP 409)"
        in twice.stderr
    )
    assert "1 of 1 moves could not be cancelled." in twice.stderr


def test_create_volume_moves(openstack):
    volume = str(uuid.uuid4())
    args = ("--volume", volume, "--migration-type", "migrate", "--destination-node", "cinder@lvm2#pool")
    created = openstack.json("vmove", "create", *args, user="demo")
    assert (created["resource_type"], created["type"], created["status"]) == ("volume", "volume_migration", "pending")
    assert created["params"] == {"migration_type": "migrate", "destination_node": "cinder@lvm2#pool"}
    retype = openstack.json(
        "vmove", "create", "--volume", str(uuid.uuid4()), "--migration-type", "retype", "--destination-type", "fast"
    )
    assert retype["type"] == "volume_retype" and retype["params"]["destination_type"] == "fast"
    for argv, message in (
        (["--volume", volume], "migration_type is required for a volume_migration"),
        (
            ["--volume", str(uuid.uuid4()), "--migration-type", "retype"],
            "destination type is required when migration type is retype",
        ),
    ):
        refused = openstack("vmove", "create", *argv, user="demo")
        assert refused.returncode == 1 and message in refused.stderr and "(HTTP 400)" in refused.stderr


def test_create_refusals_show_the_apis_message(openstack):
    bad = openstack("vmove", "create", "--instance", str(uuid.uuid4()), "--priority", "99999999", user="demo")
    assert bad.returncode == 1 and "(HTTP 400)" in bad.stderr and "99999999" in bad.stderr
    clash = openstack("vmove", "create", "--volume", "v1", "--host", "h1", user="demo")
    assert clash.returncode == 1
    assert "--host cannot be used with a volume_migration of volume." in clash.stderr
    old = openstack("--os-vmove-api-version", "1.1", "vmove", "create", "--instance", "i1", user="demo")
    assert old.returncode == 1
    assert "this command needs API version 1.2 or later; version 1.1 was asked for" in old.stderr


def test_create_wait_shows_progress_and_succeeds(openstack):
    instance = str(uuid.uuid4())
    cmd = Watch(openstack.start("vmove", "create", "--instance", instance, "--wait", *FAST, "-f", "json", user="demo"))
    first = cmd.until("pending, phase queued")
    assert first.startswith(
        f"[........................]   0%  pending, phase queued (live_migration of instance {instance})"
    )
    m = only_move_of(instance)
    advance(m.uuid, "starting", "ongoing", 10)
    advance(m.uuid, "running", "ongoing", 55)
    cmd.until(" 55%  ongoing, phase running ")
    advance(m.uuid, "succeeded", "succeeded", 100)
    code, out, err = cmd.finish()
    assert code == 0, err
    assert err.splitlines()[-1].startswith("[########################] 100%  succeeded, phase succeeded")
    assert json.loads(out)["status"] == "succeeded"


def test_create_wait_fails_with_the_moves_message(openstack):
    instance = str(uuid.uuid4())
    cmd = Watch(openstack.start("vmove", "create", "--instance", instance, "--wait", *FAST, user="demo"))
    cmd.until("pending, phase queued")
    m = only_move_of(instance)
    advance(m.uuid, "starting", "ongoing", 10)
    advance(m.uuid, "failed", "failed", message="No valid host was found. There are not enough hosts available.")
    code, out, err = cmd.finish()
    assert code == 1
    assert (
        f"Move {m.uuid} (live_migration of instance {instance}) failed: No valid host was found. "
        "There are not enough hosts available." in err
    )
    assert "| status         | failed" in out


def test_cancel_wait_for_a_live_migration_under_way(openstack, projects):
    m = vfixtures.make_move(project_id=projects["demo"], status="ongoing", phase="running", progress=30)
    cmd = Watch(openstack.start("vmove", "cancel", m.uuid, "--wait", *FAST, user="demo"))
    cmd.until("ongoing, phase aborting")
    advance(m.uuid, "cancelled", "cancelled", message="Aborted on request.")
    code, out, err = cmd.finish()
    assert code == 0, err
    assert out == "" and "cancelled, phase cancelled" in err


def test_wait_for_several_moves(openstack, projects):
    p = projects["demo"]
    a, b, c = (vfixtures.make_move(project_id=p, status="ongoing", phase="running", progress=20) for _ in range(3))
    cmd = Watch(openstack.start("vmove", "wait", a.uuid, b.uuid, c.uuid, *FAST, "-f", "json", user="demo"))
    assert cmd.until("0/3 ended").startswith("[####....................]  20%  0/3 ended: 3 ongoing")
    advance(a.uuid, "succeeded", "succeeded", 100)
    cmd.until("1/3 ended: 2 ongoing, 1 succeeded")
    advance(b.uuid, "ignored", "ignored", message="No room on any host.")
    advance(c.uuid, "succeeded", "succeeded", 100)
    code, out, err = cmd.finish()
    assert code == 1
    assert "3/3 ended: 2 succeeded, 1 ignored" in err.splitlines()[-2]
    assert (
        err.splitlines()[-1]
        == f"Move {b.uuid} (live_migration of instance {b.resource_id}) ignored: No room on any host."
    )
    final = {row["ID"]: row["Status"] for row in json.loads(out)}
    assert final == {a.uuid: "succeeded", b.uuid: "ignored", c.uuid: "succeeded"}


def test_wait_timeout(openstack, projects):
    m = vfixtures.make_move(project_id=projects["demo"], status="ongoing", phase="running")
    result = openstack("vmove", "wait", m.uuid, "--wait-timeout", "1", "--poll-interval", "0.3", user="demo")
    assert result.returncode == 1
    assert f"1 of 1 moves had not ended after 1 s: {m.uuid}" in result.stderr
