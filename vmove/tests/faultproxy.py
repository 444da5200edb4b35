"""A small TCP fault proxy for the fault tests: put it between vmove and RabbitMQ or a database server,
then cut or stall every connection for a while, without touching the machine's servers.

    proxy = FaultProxy("127.0.0.1", 5432).start()     # listens on 127.0.0.1:<proxy.port>
    url = proxy.url("postgresql+psycopg2://postgres@127.0.0.1:5432/db")   # the same, through the proxy
    with proxy.cut():        # every connection closed, new ones closed at once (the server "is gone")
        ...
    with proxy.stall():      # connections kept, no byte forwarded either way (the network "hangs")
        ...
    proxy.stop()

Loopback only; threads: one to accept, two per connection to pump bytes.
"""

import contextlib
import logging
import socket
import threading
import time
import urllib.parse

LOG = logging.getLogger(__name__)
CHUNK = 65536


class FaultProxy:
    def __init__(self, target_host: str, target_port: int, listen_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self._listener = socket.create_server((listen_host, 0), reuse_port=False)
        self._listener.settimeout(0.2)
        self.host, self.port = self._listener.getsockname()[:2]
        self._lock = threading.Lock()
        self._pairs: set = set()
        self._down = threading.Event()  # cut: refuse and close
        self._flowing = threading.Event()  # cleared while stalled
        self._flowing.set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.cuts = self.stalls = self.connections = 0

    # ------------------------------------------------------------------ control
    def start(self) -> "FaultProxy":
        self._thread = threading.Thread(target=self._accept_loop, name=f"faultproxy-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._flowing.set()
        self._close_all()
        if self._thread is not None:
            self._thread.join(5)
        self._listener.close()

    def url(self, url: str) -> str:
        """``url`` (a database or transport URL naming the target) pointed at the proxy instead."""
        parsed = urllib.parse.urlsplit(url)
        netloc = parsed.netloc.rsplit("@", 1)
        hostport = f"{self.host}:{self.port}"
        netloc = f"{netloc[0]}@{hostport}" if len(netloc) == 2 else hostport
        return urllib.parse.urlunsplit(parsed._replace(netloc=netloc))

    @contextlib.contextmanager
    def cut(self):
        """While inside: every connection is closed and any new one closed as soon as it is accepted."""
        self.cuts += 1
        self._down.set()
        self._close_all()
        try:
            yield
        finally:
            self._down.clear()

    def cut_for(self, seconds: float) -> None:
        with self.cut():
            time.sleep(seconds)

    @contextlib.contextmanager
    def stall(self):
        """While inside: connections stay open and new ones are accepted, but no byte goes through."""
        self.stalls += 1
        self._flowing.clear()
        try:
            yield
        finally:
            self._flowing.set()

    # ------------------------------------------------------------------ plumbing
    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._down.is_set():
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError as e:
                LOG.info("fault proxy %s: target %s unreachable: %s", self.port, self.target, e)
                _close(client)
                continue
            self.connections += 1
            pair = (client, upstream)
            with self._lock:
                self._pairs.add(pair)
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(pair, src, dst), daemon=True).start()

    def _pump(self, pair, src, dst) -> None:
        src.settimeout(None)
        try:
            while True:
                data = src.recv(CHUNK)
                if not data:
                    break
                self._flowing.wait()
                if self._down.is_set() or self._stop.is_set():
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(pair)

    def _drop(self, pair) -> None:
        with self._lock:
            self._pairs.discard(pair)
        for s in pair:
            _close(s)

    def _close_all(self) -> None:
        with self._lock:
            pairs = list(self._pairs)
            self._pairs.clear()
        for pair in pairs:
            for s in pair:
                _close(s)


def _close(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
