"""A run's items decided one by one in a real browser: a member plans three instances with manual
approval and runs it; on the run's page the member approves one item and denies another with a
reason; the run still awaits the third item's decision; the History tab shows both decisions."""

import uuid

import pytest

from vmove.tests.functional.dashboard.conftest import login
from vmove.tests.functional.dashboard.test_plans_browser import create_plan

pytestmark = pytest.mark.devcloud


def open_row_link(browser, row, link):
    """Click the link ``link`` among the row actions of ``row`` (opening their dropdown first); the page
    reloads itself while the run awaits approval, so try again until the click lands."""

    def clicked():
        if not browser.has(link):
            browser.find_all(f"{row} .dropdown-toggle")[0].click()
        browser.find_all(link)[0].click()
        return True

    browser.wait(clicked, f"a click on {link}")


def test_items_approved_and_denied_one_by_one(catalog_vmove, browser, servers):
    members = servers("demo", count=3)
    login(browser, "demo")
    plan_id = create_plan(browser, f"dash-decide-{uuid.uuid4().hex[:6]}", members)
    browser.press(f"plans__run__{plan_id}", ".detail-actions")
    browser.wait(lambda: browser.path.startswith("/project/vmove_runs/") and browser.has("#vmove-run-summary"),
                 "the run page")  # fmt: skip
    run_id = browser.path.rstrip("/").rsplit("/", 1)[1]
    browser.wait_attribute("#vmove-run-summary", "data-status", ("awaiting_approval",))
    vmove = catalog_vmove.client("demo")
    first, second, third = (i["item_uuid"] for i in vmove.runs.get(run_id)["items"])
    for item in (first, second, third):
        assert browser.find_all(f"#items__row__{item} button[value='items__approve_item__{item}']"), item
    browser.screenshot("items-to-decide")

    # approve one item (no confirmation: not a danger)
    browser.press(f"items__approve_item__{first}", f"#items__row__{first}")
    browser.wait_for(".alert-success")
    assert vmove.runs.get(run_id)["status"] == "awaiting_approval"

    # deny another, saying why
    open_row_link(browser, f"#items__row__{second}", f"a[href$='/items/{second}/deny/']")
    browser.wait_for("#deny_item_form #id_reason")
    browser.fill("#deny_item_form #id_reason", "not this one: it runs the payroll")
    browser.screenshot("deny-item-form")
    browser.modal_submit()
    browser.wait(lambda: browser.has(".alert-success") and f"/project/vmove_runs/{run_id}/" in browser.path,
                 "the item denied")  # fmt: skip

    run = vmove.runs.get(run_id)
    decided = {i["item_uuid"]: (i["decision"], i["decided_by"]) for i in run["items"]}
    assert decided[first][0] == "approved" and decided[second][0] == "denied" and decided[third] == (None, None)
    assert run["status"] == "awaiting_approval", run  # the third item is left to decide

    # the items: the decisions shown, the actions only on the item left
    browser.go(f"/project/vmove_runs/{run_id}/")
    browser.wait_for("#items")
    assert "Approved by" in browser.text(f"#items__row__{first}")
    assert "Denied by" in browser.text(f"#items__row__{second}")
    assert not browser.find_all(f"#items__row__{first} .actions_column button, #items__row__{first} .actions_column a")
    assert not browser.find_all(f"#items__row__{second} .actions_column button")
    assert browser.find_all(f"button[value='items__approve_item__{third}']")
    browser.screenshot("items-decided")

    # the history: both decisions, who and why
    browser.click("a[data-target='#run__history']")
    browser.wait_for("#history")
    rows = [row.text for row in browser.find_all("#history tbody tr")]
    approved = [row for row in rows if "Approved" in row]
    denied = [row for row in rows if "Denied" in row]
    assert len(approved) == 1 and len(denied) == 1, rows
    assert "not this one: it runs the payroll" in denied[0], rows
    names = {s.id: s.name for s in members}
    by_uuid = {i["item_uuid"]: names[i["resource_id"]] for i in run["items"]}
    assert by_uuid[first] in approved[0] and by_uuid[second] in denied[0], rows
    assert decided[first][1] in approved[0], rows  # by whom
    browser.screenshot("run-history")
