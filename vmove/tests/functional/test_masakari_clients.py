"""Masakari's real clients against vmove: openstacksdk's ``instance_ha`` proxy and python-masakariclient's
``openstack notification ...`` commands, unchanged, through the dev cloud's catalog (``instance-ha`` ->
vmove on port 9393, Masakari's ``/v1/$(project_id)s`` URL) and real Keystone tokens.

The way masakari-monitors' host monitor ends: a user with the ``service`` role only (``hamonitor``) posts a
COMPUTE_HOST notification with the SDK; vmove (its API behind keystonemiddleware, an engine over RabbitMQ,
PostgreSQL) evacuates the failed host's instances on the dev cloud's real Nova; an admin reads the
notification and its vmoves with the SDK and with the CLI, filters included. Masakari's answers to its own
version header (none, 1.x, 1.4) and to a non-admin are checked on the same API.

The dev cloud is shared: only this test's two instances are HA-enabled (a metadata key unique to the run,
``evacuate_all_instances`` off), so other instances on the host are recorded as ignored, never moved.
"""

import datetime
import json
import socket
import time
import uuid

import pytest

from vmove import rpc
from vmove.devcloud import seed
from vmove.engine import service as engine_service
from vmove.objects.notification import host_uuid
from vmove.tests import fixtures as vfixtures
from vmove.tests.functional.cli.conftest import OpenStackCLI
from vmove.tests.functional.keystone_api import keystone_api
from vmove.tests.functional.moves_env import configure_cloud

pytestmark = pytest.mark.devcloud

HOST = "host3"
PORT = 9393  # the catalog's instance-ha (and vmove) endpoint in the dev cloud
MV = "OpenStack-API-Version"


def _need(what: str, ok: bool) -> None:
    """A client or the port missing: a skip locally, a FAILURE under CI."""
    if ok:
        return
    if vfixtures.CI:
        pytest.fail(f"{what} (CI=true: the Masakari clients are required, not optional)")
    pytest.skip(what)


@pytest.fixture
def clients():
    try:
        import masakariclient  # noqa: F401
        import openstack
    except ImportError as e:
        _need(f"Masakari's clients are not installed ({e}): tools/bootstrap installs test-requirements", False)
    return openstack


@pytest.fixture
def masakari_vmove(conf, tmp_path, devcloud, clients):
    """vmove on the catalog's port behind keystonemiddleware, with one engine, on the dev cloud."""
    devcloud.require("nova")
    with socket.socket() as s:
        _need(
            f"port {PORT} (the catalog's instance-ha endpoint) is used by another vmove",
            s.connect_ex(("127.0.0.1", PORT)) != 0,
        )
    vfixtures.require_url(vfixtures.RABBIT_URL)
    dbfx = vfixtures.Database(tmpdir=tmp_path, url=vfixtures.POSTGRES_URL)
    dbfx.setUp()
    rpc.cleanup()
    key = f"vmove-test-masakari-{uuid.uuid4().hex[:8]}"
    engine = None
    try:
        with keystone_api(conf, dbfx, devcloud, tmp_path, port=PORT) as srv:
            conf.set_override("transport_url", vfixtures.RABBIT_URL)
            conf.set_override("topic", f"vmove-engine-test-{uuid.uuid4().hex[:8]}", group="engine")
            configure_cloud(conf, devcloud)
            conf.set_override("max_poll_interval", 1.0, group="engine")
            for name, value in {"ha_enabled_key": key, "evacuate_all_instances": False}.items():
                conf.set_override(name, value, group="recovery")
            engine = engine_service.EngineService(conf)
            engine.start()
            yield srv, key
    finally:
        if engine is not None:
            engine.stop()
        rpc.cleanup()
        dbfx.cleanUp()


def sdk(openstack, devcloud, user):
    """An openstacksdk connection of ``user``, as masakari-monitors and masakariclient make them."""
    return openstack.connect(**devcloud.credentials(user), region_name=devcloud.region, interface="public")


def osc(devcloud, user, *args):
    """``openstack <args> -f json`` as ``user`` (python-masakariclient's commands, the catalog's endpoint)."""
    done = OpenStackCLI(api_url="", keystone=devcloud)(*args, "-f", "json", user=user)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-3000:])
    return json.loads(done.stdout)


def boot(nova, name, host, meta):
    flavor = seed.ensure_flavors(nova)["m1.tiny"]
    return nova.servers.create(name, seed.image_id(), flavor, nics="none", host=host, meta=meta).id


