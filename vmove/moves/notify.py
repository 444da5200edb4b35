"""Versioned oslo.messaging notifications: ``vmove.move.<status>`` on every change."""

import logging
import threading

from vmove import context as vmove_context
from vmove import metrics, rpc

LOG = logging.getLogger(__name__)

PAYLOAD_VERSION = "1.0"
_FIELDS = (
    "uuid",
    "resource_type",
    "resource_id",
    "resource_name",
    "type",
    "status",
    "phase",
    "source_host",
    "dest_host",
    "source_backend",
    "dest_backend",
    "priority",
    "attempt",
    "progress",
    "message",
    "project_id",
    "user_id",
    "origin",
)

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


def payload(move, old_status=None, old_phase=None) -> dict:
    data = {f: move[f] for f in _FIELDS}
    for f in ("start_time", "end_time", "created_at", "updated_at"):
        value = move[f]
        data[f] = value.isoformat() if value is not None else None
    data["old_status"] = old_status
    data["old_phase"] = old_phase
    return {
        "vmove_object.name": "MovePayload",
        "vmove_object.namespace": "vmove",
        "vmove_object.version": PAYLOAD_VERSION,
        "vmove_object.data": data,
    }


def move_changed(ctx, move, old_status=None, old_phase=None) -> None:
    notifier = _notifier
    if notifier is None:
        return
    event_type = f"vmove.move.{move.status}"
    try:
        with vmove_context.kept():  # the log lines that follow keep the request ids they had
            notifier.info(ctx, event_type, payload(move, old_status, old_phase))
        metrics.NOTIFICATIONS_SENT.labels(event_type).inc()
    except Exception:  # a notification bus hiccup never breaks a move
        LOG.exception("Could not emit the notification of move %s", move.uuid)
