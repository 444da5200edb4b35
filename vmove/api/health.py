"""``/healthcheck``: oslo.middleware's healthcheck, with vmove's checks of the database and the RPC bus.

``GET /healthcheck`` (no authentication, as in every OpenStack API) answers 200 when every backend
of ``[healthcheck] backends`` is available, 503 otherwise; vmove's defaults (:mod:`vmove.conf.api`)
are ``vmove_database`` (a ``SELECT 1``) and ``vmove_rpc`` (an AMQP connection to the broker of ``transport_url``; always
available on the in-process ``fake://`` transport). Monitoring tools ask often: a result is reused
for ``CACHE_SECONDS``.
"""

import threading
import time

import kombu
import oslo_messaging as messaging
from oslo_middleware import healthcheck
from oslo_middleware.healthcheck import pluginbase

from vmove import context
from vmove.db import api as db_api

PATH = "/healthcheck"
CACHE_SECONDS = 2.0
CONNECT_TIMEOUT = 3


class _Cached(pluginbase.HealthcheckBaseExtension):
    """A check whose result is kept ``CACHE_SECONDS``."""

    def __init__(self, oslo_conf, conf):
        super().__init__(oslo_conf, conf)
        self._lock = threading.Lock()
        self._result = None
        self._at = 0.0

    def healthcheck(self, server_port):
        with self._lock:
            if self._result is None or time.monotonic() - self._at > CACHE_SECONDS:
                try:
                    self.check()
                    self._result = pluginbase.HealthcheckResult(available=True, reason="OK")
                except Exception as e:  # noqa: BLE001 - any failure is the answer
                    self._result = pluginbase.HealthcheckResult(
                        available=False, reason=f"{self.WHAT} unreachable", details=str(e)
                    )
                self._at = time.monotonic()
            return self._result


class DatabaseCheck(_Cached):
    WHAT = "database"

    def check(self):
        db_api.ping(context.get_admin_context())


class RPCCheck(_Cached):
    WHAT = "RPC bus"

    def check(self):
        url = messaging.TransportURL.parse(self.oslo_conf, self.oslo_conf.transport_url)
        if not url.transport.startswith("rabbit") and not url.transport.startswith("amqp"):
            return  # fake:// (in-process) is always there
        errors = []
        for host in url.hosts or [messaging.TransportHost(hostname="localhost")]:
            conn = kombu.Connection(
                hostname=host.hostname or "localhost",
                port=host.port or 5672,
                userid=host.username or "guest",
                password=host.password or "guest",
                virtual_host=url.virtual_host or "/",
                connect_timeout=CONNECT_TIMEOUT,
            )
            try:
                conn.connect()
                return
            except Exception as e:  # noqa: BLE001
                errors.append(f"{host.hostname}:{host.port}: {e}")
            finally:
                conn.release()
        raise ConnectionError("; ".join(errors))


class HealthcheckPath:
    """``/healthcheck`` to oslo.middleware's healthcheck, everything else to the API."""

    def __init__(self, application, conf):
        self.application = application
        self.health = healthcheck.Healthcheck(None, conf)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").rstrip("/") == PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return self.health(environ, start_response)
        return self.application(environ, start_response)
