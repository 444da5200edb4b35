"""The commands' argument parsing and what they ask of the client (a fake one)."""

import argparse
import io
from unittest import mock

from keystoneauth1 import exceptions as ksa_exc
from osc_lib import exceptions
import pytest

from vmove.cli import base, common, engines, events, moves, notifications, plans, runs
from vmove.client import exceptions as client_exc
from vmove.tests.unit.cli.conftest import move, parse, run


def test_list_passes_every_filter(app):
    client = app.client_manager.vmove
    client.moves.list.return_value = [move("ongoing", 30, source_host="h1", dest_host=None)]
    argv = [
        "--status", "pending,ongoing", "--status", "failed", "--type", "evacuation",
        "--resource", "r1", "--resource-type", "instance", "--host", "h1", "--origin", "request:1",
        "--changes-since", "2026-11-24T10:00:00Z", "--sort", "priority:desc", "--limit", "5", "--marker", "m0",
    ]  # fmt: skip
    _, columns, data = run(moves.ListMove, app, argv)
    client.moves.list.assert_called_once_with(
        status=["pending", "ongoing", "failed"],
        move_type=["evacuation"],
        resource_type="instance",
        resource_id="r1",
        host="h1",
        origin="request:1",
        project_id=None,
        changes_since="2026-11-24T10:00:00Z",
        sort_key="priority",
        sort_dir="desc",
        limit=5,
        marker="m0",
    )
    assert columns == ("ID", "Type", "Resource ID", "Status", "Phase", "Progress", "Source Host", "Dest Host")
    (row,) = list(data)
    assert row[3:7] == ("ongoing", "queued", 30, "h1")


def test_list_defaults_and_long(app):
    client = app.client_manager.vmove
    client.moves.list.return_value = []
    _, columns, _ = run(moves.ListMove, app, ["--long"])
    kwargs = client.moves.list.call_args.kwargs
    assert kwargs["status"] == [] and kwargs["limit"] is None and kwargs["sort_key"] is None
    assert {"Resource Type", "Priority", "Origin", "Project ID", "Message"} <= set(columns)


def test_list_resolves_a_project_name(app):
    app.client_manager.vmove.moves.list.return_value = []
    with mock.patch.object(common, "resolve_project", return_value="p-id") as resolve:
        run(moves.ListMove, app, ["--project", "demo"])
    resolve.assert_called_once_with(app.client_manager, "demo")
    assert app.client_manager.vmove.moves.list.call_args.kwargs["project_id"] == "p-id"


@pytest.mark.parametrize(
    "cmd_class, filters",
    [
        (
            moves.ListMove,
            ("status", "move_type", "resource_id", "resource_type", "host", "origin", "project_id", "changes_since"),
        ),
        (notifications.ListNotification, ("status", "event", "hostname", "generated_since")),
        (notifications.ListNotificationVMove, ("status", "vmove_type", "filters")),
        (plans.ListPlan, ("name", "project_id")),
        (runs.ListRun, ("plan_id", "status", "dry_run", "project_id")),  # --dry-run/--no-dry-run: a group, one dest
        (runs.ListRunMove, ("status",)),
    ],
)
def test_list_filters_are_the_options_add_filters_adds(app, cmd_class, filters):
    cmd = cmd_class(app, None)
    cmd.get_parser("openstack vmove")
    assert cmd.filter_names == filters


def test_recorder_records_what_is_added_through_it_and_its_groups():
    parser = argparse.ArgumentParser(prog="p")
    parser.add_argument("--before")
    recorder = base.Recorder(parser)
    recorder.add_argument("--one")
    group = recorder.add_argument_group("g")
    group.add_argument("--two", dest="second")
    either = group.add_mutually_exclusive_group()
    either.add_argument("--yes", action="store_true", dest="answer")
    either.add_argument("--no", action="store_false", dest="answer")
    recorder.set_defaults(three=3)  # anything else is the parser's
    parser.add_argument("--after")
    assert recorder.dests == ["one", "second", "answer", "answer"]
    assert recorder.prog == "p"
    assert vars(parser.parse_args(["--two", "2", "--no"])) == {
        "before": None,
        "one": None,
        "second": "2",
        "answer": False,
        "after": None,
        "three": 3,
    }
    with pytest.raises(SystemExit):
        parser.parse_args(["--yes", "--no"])


