"""Every state change of a move goes through :func:`transition`.

It checks the move type's FSM, fills the timestamps, writes the move and its
event in one transaction (compare-and-swap on the phase, so two writers can
never both win), and only then emits the notification.  Callers act on the
backend only after it returned.
"""

import logging

from oslo_utils import timeutils

from vmove import metrics, utils
from vmove.actions import registry
from vmove.moves import notify, queries, states

LOG = logging.getLogger(__name__)


def transition(ctx, move, phase, *, message=None, detail=None, values=None, engine_id=None, expected=None):
    """Move ``move`` to ``phase``; returns the updated Move object.

    Raises InvalidTransition for an edge the FSM does not have, and Conflict
    when the row changed under us (another engine or the API got there first).
    """
    fsm = registry.fsm(move.type)
    status = states.check(fsm, move.uuid, move.phase, phase)
    now = timeutils.utcnow()
    vals = dict(values or {})
    vals.update(phase=phase, status=status)
    if status == states.ONGOING and move.start_time is None:
        vals.setdefault("start_time", now)
    if status in states.TERMINAL:
        vals.setdefault("end_time", now)
        vals["lease_until"] = None
        if status == states.SUCCEEDED:
            vals["progress"] = 100
    elif "progress" not in vals:
        fsm_progress = fsm.progress.get(phase)
        if fsm_progress is not None and fsm_progress > (move.progress or 0):
            vals["progress"] = fsm_progress
    if message is not None:
        vals["message"] = message
    event = {"message": message, "detail": detail, "engine_id": engine_id, "at": now}
    cas = {"phase": move.phase, "status": move.status}
    cas.update(expected or {})
    timing: dict = {}
    new = queries.write_transition(ctx, move.uuid, vals, event, expected=cas, timing=timing)
    _count(move, new, timing.get("entered"))
    notify.move_changed(ctx, new, move.status, move.phase)
    return new


def _count(old, new, entered) -> None:
    """The metrics of a state change written (:mod:`vmove.metrics`)."""
    metrics.MOVE_TRANSITIONS.labels(new.type, new.phase, new.status).inc()
    now = utils.naive_utc(new.updated_at)
    if entered is not None and new.phase != old.phase:
        metrics.PHASE_DURATION.labels(new.type, old.phase).observe(
            max((now - utils.naive_utc(entered)).total_seconds(), 0)
        )
    if new.status in states.TERMINAL and old.status not in states.TERMINAL:
        metrics.MOVES_ENDED.labels(new.type, new.status).inc()
        if new.start_time is not None and new.end_time is not None:
            took = (utils.naive_utc(new.end_time) - utils.naive_utc(new.start_time)).total_seconds()
            metrics.MOVE_DURATION.labels(new.type, new.status).observe(max(took, 0))
