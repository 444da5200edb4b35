"""The engine side of plan runs: the ``plans`` engine extension (entry point ``vmove.engine.extensions``).

- handler ``run``: the API casts ``process("run", uuid)`` when a run is
  ordered or approved. The engine that gets it claims the run (a lease in
  the database), validates it against Nova and Cinder
  (:mod:`vmove.plans.validation`), then, once approved, makes one move
  per item found ok (:func:`vmove.plans.dispatch.create_moves`).
- tick: at every poll, each engine rolls up the counts and progress of the
  runs in progress, finishes those whose moves have all ended, cancels what a
  cancelled run still has pending, and resumes the runs that no engine holds
  (a lost cast, an engine that died while validating).
- scheduler limits of origin ``run:<uuid>``: the plan's limits and window, read
  at each dispatch, so editing a plan's limits throttles its running run.
"""

import concurrent.futures
import datetime
import logging
import threading

from oslo_utils import timeutils, uuidutils

from vmove import clients as vmove_clients
from vmove import context as vmove_context
from vmove import exception
from vmove.moves import scheduler
from vmove.plans import dispatch, estimate, events, lifecycle, queries, validation, windows

LOG = logging.getLogger(__name__)

#: who holds a run's lease: this process
WORKER_ID = uuidutils.generate_uuid()
#: a run ordered less than this many seconds ago is left to the engine its cast reaches
RESUME_GRACE = 2.0

_executor = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="vmove-plans")
_submitted: set = set()
_submitted_lock = threading.Lock()


def register(registry) -> None:
    registry.handler("run", handle_run)
    registry.tick(tick)
    scheduler.register("run", limits_of_run)


# ------------------------------------------------------------------ limits
def limits_of_run(ctx, run_uuid) -> scheduler.Limits:
    plan = queries.run_limits(ctx, run_uuid)
    if plan is None:
        return scheduler.NO_LIMITS
    return scheduler.Limits(
        total=plan.max_in_flight,
        per_source_host=plan.per_source_host,
        per_dest_host=plan.per_dest_host,
        per_backend=plan.per_backend,
        not_before=plan.not_before,
        not_after=plan.not_after,
        is_open=schedule.is_open if (schedule := windows.of_plan(plan)) is not None else None,
    )


# ------------------------------------------------------------------ handler
def _lease(conf):
    return datetime.timedelta(seconds=conf.engine.lease_time)


def handle_run(ctx, conf, run_uuid) -> None:
    """Validate the run, or make its moves, whichever it waits for (idempotent)."""
    ctx = vmove_context.get_admin_context(request=ctx)
    now = timeutils.utcnow()
    claimable = (lifecycle.VALIDATING, lifecycle.APPROVED)
    run = queries.run_claim(ctx, run_uuid, WORKER_ID, now + _lease(conf), now, claimable)
    if run is None:
        return  # another engine has it, or it moved on
    try:
        if run.status == lifecycle.VALIDATING:
            run = validate(ctx, conf, run)
        if run is not None and run.status == lifecycle.APPROVED:
            dispatch.create_moves(ctx, conf, run_uuid)
    finally:
        try:
            queries.run_update(ctx, run_uuid, {"engine_id": None, "lease_until": None})
        except exception.VmoveException:
            LOG.exception("Run %s: could not release its lease", run_uuid)


