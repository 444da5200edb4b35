"""The API's own server and its edge: cheroot over real HTTP (keep-alive, graceful stop), the body size
limit, /healthcheck, CORS, the noauth guard, and no eventlet anywhere."""

import http.client
import json
import subprocess
import sys
import threading
import time

from oslo_db import exception as db_exc
import pytest
import sqlalchemy.exc as sa_exc

from vmove.api import server

MOVE = {"move": {"resource_type": "instance", "resource_id": "", "type": "live_migration"}}


def test_noauth_only_on_loopback(conf):
    conf.set_override("auth_strategy", "noauth", group="api")
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        server.check_auth(conf, host)
    for host in ("0.0.0.0", "::", "192.0.2.10"):
        with pytest.raises(server.NoAuthNotLoopback) as e:
            server.check_auth(conf, host)
        assert f"on {host} with [api] auth_strategy = noauth" in e.value.message
        assert "allow_noauth_on_any_address" in e.value.message
    conf.set_override("allow_noauth_on_any_address", True, group="api")
    server.check_auth(conf, "0.0.0.0")
    conf.set_override("allow_noauth_on_any_address", False, group="api")
    conf.set_override("auth_strategy", "keystone", group="api")
    server.check_auth(conf, "0.0.0.0")


def test_noauth_server_refuses_a_public_address(conf):
    conf.set_override("auth_strategy", "noauth", group="api")
    with pytest.raises(server.NoAuthNotLoopback):
        server.APIServer(lambda e, s: [], conf, "0.0.0.0", 0)


def test_body_above_the_limit_is_413_and_nothing_written(api, conf):
    limit = conf.api.max_request_body_size
    body = dict(MOVE)
    body["pad"] = "x" * (limit + 10)
    r = api.request("POST", "/v1/moves", body=body, version="1.2")
    assert r.status_int == 413
    message = r.json_body_or_none["overLimit"]["message"]
    assert f"at most {limit} bytes" in message and "max_request_body_size" in message
    assert api.get("/v1/moves").json_body_or_none == {"moves": []}


def test_healthcheck(api, conf):
    r = api.request("GET", "/healthcheck", headers={"Accept": "application/json"})
    assert r.status_int == 200, r.body
    assert r.json_body_or_none["reasons"] == ["OK", "OK"]
    r = api.request("HEAD", "/healthcheck")
    assert r.status_int in (200, 204)


def test_healthcheck_database_down(conf, db):
    from vmove.api import app as api_app
    from vmove.api import health
    from vmove.tests.conftest import InProcessClient

    conf.set_override("auth_strategy", "noauth", group="api")
    client = InProcessClient(api_app.setup_app(conf))
    db_check = health.DatabaseCheck
    original = db_check.check

    def broken(self):
        raise ConnectionError("connection refused")

    db_check.check = broken
    try:
        r = client.request("GET", "/healthcheck", headers={"Accept": "application/json"})
    finally:
        db_check.check = original
    assert r.status_int == 503
    assert "database unreachable" in r.json_body_or_none["reasons"]


def test_cors_preflight(conf, db):
    from vmove.api import app as api_app
    from vmove.tests.conftest import InProcessClient

    conf.set_override("auth_strategy", "noauth", group="api")
    conf.set_override("allowed_origin", ["https://horizon.example"], group="cors")
    client = InProcessClient(api_app.setup_app(conf))
    r = client.request(
        "OPTIONS",
        "/v1/moves",
        headers={
            "Origin": "https://horizon.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-Auth-Token, OpenStack-API-Version, Content-Type",
        },
    )
    assert r.status_int == 200
    assert r.headers["Access-Control-Allow-Origin"] == "https://horizon.example"
    allowed = r.headers["Access-Control-Allow-Headers"].lower()
    assert "openstack-api-version" in allowed and "x-auth-token" in allowed
    r = client.request("GET", "/v1/moves", headers={"Origin": "https://horizon.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://horizon.example"
    assert "OpenStack-API-Version" in r.headers["Access-Control-Expose-Headers"]
    r = client.request("GET", "/v1/moves", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers


# ------------------------------------------------------------------ cheroot over real HTTP
def _slow_app(started: threading.Event, seconds: float):
    def app(environ, start_response):
        if environ["PATH_INFO"] == "/slow":
            started.set()
            time.sleep(seconds)
        body = json.dumps({"path": environ["PATH_INFO"]}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def test_keep_alive_and_graceful_stop(conf):
    started = threading.Event()
    srv = server.APIServer(_slow_app(started, 1.5), conf, "127.0.0.1", 0)
    srv.start()
    try:
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
        socks = set()
        for i in range(20):
            conn.request("GET", f"/fast/{i}")
            r = conn.getresponse()
            assert r.status == 200 and json.loads(r.read()) == {"path": f"/fast/{i}"}
            assert not r.will_close
            socks.add(id(conn.sock))
        assert len(socks) == 1  # one connection for the 20 requests
        conn.close()

        result = {}

        def slow():
            c = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
            c.request("GET", "/slow")
            r = c.getresponse()
            result["status"], result["body"] = r.status, json.loads(r.read())

        t = threading.Thread(target=slow)
        t.start()
        assert started.wait(10)
    finally:
        srv.stop()  # while /slow is being served
    t.join(10)
    assert result == {"status": 200, "body": {"path": "/slow"}}  # the request in progress finished
    with pytest.raises(OSError):
        http.client.HTTPConnection(srv.host, srv.port, timeout=2).request("GET", "/fast/after")


def test_no_eventlet_in_the_service_processes():
    code = (
        "import sys, warnings\n"
        "warnings.simplefilter('always')\n"
        "import vmove.cmd.api, vmove.cmd.all, vmove.cmd.engine\n"
        "from vmove import service\n"
        "service.prepare([], default_config_files=[])\n"
        "import oslo_messaging\n"
        "from oslo_service import backend\n"
        "assert backend.get_backend_type() == backend.BackendType.THREADING, backend.get_backend_type()\n"
        "loaded = [m for m, mod in sys.modules.items() if m.split('.')[0] == 'eventlet' and mod is not None]\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Eventlet is deprecated" not in result.stderr, result.stderr[-3000:]


@pytest.mark.parametrize(
    "error",
    [
        lambda: db_exc.DBConnectionError("connection refused"),
        lambda: sa_exc.OperationalError("SELECT 1", {}, OSError("server closed")),
        lambda: sa_exc.TimeoutError("QueuePool limit reached"),
    ],
)
def test_database_down_is_503_in_the_fault_format(api, monkeypatch, error):
    from vmove.moves import queries

    def down(*args, **kwargs):
        raise error()

    monkeypatch.setattr(queries, "get_all", down)
    r = api.get("/v1/moves")
    assert r.status_int == 503, r.body
    assert r.headers["Retry-After"] == "5"
    assert "database is not reachable" in r.json_body_or_none["serviceUnavailable"]["message"]
