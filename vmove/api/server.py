"""The API's own HTTP server (vmove-api and vmove-all): cheroot, threaded, keep-alive.

cheroot is the pure-Python WSGI server CherryPy is built on (Ironic serves its API with it since it
dropped eventlet): a pool of ``[api] threads`` threads serves the requests; idle keep-alive
connections wait in a selector, not in a thread; the listening socket has a backlog of ``[api]
backlog``. :meth:`APIServer.stop` closes the listening socket, then gives the requests in progress
``[api] graceful_shutdown_timeout`` seconds to finish. ``[api] workers`` > 1 runs that many such
processes on one port (``SO_REUSEPORT``; :func:`serve`).

Production deployments may as well run ``vmove.wsgi.api:application`` under any WSGI server
(uwsgi, gunicorn, mod_wsgi).
"""

import ipaddress
import logging
import socket
import threading

from cheroot import wsgi

from vmove import exception

LOG = logging.getLogger(__name__)


class NoAuthNotLoopback(exception.VmoveException):
    msg_fmt = (
        "Refusing to serve the API on %(host)s with [api] auth_strategy = noauth: every client that reaches "
        "that address would be an administrator. Listen on a loopback address (127.0.0.1, ::1), use "
        "auth_strategy = keystone, or, on a network nobody else can reach, set [api] "
        "allow_noauth_on_any_address = true."
    )


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` (a name or an address) stands for is a loopback one."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0].split("%")[0]).is_loopback for i in infos)


def check_auth(conf, host: str) -> None:
    """Refuse noauth on an address others can reach, unless the operator said so."""
    api = conf.api
    if api.auth_strategy == "noauth" and not api.allow_noauth_on_any_address and not is_loopback(host):
        raise NoAuthNotLoopback(host=host)


class APIServer:
    """One process's server: ``start()`` (in a thread) or ``serve_forever()``, then ``stop()``."""

    def __init__(self, app, conf, host: str | None = None, port: int | None = None, reuse_port: bool = False):
        api = conf.api
        host = api.host_ip if host is None else host
        port = api.port if port is None else port
        check_auth(conf, host)
        self._server = wsgi.Server(
            (host, port),
            app,
            numthreads=api.threads,
            server_name="vmove",
            request_queue_size=api.backlog,
            timeout=api.keepalive_timeout,
            shutdown_timeout=api.graceful_shutdown_timeout,
            reuse_port=reuse_port,
        )
        # bind now: a port in use fails the start, not a thread later
        self._server.prepare()
        self.host, self.port = self._server.bind_addr[:2]
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._serve, name="vmove-api", daemon=True)
        self._thread.start()
        LOG.info("vmove API listening on %s", self.url)

    def _serve(self) -> None:
        try:
            self._server.serve()
        finally:
            self._stopped.set()

    def serve_forever(self) -> None:
        LOG.info("vmove API listening on %s", self.url)
        self._serve()

    def stop(self) -> None:
        """Stop accepting, finish the requests in progress (up to the graceful timeout), close."""
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
        LOG.info("vmove API on %s stopped", self.url)
