"""An engine killed with SIGKILL in the middle of moves loses nothing: a
second engine takes its moves over when their leases run out, asks Nova where
each really is, and never repeats a move that already happened."""

import os
import signal
import uuid

import pytest

from vmove import rpc
from vmove.tests import fixtures as vfixtures
from vmove.tests.functional import moves_env, processes

pytestmark = pytest.mark.devcloud


@pytest.fixture
def nova(devcloud):
    devcloud.require("nova")
    comp = devcloud.component("nova")
    yield comp, devcloud.nova("admin")


def test_sigkill_engine_mid_moves(conf, tmp_path, devcloud, nova):
    comp, client = nova
    vfixtures.require_url(vfixtures.RABBIT_URL)
    dbfx = vfixtures.Database(tmpdir=tmp_path, url=vfixtures.POSTGRES_URL)
    dbfx.setUp()
    topic = f"vmove-engine-test-{uuid.uuid4().hex[:8]}"
    conf_file = processes.write_conf(tmp_path / "vmove.conf", dbfx.url, topic, **processes.cloud_groups(devcloud))
    srv = processes.api_in_process(conf, topic)
    env = moves_env.VmoveEnv(srv.url, engine=None)
    booted = []
    first = second = None
    try:
        from vmove.devcloud import seed

        flavor = seed.ensure_flavors(client)["m1.tiny"]
        for i in range(4):
            booted.append(client.servers.create(f"failover-{i}", seed.image_id(), flavor, nics="none", host="host1"))
        for s in booted:
            processes.wait_for(lambda s=s: client.servers.get(s.id).status == "ACTIVE", f"boot {s.id}")
        for s in booted:
            comp.set_live_migration_seconds(4, server=s.id)

        first = processes.engine(conf_file, tmp_path / "engine-a.log").popen
        moves = [
            env.request(resource_type="instance", resource_id=s.id, type="live_migration", params={"host": "host2"})
            for s in booted
        ]
        # wait until the engine started them all on Nova (Nova runs one live
        # migration per host at a time and queues the others), then kill it outright
        processes.wait_for(
            lambda: all(env.move(m["uuid"])["phase"] in ("preparing", "running") for m in moves),
            "all moves started on Nova",
        )
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        # a move requested while no engine runs waits, pending
        late_server = client.servers.create("failover-late", seed.image_id(), flavor, nics="none", host="host3")
        booted.append(late_server)
        processes.wait_for(lambda: client.servers.get(late_server.id).status == "ACTIVE", "boot late")
        late = env.request(
            resource_type="instance", resource_id=late_server.id, type="live_migration", params={"host": "host2"}
        )
        assert env.move(late["uuid"])["status"] == "pending"

        second = processes.engine(conf_file, tmp_path / "engine-b.log").popen
        for m in moves + [late]:
            done = env.wait(m["uuid"], timeout=120)
            assert done["status"] == "succeeded", (done, env.events(m["uuid"]))
        for m in moves:
            events = env.events(m["uuid"])
            assert any((e["detail"] or {}).get("taken_over_from") for e in events), events
            executed = [e for e in events if (e["detail"] or {}).get("executed")]
            assert len(executed) == 1, f"the move was started on Nova {len(executed)} times: {events}"
        # Nova agrees: one live migration per instance, each completed, all now on host2
        for s in booted:
            records = [r for r in client.migrations.list(instance_uuid=s.id) if r.migration_type == "live-migration"]
            assert [r.status for r in records] == ["completed"], records
            assert getattr(client.servers.get(s.id), "OS-EXT-SRV-ATTR:host") == "host2"
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=30)
        srv.stop()
        rpc.cleanup()
        for s in booted:
            comp.set_live_migration_seconds(None, server=s.id)
            try:
                client.servers.delete(s.id)
            except Exception:  # noqa: BLE001
                pass
        dbfx.cleanUp()
