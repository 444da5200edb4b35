"""The real Masakari 22 as a peer of the dev cloud (vmove/devcloud/masakari.py, ``up --with masakari``).

Its API behind the dev cloud's Keystone, in the catalog of its own region (``instance-ha`` of RegionOne
is vmove), a failover segment of every compute host, and its engine evacuating a failed host's HA-enabled
server through the dev cloud's Nova (the 180 s wait after disabling the service set to 0 here: the
benchmark, tools/bench/recovery.py, measures the defaults).
"""

import contextlib
import time
import uuid

import pytest

from vmove.devcloud import fixtures, masakari, seed

pytestmark = pytest.mark.devcloud

HOST = "host1"
FAST = {"DEFAULT": {"wait_period_after_service_update": 0, "notification_delay_max": 0}}


@pytest.fixture(scope="module")
def peer(devcloud):
    devcloud.require("nova")
    gen = fixtures.provide(("masakari",), devcloud)
    info = next(gen)
    try:
        yield info.component("masakari")
    finally:
        with contextlib.suppress(StopIteration):
            next(gen)


def test_api_catalog_and_segment(peer, devcloud):
    sess = devcloud.session("admin")
    url = sess.get_endpoint(service_type="instance-ha", interface="public", region_name=masakari.REGION)
    assert url.startswith(masakari.URL + "/v1/"), url
    vmove_url = sess.get_endpoint(service_type="instance-ha", interface="public", region_name=devcloud.region)
    assert ":9393/" in vmove_url  # RegionOne's instance-ha is vmove
    (seg,) = [s for s in peer.api("GET", "/segments")["segments"] if s["name"] == masakari.SEGMENT]
    assert (seg["recovery_method"], seg["service_type"]) == ("auto", "COMPUTE")
    hosts = peer.api("GET", f"/segments/{seg['uuid']}/hosts")["hosts"]
    assert sorted(h["name"] for h in hosts) == peer.compute_hosts()
    assert not any(h["on_maintenance"] for h in hosts)
    r = devcloud.session("demo").get(
        "/segments",
        endpoint_filter={"service_type": "instance-ha", "region_name": masakari.REGION},
        raise_exc=False,
    )
    assert r.status_code == 403


def test_masakari_evacuates_a_failed_host(peer, devcloud):
    comp, nova = devcloud.component("nova"), devcloud.nova("admin")
    key = f"masakari-test-{uuid.uuid4().hex[:8]}"
    peer.start(dict(FAST, host_failure={"ha_enabled_instance_metadata_key": key}))
    flavor = seed.ensure_flavors(nova)["m1.tiny"]
    server = nova.servers.create(f"mk-peer-{key}", seed.image_id(), flavor, nics="none", host=HOST, meta={key: "True"})
    try:
        deadline = time.monotonic() + 240
        while nova.servers.get(server.id).status != "ACTIVE":
            assert time.monotonic() < deadline
            time.sleep(1)
        comp.fail_host(HOST)
        nid = peer.api("POST", "/notifications", masakari.host_failure(HOST))["notification"]["notification_uuid"]
        deadline = time.monotonic() + 240
        while (n := peer.api("GET", f"/notifications/{nid}")["notification"])["status"] not in (
            "finished",
            "failed",
            "error",
        ):
            assert time.monotonic() < deadline, n
            time.sleep(1)
        assert n["status"] == "finished", n
        (vm,) = [
            v for v in peer.api("GET", f"/notifications/{nid}/vmoves")["vmoves"] if v["instance_uuid"] == server.id
        ]
        assert (vm["status"], vm["source_host"], vm["type"]) == ("succeeded", HOST, "evacuation")
        moved = nova.servers.get(server.id)
        assert moved.status == "ACTIVE" and getattr(moved, "OS-EXT-SRV-ATTR:host") == vm["dest_host"] != HOST
    finally:
        try:
            comp.restore_and_enable(HOST, timeout=300)
        finally:
            peer.clear_host(HOST, comp)
            peer.start()  # back to the defaults
            with contextlib.suppress(Exception):
                nova.servers.delete(server.id)
