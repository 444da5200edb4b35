"""A real vmove (API over HTTP + engine, RPC over RabbitMQ, a real database)
wired to the dev cloud, for the functional tests of moves."""

import dataclasses
import json
import time
import urllib.error
import urllib.request
import uuid

import pytest

from vmove import rpc
from vmove.api import app as api_app
from vmove.api import server
from vmove.engine import service as engine_service
from vmove.tests import fixtures as vfixtures

TERMINAL = ("succeeded", "failed", "cancelled", "ignored")


def configure_cloud(conf, cloud, poll=0.2):
    """[service_auth], [nova], [cinder] of vmove for the dev cloud's vmove service user."""
    creds = cloud.credentials("vmove")
    conf.set_override("auth_type", "password", group="service_auth")
    vfixtures.register_password_opts(conf)
    for key in ("auth_url", "username", "password", "project_name", "user_domain_name", "project_domain_name"):
        if key in creds:
            conf.set_override(key.replace("-", "_"), creds[key], group="service_auth")
    conf.set_override("auth_type", "password", group="service_auth")
    conf.set_override("region_name", cloud.region, group="nova")
    conf.set_override("region_name", cloud.region, group="cinder")
    conf.set_override("poll_interval", poll, group="engine")


@dataclasses.dataclass
class VmoveEnv:
    url: str
    engine: engine_service.EngineService

    def call(self, method, path, body=None, version="1.2", headers=None):
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"OpenStack-API-Version": f"vmove {version}", "Content-Type": "application/json"}
        hdrs.update(headers or {})
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def request(self, **move):
        code, body = self.call("POST", "/v1/moves", {"move": move})
        assert code == 202, body
        return body["move"]

    def move(self, uuid_):
        return self.call("GET", f"/v1/moves/{uuid_}")[1]["move"]

    def events(self, uuid_):
        return self.call("GET", f"/v1/moves/{uuid_}/events")[1]["events"]

    def wait(self, uuid_, until=TERMINAL, timeout=120.0, phase=None):
        deadline = time.monotonic() + timeout
        move = None
        while time.monotonic() < deadline:
            move = self.move(uuid_)
            if (phase is not None and move["phase"] == phase) or (phase is None and move["status"] in until):
                return move
            time.sleep(0.2)
        pytest.fail(f"move {uuid_} not {phase or until} after {timeout:.0f}s: {move}\n{self.events(uuid_)}")


@pytest.fixture
def vmove_env(conf, tmp_path, devcloud):
    """vmove-api over HTTP (noauth) + one engine, RPC over RabbitMQ, PostgreSQL, on the dev cloud."""
    vfixtures.require_url(vfixtures.RABBIT_URL)
    dbfx = vfixtures.Database(tmpdir=tmp_path, url=vfixtures.POSTGRES_URL)
    dbfx.setUp()
    rpc.cleanup()
    conf.set_override("transport_url", vfixtures.RABBIT_URL)
    conf.set_override("topic", f"vmove-engine-test-{uuid.uuid4().hex[:8]}", group="engine")
    conf.set_override("auth_strategy", "noauth", group="api")
    conf.set_override("notifications", True, group="engine")
    configure_cloud(conf, devcloud)
    engine = engine_service.EngineService(conf)
    engine.start()
    srv = server.APIServer(api_app.setup_app(conf), conf, "127.0.0.1", 0)
    srv.start()
    try:
        yield VmoveEnv(srv.url, engine)
    finally:
        srv.stop()
        engine.stop()
        rpc.cleanup()
        dbfx.cleanUp()
