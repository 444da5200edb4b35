"""The notification, plan and run commands' parsing, what they ask of the client (a fake one), and --wait."""

from osc_lib import exceptions
import pytest

from vmove.cli import notifications, plans, runs
from vmove.tests.unit.cli.conftest import move, run_cmd

P = "21111111-2222-4333-8444-555555555555"
R = "31111111-2222-4333-8444-555555555555"


def test_plan_create_from_options_and_a_yaml_file(app, tmp_path):
    spec = tmp_path / "plan.yaml"
    spec.write_text("plan:\n  items:\n    - {resource_type: volume, resource_id: v1, type: volume_retype}\n"
                    "  mapping: {volume_types: {old: new}}\n  limits: {per_backend: 1}\n")  # fmt: skip
    client = app.client_manager.vmove
    client.plans.create.return_value = {"uuid": P, "name": "n", "items": [], "mapping": {}}
    argv = ["n", "--file", str(spec), "--instance", "i1", "--instance", "i2:cold_migration:-3",
            "--host-map", "a=b", "--max-in-flight", "4", "--not-after", "2026-11-25T06:00:00Z"]  # fmt: skip
    _, (names, values) = run_cmd(plans.CreatePlan, app, argv)
    client.plans.create.assert_called_once_with(
        "n",
        items=[
            {"resource_type": "volume", "resource_id": "v1", "type": "volume_retype"},
            {"resource_type": "instance", "resource_id": "i1", "type": "live_migration"},
            {"resource_type": "instance", "resource_id": "i2", "type": "cold_migration", "priority": -3},
        ],
        mapping={"hosts": {"a": "b"}, "volume_types": {"old": "new"}, "backends": {}},
        limits={"per_backend": 1, "max_in_flight": 4},
        window={"not_after": "2026-11-25T06:00:00Z"},
    )
    assert names[:2] == ("uuid", "name")


@pytest.mark.parametrize(
    "content, message",
    [("colour: blue\n", "not a field of a plan: colour"), ("[1, 2", "neither JSON nor YAML"), ("42", "an object")],
)
def test_plan_file_errors(app, tmp_path, content, message):
    spec = tmp_path / "plan.json"
    spec.write_text(content)
    with pytest.raises(exceptions.CommandError, match=message):
        run_cmd(plans.CreatePlan, app, ["n", "--file", str(spec)])


@pytest.mark.parametrize("argv", [["n", "--host-map", "a"], ["n", "--instance", ":x"], ["n", "--approval", "x"]])
def test_plan_create_bad_options(app, argv):
    with pytest.raises(SystemExit):
        plans.CreatePlan(app, None).get_parser("openstack vmove").parse_args(argv)


def test_plan_set_merges_mapping_and_limits(app):
    client = app.client_manager.vmove
    client.plans.get.return_value = {"mapping": {"hosts": {"a": "b"}}, "limits": {"max_in_flight": 2}, "window": {}}
    client.plans.update.return_value = {"uuid": P}
    run_cmd(plans.SetPlan, app, [P, "--host-map", "c=any", "--per-dest-host", "1", "--approval", "auto"])
    client.plans.update.assert_called_once_with(
        P,
        approval="auto",
        mapping={"hosts": {"a": "b", "c": "any"}, "volume_types": {}, "backends": {}},
        limits={"max_in_flight": 2, "per_dest_host": 1},
    )
    with pytest.raises(exceptions.CommandError, match="Nothing to change"):
        run_cmd(plans.SetPlan, app, [P])


def test_plan_items_add_and_remove(app):
    client = app.client_manager.vmove
    item = {"uuid": "it1", "resource_type": "instance", "resource_id": "i1", "type": "live_migration",
            "priority": 0, "migration_status": "planned", "attempts": []}  # fmt: skip
    client.plans.get.return_value = {"uuid": P, "items": [item]}
    client.plans.update.return_value = {"uuid": P}
    _, (columns, _) = run_cmd(plans.AddPlanItem, app, [P, "--volume", "v1:volume_swap"])
    assert client.plans.update.call_args.kwargs["items"] == [
        {"resource_type": "instance", "resource_id": "i1", "type": "live_migration", "priority": 0},
        {"resource_type": "volume", "resource_id": "v1", "type": "volume_swap"},
    ]
    assert columns[:3] == ("ID", "Resource Type", "Resource ID")
    run_cmd(plans.RemovePlanItem, app, [P, "i1"])
    assert client.plans.update.call_args.kwargs["items"] == []
    with pytest.raises(exceptions.CommandError, match=f"Plan {P} has no item nope"):
        run_cmd(plans.RemovePlanItem, app, [P, "nope"])