@pytest.mark.parametrize(
    "argv", [["--sort", "priority:up"], ["--limit", "0"], ["--limit", "x"], ["--resource-type", "vm"]]
)
def test_list_refuses_bad_options(app, argv, capsys):
    with pytest.raises(SystemExit):
        parse(moves.ListMove, app, argv)
    assert "error" in capsys.readouterr().err


def test_show_puts_known_fields_first_and_keeps_new_ones(app):
    body = move(params={"host": "h2"}, links=[{"rel": "self"}], added_in_1_9="x")
    app.client_manager.vmove.moves.get.return_value = body
    _, names, values = run(moves.ShowMove, app, [body["uuid"]])
    assert names[:3] == ("uuid", "resource_type", "resource_id")
    assert names[-1] == "added_in_1_9" and "links" not in names
    assert values[names.index("params")].human_readable() == "host='h2'"


def test_event_list_and_engine_list(app):
    client = app.client_manager.vmove
    client.moves.events.return_value = [
        {"id": 1, "at": "t", "from_phase": None, "to_phase": "queued", "from_status": None, "status": "pending",
         "attempt": 1, "message": "requested", "detail": {"nova_migration": 7}}
    ]  # fmt: skip
    _, columns, data = run(events.ListMoveEvent, app, ["m-1", "--long"])
    assert columns[-1] == "Detail" and list(data)[0][-1].human_readable() == "nova_migration='7'"
    client.moves.events.assert_called_once_with("m-1")
    client.engines.list.return_value = []
    _, columns, _ = run(engines.ListEngine, app, [])
    assert columns == ("ID", "Host", "Topic", "PID", "Version", "State", "Started At", "Last Heartbeat", "Stopped At")


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--instance", "i1"], ("instance", "i1", "live_migration", {})),
        (
            ["--instance", "i1", "--host", "h2", "--block-migration", "false", "--priority", "3"],
            ("instance", "i1", "live_migration", {"host": "h2", "block_migration": False}),
        ),
        (
            ["--instance", "i1", "--type", "evacuation", "--host", "h2"],
            ("instance", "i1", "evacuation", {"host": "h2"}),
        ),
        (
            ["--instance", "i1", "--type", "resize", "--flavor", "m1.small"],
            ("instance", "i1", "resize", {"flavor": "m1.small"}),
        ),
        (["--volume", "v1"], ("volume", "v1", "volume_migration", {})),
        (
            ["--volume", "v1", "--migration-type", "retype", "--destination-type", "fast"],
            ("volume", "v1", "volume_retype", {"migration_type": "retype", "destination_type": "fast"}),
        ),
        (
            ["--volume", "v1", "--migration-type", "swap", "--destination-node", "c@lvm#p"],
            ("volume", "v1", "volume_swap", {"migration_type": "swap", "destination_node": "c@lvm#p"}),
        ),
    ],
)
def test_create_builds_the_request(app, argv, expected):
    client = app.client_manager.vmove
    client.moves.create.return_value = move()
    cmd, _, _ = run(moves.CreateMove, app, argv)
    resource_type, resource_id, move_type, params = expected
    priority = 3 if "--priority" in argv else None
    client.moves.create.assert_called_once_with(resource_type, resource_id, move_type, params=params, priority=priority)
    client.wait_for_moves.assert_not_called()
    assert cmd.exit_status == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--instance", "i1", "--type", "volume_swap"], "A move of instance is one of live_migration"),
        (["--volume", "v1", "--type", "evacuation"], "A move of volume is one of volume_migration"),
        (["--volume", "v1", "--host", "h"], "--host cannot be used with a volume_migration of volume."),
        (["--instance", "i1", "--destination-type", "t"], "--destination-type cannot be used with a live_migration"),
        (["--instance", "i1", "--type", "cold_migration", "--block-migration", "auto"], "--block-migration cannot"),
        (["--instance", "i1", "--type", "resize"], "A resize needs --flavor (the new flavor)."),
        (["--instance", "i1", "--flavor", "m1.small"], "--flavor cannot be used with a live_migration"),
    ],
)
def test_create_refuses_options_that_clash(app, argv, message):
    with pytest.raises(exceptions.CommandError) as e:
        run(moves.CreateMove, app, argv)
    assert message in str(e.value)
    app.client_manager.vmove.moves.create.assert_not_called()


def test_create_needs_one_resource(app, capsys):
    for argv in ([], ["--instance", "i", "--volume", "v"]):
        with pytest.raises(SystemExit):
            parse(moves.CreateMove, app, argv)


