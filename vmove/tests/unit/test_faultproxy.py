"""The fault proxy of the fault tests: forwards, cuts, stalls, recovers."""

import socket
import threading

import pytest

from vmove.tests.faultproxy import FaultProxy


@pytest.fixture
def echo():
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(
                target=lambda c=conn: [c.sendall(d) for d in iter(lambda: c.recv(1024), b"")], daemon=True
            ).start()

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


def _roundtrip(port, data=b"ping", timeout=2.0):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        return s.recv(1024)


def test_forward_cut_stall_recover(echo):
    proxy = FaultProxy("127.0.0.1", echo).start()
    try:
        assert _roundtrip(proxy.port) == b"ping"
        held = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
        held.sendall(b"a")
        assert held.recv(10) == b"a"
        with proxy.cut():
            assert held.recv(10) == b""  # the open connection was closed
            with pytest.raises(OSError):
                got = _roundtrip(proxy.port)
                assert got == b""  # accepted, then closed at once
                raise ConnectionResetError
        assert _roundtrip(proxy.port) == b"ping"  # back
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=0.5) as s:
            with proxy.stall():
                s.sendall(b"stuck")
                with pytest.raises(TimeoutError):
                    s.recv(10)
            s.settimeout(2)
            assert s.recv(10) == b"stuck"  # delivered once the stall ends
        assert (
            proxy.url("postgresql+psycopg2://u:p@127.0.0.1:5432/db")
            == f"postgresql+psycopg2://u:p@127.0.0.1:{proxy.port}/db"
        )
        assert proxy.url("rabbit://guest:guest@127.0.0.1:5672/") == f"rabbit://guest:guest@127.0.0.1:{proxy.port}/"
        assert (proxy.cuts, proxy.stalls) == (1, 1)
    finally:
        proxy.stop()
