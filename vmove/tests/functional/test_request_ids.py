"""One request id from the user to Nova: the ``X-OpenStack-Request-ID`` a user sends with a move request
is in vmove's engine log (through RPC, and when the engine acts on the move at a later poll), is sent to Nova
as the global request id (found in nova-api's log beside Nova's own id), and the move's events record the
request ids Nova answered with: ``grep`` on one id finds the move everywhere."""

import uuid

import pytest

from vmove import context as vmove_context
from vmove import rpc
from vmove.engine import heartbeat
from vmove.tests import fixtures as vfixtures
from vmove.tests.functional import moves_env, processes
from vmove.tests.functional.test_instance_moves import nova, servers  # noqa: F401

pytestmark = pytest.mark.devcloud


def test_one_request_id_from_the_user_to_nova(conf, tmp_path, devcloud, servers):  # noqa: F811
    vfixtures.require_url(vfixtures.RABBIT_URL)
    dbfx = vfixtures.Database(tmpdir=tmp_path, url=vfixtures.POSTGRES_URL)
    dbfx.setUp()
    topic = f"vmove-engine-test-{uuid.uuid4().hex[:8]}"
    conf_file = processes.write_conf(tmp_path / "vmove.conf", dbfx.url, topic, **processes.cloud_groups(devcloud))
    engine = processes.Process("vmove-engine", [conf_file], tmp_path / "engine.log")
    srv = processes.api_in_process(conf, topic)
    try:
        env = moves_env.VmoveEnv(srv.url, engine=None)
        ctx = vmove_context.get_admin_context()
        processes.wait_for(lambda: any(e.topic == topic for e in heartbeat.get_all(ctx)), "the engine")
        s = servers("host1")
        request_id = f"req-{uuid.uuid4()}"
        code, body = env.call(
            "POST",
            "/v1/moves",
            {
                "move": {
                    "resource_type": "instance",
                    "resource_id": s.id,
                    "type": "live_migration",
                    "params": {"host": "host2"},
                }
            },
            headers={"X-OpenStack-Request-ID": request_id},
        )
        assert code == 202, body
        done = env.wait(body["move"]["uuid"])
        assert done["status"] == "succeeded", done

        # the events: Nova's own request ids, of the start request and of the listing that saw the end
        events = env.events(done["uuid"])
        executed = [e["detail"] for e in events if (e["detail"] or {}).get("executed")]
        assert len(executed) == 1 and executed[0]["request_id"], events
        nova_id = executed[0]["request_id"]
        assert nova_id in executed[0]["backend_request_ids"]
        assert (events[-1]["detail"] or {}).get("backend_request_ids"), events[-1]

        # Nova: the user's id is the global request id of vmove's calls, beside Nova's own
        nova_log = devcloud.cloud.logfile("nova-api")
        lines = [ln for ln in nova_log.read_text(errors="replace").splitlines() if request_id in ln]
        assert any(nova_id in ln and s.id in ln and "POST" in ln for ln in lines), lines[-5:]
        # vmove's engine: the cast that woke it, and its work on the move at a later poll
        engine_lines = [ln for ln in engine.text().splitlines() if request_id in ln]
        assert any(f"Move {done['uuid']} requested" in ln for ln in engine_lines), engine.text()[-3000:]
        assert any(f"Move {done['uuid']} (live_migration" in ln and "sent to the backend" in ln for ln in engine_lines)
    finally:
        srv.stop()
        engine.stop()
        rpc.cleanup()
        dbfx.cleanUp()
