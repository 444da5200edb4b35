"""Runs of migration plans: order, approve, deny, cancel, make the moves, roll up.

Shared by the API and the engines, like :mod:`vmove.moves`: these functions
read and write the database only; validation, which needs Nova and Cinder,
is in :mod:`vmove.engine.plan_validation`.

A run goes::

    validating -> validated                      (dry run: the verdicts, nothing moves)
               -> awaiting_approval -> approved  (approval manual; or denied)
               -> approved                       (approval auto)
               -> failed                         (no item can be moved)
    approved   -> running                        (one move per item found ok, origin "run:<uuid>")
    running    -> succeeded | failed             (when every move has ended)
    any active -> cancelling -> cancelled        (pending moves cancelled, abortable ones aborted)
"""

import logging

from oslo_utils import timeutils

from vmove import context as vmove_context
from vmove import exception
from vmove import moves as move_requests
from vmove.db import api as db_api
from vmove.db import plans_api
from vmove.engine import states
from vmove.objects import move as move_obj
from vmove.objects import plan as plan_obj

LOG = logging.getLogger(__name__)

MOVE_STATUSES = ("pending", "ongoing", "succeeded", "failed", "cancelled", "ignored")


def origin_of(run_uuid: str) -> str:
    return f"run:{run_uuid}"


def _run_obj(ctx, row):
    return plan_obj.Run._from_db_object(ctx, plan_obj.Run(), row)


# ------------------------------------------------------------------ the API's side
def order_run(ctx, plan, dry_run: bool, cross_project: bool):
    """A new run of ``plan`` (status validating); the caller asks an engine to validate it."""
    row = plans_api.run_create(
        ctx, plan.uuid, {"dry_run": dry_run, "user_id": ctx.user_id, "cross_project": cross_project}
    )
    return _run_obj(ctx, row)


def approve(ctx, run):
    if run.status != "awaiting_approval":
        raise exception.Conflict(reason=_not_waiting(run, "approved"))
    row = plans_api.run_update(
        ctx,
        run.uuid,
        {
            "status": "approved",
            "decided_by": ctx.user_id,
            "decided_at": timeutils.utcnow(),
            "message": f"Approved by {ctx.user_id or 'an administrator'}; making the moves.",
        },
        expected_status="awaiting_approval",
    )
    return _run_obj(ctx, row)


def deny(ctx, run, reason: str | None):
    if run.status != "awaiting_approval":
        raise exception.Conflict(reason=_not_waiting(run, "denied"))
    now = timeutils.utcnow()
    why = f": {reason}" if reason else "."
    row = plans_api.run_update(
        ctx,
        run.uuid,
        {
            "status": "denied",
            "decided_by": ctx.user_id,
            "decided_at": now,
            "finished_at": now,
            "message": f"Denied by {ctx.user_id or 'an administrator'}{why}",
        },
        expected_status="awaiting_approval",
    )
    return _run_obj(ctx, row)


def _not_waiting(run, what: str) -> str:
    if run.status in ("validating",):
        return f"Run {run.uuid} is still being validated; it can be {what} once it awaits approval."
    return f"Run {run.uuid} is {run.status}: only a run awaiting approval can be {what}."


def cancel_run(ctx, conf, run):
    """Cancel a run. Returns (run, summary); summary says what happened to its moves.

    A run not started yet is cancelled at once. A running one goes
    ``cancelling``: its pending moves are cancelled, the abortable ones
    aborted; moves that cannot be aborted go on, and the run ends
    ``cancelled`` when they have ended (the engines finish the job).
    """
    if run.status in plans_api.FINISHED:
        raise exception.Conflict(reason=f"Run {run.uuid} has already ended ({run.status}).")
    who = ctx.user_id or "an administrator"
    now = timeutils.utcnow()
    if run.status in ("validating", "awaiting_approval"):
        try:
            row = plans_api.run_update(
                ctx,
                run.uuid,
                {"status": "cancelled", "finished_at": now, "message": f"Cancelled by {who} before any move was made."},
                expected_status=("validating", "awaiting_approval"),
            )
            return _run_obj(ctx, row), {"cancelled": 0, "aborting": [], "not_abortable": []}
        except exception.Conflict:
            run = plan_obj.Run.get_by_uuid(ctx, run.uuid)  # approved meanwhile: cancel its moves
    if run.status != "cancelling":
        row = plans_api.run_update(
            ctx,
            run.uuid,
            {"status": "cancelling", "message": f"Cancel requested by {who}."},
            expected_status=("validating", "awaiting_approval", "approved", "running"),
        )
        run = _run_obj(ctx, row)
    return run, cancel_moves(ctx, conf, run.uuid)


def cancel_moves(ctx, conf, run_uuid):
    """Cancel the run's pending moves and abort its abortable ones (idempotent)."""
    summary = {"cancelled": 0, "aborting": [], "not_abortable": []}
    moves = move_obj.MoveList.get_all(ctx, {"origin": origin_of(run_uuid), "status": ["pending", "ongoing"]})
    for move in moves:
        if move.phase == "aborting":
            summary["aborting"].append(move.uuid)
            continue
        try:
            new = move_requests.cancel_move(ctx, conf, move)
        except exception.Conflict as e:
            if move.status == states.ONGOING:
                summary["not_abortable"].append({"move": move.uuid, "reason": e.message})
            continue
        if new.phase == "aborting":
            summary["aborting"].append(new.uuid)
        elif new.status == states.CANCELLED:
            summary["cancelled"] += 1
    return summary


