"""Versioned oslo.messaging notifications: ``vmove.move.<status>`` on every change of a move.

The plumbing is shared: other features (plans: ``vmove.run.<status>``,
``vmove.plan.<event>``, see :mod:`vmove.plans.notify`) build their payload
with :func:`versioned` and send it with :func:`emit`, on the notifier this
module sets up once per process.
"""

import logging
import threading

from vmove import context as vmove_context
from vmove import metrics, rpc, vocabulary

LOG = logging.getLogger(__name__)

PAYLOAD_VERSION = "1.0"
#: the payload's fields (1.0): a move's, but its parameters and volume types
_FIELDS = tuple(f for f in vocabulary.MOVE_FIELDS if f not in ("source_type", "dest_type", "params"))

_lock = threading.Lock()
_notifier = None
_conf = None


def setup(conf, publisher_id: str) -> None:
    """Enable notifications for this process (the engine and the API call it at start)."""
    global _notifier, _conf
    with _lock:
        _conf = conf
        _notifier = rpc.get_notifier(conf, publisher_id) if conf.engine.notifications else None


def reset() -> None:
    global _notifier, _conf
    with _lock:
        _notifier = _conf = None


def isotimes(obj, names) -> dict:
    """``{name: ISO 8601 or None}`` of the times ``names`` of ``obj``."""
    return {f: obj[f].isoformat() if obj[f] is not None else None for f in names}


def versioned(name: str, version: str, data: dict) -> dict:
    """A versioned payload (``vmove_object.*``), the shape of every vmove notification."""
    return {
        "vmove_object.name": name,
        "vmove_object.namespace": "vmove",
        "vmove_object.version": version,
        "vmove_object.data": data,
    }


def enabled() -> bool:
    return _notifier is not None


def emit(ctx, event_type: str, payload: dict, what: str) -> None:
    """Send ``payload`` as ``event_type`` (INFO) if notifications are on; a bus failure is logged, never raised."""
    notifier = _notifier
    if notifier is None:
        return
    try:
        with vmove_context.kept():  # the log lines that follow keep the request ids they had
            notifier.info(ctx, event_type, payload)
        metrics.NOTIFICATIONS_SENT.labels(event_type).inc()
    except Exception:  # a notification bus hiccup never breaks a move, a run or a plan
        LOG.exception("Could not emit the notification %s of %s", event_type, what)


def payload(move, old_status=None, old_phase=None) -> dict:
    data = {f: move[f] for f in _FIELDS}
    data.update(isotimes(move, vocabulary.MOVE_TIMES))
    data["old_status"] = old_status
    data["old_phase"] = old_phase
    return versioned("MovePayload", PAYLOAD_VERSION, data)


def move_changed(ctx, move, old_status=None, old_phase=None) -> None:
    if _notifier is not None:
        emit(ctx, f"vmove.move.{move.status}", payload(move, old_status, old_phase), f"move {move.uuid}")
