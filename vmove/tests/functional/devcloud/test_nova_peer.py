"""The dev cloud's real Nova, driven the way vmove drives it.

keystoneauth1 password auth against the dev cloud Keystone, the service
catalog (``compute``) and python-novaclient: boot, live migration
(``block_migration='auto'``), a slow live migration with progress, abort and
force-complete, an injected failure, cold migration + confirm, evacuation
from a failed host and its restore, ``/os-migrations``, and the versioned
notifications on the bus.

The dev cloud is started (or reused) by :mod:`vmove.devcloud.fixtures` (see
this directory's conftest.py).
"""

from __future__ import annotations

import contextlib
import json
import time

import pytest

from vmove.devcloud import nova as nova_mod

pytestmark = pytest.mark.devcloud

HOST_ATTR = "OS-EXT-SRV-ATTR:host"
TASK_ATTR = "OS-EXT-STS:task_state"


@pytest.fixture(scope="module")
def peer(devcloud) -> nova_mod.Nova:
    return devcloud.component("nova")


@pytest.fixture(scope="module")
def nc(devcloud, peer):
    """python-novaclient as the dev cloud admin; endpoint from the catalog (compute)."""
    return devcloud.nova("admin")


@pytest.fixture
def servers(nc):
    """Boots servers for a test (``servers(n)``); deletes them afterwards."""
    made: list[str] = []

    def boot(count: int = 1, flavor: str = "m1.tiny") -> list:
        ids = [
            nc.servers.create(f"nova-peer-{len(made) + i}", nova_mod.IMAGE_ID, nc.flavors.find(name=flavor),
                              nics="none").id
            for i in range(count)
        ]  # fmt: skip
        made.extend(ids)
        return [wait(nc, sid, "ACTIVE") for sid in ids]

    boot.made = made
    yield boot
    for sid in made:
        with contextlib.suppress(Exception):
            nc.servers.delete(sid)


@pytest.fixture
def controls(peer, servers):
    """The fake driver's controls; the test's servers' settings are removed afterwards.

    Server-scoped controls only: other test sessions may share this Nova.
    """
    yield peer
    for sid in servers.made:
        peer.set_live_migration_seconds(None, server=sid)
        peer.clear_failures(server=sid)


# --- helpers -------------------------------------------------------------------
def host_of(server) -> str | None:
    return getattr(server, HOST_ATTR, None)


def wait(nc, sid: str, status: str, host_not: str | None = None, timeout: float = 90.0):
    """Poll until the server is ``status`` with no task (and off ``host_not``)."""
    deadline = time.monotonic() + timeout
    while True:
        srv = nc.servers.get(sid)
        if srv.status == "ERROR":
            raise AssertionError(f"server {sid} went ERROR: {getattr(srv, 'fault', None)}")
        if srv.status == status and getattr(srv, TASK_ATTR) is None and (host_not is None or host_of(srv) != host_not):
            return srv
        if time.monotonic() > deadline:
            raise AssertionError(f"server {sid}: {srv.status}/{getattr(srv, TASK_ATTR)} on {host_of(srv)}")
        time.sleep(0.2)


def migration(nc, sid: str, mig_id: int | None = None, final: bool = True, timeout: float = 30.0):
    """The server's latest (or ``mig_id``) record in /os-migrations; ``final``: wait for an end state.

    Nova moves the server before it marks the migration: poll the record.
    """
    deadline = time.monotonic() + timeout
    while True:
        migs = sorted(nc.migrations.list(instance_uuid=sid), key=lambda m: m.id)
        mig = next((m for m in migs if m.id == mig_id), None) if mig_id else (migs[-1] if migs else None)
        ends = ("completed", "confirmed", "cancelled", "failed", "error", "done")
        if mig is not None and (not final or mig.status in ends):
            return mig
        if time.monotonic() > deadline:
            raise AssertionError(f"migrations of {sid}: {[(m.id, m.status) for m in migs]}")
        time.sleep(0.2)


