"""Client side of the engine RPC API.

API version history:

    1.0 - Initial version: ping (an RPC round-trip that names the engine
          that answered).
    1.1 - move_requested (cast: a new move is pending) and abort_move (cast:
          a move was marked 'aborting'; send the abort to the backend now).
    1.2 - process (cast: an engine extension has work, e.g. a host-failure
          notification or a plan run; see vmove.engine.extensions).
    1.3 - move_requested carries the Move (a versioned object, 1.2: with the
          global request id it is moved under) instead of its uuid: the engines
          log the request under its ids without reading the database.

A client capped by ``[upgrade_levels] engine`` (a rolling upgrade) sends each
method at the newest version the cap allows, and its objects at the versions
that RPC version carried (:data:`OBJECT_VERSIONS`).
"""

import logging
import threading

import oslo_messaging as messaging
from oslo_utils import versionutils

from vmove import context as vmove_context
from vmove import rpc
from vmove.engine import heartbeat

LOG = logging.getLogger(__name__)

RPC_API_VERSION = "1.3"
#: a cast tries the broker this many times more, then gives up (the engines poll anyway): an API
#: request never waits out a broker outage
CAST_RETRIES = 1

#: the RPC version an engine serves when its row has none (engines of releases before the column: 1.2)
UNRECORDED = "1.2"

#: the object versions each RPC version carries: a client capped at a version sends its objects backported to
#: these (a version not listed carries those of the newest listed version below it)
OBJECT_VERSIONS = {
    "1.2": {"Move": "1.1", "MoveList": "1.1", "Engine": "1.0", "EngineList": "1.0"},
    "1.3": {"Move": "1.2", "MoveList": "1.2", "Engine": "1.1", "EngineList": "1.1"},
}


def version_tuple(version: str):
    return versionutils.convert_version_to_tuple(version)


def objects_for(version_cap: str | None) -> dict | None:
    """The object versions a receiver of ``version_cap`` knows (None: no cap, the newest)."""
    if version_cap is None:
        return None
    known = [v for v in OBJECT_VERSIONS if version_tuple(v) <= version_tuple(version_cap)] or [
        min(OBJECT_VERSIONS, key=version_tuple)
    ]
    return dict(OBJECT_VERSIONS[max(known, key=version_tuple)])


def version_cap(context, conf) -> str | None:
    """``[upgrade_levels] engine``: None (no cap), a version, or for ``auto`` the lowest version the engines
    that are up serve (None when every one serves this release's)."""
    level = conf.upgrade_levels.engine
    if not level:
        return None
    if level != "auto":
        return level
    try:
        engines = heartbeat.get_all(context)
    except Exception:  # the database is down: assume the oldest engines vmove knows of
        LOG.exception("[upgrade_levels] engine = auto: cannot read the engines; capping at %s", UNRECORDED)
        return UNRECORDED
    versions = [e.rpc_version or UNRECORDED for e in engines if e.state(conf.engine.engine_down_time) == "up"]
    lowest = min(versions, key=version_tuple, default=RPC_API_VERSION)
    cap = None if version_tuple(lowest) >= version_tuple(RPC_API_VERSION) else lowest
    LOG.info("[upgrade_levels] engine = auto: the engines that are up serve %s; capping at %s", lowest, cap)
    return cap


class EngineAPI:
    """What the API (and other engines) ask of the engines."""

    def __init__(self, conf, context=None):
        self._conf = conf
        self.version_cap = version_cap(context or vmove_context.get_admin_context(), conf)
        if self.version_cap:
            LOG.info("Engine RPC capped at %s ([upgrade_levels] engine)", self.version_cap)
        target = messaging.Target(topic=conf.engine.topic, version=RPC_API_VERSION)
        self._client = rpc.get_client(conf, target, self.version_cap, objects_for(self.version_cap))

    def ping(self, context, data=None, timeout=None):
        """Round-trip to any engine; returns its identity and ``data`` echoed."""
        cctxt = self._client.prepare(version="1.0", timeout=timeout)
        return cctxt.call(context, "ping", data=data)

    def move_requested(self, context, move):
        """Wake the engines: ``move`` (a Move, or None for several) is pending. Best effort: engines also poll."""
        if move is not None and self._client.can_send_version("1.3"):
            cctxt = self._client.prepare(version="1.3", fanout=True, retry=CAST_RETRIES)
            self._cast(cctxt, context, "move_requested", move=move)
            return
        cctxt = self._client.prepare(version="1.1", fanout=True, retry=CAST_RETRIES)
        self._cast(cctxt, context, "move_requested", move_uuid=move.uuid if move is not None else None)

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
    reconfiguration, gets a new client). Its version cap is read when it is made."""
    key = (id(conf), id(rpc.get_transport(conf)))
    with _APIS_LOCK:
        api = _APIS.get(key)
        if api is None:
            _APIS.clear()
            api = _APIS[key] = EngineAPI(conf)
        return api