def test_plan_run_wait_reports_refusals_and_failures(app):
    client = app.client_manager.vmove
    client.plans.run.return_value = {"uuid": R, "status": "validating"}
    refused = {"resource_type": "instance", "resource_id": "i9", "type": "live_migration", "verdict": "refused",
               "code": "gone", "reason": "Instance i9 no longer exists."}  # fmt: skip
    final = {"uuid": R, "status": "failed", "progress": 100, "counts": {"failed": 1, "succeeded": 2},
             "message": "1 move failed", "items": [refused]}  # fmt: skip

    def wait_for_run(run, callback, interval, timeout):
        callback({"uuid": R, "status": "running", "progress": 50, "counts": {"ongoing": 1, "succeeded": 2}})
        callback(final)
        return final

    client.wait_for_run.side_effect = wait_for_run
    client.runs.moves.return_value = [move("failed", message="No valid host", uuid="m1", resource_id="i1")]
    cmd, (names, values) = run_cmd(plans.RunPlan, app, [P, "--wait", "--poll-interval", "0"])
    client.plans.run.assert_called_once_with(P, dry_run=False)
    client.runs.moves.assert_called_once_with(final, status=["failed"])
    assert cmd.exit_status == 1
    err = app.stderr.getvalue()
    assert "[############............]  50%  run running: 1 ongoing, 2 succeeded" in err
    assert "100%  run failed: 2 succeeded, 1 failed" in err
    assert "Item instance i9 (live_migration) refused: gone: Instance i9 no longer exists." in err
    assert "Move m1 (live_migration of instance i1) failed: No valid host" in err
    assert f"Run {R} failed: 1 move failed" in err


def test_a_dry_run_validated_is_a_success(app):
    client = app.client_manager.vmove
    client.plans.run.return_value = {"uuid": R, "status": "validating"}
    client.wait_for_run.return_value = {"uuid": R, "status": "validated", "counts": {}, "items": []}
    cmd, _ = run_cmd(plans.RunPlan, app, [P, "--dry-run", "--wait"])
    client.plans.run.assert_called_once_with(P, dry_run=True)
    assert cmd.exit_status == 0 and app.stderr.getvalue() == ""


def test_run_list_filters_and_actions(app):
    client = app.client_manager.vmove
    client.runs.list.return_value = [{"uuid": R, "status": "running", "counts": {"ongoing": 1}}]
    _, (columns, rows) = run_cmd(runs.ListRun, app, ["--plan", P, "--status", "running,failed", "--no-dry-run",
                                                      "--sort", "status:desc", "--limit", "2"])  # fmt: skip
    client.runs.list.assert_called_once_with(plan_id=P, status=["running", "failed"], dry_run=False, project_id=None,
                                             sort_key="status", sort_dir="desc", limit=2, marker=None)  # fmt: skip
    assert columns == ("ID", "Plan Name", "Dry Run", "Status", "Progress", "Counts", "Created At")
    client.runs.deny.return_value = {"uuid": R, "status": "denied"}
    run_cmd(runs.DenyRun, app, [R, "--reason", "no"])
    client.runs.deny.assert_called_once_with(R, reason="no", items=None)
    client.runs.approve.return_value = {"uuid": R, "status": "approved"}
    cmd, _ = run_cmd(runs.ApproveRun, app, [R])
    assert cmd.exit_status == 0


def test_notification_create_defaults_to_now_and_waits(app):
    client = app.client_manager.vmove
    n = {"notification_uuid": "n1", "uuid": "n1", "status": "new", "links": []}
    client.notifications.create.return_value = n
    final = dict(n, status="failed", message="2 evacuations failed", vmoves_summary={"evacuation": {"failed": 2}})
    client.wait_for_notification.return_value = final
    client.notifications.vmoves.return_value = [
        {"uuid": "v1", "type": "evacuation", "instance_uuid": "i1", "message": "No valid host"}
    ]
    cmd, (names, _) = run_cmd(notifications.CreateNotification, app, ["h1", "--wait", "--event", "STARTED"])
    args = client.notifications.create.call_args
    assert args.args[0] == "h1" and args.args[1].endswith("Z") and args.args[2] == "STARTED"
    assert cmd.exit_status == 1 and "uuid" not in names and "links" not in names
    err = app.stderr.getvalue()
    assert "VMove v1 (evacuation of instance i1) failed: No valid host" in err
    assert "Notification n1 failed: 2 evacuations failed" in err


def test_notification_progress_line():
    text = notifications.render(False)({"status": "running", "progress": 40,
                                        "vmoves_summary": {"evacuation": {"ongoing": 3, "succeeded": 2}}})  # fmt: skip
    assert text == (40, "notification running: 3 ongoing, 2 succeeded")
    restore = notifications.render(True)({"status": "finished", "restore": {"status": "finished", "progress": 90}})
    assert restore == (100, "restore finished: no moves yet")


