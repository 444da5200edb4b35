"""A small threaded HTTP server for the API (vmove-api and vmove-all).

Production deployments may run ``vmove.wsgi.api:application`` under any WSGI
server instead (uwsgi, gunicorn, mod_wsgi).
"""

import logging
import socketserver
import threading
from wsgiref import simple_server

LOG = logging.getLogger(__name__)


class _Handler(simple_server.WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        LOG.info("%s %s", self.address_string(), format % args)


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class APIServer:
    def __init__(self, app, host: str, port: int):
        self._server = simple_server.make_server(host, port, app, server_class=_Server, handler_class=_Handler)
        self.host, self.port = self._server.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="vmove-api", daemon=True)
        self._thread.start()
        LOG.info("vmove API listening on %s", self.url)

    def serve_forever(self) -> None:
        LOG.info("vmove API listening on %s", self.url)
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