def validate(ctx, conf, run):
    """Write the run's verdicts and move it on; returns the updated run (None if it changed meanwhile)."""
    now = timeutils.utcnow()
    try:
        plan = queries.plan_get(ctx, run.plan_uuid)
        history = queries.item_history(ctx, run.plan_uuid)
        renew = _renewer(ctx, conf, run.uuid)
        validator = validation.Validator(ctx, vmove_clients.for_conf(conf), conf, plan, run, now, on_item=renew)
        rows = validator.validate(history)
    except Exception as e:  # noqa: BLE001 - the run says why, the operator orders again
        LOG.exception("Run %s: validation failed", run.uuid)
        reason = getattr(e, "message", None) or str(e) or type(e).__name__
        return _set(
            ctx, run, "refuse_all", f"Validation could not be done: {type(e).__name__}: {reason}", finished=True
        )
    notes = [(r["item_uuid"], r.pop("note")) for r in rows]
    queries.run_items_replace(ctx, run.uuid, rows)
    ok = sum(1 for r in rows if r["verdict"] == "ok")
    refused = len(rows) - ok
    counts = {"items": len(rows), "approved": ok, "refused": refused}
    summary = f"{ok} of {len(rows)} items can be moved" + (f"; {refused} refused (see the items)" if refused else "")
    try:
        guess = estimate.estimate(ctx, conf, plan, rows, now)
    except Exception:  # noqa: BLE001 - an estimate is advice: the run goes on without one
        LOG.exception("Run %s: no estimate", run.uuid)
        guess = None
    values = {"counts": counts, "validated_at": timeutils.utcnow(), "estimate": guess}
    _record_validation(ctx, run, validator, rows, notes, guess)
    if run.dry_run:
        return _set(ctx, run, "dry_run_done", f"Dry run: {summary}. Nothing was moved.", finished=True, **values)
    if ok == 0:
        return _set(ctx, run, "refuse_all", f"No item can be moved: {summary}.", finished=True, **values)
    if run.approval == "manual":
        message = (
            f"{summary}. Waiting for approval of each item or all: "
            f'POST /v1/runs/{run.uuid}/action {{"approve": null}} (or {{"approve": {{"items": [...]}}}}).'
        )
        if guess is not None:
            message += " " + guess["summary"]
        return _set(ctx, run, "await_approval", message, **values)
    window = ""
    if plan.not_before is not None and plan.not_before.replace(tzinfo=None) > now.replace(tzinfo=None):
        window = f" The moves wait for the window to open at {plan.not_before.isoformat()} (UTC)."
    if guess is not None:
        window += " " + guess["summary"]
    return _set(ctx, run, "approve", f"{summary}; approved automatically.{window}", **values)


def _record_validation(ctx, run, validator, rows, notes, guess) -> None:
    """The run's events of its validation: what each drain found, each item's verdict, the estimate."""
    found = [dict(event="drain", message=n["message"], detail={"selector": n["selector"], "found": n["found"]})
             for n in validator.drain_notes]  # fmt: skip
    why = dict(notes)
    for r in rows:
        text = "Found ok" if r["verdict"] == "ok" else f"Refused ({r['code']}): {r['reason']}"
        if why.get(r["item_uuid"]):
            text += f"; {why[r['item_uuid']]}"
        found.append(dict(event="validated", item_uuid=r["item_uuid"], message=text + ".", detail=None))
    if guess is not None:
        found.append(dict(event="estimated", message=guess["summary"], detail={"seconds": guess["seconds"]}))
    events.add_many(ctx, run.uuid, found, replace=("drain", "validated", "estimated"))


def _set(ctx, run, event, message, finished=False, **values):
    """Move a validating run on with ``event``; None when it changed meanwhile (cancelled)."""
    values["message"] = message
    if finished:
        values["finished_at"] = timeutils.utcnow()
    try:
        return queries.advance(ctx, run, event, values)
    except exception.Conflict:
        LOG.info("Run %s changed during its validation (cancelled?)", run.uuid)
        return None


def _renewer(ctx, conf, run_uuid):
    """A callback that renews the run's lease now and then during a long validation."""
    last = [timeutils.utcnow()]

    def renew():
        now = timeutils.utcnow()
        if (now - last[0]).total_seconds() > conf.engine.lease_time / 3:
            queries.run_claim(ctx, run_uuid, WORKER_ID, now + _lease(conf), now, (lifecycle.VALIDATING,))
            last[0] = now

    return renew


# ------------------------------------------------------------------ tick
def tick(ctx, conf, engine_id) -> None:
    ctx = vmove_context.get_admin_context()
    runs = queries.runs_in(ctx, lifecycle.ACTIVE)
    if not runs:
        return
    for run in runs:
        if run.status == lifecycle.CANCELLING:
            dispatch.cancel_moves(ctx, conf, run.uuid)
    dispatch.roll_up(ctx, runs)
    now = timeutils.utcnow()
    for run in runs:
        if run.status not in (lifecycle.VALIDATING, lifecycle.APPROVED):
            continue
        held = run.lease_until is not None and run.lease_until.replace(tzinfo=None) >= now.replace(tzinfo=None)
        young = (now.replace(tzinfo=None) - run.updated_at.replace(tzinfo=None)).total_seconds() < RESUME_GRACE
        if not held and not young:
            _resume(conf, run.uuid)


def _resume(conf, run_uuid) -> None:
    with _submitted_lock:
        if run_uuid in _submitted:
            return
        _submitted.add(run_uuid)

    def work():
        try:
            LOG.info("Resuming run %s", run_uuid)
            handle_run(None, conf, run_uuid)
        except Exception:
            LOG.exception("Run %s: resuming failed", run_uuid)
        finally:
            with _submitted_lock:
                _submitted.discard(run_uuid)

    _executor.submit(work)
