"""Client side of the engine RPC API.

API version history:

    1.0 - Initial version: ping (an RPC round-trip that names the engine
          that answered).
    1.1 - move_requested (cast: a new move is pending) and abort_move (cast:
          a move was marked 'aborting'; send the abort to the backend now).
    1.2 - process (cast: an engine extension has work, e.g. a host-failure
          notification or a plan run; see vmove.engine.extensions).
"""

import logging
import threading

import oslo_messaging as messaging

from vmove import rpc

LOG = logging.getLogger(__name__)

RPC_API_VERSION = "1.2"
#: a cast tries the broker this many times more, then gives up (the engines poll anyway): an API
#: request never waits out a broker outage
CAST_RETRIES = 1


class EngineAPI:
    """What the API (and other engines) ask of the engines."""

    def __init__(self, conf):
        self._conf = conf
        target = messaging.Target(topic=conf.engine.topic, version=RPC_API_VERSION)
        self._client = rpc.get_client(conf, target)

    def ping(self, context, data=None, timeout=None):
        """Round-trip to any engine; returns its identity and ``data`` echoed."""
        cctxt = self._client.prepare(version="1.0", timeout=timeout)
        return cctxt.call(context, "ping", data=data)

    def move_requested(self, context, move_uuid):
        """Wake the engines: a move is pending. Best effort: engines also poll."""
        cctxt = self._client.prepare(version="1.1", fanout=True, retry=CAST_RETRIES)
        self._cast(cctxt, context, "move_requested", move_uuid=move_uuid)

    def abort_move(self, context, move_uuid):
        cctxt = self._client.prepare(version="1.1", fanout=True, retry=CAST_RETRIES)
        self._cast(cctxt, context, "abort_move", move_uuid=move_uuid)

    def process(self, context, kind, ident):
        """Ask one engine to run the ``kind`` extension's handler for ``ident``."""
        cctxt = self._client.prepare(version="1.2", retry=CAST_RETRIES)
        self._cast(cctxt, context, "process", kind=kind, ident=ident)

    @staticmethod
    def _cast(cctxt, context, method, **kwargs):
        try:
            cctxt.cast(context, method, **kwargs)
        except Exception as e:  # noqa: BLE001 - never turn a committed request into an error
            # the move is committed; the engines find it at their next poll
            LOG.warning("Could not cast %s to the engines (%s); they will see it at their next poll", method, e)


_APIS: dict = {}
_APIS_LOCK = threading.Lock()


def for_conf(conf) -> EngineAPI:
    """The engine RPC client of this process for ``conf`` (a new transport, in tests or after a
    reconfiguration, gets a new client)."""
    key = (id(conf), id(rpc.get_transport(conf)))
    with _APIS_LOCK:
        api = _APIS.get(key)
        if api is None:
            _APIS.clear()
            api = _APIS[key] = EngineAPI(conf)
        return api
