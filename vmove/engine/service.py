"""The engine service: an RPC server plus a heartbeat into the database.

No eventlet: oslo.messaging runs with its threading executor and the
heartbeat is a plain thread.
"""

import logging
import os
import threading

import oslo_messaging as messaging
from oslo_utils import uuidutils

from vmove import clients as vmove_clients
from vmove import context as vmove_context
from vmove import metrics, rpc, version
from vmove.engine import gauges, heartbeat, manager, rpcapi, runner
from vmove.moves import notify

LOG = logging.getLogger(__name__)


class EngineService:
    def __init__(self, conf, engine_id: str | None = None, clients=None, run_moves: bool = True):
        self.conf = conf
        self.engine_id = engine_id or uuidutils.generate_uuid()
        self.clients = clients or vmove_clients.Clients(conf)
        self.runner = runner.MoveRunner(conf, self.engine_id, self.clients) if run_moves else None
        self.manager = manager.EngineManager(conf, self.engine_id, self.runner)
        self._server = None
        self._stop = threading.Event()
        self._heartbeat_thread = None
        self.metrics_port = None

    def heartbeat(self) -> None:
        heartbeat.beat(
            vmove_context.get_admin_context(),
            self.engine_id,
            self.conf.host,
            self.conf.engine.topic,
            pid=os.getpid(),
            version=version.version_string(),
            rpc_version=rpcapi.RPC_API_VERSION,
        )

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(self.conf.engine.heartbeat_interval):
            try:
                self.heartbeat()
            except Exception:  # a DB hiccup must not kill the engine
                LOG.exception("Engine %s: heartbeat failed", self.engine_id)

    def start(self) -> None:
        notify.setup(self.conf, f"vmove-engine:{self.conf.host}")
        self.heartbeat()
        if self.conf.metrics.enabled:
            metrics.register_collector(gauges.Gauges(self.conf))
            self.metrics_port = metrics.serve(self.conf, self.conf.metrics.engine_port)
        target = messaging.Target(topic=self.conf.engine.topic, server=self.engine_id)
        self._server = rpc.get_server(self.conf, target, [self.manager])
        self._server.start()
        self._heartbeat_thread = threading.Thread(
            target=self._heartbeat_loop, name="vmove-engine-heartbeat", daemon=True
        )
        self._heartbeat_thread.start()
        if self.runner is not None:
            self.runner.start()
        LOG.info("Engine %s started on %s (topic %s)", self.engine_id, self.conf.host, self.conf.engine.topic)

    def stop(self) -> None:
        self._stop.set()
        if self.runner is not None:
            self.runner.stop()
        if self._server is not None:
            self._server.stop()
            self._server.wait()
            self._server = None
        if self._heartbeat_thread is not None:
            self._heartbeat_thread.join(timeout=5)
        try:
            heartbeat.stopped(vmove_context.get_admin_context(), self.engine_id)
        except Exception:
            LOG.exception("Engine %s: could not record its stop", self.engine_id)
        LOG.info("Engine %s stopped", self.engine_id)
