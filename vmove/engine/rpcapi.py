"""Client side of the engine RPC API.

API version history:

    1.0 - Initial version: ping (an RPC round-trip that names the engine
          that answered).
"""

import oslo_messaging as messaging

from vmove import rpc

RPC_API_VERSION = "1.0"


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