def test_notification_vmove_list_takes_masakaris_filters(app):
    client = app.client_manager.vmove
    client.notifications.vmoves.return_value = []
    argv = ["n1", "--filters", "status=failed", "--type", "migration", "--sort", "instance_uuid:desc", "--limit", "1"]
    _, (columns, _) = run_cmd(notifications.ListNotificationVMove, app, argv)
    client.notifications.vmoves.assert_called_once_with(
        "n1", status=["failed"], vmove_type=["migration"], sort_key="instance_uuid", sort_dir="desc", limit=1,
        marker=None,
    )  # fmt: skip
    assert columns[:3] == ("ID", "Notification Uuid", "Instance Uuid")
    with pytest.raises(SystemExit):
        notifications.ListNotificationVMove(app, None).get_parser("x").parse_args(["n1", "--filters", "colour=1"])
    with pytest.raises(exceptions.CommandError, match="'asleep' is not a vmove status"):
        run_cmd(notifications.ListNotificationVMove, app, ["n1", "--status", "asleep"])


def test_plan_create_with_drains_a_recurring_window_and_flavors(app):
    client = app.client_manager.vmove
    client.plans.create.return_value = {"uuid": P, "name": "n"}
    argv = ["n", "--drain-host", "host1", "--drain-host", "host2", "--drain-metadata", "tier=web",
            "--drain-backend", "c@a1", "--cold-fallback", "--backend-map", "c@a1=c@a2", "--flavor-map", "m1=m2",
            "--window-period", "22:00-06:00", "--window-period", "12:00-13:00", "--window-days", "sat,sun",
            "--window-timezone", "Europe/Paris"]  # fmt: skip
    run_cmd(plans.CreatePlan, app, argv)
    client.plans.create.assert_called_once_with(
        "n",
        mapping={"hosts": {}, "volume_types": {}, "backends": {"c@a1": "c@a2"}, "flavors": {"m1": "m2"}},
        window={"recurring": {"periods": [{"start": "22:00", "end": "06:00"}, {"start": "12:00", "end": "13:00"}],
                              "days": ["sat", "sun"], "timezone": "Europe/Paris"}},
        drains={"hosts": [{"metadata": "tier=web", "host": "host1"}, {"metadata": "tier=web", "host": "host2"}],
                "backends": [{"metadata": "tier=web", "backend": "c@a1"}]},
        cold_fallback=True,
    )  # fmt: skip
    with pytest.raises(exceptions.CommandError, match="needs --window-period"):
        run_cmd(plans.CreatePlan, app, ["m", "--window-days", "mon"])


def test_plan_set_adds_drains_to_the_plans(app):
    client = app.client_manager.vmove
    client.plans.get.return_value = {"drains": {"hosts": [{"host": "h1"}], "backends": []}, "mapping": {}}
    client.plans.update.return_value = {"uuid": P}
    run_cmd(plans.SetPlan, app, [P, "--drain-host", "h2", "--no-cold-fallback"])
    client.plans.update.assert_called_once_with(
        P, drains={"hosts": [{"host": "h1"}, {"host": "h2"}], "backends": []}, cold_fallback=False
    )


def test_run_items_approved_and_denied_one_by_one_and_the_events(app):
    client = app.client_manager.vmove
    client.runs.approve.return_value = {"uuid": R, "status": "awaiting_approval"}
    run_cmd(runs.ApproveRun, app, [R, "--item", "i1", "--item", "i2"])
    client.runs.approve.assert_called_once_with(R, items=["i1", "i2"])
    client.runs.deny.return_value = {"uuid": R, "status": "approved"}
    run_cmd(runs.DenyRun, app, [R, "--item", "i3", "--reason", "db"])
    client.runs.deny.assert_called_once_with(R, reason="db", items=["i3"])
    client.runs.events.return_value = [
        {"at": "2026-12-03T10:00:00", "event": "approved", "item_uuid": "x", "user_id": "alice", "message": "m"}
    ]
    _, (columns, rows) = run_cmd(runs.ListRunEvent, app, [R, "--item", "i1"])
    client.runs.events.assert_called_once_with(R, item="i1")
    assert columns == ("At", "Event", "Item ID", "User ID", "Message")
    assert list(rows)[0][1:4] == ("approved", "x", "alice")


@pytest.mark.parametrize(
    ("cmd_class", "argv", "call", "args", "filters"),
    [
        (notifications.ListNotification, ["--status", "new,failed", "--event", "STOPPED", "--hostname", "h1",
         "--generated-since", "t"], "notifications.list", (),
         {"status": ["new", "failed"], "event": ["STOPPED"], "hostname": "h1", "generated_since": "t"}),
        (plans.ListPlan, ["--name", "p"], "plans.list", (), {"name": "p", "project_id": None}),
        (runs.ListRunMove, [R, "--status", "failed"], "runs.moves", (R,), {"status": ["failed"]}),
    ],
)  # fmt: skip
def test_a_list_gives_its_filters_to_its_call(app, cmd_class, argv, call, args, filters):
    manager, method = call.split(".")
    listed = getattr(getattr(app.client_manager.vmove, manager), method)
    listed.return_value = []
    run_cmd(cmd_class, app, argv)
    listed.assert_called_once_with(*args, **filters, sort_key=None, sort_dir=None, limit=None, marker=None)