def test_create_wait_exits_1_and_says_why(app):
    client = app.client_manager.vmove
    created = move()
    failed = dict(created, status="failed", message="No valid host was found.")
    client.moves.create.return_value = created
    client.wait_for_moves.return_value = [failed]
    cmd, names, values = run(moves.CreateMove, app, ["--instance", "i1", "--wait", "--poll-interval", "0.5"])
    assert values[names.index("status")] == "failed"
    assert cmd.exit_status == 1
    assert client.wait_for_moves.call_args.kwargs == {"interval": 0.5, "timeout": None}
    assert f"Move {created['uuid']} (live_migration of instance {created['resource_id']}) failed: No valid host" in (
        app.stderr.getvalue()
    )


def test_cancel_goes_on_after_a_refusal_then_fails(app):
    client = app.client_manager.vmove
    ok = move()
    client.moves.cancel.side_effect = [ok, client_exc.Conflict("Move m-2 has already ended (succeeded).", code=409)]
    with pytest.raises(exceptions.CommandError, match="1 of 2 moves could not be cancelled"):
        run_cancel(app, [ok["uuid"], "m-2"])
    assert "Failed to cancel move m-2: Move m-2 has already ended (succeeded). (HTTP 409)" in app.stderr.getvalue()


def run_cancel(app, argv):
    cmd, parsed = parse(moves.CancelMove, app, argv)
    cmd.take_action(parsed)
    return cmd


def test_cancel_wait_expects_cancelled(app):
    client = app.client_manager.vmove
    a, b = move(), move()
    client.moves.cancel.side_effect = [a, b]
    client.wait_for_moves.return_value = [dict(a, status="cancelled"), dict(b, status="succeeded", message="done")]
    cmd = run_cancel(app, [a["uuid"], b["uuid"], "--wait"])
    assert cmd.exit_status == 1
    assert client.wait_for_moves.call_args.args[0] == [a, b]
    assert app.stderr.getvalue().count("Move ") == 1 and "succeeded: done" in app.stderr.getvalue()


def test_wait_lists_the_final_moves(app):
    client = app.client_manager.vmove
    client.wait_for_moves.return_value = [move("succeeded", 100), move("succeeded", 100)]
    cmd, columns, data = run(moves.WaitMove, app, ["m-1", "m-2", "--wait-timeout", "30"])
    assert cmd.exit_status == 0 and len(list(data)) == 2
    assert client.wait_for_moves.call_args.args[0] == ["m-1", "m-2"]
    assert client.wait_for_moves.call_args.kwargs["timeout"] == 30


def test_exit_status_reaches_cliff(app):
    client = app.client_manager.vmove
    client.wait_for_moves.return_value = [move("ignored", message="no room")]
    cmd, parsed = parse(moves.WaitMove, app, ["m-1", "-f", "value"])
    cmd.app.stdout = io.StringIO()
    with mock.patch.object(cmd, "produce_output"):
        assert cmd.run(parsed) == 1


class FakeResponse:
    def __init__(self, ok, projects=()):
        self.ok = ok
        self._projects = list(projects)

    def json(self):
        return {"projects": self._projects}


def client_manager(response):
    cm = mock.Mock()
    cm.auth_ref.project_id, cm.auth_ref.project_name = "own-id", "own"
    cm.session.get.return_value = response
    return cm


def test_resolve_project():
    assert common.resolve_project(client_manager(None), "own") == "own-id"
    cm = client_manager(FakeResponse(True, [{"id": "demo-id"}]))
    assert common.resolve_project(cm, "demo") == "demo-id"
    assert cm.session.get.call_args.kwargs["params"] == {"name": "demo"}
    # not allowed to list projects, or no such name: the value is an ID
    assert common.resolve_project(client_manager(FakeResponse(False)), "abc123") == "abc123"
    assert common.resolve_project(client_manager(FakeResponse(True)), "abc123") == "abc123"
    with pytest.raises(exceptions.CommandError, match="More than one project is named 'twin'"):
        common.resolve_project(client_manager(FakeResponse(True, [{"id": 1}, {"id": 2}])), "twin")
    # no Keystone to ask, or Keystone cannot be reached
    no_auth = client_manager(None)
    no_auth.auth_ref = None
    assert common.resolve_project(no_auth, "demo") == "demo"
    no_auth.session.get.assert_not_called()
    unreachable = client_manager(None)
    unreachable.session.get.side_effect = ksa_exc.EndpointNotFound()
    assert common.resolve_project(unreachable, "demo") == "demo"