# ------------------------------------------------------------------ the engine's side
def create_moves(ctx, conf, run_uuid):
    """One move per item found ok (idempotent: moves already made are linked, not made again)."""
    run = plans_api.run_get(ctx, run_uuid)
    if run.status != "approved":
        return
    origin = origin_of(run_uuid)
    made = {m.resource_id: m for m in db_api.move_get_all(ctx, {"origin": origin})}
    mover = vmove_context.RequestContext(
        user_id=run.user_id, project_id=run.project_id, is_admin=True, roles=["admin"], overwrite=False
    )
    for item in plans_api.run_items_get(ctx, run_uuid):
        if item.verdict != "ok" or item.move_uuid:
            continue
        move = made.get(item.resource_id)
        if move is None:
            if plans_api.run_get(ctx, run_uuid).status != "approved":
                break  # cancelled meanwhile
            try:
                move = move_requests.request_move(
                    mover,
                    resource_type=item.resource_type,
                    resource_id=item.resource_id,
                    move_type=item.move_type,
                    params=item.params,
                    priority=item.priority,
                    origin=origin,
                    project_id=run.project_id,
                    values=_move_values(item),
                )
            except exception.VmoveException as e:  # another move of it came first, or its params were refused
                code = "busy" if isinstance(e, exception.Conflict) else "invalid"
                plans_api.run_item_update(ctx, item.id, {"verdict": "refused", "code": code, "reason": e.message})
                continue
        plans_api.run_item_update(ctx, item.id, {"move_uuid": move.uuid, "attempt": move.attempt})
    verdicts = [i.verdict for i in plans_api.run_items_get(ctx, run_uuid)]
    counts = dict(run.counts or {}, approved=verdicts.count("ok"), refused=verdicts.count("refused"))
    try:
        plans_api.run_update(
            ctx,
            run_uuid,
            {
                "status": "running",
                "started_at": timeutils.utcnow(),
                "counts": counts,
                "message": _running_message(counts),
            },
            expected_status="approved",
        )
    except exception.Conflict:
        # cancelled while the moves were made: none of them may start
        LOG.info("Run %s was cancelled while its moves were made", run_uuid)
        cancel_moves(ctx, conf, run_uuid)


def _move_values(item) -> dict:
    values = {"resource_name": item.resource_name, "attempt": item.attempt or 1}
    if item.resource_type == "instance":
        values["source_host"] = item.source
    else:
        values["source_backend"] = item.source
    return values


def _running_message(counts) -> str:
    refused = counts.get("refused", 0)
    tail = f" ({refused} item{'s' if refused != 1 else ''} refused at validation)" if refused else ""
    return f"Moving {counts.get('approved', 0)} items{tail}."


def progress_of(run, stats) -> tuple[dict, int]:
    """(counts, percentage) of a run from its moves' stats (see plans_api.run_move_stats).

    A move that ended counts 100 %, whatever its end: the percentage says how
    much of the run is behind us, and never goes back.
    """
    counts = {k: v for k, v in (run.counts or {}).items() if k not in MOVE_STATUSES}
    done, total = 0, 0
    for status in MOVE_STATUSES:
        n, progress = stats.get(status, (0, 0))
        counts[status] = n
        total += n
        done += 100 * n if status in states.TERMINAL else progress
    denominator = max(total, counts.get("approved", 0), 1)
    percent = min(100, done // denominator)
    return counts, max(percent, run.progress or 0)


def roll_up(ctx, runs):
    """Record counts and progress of running/cancelling runs; finish those whose moves have all ended."""
    runs = [r for r in runs if r.status in ("running", "cancelling")]
    stats = plans_api.run_move_stats(ctx, [r.uuid for r in runs])
    for run in runs:
        counts, percent = progress_of(run, stats.get(run.uuid, {}))
        values = {}
        if counts != (run.counts or {}) or percent != run.progress:
            values.update(counts=counts, progress=percent)
        making_moves = run.lease_until is not None and run.lease_until.replace(tzinfo=None) >= timeutils.utcnow()
        if counts["pending"] == 0 and counts["ongoing"] == 0 and not making_moves:
            values.update(_finish(run, counts))
        if not values:
            continue
        try:
            plans_api.run_update(ctx, run.uuid, values, expected_status=run.status)
        except exception.Conflict:
            LOG.debug("Run %s changed during its roll-up", run.uuid)


def _finish(run, counts) -> dict:
    total = sum(counts[s] for s in MOVE_STATUSES)
    ok = counts["succeeded"]
    if total == 0 and run.status != "cancelling":
        return {
            "status": "failed",
            "message": "No move was made: every item was refused.",
            "finished_at": timeutils.utcnow(),
            "progress": 100,
        }
    if run.status == "cancelling":
        status = "cancelled"
        message = (
            f"Cancelled: {ok} of {total} moves had succeeded, {counts['cancelled']} cancelled, "
            f"{counts['failed']} failed, {counts['ignored']} ignored."
        )
    elif ok == total:
        status = "succeeded"
        message = f"All {total} moves succeeded."
    else:
        status = "failed"
        parts = [f"{counts[s]} {s}" for s in ("failed", "ignored", "cancelled") if counts[s]]
        message = (
            f"{ok} of {total} moves succeeded; {', '.join(parts)}. "
            "Order the plan again to retry the items not completed."
        )
    refused = counts.get("refused", 0)
    if refused:
        message += f" {refused} item{'s were' if refused != 1 else ' was'} refused at validation."
    return {"status": status, "message": message, "finished_at": timeutils.utcnow(), "progress": 100}
