"""Migration plans in a real browser: a member plans three instances with a limit of one and
manual approval and runs it; a reader of the project sees the pages without a button; an admin
approves the run; the run page follows it to the end; another project sees none of it."""

import uuid

import pytest

from vmove.tests.functional.dashboard.conftest import login, wait_until

pytestmark = pytest.mark.devcloud

HOSTS = ("host1", "host2", "host3")


def create_plan(browser, name, servers):
    browser.go("/project/vmove_plans/")
    browser.click("#plans__action_create")
    browser.wait_for("form #id_name")
    browser.fill("form #id_name", name)
    browser.select("approval", "manual")
    browser.click("a[href='#vmove_plan__instancesaction']")
    for server in servers:
        browser.click(f"#vmove-pick-instances input[value='{server.id}']")
    browser.select("instance_type", "live_migration")
    browser.screenshot("plan-instances-picked")
    browser.click("a[href='#vmove_plan__mappingaction']")
    browser.fill("form #id_hosts", "\n".join(f"{host} = any" for host in HOSTS))
    browser.click("a[href='#vmove_plan__limitsaction']")
    browser.fill("form #id_max_in_flight", "1")
    browser.screenshot("plan-limits")
    browser.modal_submit()
    browser.wait(lambda: browser.path.startswith("/project/vmove_plans/") and browser.has("#items"), "the plan page")
    return browser.path.rstrip("/").rsplit("/", 1)[1]


def action_buttons(browser):
    """The labels of every action button on the page (shown or in a dropdown), filters aside."""
    css = ".detail-actions button, .detail-actions a, .table_actions > button, .table_actions > a.btn, " \
          ".actions_column button, .actions_column a"  # fmt: skip
    labels = [b.get_attribute("textContent").strip() for b in browser.find_all(css)]
    return [label for label in labels if label]


def test_plan_with_manual_approval_runs_to_the_end(catalog_vmove, browser, servers):
    members = servers("demo", count=3)
    name = f"dash-plan-{uuid.uuid4().hex[:6]}"

    login(browser, "demo")
    plan_id = create_plan(browser, name, members)
    plan = catalog_vmove.client("demo").plans.get(plan_id)
    assert sorted(i["resource_id"] for i in plan["items"]) == sorted(s.id for s in members)
    assert plan["limits"]["max_in_flight"] == 1 and plan["approval"] == "manual"
    browser.screenshot("plan-page")

    browser.press(f"plans__run__{plan_id}", ".detail-actions")  # not a danger: no confirmation
    browser.wait(lambda: browser.path.startswith("/project/vmove_runs/") and browser.has("#vmove-run-summary"),
                 "the run page")  # fmt: skip
    run_id = browser.path.rstrip("/").rsplit("/", 1)[1]
    browser.wait_attribute("#vmove-run-summary", "data-status", ("awaiting_approval",))
    assert len(browser.find_all("#items tbody tr")) == 3
    assert "Approve Run" in action_buttons(browser)  # members may approve by vmove's default policy
    browser.screenshot("run-awaiting-approval")

    # a reader of the project: the same pages, no button
    login(browser, "demo-reader")
    for path, table in ((f"/project/vmove_runs/{run_id}/", "#items"), ("/project/vmove_plans/", "#plans"),
                        (f"/project/vmove_plans/{plan_id}/", "#items"), ("/project/vmove_moves/", "#moves"),
                        ("/project/vmove_runs/", "#runs")):  # fmt: skip
        browser.go(path)
        browser.wait_for(table)
        assert action_buttons(browser) == [], (path, action_buttons(browser))
    assert name in browser.text("#runs")
    browser.screenshot("reader-sees-no-button")

    # another project: none of it
    login(browser, "alt")
    for path, table in (("/project/vmove_runs/", "#runs"), ("/project/vmove_plans/", "#plans")):
        browser.go(path)
        assert "No items to display" in browser.text(f"{table} tbody")
    browser.screenshot("alt-sees-no-plan")

    # the admin approves it among every project's runs
    login(browser, "admin")
    browser.go("/admin/vmove_runs/")
    browser.wait_for(f"#runs__row__{run_id}")
    browser.screenshot("admin-runs")
    browser.press(f"runs__approve__{run_id}", f"#runs__row__{run_id}")
    browser.wait_for(".alert-success")

    # the run page follows the run to its end
    browser.go(f"/admin/vmove_runs/{run_id}/")
    seen = []

    def progressed():
        status = browser.attribute("#vmove-run-summary", "data-status")
        progress = browser.attribute("#vmove-run-summary", "data-progress")
        if (status, progress) not in seen and status:
            seen.append((status, progress))
            browser.screenshot(f"run-{status}-{progress}")
        return status in ("succeeded", "failed", "cancelled")

    try:
        browser.wait(progressed, "the run to end", timeout=300)
    except AssertionError as e:  # say where the run and its moves stand (the dev cloud is shared)
        moves = [(m["resource_name"], m["status"], m["phase"], m["dest_host"], m["message"])
                 for m in catalog_vmove.client("admin").runs.moves(run_id)]  # fmt: skip
        status = catalog_vmove.client("admin").runs.get(run_id)["status"]
        raise AssertionError(f"{e}; run {status}, moves {moves}") from e
    assert seen[-1] == ("succeeded", "100"), seen
    assert any(status == "running" for status, _p in seen), seen
    assert "succeeded 3" in browser.text(".vmove-counts")

    run = catalog_vmove.client("admin").runs.get(run_id)
    assert run["status"] == "succeeded" and run["decided_by"], run
    moves = catalog_vmove.client("admin").runs.moves(run_id)
    assert [m["status"] for m in moves] == ["succeeded"] * 3
    spans = sorted((m["start_time"], m["end_time"]) for m in moves)
    overlaps = [(a, b) for a, b in zip(spans, spans[1:], strict=False) if b[0] < a[1]]
    assert not overlaps, spans  # a limit of 1: no move started before the one before it ended
    wait_until("the servers moved", lambda: all(
        getattr(browser.cloud.nova("admin").servers.get(m["resource_id"]), "OS-EXT-SRV-ATTR:host") == m["dest_host"]
        for m in moves))  # fmt: skip

    # validating the plan again (a dry run): every item's verdict, each "completed" by this run
    login(browser, "demo")
    browser.go(f"/project/vmove_plans/{plan_id}/")
    browser.press(f"plans__validate__{plan_id}", ".detail-actions")
    browser.wait(lambda: browser.path.startswith("/project/vmove_runs/") and browser.has("#vmove-run-summary"),
                 "the validation's page")  # fmt: skip
    browser.wait_attribute("#vmove-run-summary", "data-status", ("validated",))
    rows = [row.text for row in browser.find_all("#items tbody tr")]
    assert len(rows) == 3 and all("refused" in row and "completed" in row for row in rows), rows
    browser.screenshot("validated-verdicts")
