"""Host recovery requests and read-outs, shared by the API and the engines.

These functions write notification rows (and ask for restores and
retries); the engines' recovery extension (:mod:`vmove.engine.recovery`)
does the work. Nothing here calls Nova.

A notification's moves are ordinary moves: ``origin`` is
``notification:<uuid>`` for its evacuations and ``restore:<uuid>`` for the
moves back. An instance may have several moves of one origin, one per
attempt; only its latest attempt says where the instance stands.
"""

import collections

from oslo_db import exception as db_exc
from oslo_utils import timeutils, uuidutils

from vmove import exception
from vmove.db import recovery_api
from vmove.engine import states
from vmove.objects import notification as nobj

#: why a recovery ignored a move (the ``reason`` of its last event's detail); see RETRYABLE
REASON_NO_ROOM = "no_room"  # the capacity check found no host with room
REASON_STOPPED = "stopped"  # the recovery stopped: too many evacuations in a row found no valid host
REASON_NOT_HA = "not_ha"
REASON_ERROR_STATE = "error_state"
REASON_MOVED = "moved_since"
REASON_STATE = "instance_state"
#: a retry tries these again (and failed moves); the others were decisions, not failures
RETRYABLE = (REASON_NO_ROOM, REASON_STOPPED)


def create_notification(ctx, body: dict, generated_time):
    """Record a notification; returns ``(Notification, created)``.

    A notification for the same host and event while one is new or running
    is the same notification: it is returned, nothing is written.
    """
    now = timeutils.utcnow()
    event = body["payload"]["event"]
    values = {
        "uuid": uuidutils.generate_uuid(),
        "type": body["type"],
        "hostname": body["hostname"],
        "event": event,
        "generated_time": generated_time,
        "payload": dict(body["payload"]),
        "status": nobj.NEW,
        "progress": 0,
        "attempt": 1,
        "active_key": recovery_api.active_key(event, body["hostname"]),
        "project_id": ctx.project_id or "",
        "user_id": ctx.user_id,
        "restore_progress": 0,
        "restore_attempt": 0,
        "created_at": now,
        "updated_at": now,
    }
    row, created = recovery_api.notification_create(ctx, values)
    return nobj.Notification.from_row(ctx, row), created


def request_restore(ctx, notification, requested_by=None):
    """Ask for the instances ``notification`` evacuated to be moved back; returns the updated Notification.

    Conflict (409) with the reason when it cannot be restored now.
    """
    n = notification
    if n.event != nobj.STOPPED:
        raise exception.Conflict(
            reason=f"Notification {n.uuid} reports a host {n.event}; only a host failure (event STOPPED) can be "
            "restored."
        )
    if n.status not in (nobj.FINISHED, nobj.FAILED):
        raise exception.Conflict(
            reason=f"The recovery of notification {n.uuid} is {n.status}: restore it once it has ended."
        )
    if n.restore_status in recovery_api.RESTORE_ACTIVE:
        raise exception.Conflict(reason=f"A restore of notification {n.uuid} is already {n.restore_status}.")
    if n.restore_status == nobj.FINISHED:
        raise exception.Conflict(reason=f"Notification {n.uuid} was restored already (attempt {n.restore_attempt}).")
    evacuated = [m for m in latest_by_instance(moves_of(ctx, [n.evacuation_origin])) if m.status == states.SUCCEEDED]
    if not evacuated:
        raise exception.Conflict(reason=f"Nothing to move back: no evacuation of notification {n.uuid} succeeded.")
    attempt = n.restore_attempt + 1
    why = f" ({requested_by})" if requested_by else ""
    row = recovery_api.notification_update(
        ctx,
        n.uuid,
        {
            "restore_status": nobj.RESTORE_REQUESTED,
            "restore_attempt": attempt,
            "restore_progress": 0,
            "restore_message": f"Restore requested{why}: attempt {attempt}.",
            "restore_requested_at": timeutils.utcnow(),
            "restore_finished_at": None,
            "restore_next_try": None,
        },
        expected={"restore_status": n.restore_status, "restore_attempt": n.restore_attempt},
    )
    return nobj.Notification.from_row(ctx, row)


def request_retry(ctx, notification):
    """Run a failed recovery again for the instances that were not evacuated; returns the updated Notification."""
    n = notification
    if n.status != nobj.FAILED:
        raise exception.Conflict(reason=f"Notification {n.uuid} is {n.status}; only a failed one can be retried.")
    if n.restore_status in recovery_api.RESTORE_ACTIVE:
        raise exception.Conflict(reason=f"A restore of notification {n.uuid} is {n.restore_status}; retry after it.")
    attempt = n.attempt + 1
    key = recovery_api.active_key(n.event, n.hostname)
    try:
        row = recovery_api.notification_update(
            ctx,
            n.uuid,
            {
                "status": nobj.NEW,
                "attempt": attempt,
                "progress": 0,
                "message": f"Retry requested: attempt {attempt}.",
                "active_key": key,
                "run_started_at": None,
                "processed_at": None,
                "finished_at": None,
            },
            expected={"status": nobj.FAILED, "attempt": n.attempt},
        )
    except db_exc.DBDuplicateEntry as e:
        other = recovery_api.notification_get_all(
            ctx, {"hostname": n.hostname, "event": n.event, "status": list(recovery_api.ACTIVE)}, limit=1
        )
        which = f" ({other[0].uuid}, {other[0].status})" if other else ""
        raise exception.Conflict(
            reason=f"Another notification for host {n.hostname}{which} is in progress; it will do the work."
        ) from e
    return nobj.Notification.from_row(ctx, row)


# ------------------------------------------------------------------ read-outs


def moves_of(ctx, origins):
    from vmove.objects import move as move_obj

    return [move_obj.Move._from_db_object(ctx, move_obj.Move(), r) for r in recovery_api.moves_of(ctx, origins)]


def latest_by_instance(moves) -> list:
    """The latest attempt of each instance's move (the others are history), in first-request order."""
    latest: dict = {}
    first: dict = {}
    for m in moves:
        first.setdefault(m.resource_id, m.id)
        cur = latest.get(m.resource_id)
        if cur is None or (m.attempt, m.id) > (cur.attempt, cur.id):
            latest[m.resource_id] = m
    return sorted(latest.values(), key=lambda m: first[m.resource_id])


def summary(moves) -> dict:
    """``{status: count}`` over the latest attempt of each instance."""
    return dict(collections.Counter(m.status for m in latest_by_instance(moves)))


def progress(latest) -> int:
    """0-100: finished moves count 100, the others their own progress."""
    if not latest:
        return 100
    total = sum(100 if m.status in states.TERMINAL else (m.progress or 0) for m in latest)
    return int(total / len(latest))


def is_no_valid_host(message: str | None) -> bool:
    text = (message or "").lower()
    return "no valid host" in text or "novalidhost" in text
