"""Host recovery as the API asks for it: report a host failure, restore, retry, read back.

These functions write notification rows and leave the work to the engines'
recovery extension (:mod:`vmove.recovery.extension`), which the caller wakes
with an RPC cast. Nothing here calls Nova.

A notification's moves are ordinary moves: ``origin`` is
``notification:<uuid>`` for its evacuations and ``restore:<uuid>`` for the
moves back. An instance may have several moves of one origin, one per
attempt; only its latest attempt says where the instance stands.
"""

from oslo_db import exception as db_exc
from oslo_utils import timeutils, uuidutils

from vmove import exception
from vmove.moves import queries as move_queries
from vmove.moves import states
from vmove.recovery import lifecycle, queries, rollup


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
        "status": lifecycle.NOTIFICATION.initial,
        "progress": 0,
        "attempt": 1,
        "active_key": queries.active_key(event, body["hostname"]),
        "project_id": ctx.project_id or "",
        "user_id": ctx.user_id,
        "restore_progress": 0,
        "restore_attempt": 0,
        "created_at": now,
        "updated_at": now,
    }
    return queries.create(ctx, values)


def request_restore(ctx, notification, requested_by=None):
    """Ask for the instances ``notification`` evacuated to be moved back; returns the updated Notification.

    Conflict (409) with the reason when it cannot be restored now.
    """
    n = notification
    if n.event != lifecycle.STOPPED:
        raise exception.Conflict(
            reason=f"Notification {n.uuid} reports a host {n.event}; only a host failure (event STOPPED) can be "
            "restored."
        )
    if n.status not in (lifecycle.FINISHED, lifecycle.FAILED):
        raise exception.Conflict(
            reason=f"The recovery of notification {n.uuid} is {n.status}: restore it once it has ended."
        )
    if n.restore_status in lifecycle.RESTORE_ACTIVE:
        raise exception.Conflict(reason=f"A restore of notification {n.uuid} is already {n.restore_status}.")
    if n.restore_status == lifecycle.FINISHED:
        raise exception.Conflict(reason=f"Notification {n.uuid} was restored already (attempt {n.restore_attempt}).")
    evacuated = rollup.latest_by_instance(move_queries.of_origins(ctx, [n.evacuation_origin]))
    if not any(m.status == states.SUCCEEDED for m in evacuated):
        raise exception.Conflict(reason=f"Nothing to move back: no evacuation of notification {n.uuid} succeeded.")
    attempt = n.restore_attempt + 1
    why = f" ({requested_by})" if requested_by else ""
    return queries.advance_restore(
        ctx,
        n,
        "request",
        {
            "restore_attempt": attempt,
            "restore_progress": 0,
            "restore_message": f"Restore requested{why}: attempt {attempt}.",
            "restore_requested_at": timeutils.utcnow(),
            "restore_finished_at": None,
            "restore_next_try": None,
        },
    )


def request_retry(ctx, notification):
    """Run a failed recovery again for the instances that were not evacuated; returns the updated Notification."""
    n = notification
    if n.status != lifecycle.FAILED:
        raise exception.Conflict(reason=f"Notification {n.uuid} is {n.status}; only a failed one can be retried.")
    if n.restore_status in lifecycle.RESTORE_ACTIVE:
        raise exception.Conflict(reason=f"A restore of notification {n.uuid} is {n.restore_status}; retry after it.")
    attempt = n.attempt + 1
    try:
        return queries.advance(
            ctx,
            n,
            "retry",
            {
                "attempt": attempt,
                "progress": 0,
                "message": f"Retry requested: attempt {attempt}.",
                "active_key": queries.active_key(n.event, n.hostname),
                "run_started_at": None,
                "processed_at": None,
                "finished_at": None,
            },
            expected={"attempt": n.attempt},
        )
    except db_exc.DBDuplicateEntry as e:
        other = queries.get_all(
            ctx, {"hostname": n.hostname, "event": n.event, "status": list(lifecycle.ACTIVE)}, limit=1
        )
        which = f" ({other[0].uuid}, {other[0].status})" if other else ""
        raise exception.Conflict(
            reason=f"Another notification for host {n.hostname}{which} is in progress; it will do the work."
        ) from e


def vmoves_summary(ctx, n) -> dict:
    """``{"evacuation": {status: count}, "restore": {status: count}}`` over each instance's latest attempt."""
    evacuations = move_queries.of_origins(ctx, [n.evacuation_origin]) if n.event == lifecycle.STOPPED else []
    restores = move_queries.of_origins(ctx, [o for o in n.vmove_origins() if o.startswith("restore:")])
    return {"evacuation": rollup.summary(evacuations), "restore": rollup.summary(restores)}
