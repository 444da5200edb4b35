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


def wait_until(pred, what, timeout=60.0):
    """Wait for a real condition (``pred()`` true), polling; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


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


def boot_active(nova, hosts, made, flavor="m1.tiny", prefix="vm", timeout=120):
    """Boot one server per host in ``hosts`` (in order; ids appended to ``made``); return them once ACTIVE."""
    from vmove.devcloud import seed

    flavor = seed.ensure_flavors(nova)[flavor] if isinstance(flavor, str) else flavor
    batch = [
        nova.servers.create(f"{prefix}-{uuid.uuid4().hex[:6]}", seed.image_id(), flavor, nics="none", host=h)
        for h in hosts
    ]
    made.extend(s.id for s in batch)
    deadline = time.monotonic() + timeout
    ready = {}
    while len(ready) < len(batch) and time.monotonic() < deadline:
        for s in batch:
            s = nova.servers.get(s.id)
            assert s.status != "ERROR", getattr(s, "fault", None)
            if s.status == "ACTIVE" and getattr(s, "OS-EXT-STS:task_state") is None:
                ready[s.id] = s
        time.sleep(0.3)
    assert len(ready) == len(batch), "servers did not become ACTIVE"
    return [ready[s.id] for s in batch]


def delete_booted(nova, nova_peer, made):
    """Delete the servers a test booted, with the faults and slow migrations it set on them."""
    for sid in made:
        nova_peer.clear_failures(server=sid)
        nova_peer.set_live_migration_seconds(None, server=sid)
        try:
            nova.servers.delete(sid)
        except Exception:  # noqa: BLE001 - already gone
            pass
