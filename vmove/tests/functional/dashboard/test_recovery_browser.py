"""Admin > Host Recovery in a real browser: a host fails (``vmove-devcloud fail-host``), the admin
reports it in the form, watches the VM moves table fill as vmove evacuates, then restores the host
and watches the instances go back.

Only this test's instances are evacuated: they carry an HA key of this test alone, and
``evacuate_all_instances`` is off (the dev cloud is shared: other sessions' servers on the host
are recorded as ignored, never moved). The host is restored in a ``finally``.
"""

import contextlib
import pathlib
import subprocess
import sys
import uuid

import pytest

from vmove.devcloud import seed
from vmove.tests.functional.dashboard.conftest import host_of, login, wait_until

pytestmark = pytest.mark.devcloud

HOST = "host3"
DEVCLOUD = str(pathlib.Path(sys.executable).parent / "vmove-devcloud")


@pytest.fixture
def ha_key(conf):
    key = f"vmove-dash-ha-{uuid.uuid4().hex[:8]}"
    conf.set_override("max_poll_interval", 1.0, group="engine")
    for name, value in {"ha_enabled_key": key, "evacuate_all_instances": False, "restore_wait_interval": 1.0,
                        "auto_restore": False}.items():  # fmt: skip
        conf.set_override(name, value, group="recovery")
    return key


def devcloud_cli(*args):
    done = subprocess.run([DEVCLOUD, *args], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def restore(nova_comp):
    """The host back in service, whatever the test got to (vmove may have disabled it)."""
    devcloud_cli("restore-host", HOST)
    service = nova_comp.compute_service(HOST)
    if service["status"] == "disabled" and (service.get("disabled_reason") or "").startswith("vmove"):
        nova_comp.api("PUT", f"/os-services/{service['id']}", {"status": "enabled"}, microversion="2.53")


def test_admin_reports_a_failed_host_watches_it_evacuated_then_restores_it(ha_key, catalog_vmove, browser):
    cloud = browser.cloud
    nova = cloud.nova("admin")
    comp = cloud.component("nova")
    flavor = seed.ensure_flavors(nova)["m1.tiny"]
    made = [nova.servers.create(f"dash-ha-{uuid.uuid4().hex[:6]}", seed.image_id(), flavor, nics="none", host=HOST,
                                meta={ha_key: "True"}) for _ in range(2)]  # fmt: skip
    ids = [s.id for s in made]
    try:
        wait_until("servers ACTIVE", lambda: all(nova.servers.get(i).status == "ACTIVE" for i in ids), timeout=120)
        login(browser, "admin")
        browser.go("/admin/vmove_recovery/")
        browser.wait_for("#notifications")
        devcloud_cli("fail-host", HOST)

        browser.click("#notifications__action_report")
        browser.wait_for("#report_host_failure_form #id_generated_time")
        browser.select("hostname", HOST, "#report_host_failure_form")
        browser.select("event", "STOPPED", "#report_host_failure_form")
        browser.screenshot("report-form")
        browser.modal_submit()
        browser.wait(lambda: browser.has("#vmove-notification-summary"), "the host failure's page")
        nid = browser.path.rstrip("/").rsplit("/", 1)[1]
        browser.screenshot("reported")

        # the page reloads itself while the recovery runs: its vmoves table fills
        def evacuations():
            found = [v for v in catalog_vmove.client().notifications.vmoves(nid) if v["instance_uuid"] in ids]
            return found if len(found) == len(ids) else None

        mine = [f"#vmoves__row__{v['uuid']}" for v in wait_until("the evacuations recorded", evacuations)]
        seen = set()

        def filled():
            rows = {e.get_attribute("data-object-id") for e in browser.find_all("#vmoves tbody tr[data-object-id]")}
            if len(rows) > len(seen):
                seen.update(rows)
                browser.screenshot(f"vmoves-{len(rows)}")
            return browser.attribute("#vmove-notification-summary", "data-status") in ("finished", "failed")

        browser.wait(filled, "the recovery to end", timeout=300)
        browser.screenshot("evacuated")
        assert browser.attribute("#vmove-notification-summary", "data-status") == "finished", browser.text(
            "#vmove-notification-summary"
        )
        for row in mine:
            assert "Succeeded" in browser.text(row), browser.text(row)
        moved = {i: host_of(nova.servers.get(i)) for i in ids}
        assert HOST not in moved.values(), moved

        # the host is back: restore, and watch the instances go home
        restore(comp)
        browser.go(f"/admin/vmove_recovery/{nid}/")
        browser.press(f"notifications__restore__{nid}", ".detail-actions")
        browser.wait_attribute("#vmove-notification-summary", "data-restore", ("finished", "failed"), timeout=300)
        browser.screenshot("restored")
        assert browser.attribute("#vmove-notification-summary", "data-restore") == "finished"
        wait_until("instances back home", lambda: all(host_of(nova.servers.get(i)) == HOST for i in ids))
        assert len(browser.find_all("#vmoves tbody tr[data-object-id]")) >= 4  # evacuations and moves back

        # the admin's other pages: every project's moves (these among them) and the engines
        browser.go("/admin/vmove_moves/")
        browser.wait_for("#moves")
        assert all(browser.has(row.replace("vmoves__row__", "moves__row__")) for row in mine)
        browser.screenshot("admin-moves")
        browser.go("/admin/vmove_engines/")
        browser.wait_for("#engines tbody tr.status_up")
        browser.screenshot("admin-engines")
    finally:
        with contextlib.suppress(Exception):
            restore(comp)
        for sid in ids:
            with contextlib.suppress(Exception):
                nova.servers.delete(sid)
