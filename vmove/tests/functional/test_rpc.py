"""RPC round-trips between the API side and a real engine service, over
RabbitMQ and over the in-process transport, with the engine's heartbeat
visible through GET /v1/engines over real HTTP."""

import json
import time
import urllib.request
import uuid

import pytest

from vmove import context as vmove_context
from vmove import rpc
from vmove.api import app as api_app
from vmove.api import server
from vmove.engine import rpcapi
from vmove.engine import service as engine_service
from vmove.tests import fixtures as vfixtures


@pytest.fixture(params=["rabbit", "fake"])
def transport(request, conf):
    if request.param == "rabbit":
        vfixtures.require_url(vfixtures.RABBIT_URL)
        url = vfixtures.RABBIT_URL
    else:
        url = "fake://"
    rpc.get_transport(conf)  # registers transport_url
    rpc.cleanup()
    conf.set_override("transport_url", url)
    # a topic of its own, so that parallel runs never answer each other
    conf.set_override("topic", f"vmove-engine-test-{uuid.uuid4().hex[:8]}", group="engine")
    conf.set_override("heartbeat_interval", 0.2, group="engine")
    yield request.param
    rpc.cleanup()


def test_ping_round_trip_and_heartbeat(transport, conf, db):
    engine = engine_service.EngineService(conf)
    engine.start()
    try:
        ctx = vmove_context.RequestContext(project_id="p", user_id="u", roles=["admin"])
        answer = rpcapi.EngineAPI(conf).ping(ctx, data={"hello": [1, 2]}, timeout=20)
        assert answer["engine_id"] == engine.engine_id
        assert answer["data"] == {"hello": [1, 2]}
        assert answer["request_id"] == ctx.request_id

        conf.set_override("auth_strategy", "noauth", group="api")
        srv = server.APIServer(api_app.setup_app(conf), conf, "127.0.0.1", 0)
        srv.start()
        try:

            def engines():
                req = urllib.request.Request(srv.url + "/v1/engines", headers={"OpenStack-API-Version": "vmove 1.1"})
                with urllib.request.urlopen(req, timeout=10) as r:
                    return json.loads(r.read())["engines"]

            first = engines()
            assert [(e["id"], e["state"]) for e in first] == [(engine.engine_id, "up")]
            time.sleep(0.6)
            later = engines()
            assert later[0]["last_heartbeat"] > first[0]["last_heartbeat"]
        finally:
            srv.stop()
    finally:
        engine.stop()
    ctx = vmove_context.get_admin_context()
    from vmove.engine import heartbeat

    [row] = heartbeat.get_all(ctx)
    assert row.state(60) == "stopped"
