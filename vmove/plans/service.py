"""Migration plans and their runs as the API asks for them: write plans, order, approve, deny, cancel.

The rules that concurrent requests could break are checked inside one
transaction under a lock of the plan's row (``SELECT ... FOR UPDATE``;
SQLite writers are serialized anyway):

- a plan has at most one run in progress;
- a plan with a run in progress cannot be deleted nor its items replaced;
- a run is not ordered when every item has been completed by earlier runs.

Validation, which needs Nova and Cinder, and making the moves are the
engines' (:mod:`vmove.plans.extension`); the caller wakes them with a cast.
"""

import logging

from oslo_utils import timeutils

from vmove import exception
from vmove.db.api import main_context_manager
from vmove.moves import queries as move_queries
from vmove.plans import approvals, dispatch, lifecycle, notify, queries

LOG = logging.getLogger(__name__)


# ------------------------------------------------------------------ plans
def create_plan(ctx, values, items):
    plan = queries.plan_create(ctx, values, items)
    notify.plan_changed(ctx, plan, "created")
    return plan


def update_plan(ctx, uuid, values, items=None):
    """Change a plan; replacing the items (or drains) of a plan with a run in progress is refused (409)."""
    with main_context_manager.writer.using(ctx):
        queries.plan_lock(ctx, uuid)
        if items is not None or "drains" in values:
            _refuse_while_active(ctx, uuid, f"The items of plan {uuid} cannot be changed")
        plan = queries.plan_update(ctx, uuid, values, items)
    notify.plan_changed(ctx, plan, "updated")
    return plan


def delete_plan(ctx, uuid):
    with main_context_manager.writer.using(ctx):
        plan = queries.plan_lock(ctx, uuid)
        _refuse_while_active(ctx, uuid, f"Plan {uuid} cannot be deleted")
        queries.plan_delete(ctx, uuid)
    notify.plan_changed(ctx, plan, "deleted")


def _refuse_while_active(ctx, uuid, what):
    active = queries.active_run(ctx, uuid)
    if active is not None:
        raise exception.Conflict(
            reason=f"{what} while its run {active.uuid} is {active.status}; cancel the run or wait for it to finish."
        )


# ------------------------------------------------------------------ runs
def order_run(ctx, plan, dry_run: bool, cross_project: bool):
    """A new run of ``plan`` (status validating), unless the plan is busy or done (409).

    The caller asks an engine to validate it.
    """
    with main_context_manager.writer.using(ctx):
        plan = queries.plan_lock(ctx, plan.uuid)
        active = queries.active_run(ctx, plan.uuid)
        if active is not None:
            raise queries.busy_plan(plan.uuid, active)
        drains = has_drains(plan)
        if not plan.items and not drains:
            raise exception.Conflict(reason=f"Plan {plan.uuid} has no items and no drains: there is nothing to run.")
        if not dry_run and not drains:  # a drain finds what is on the host or backend now
            history = queries.item_history(ctx, plan.uuid)
            left = [
                i
                for i in plan.items
                if lifecycle.migration_status(history.get((i.resource_type, i.resource_id)))[0] != "completed"
            ]
            if not left:
                raise exception.Conflict(
                    reason=f"Every item of plan {plan.uuid} has been completed by earlier runs: there is nothing "
                    "to move."
                )
        run = queries.run_create(
            ctx, plan, {"dry_run": dry_run, "user_id": ctx.user_id, "cross_project": cross_project}
        )
    notify.run_created(ctx, run)
    return run


def has_drains(plan) -> bool:
    drains = plan.drains or {}
    return bool(drains.get("hosts") or drains.get("backends"))


def approve(ctx, run, items=None):
    """Approve the run's ``items`` (item uuids or resource ids), or every item left undecided (None)."""
    return approvals.decide(ctx, run.uuid, approvals.APPROVED, items)[0]


def deny(ctx, run, reason: str | None, items=None):
    """Deny the run's ``items``, or every item left undecided (None), saying why if ``reason``."""
    return approvals.decide(ctx, run.uuid, approvals.DENIED, items, reason)[0]


def cancel_run(ctx, conf, run):
    """Cancel a run. Returns (run, summary); summary says what happened to its moves.

    A run not started yet is cancelled at once. A running one goes
    ``cancelling``: its pending moves are cancelled, the abortable ones
    aborted; moves that cannot be aborted go on, and the run ends
    ``cancelled`` when they have ended (the engines finish the job).
    """
    if run.status in lifecycle.FINISHED:
        raise exception.Conflict(reason=f"Run {run.uuid} has already ended ({run.status}).")
    who = ctx.user_id or "an administrator"
    for _ in range(3):  # the run may move on meanwhile (an engine validates or starts it): read it again
        try:
            if run.status in (lifecycle.VALIDATING, lifecycle.AWAITING_APPROVAL):
                values = {"finished_at": timeutils.utcnow(), "message": f"Cancelled by {who} before any move was made."}
                return queries.advance(ctx, run, "cancel", values), {
                    "cancelled": 0,
                    "aborting": [],
                    "not_abortable": [],
                }
            if run.status != lifecycle.CANCELLING:
                run = queries.advance(ctx, run, "cancel_moves", {"message": f"Cancel requested by {who}."})
            return run, dispatch.cancel_moves(ctx, conf, run.uuid)
        except exception.Conflict:
            run = queries.run_get(ctx, run.uuid)
            if run.status in lifecycle.FINISHED:
                raise
    raise exception.Conflict(reason=f"Run {run.uuid} keeps changing; try again.")


def live_progress(ctx, run) -> tuple[dict, int]:
    """``(counts, percentage)`` of a run: from its moves as they are now while it runs, else as recorded."""
    if run.status not in lifecycle.MOVING:
        return dict(run.counts or {}), run.progress
    origin = lifecycle.origin_of(run.uuid)
    return dispatch.progress_of(run, move_queries.stats_by_origin(ctx, [origin]).get(origin, {}))