def wait_servers(nova, ids, ok, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = {s.id: s for s in nova.servers.list(search_opts={"all_tenants": 1}, limit=-1) if s.id in ids}
        if len(found) == len(ids) and all(ok(s) for s in found.values()):
            return found
        time.sleep(1)
    pytest.fail(f"servers {ids} not as expected after {timeout}s")


def test_masakari_clients_drive_and_read_a_host_recovery(masakari_vmove, devcloud, clients):
    srv, key = masakari_vmove
    comp, nova = devcloud.component("nova"), devcloud.nova("admin")
    # the catalog: instance-ha is vmove, at Masakari's project-scoped URL
    admin_sess = devcloud.session("admin")
    url = admin_sess.get_endpoint(service_type="instance-ha", interface="public", region_name=devcloud.region)
    assert url.startswith(f"http://127.0.0.1:{PORT}/v1/"), url

    run = uuid.uuid4().hex[:6]
    ids = [boot(nova, f"mk-{run}-{i}", HOST, {key: "True"}) for i in range(2)]
    try:
        active = lambda s: s.status == "ACTIVE" and getattr(s, "OS-EXT-STS:task_state") is None  # noqa: E731
        wait_servers(nova, ids, active)
        service = comp.compute_service(HOST)
        if service["status"] == "disabled" and (service["disabled_reason"] or "").startswith("vmove: host failure"):
            comp.api("PUT", f"/os-services/{service['id']}", {"status": "enabled"}, microversion="2.53")
        comp.cloud.stop(comp.compute_proc(HOST), grace=0)  # the host dies

        # masakari-monitors' path: the SDK, a service user without admin
        monitor = sdk(clients, devcloud, "hamonitor")
        generated = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        payload = {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}
        made = monitor.instance_ha.create_notification(
            type="COMPUTE_HOST", hostname=HOST, generated_time=generated, payload=payload
        )
        nid = made.notification_uuid
        assert made.status == "new" and made.source_host_uuid == host_uuid(HOST)
        # ... who may not read
        with pytest.raises(clients.exceptions.ForbiddenException):
            monitor.instance_ha.get_notification(nid)

        admin = sdk(clients, devcloud, "admin").instance_ha
        deadline = time.monotonic() + 240
        while (n := admin.get_notification(nid)).status not in ("finished", "failed"):
            assert time.monotonic() < deadline, n
            time.sleep(1)
        assert n.status == "finished", n
        assert (n.type, n.hostname, n.payload["event"]) == ("COMPUTE_HOST", HOST, "STOPPED")
        assert n.recovery_workflow_details[0]["state"] == "SUCCESS"
        assert nid in [x.notification_uuid for x in admin.notifications(status="finished", type="COMPUTE_HOST")]
        assert nid in [x.notification_uuid for x in admin.notifications(source_host_uuid=host_uuid(HOST))]

        # the vmoves: ours evacuated, the others on the host recorded as ignored
        vmoves = list(admin.vmoves(nid))
        mine = [v for v in vmoves if v.server_id in ids]
        assert sorted(v.server_id for v in mine) == sorted(ids)
        assert all((v.type, v.status, v.source_host) == ("evacuation", "succeeded", HOST) for v in mine), mine
        assert all(v.dest_host not in (None, HOST) and v.start_time and v.end_time for v in mine)
        assert {v.server_id for v in admin.vmoves(nid, status="succeeded", type="evacuation")} == set(ids)
        assert [v.uuid for v in admin.vmoves(nid, status="failed")] == []
        assert [v.id for v in vmoves] == sorted((v.id for v in vmoves), reverse=True)  # newest first
        one = admin.get_vmove(mine[0], nid)  # by Masakari's integer id, as the SDK asks
        assert (one.uuid, one.server_name, one.status) == (mine[0].uuid, mine[0].server_name, "succeeded")
        assert admin.get_vmove(mine[1].uuid, nid).server_id == mine[1].server_id
        landed = wait_servers(nova, ids, active)
        for v in mine:
            assert getattr(landed[v.server_id], "OS-EXT-SRV-ATTR:host") == v.dest_host

        # python-masakariclient's commands, unchanged
        listed = osc(devcloud, "admin", "notification", "list", "--filters", "status=finished;type=COMPUTE_HOST")
        assert nid in [x["notification_uuid"] for x in listed]
        shown = osc(devcloud, "admin", "notification", "show", nid)
        assert (shown["status"], shown["source_host_uuid"]) == ("finished", host_uuid(HOST))
        assert shown["recovery_workflow_details"][0]["name"] == "vmove-evacuation"
        rows = osc(devcloud, "admin", "notification", "vmove", "list", nid, "--filters", "status=succeeded")
        assert {r["server_id"] for r in rows} >= set(ids)
        # (the SDK under --limit pages through everything, with Masakari as with vmove)
        rows = osc(devcloud, "admin", "notification", "vmove", "list", nid, "--sort", "start_time:asc", "--limit", "1")
        started = [r["start_time"] for r in rows if r["start_time"]]
        assert len(rows) == len(vmoves) and started == sorted(started) and len(started) >= 2
        row = osc(devcloud, "admin", "notification", "vmove", "show", nid, mine[0].uuid)
        assert (row["uuid"], row["status"], row["type"]) == (mine[0].uuid, "succeeded", "evacuation")

        # Masakari's answers to its own version header, and to a non-admin
        def raw(user, path, version=None):
            headers = {MV: f"instance-ha {version}"} if version else {}
            return devcloud.session(user).get(
                path,
                endpoint_filter={"service_type": "instance-ha", "interface": "public"},
                headers=headers,
                raise_exc=False,
            )

        r = raw("admin", f"/notifications/{nid}/vmoves")
        assert r.status_code == 200 and r.headers[MV] == "instance-ha 1.0"
        assert r.json() == raw("admin", f"/notifications/{nid}/vmoves", "1.3").json()
        r = raw("admin", f"/notifications/{nid}/vmoves", "1.4")
        assert r.status_code == 406 and "maximum is 1.3" in r.json()["notAcceptable"]["message"]
        r = raw("demo", f"/notifications/{nid}/vmoves")
        assert r.status_code == 403, r.text
    finally:
        try:
            comp.restore_and_enable(HOST, timeout=400)
        finally:
            for sid in ids:
                try:
                    nova.servers.delete(sid)
                except Exception:  # noqa: BLE001 - already gone
                    pass
