"""The engine's RPC endpoint."""

import logging
import os

import oslo_messaging as messaging

from vmove.engine import extensions, rpcapi

LOG = logging.getLogger(__name__)


class EngineManager:
    """Serves the methods listed in :mod:`vmove.engine.rpcapi`."""

    target = messaging.Target(version=rpcapi.RPC_API_VERSION)

    def __init__(self, conf, engine_id: str, runner=None):
        self._conf = conf
        self.engine_id = engine_id
        self.runner = runner

    def ping(self, context, data=None):
        return {
            "engine_id": self.engine_id,
            "host": self._conf.host,
            "pid": os.getpid(),
            "data": data,
            "request_id": context.request_id,
        }

    def move_requested(self, context, move_uuid=None, move=None):
        # the cast's context is this thread's: the line carries the request's ids
        if move is not None:
            LOG.info("Move %s requested: %s of %s %s", move.uuid, move.type, move.resource_type, move.resource_id)
        elif move_uuid is not None:
            LOG.info("Move %s requested", move_uuid)
        if self.runner is not None:
            self.runner.wake()

    def abort_move(self, context, move_uuid):
        if self.runner is not None:
            self.runner.wake()

    def process(self, context, kind, ident):
        extensions.handle(context, self._conf, kind, ident)
        if self.runner is not None:
            self.runner.wake()