def running_migration(nc, server, timeout: float = 30.0):
    """The in-progress live migration of ``server`` once it is 'running' (GET /servers/{id}/migrations)."""
    deadline = time.monotonic() + timeout
    while True:
        migs = nc.server_migrations.list(server)
        if migs and migs[0].status == "running":
            return migs[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no running migration for {server.id}: {[m.status for m in migs]}")
        time.sleep(0.1)


def start_slow_live_migration(nc, servers, controls):
    """(server, its host, its migration once running): a server booted for the test, live migrating for 20 s."""
    (srv,) = servers()
    src = host_of(srv)
    controls.set_live_migration_seconds(20, server=srv.id)
    nc.servers.live_migrate(srv, host=None, block_migration="auto")
    return srv, src, running_migration(nc, srv)


# --- tests ---------------------------------------------------------------------
def test_computes_flavors_and_catalog(devcloud, peer, nc):
    endpoint = devcloud.session("admin").get_endpoint(service_type="compute", interface="public")
    assert endpoint.rstrip("/") == peer.compute_url
    services = {s.host: s for s in nc.services.list(binary="nova-compute")}
    assert set(peer.hosts) <= set(services)
    assert all(services[h].state == "up" and services[h].status == "enabled" for h in peer.hosts)
    names = {h.hypervisor_hostname for h in nc.hypervisors.list()}
    assert set(peer.hosts) <= names
    assert {f.name for f in nc.flavors.list()} >= {name for name, *_ in nova_mod.FLAVORS}


def test_hypervisor_detail_has_uptime_without_rpc(nc, peer):
    # the fake driver reports uptime in the node stats: no RPC to each compute
    detail = nc.hypervisors.list(detailed=True)
    assert all(h.uptime for h in detail if h.hypervisor_hostname in peer.hosts)


def test_keystone_roles_apply(devcloud, nc):
    """Real Keystone tokens and Nova's policy: a member boots, only an admin moves."""
    from novaclient import exceptions

    demo = devcloud.nova("demo")
    srv = demo.servers.create("nova-peer-demo", nova_mod.IMAGE_ID, demo.flavors.find(name="m1.tiny"), nics="none")
    try:
        wait(demo, srv.id, "ACTIVE")
        with pytest.raises(exceptions.Forbidden):
            demo.servers.live_migrate(srv.id, host=None, block_migration="auto")
        assert host_of(nc.servers.get(srv.id))  # the admin sees where it runs
    finally:
        demo.servers.delete(srv.id)


def test_live_migration(nc, servers):
    (srv,) = servers()
    src = host_of(srv)
    nc.servers.live_migrate(srv, host=None, block_migration="auto")
    srv = wait(nc, srv.id, "ACTIVE", host_not=src)
    mig = migration(nc, srv.id)
    assert (mig.migration_type, mig.status, mig.source_compute, mig.dest_compute) == (
        "live-migration", "completed", src, host_of(srv))  # fmt: skip
    # and back, to a chosen host: no stale guest left on the source (InstanceExists)
    nc.servers.live_migrate(srv, host=src, block_migration="auto")
    srv = wait(nc, srv.id, "ACTIVE", host_not=host_of(srv))
    assert host_of(srv) == src


def test_slow_live_migration_reports_progress_and_aborts(nc, servers, controls):
    srv, src, mig = start_slow_live_migration(nc, servers, controls)
    deadline = time.monotonic() + 10
    while not (mig.memory_processed_bytes or 0) > 0:
        assert time.monotonic() < deadline, "no progress reported"
        time.sleep(0.3)
        mig = running_migration(nc, srv)
    assert mig.memory_total_bytes == 512 * 1024 * 1024
    assert 0 < mig.memory_processed_bytes < mig.memory_total_bytes
    assert mig.memory_remaining_bytes == mig.memory_total_bytes - mig.memory_processed_bytes

    nc.server_migrations.live_migration_abort(srv, mig.id)
    srv = wait(nc, srv.id, "ACTIVE")
    assert host_of(srv) == src
    assert migration(nc, srv.id, mig.id).status == "cancelled"


def test_slow_live_migration_force_complete(nc, servers, controls):
    srv, src, mig = start_slow_live_migration(nc, servers, controls)
    t0 = time.monotonic()
    nc.server_migrations.live_migrate_force_complete(srv, mig.id)
    srv = wait(nc, srv.id, "ACTIVE", host_not=src)
    assert migration(nc, srv.id, mig.id).status == "completed"
    assert time.monotonic() - t0 < 15


def test_injected_live_migration_failure(nc, servers, controls):
    (srv,) = servers()
    src = host_of(srv)
    controls.inject_failure(None, "live_migration", server=srv.id)
    nc.servers.live_migrate(srv, host=None, block_migration="auto")
    mig = migration(nc, srv.id)
    srv = wait(nc, srv.id, "ACTIVE")
    assert (mig.status, host_of(srv)) == ("failed", src)
    # used up: the next one works
    nc.servers.live_migrate(srv, host=None, block_migration="auto")
    srv = wait(nc, srv.id, "ACTIVE", host_not=src)
    assert migration(nc, srv.id).status == "completed"


def test_injected_precheck_failure_on_every_destination(nc, servers, controls):
    (srv,) = servers()
    src = host_of(srv)
    controls.inject_failure(None, "live_migration_precheck", times=None, server=srv.id)
    nc.servers.live_migrate(srv, host=None, block_migration="auto")
    mig = migration(nc, srv.id)
    srv = wait(nc, srv.id, "ACTIVE")
    assert (mig.status, host_of(srv)) == ("error", src)


def test_cold_migration_confirm(nc, servers):
    (srv,) = servers()
    src = host_of(srv)
    nc.servers.migrate(srv)
    srv = wait(nc, srv.id, "VERIFY_RESIZE")
    assert host_of(srv) != src
    nc.servers.confirm_resize(srv)
    srv = wait(nc, srv.id, "ACTIVE")
    mig = migration(nc, srv.id)
    assert (mig.migration_type, mig.status, mig.source_compute) == ("migration", "confirmed", src)


def test_injected_cold_migration_failure_keeps_the_server(nc, servers, controls):
    (srv,) = servers()
    src = host_of(srv)
    controls.inject_failure(None, "cold_migration", server=srv.id)
    nc.servers.migrate(srv)
    mig = migration(nc, srv.id)
    srv = wait(nc, srv.id, "ACTIVE")
    assert (mig.status, host_of(srv)) == ("error", src)


def test_evacuate_from_failed_host_then_restore(nc, peer, servers):
    (srv,) = servers()
    src = host_of(srv)
    peer.fail_host(src)
    try:
        service = peer.compute_service(src)
        assert service["forced_down"] is True and service["state"] == "down"
        nc.servers.evacuate(srv)  # microversion >= 2.95: ends SHUTOFF
        srv = wait(nc, srv.id, "SHUTOFF", host_not=src)
        mig = migration(nc, srv.id, final=False)
        assert (mig.migration_type, mig.source_compute, mig.dest_compute) == ("evacuation", src, host_of(srv))
    finally:
        peer.restore_host(src)
    service = peer.compute_service(src)
    assert (service["forced_down"], service["state"]) == (False, "up")
    # the restarted compute destroyed the evacuated guest and completed the record
    assert migration(nc, srv.id, mig.id).status == "completed"
    nc.servers.start(srv)
    srv = wait(nc, srv.id, "ACTIVE")
    nc.servers.live_migrate(srv, host=src, block_migration="auto")
    assert host_of(wait(nc, srv.id, "ACTIVE", host_not=host_of(srv))) == src


def test_os_migrations_lists_every_kind(nc, servers):
    (srv,) = servers()
    nc.servers.live_migrate(srv, host=None, block_migration="auto")
    srv = wait(nc, srv.id, "ACTIVE", host_not=host_of(srv))
    migration(nc, srv.id)
    nc.servers.migrate(srv)
    srv = wait(nc, srv.id, "VERIFY_RESIZE")
    nc.servers.confirm_resize(srv)
    wait(nc, srv.id, "ACTIVE")
    migration(nc, srv.id)
    kinds = [(m.migration_type, m.status) for m in sorted(nc.migrations.list(instance_uuid=srv.id), key=lambda m: m.id)]
    assert kinds == [("live-migration", "completed"), ("migration", "confirmed")]
    actions = [a.action for a in nc.instance_action.list(srv.id)]
    assert {"create", "live-migration", "migrate", "confirmResize"} <= set(actions)


def test_versioned_notifications_on_the_bus(peer, servers):
    """Nova publishes versioned notifications (exchange ``nova``, topic ``versioned_notifications``)."""
    kombu = pytest.importorskip("kombu")
    seen: list[str] = []

    def on_message(body, message):
        message.ack()
        envelope = json.loads(body["oslo.message"]) if "oslo.message" in body else body
        seen.append(envelope["event_type"])

    url = "amqp://" + peer.transport_url.split("://", 1)[1]
    with kombu.Connection(url) as conn:
        # a queue of our own, gone when we disconnect: versioned_notifications.info is vmove's
        exchange = kombu.Exchange("nova", type="topic", passive=True)
        queue = kombu.Queue(exchange=exchange, routing_key="versioned_notifications.info", exclusive=True)
        with conn.Consumer(queue, callbacks=[on_message], accept=["json"]):
            servers()
            deadline = time.monotonic() + 30
            while "instance.create.end" not in seen and time.monotonic() < deadline:
                with contextlib.suppress(TimeoutError, OSError):
                    conn.drain_events(timeout=1)
    assert "instance.create.end" in seen, f"saw {sorted(set(seen))}"
    assert "instance.create.start" in seen
