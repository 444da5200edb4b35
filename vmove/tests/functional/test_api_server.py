"""vmove-api as a deployer runs it: several worker processes on one port, /healthcheck, a clean stop;
and the noauth guard of vmove-api and vmove-all."""

import concurrent.futures
import http.client
import json
import signal
import subprocess

from vmove.tests.functional import processes


def test_noauth_refused_off_loopback(tmp_path):
    conf = tmp_path / "vmove.conf"
    conf.write_text(f"[DEFAULT]\nstate_path = {tmp_path}\n[api]\nauth_strategy = noauth\nhost_ip = 0.0.0.0\n")
    for command in ("vmove-api", "vmove-all"):
        r = subprocess.run(
            [str(processes.BIN / command), "--config-file", str(conf)], capture_output=True, text=True, timeout=60
        )
        assert r.returncode == 2, (command, r.stdout[-2000:], r.stderr[-2000:])
        assert "Refusing to serve the API on 0.0.0.0 with [api] auth_strategy = noauth" in r.stderr, r.stderr
        assert "allow_noauth_on_any_address" in r.stderr


def test_workers_serve_and_stop_cleanly(tmp_path):
    port = processes.free_port()
    db = tmp_path / "vmove.sqlite"
    conf = tmp_path / "vmove.conf"
    conf.write_text(
        f"[DEFAULT]\nstate_path = {tmp_path}\ntransport_url = fake://\n[database]\nconnection = sqlite:///{db}\n"
        f"[api]\nauth_strategy = noauth\nport = {port}\nworkers = 2\nthreads = 4\n"
    )
    subprocess.run([str(processes.BIN / "vmove-manage"), "--config-file", str(conf), "db", "sync"], check=True)
    api = processes.api(conf, tmp_path / "api.log", port)
    try:

        def session(_):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            statuses = []
            for path in ("/", "/v1/moves", "/healthcheck", "/v1/moves?limit=1"):
                conn.request("GET", path, headers={"Accept": "application/json"})
                r = conn.getresponse()
                r.read()
                statuses.append(r.status)
            conn.close()
            return statuses

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            results = list(pool.map(session, range(64)))
        assert all(s == [200, 200, 200, 200] for s in results), results
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/healthcheck", headers={"Accept": "application/json"})
        assert json.loads(conn.getresponse().read())["reasons"] == ["OK", "OK"]
        children = subprocess.run(["pgrep", "-P", str(api.popen.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) >= 2, children  # the workers
    finally:
        api.popen.send_signal(signal.SIGTERM)
        code = api.popen.wait(timeout=60)
    assert code == 0, api.tail()


def test_healthcheck_sees_the_broker(conf):
    """The RPC check connects to the RabbitMQ of transport_url: OK on this machine's, unreachable on a
    closed port (with the reason)."""
    from vmove.api import health
    from vmove.tests import fixtures as vfixtures

    vfixtures.require_url(vfixtures.RABBIT_URL)
    conf.set_override("transport_url", vfixtures.RABBIT_URL)
    assert health.RPCCheck(conf, {}).healthcheck(0).available
    conf.set_override("transport_url", f"rabbit://guest:guest@127.0.0.1:{processes.free_port()}/")
    result = health.RPCCheck(conf, {}).healthcheck(0)
    assert not result.available and result.reason == "RPC bus unreachable", result.details
