"""Project > Moves in a real browser: a member live-moves an instance and watches it succeed
with its timeline; a bad volume move shows vmove's exact message beside the field; a user of
another project sees none of it."""

import uuid

import pytest

from vmove.tests.functional.dashboard.conftest import host_of, login, wait_until

pytestmark = pytest.mark.devcloud

SWAP_MESSAGE = "destination type is required when migration type is swap"


def test_member_live_moves_an_instance_and_sees_its_timeline(catalog_vmove, browser, servers):
    (server,) = servers("demo")
    admin_nova = browser.cloud.nova("admin")
    source = host_of(admin_nova.servers.get(server.id))
    dest = next(h for h in ("host1", "host2", "host3") if h != source)

    login(browser, "demo")
    browser.go("/project/vmove_moves/")
    browser.wait_for("#moves")
    browser.screenshot("moves-empty")
    browser.click("#moves__action_move_instance")
    browser.wait_for("#move_instance_form #id_host")
    browser.select("instance", server.id, "#move_instance_form")
    browser.select("move_type", "live_migration", "#move_instance_form")
    browser.fill("#move_instance_form #id_host", dest)
    browser.screenshot("move-instance-form")
    browser.modal_submit()

    # the new move's page: it reloads itself until the move ends
    browser.wait(lambda: browser.path.startswith("/project/vmove_moves/") and browser.has("#vmove-move-summary"),
                 "the move's page")  # fmt: skip
    move_id = browser.path.rstrip("/").rsplit("/", 1)[1]
    browser.screenshot("move-page-started")
    status = browser.wait_attribute("#vmove-move-summary", "data-status", ("succeeded", "failed", "cancelled"))
    browser.screenshot("move-page-succeeded")
    assert status == "succeeded", browser.text("#vmove-move-summary")

    timeline = browser.text("#events")
    for expected in ("Move requested.", "succeeded"):
        assert expected in timeline, timeline
    move = catalog_vmove.client("demo").moves.get(move_id)
    events = catalog_vmove.client("demo").moves.events(move_id)
    assert move["status"] == "succeeded" and move["dest_host"] == dest, move
    assert len(browser.find_all("#events tbody tr")) == len(events), timeline  # every event is on the page
    assert host_of(admin_nova.servers.get(server.id)) == dest

    # the list shows it, ended, with a full progress bar and no cancel button
    browser.go("/project/vmove_moves/")
    row = f"#moves__row__{move_id}"
    browser.wait_for(row)
    assert browser.attribute(f"{row} .vmove-progress", "data-progress") == "100"
    assert not browser.find_all(f"{row} button[value='moves__cancel__{move_id}']")
    browser.screenshot("moves-list")

    # another project sees none of it, not even by its address
    login(browser, "alt")
    browser.go("/project/vmove_moves/")
    browser.wait_for("#moves")
    assert not browser.find_all(row)
    assert "No items to display" in browser.text("#moves tbody")
    browser.go(f"/project/vmove_moves/{move_id}/")
    browser.wait(lambda: browser.path == "/project/vmove_moves/", "alt sent back to the list")
    assert move_id in browser.text(".messages, .alert-danger, toast") or browser.has(".alert-danger")
    browser.screenshot("alt-sees-nothing")


def test_a_bad_volume_move_shows_vmoves_message_beside_the_field(catalog_vmove, browser):
    cinder = browser.cloud.cinder("demo")
    volume = cinder.volumes.create(1, name=f"dash-{uuid.uuid4().hex[:6]}")
    try:
        wait_until("volume available", lambda: cinder.volumes.get(volume.id).status == "available", timeout=120)
        login(browser, "demo")
        browser.go("/project/vmove_moves/volume/")  # the form's own page (the modal shows the same form)
        browser.wait_for("#move_volume_form #id_destination_node")
        browser.select("volume", volume.id, "#move_volume_form")
        browser.select("move_type", "volume_swap", "#move_volume_form")
        browser.click("#move_volume_form input[type=submit]")
        error = browser.wait_for("#move_volume_form .has-error")
        assert browser.attribute("#move_volume_form .has-error select, #move_volume_form .has-error input", "name") \
            == "destination_type"  # fmt: skip
        assert SWAP_MESSAGE in error.text, error.text
        browser.screenshot("swap-without-destination-type")
        assert catalog_vmove.client("demo").moves.list() == []
    finally:
        cinder.volumes.delete(volume.id)
