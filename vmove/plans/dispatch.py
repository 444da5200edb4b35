"""Making a run's moves, and following them: the engine's side of a plan run.

:func:`create_moves` makes one move per item found ok once the run is
approved (idempotent, so a resumed run makes none twice); :func:`roll_up`
records each running run's counts and progress at every poll and ends it
when every move has ended; :func:`cancel_moves` cancels what a cancelled run
still has pending and aborts what can be aborted.
"""

import logging

from oslo_utils import timeutils

from vmove import context as vmove_context
from vmove import exception
from vmove.db.api import main_context_manager
from vmove.moves import queries as move_queries
from vmove.moves import service as move_service
from vmove.moves import states
from vmove.plans import events, hosts, lifecycle, notify, queries, windows

LOG = logging.getLogger(__name__)


def create_moves(ctx, conf, run_uuid):
    """One move per item found ok and not denied (idempotent: moves already made are linked, not made again).

    The compute services of the hosts the plan drains are disabled first (:mod:`vmove.plans.hosts`).
    """
    run = queries.run_get(ctx, run_uuid)
    if run.status != lifecycle.APPROVED:
        return
    hosts.disable_drained(ctx, conf, run)
    origin = lifecycle.origin_of(run_uuid)
    made = {m.resource_id: m for m in move_queries.get_all(ctx, {"origin": origin})}
    mover = vmove_context.RequestContext(
        user_id=run.user_id, project_id=run.project_id, is_admin=True, roles=["admin"], overwrite=False
    )
    for item in queries.run_items_get(ctx, run_uuid):
        if item.verdict != "ok" or item.move_uuid or item.decision == "denied":
            continue
        move = made.get(item.resource_id)
        if move is None:
            if queries.run_get(ctx, run_uuid).status != lifecycle.APPROVED:
                break  # cancelled meanwhile
            try:
                move = move_service.request_move(
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
                queries.run_item_update(ctx, item.id, {"verdict": "refused", "code": code, "reason": e.message})
                continue
        queries.run_item_update(ctx, item.id, {"move_uuid": move.uuid, "attempt": move.attempt})
    found = queries.run_items_get(ctx, run_uuid)
    verdicts = [i.verdict for i in found]
    denied = sum(1 for i in found if i.verdict == "ok" and i.decision == "denied")
    counts = dict(run.counts or {}, approved=verdicts.count("ok") - denied, refused=verdicts.count("refused"))
    if denied:
        counts["denied"] = denied
    try:
        values = {"started_at": timeutils.utcnow(), "counts": counts, "message": _running_message(counts, run)}
        queries.advance(ctx, run, "start", values)
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


def _running_message(counts, run) -> str:
    refused, denied = counts.get("refused", 0), counts.get("denied", 0)
    left = [f"{refused} refused at validation"] if refused else []
    left += [f"{denied} denied"] if denied else []
    tail = f" ({', '.join(left)})" if left else ""
    guess = f" {run.estimate['summary']}" if run.estimate else ""
    return f"Moving {counts.get('approved', 0)} items{tail}.{guess}"


def progress_of(run, stats) -> tuple[dict, int]:
    """(counts, percentage) of a run from its moves' stats (:func:`vmove.moves.queries.stats_by_origin`).

    A move that ended counts 100 %, whatever its end: the percentage says how
    much of the run is behind us, and never goes back.
    """
    counts = {k: v for k, v in (run.counts or {}).items() if k not in states.STATUSES}
    done, total = 0, 0
    for status in states.STATUSES:
        n, progress = stats.get(status, (0, 0))
        counts[status] = n
        total += n
        done += 100 * n if status in states.TERMINAL else progress
    denominator = max(total, counts.get("approved", 0), 1)
    percent = min(100, done // denominator)
    return counts, max(percent, run.progress or 0)


def roll_up(ctx, runs):
    """Record counts and progress of running/cancelling runs; finish those whose moves have all ended."""
    runs = [r for r in runs if r.status in lifecycle.MOVING]
    stats = move_queries.stats_by_origin(ctx, [lifecycle.origin_of(r.uuid) for r in runs])
    for run in runs:
        counts, percent = progress_of(run, stats.get(lifecycle.origin_of(run.uuid), {}))
        values = {}
        if counts != (run.counts or {}) or percent != run.progress:
            values.update(counts=counts, progress=percent)
        making_moves = run.lease_until is not None and run.lease_until.replace(tzinfo=None) >= timeutils.utcnow()
        try:
            if counts[states.PENDING] == 0 and counts[states.ONGOING] == 0 and not making_moves:
                event, ending = _finish(run, counts)
                queries.advance(ctx, run, event, dict(values, **ending))
            elif (step := _window_step(ctx, run, counts)) is not None:
                event, message = step
                with main_context_manager.writer.using(ctx):  # the status and its event together
                    new = queries.advance(ctx, run, event, dict(values, message=message), emit=False)
                    events.add(ctx, run.uuid, "paused" if event == "pause" else "resumed", message)
                notify.run_changed(ctx, new, run.status)
            elif values:
                queries.run_update(ctx, run.uuid, values, expected_status=run.status)
        except exception.Conflict:
            LOG.debug("Run %s changed during its roll-up", run.uuid)


def _window_step(ctx, run, counts, now=None):
    """``("pause"|"resume", message)`` when the plan's recurring window closed on (opened for) the run."""
    if run.status not in (lifecycle.RUNNING, lifecycle.PAUSED):
        return None
    plan = queries.run_limits(ctx, run.uuid)
    schedule = windows.of_plan(plan) if plan is not None else None
    now = now or timeutils.utcnow(with_timezone=True)
    current = schedule.current(now) if schedule is not None else True
    if run.status == lifecycle.PAUSED and current is not None:
        until = f" until {windows.local(schedule, current[1])}" if schedule is not None else ""
        return "resume", f"Resumed: the window is open{until}; {counts[states.PENDING]} move(s) to start."
    if run.status == lifecycle.RUNNING and current is None and counts[states.PENDING] > 0:
        nxt = schedule.next(now)
        opens = f"opens {windows.local(schedule, nxt[0])}" if nxt else "none within a week"
        ongoing = counts[states.ONGOING]
        tail = f"; {ongoing} move(s) under way end meanwhile" if ongoing else ""
        return "pause", (
            f"Paused: the window ({schedule.describe()}) is closed; {counts[states.PENDING]} move(s) wait for "
            f"the next one ({opens}){tail}."
        )
    return None


def _finish(run, counts) -> tuple[str, dict]:
    """The event that ends a run whose moves have all ended, and what to record with it."""
    total = sum(counts[s] for s in states.STATUSES)
    ok = counts[states.SUCCEEDED]
    if total == 0 and run.status != lifecycle.CANCELLING:
        return "fail", {
            "message": "No move was made: every item was refused.",
            "finished_at": timeutils.utcnow(),
            "progress": 100,
        }
    if run.status == lifecycle.CANCELLING:
        event = "end"
        message = (
            f"Cancelled: {ok} of {total} moves had succeeded, {counts['cancelled']} cancelled, "
            f"{counts['failed']} failed, {counts['ignored']} ignored."
        )
    elif ok == total:
        event = "succeed"
        message = f"All {total} moves succeeded."
    else:
        event = "fail"
        parts = [f"{counts[s]} {s}" for s in ("failed", "ignored", "cancelled") if counts[s]]
        message = (
            f"{ok} of {total} moves succeeded; {', '.join(parts)}. "
            "Order the plan again to retry the items not completed."
        )
    refused = counts.get("refused", 0)
    if refused:
        message += f" {refused} item{'s were' if refused != 1 else ' was'} refused at validation."
    return event, {"message": message, "finished_at": timeutils.utcnow(), "progress": 100}


def cancel_moves(ctx, conf, run_uuid):
    """Cancel the run's pending moves and abort its abortable ones (idempotent).

    Every engine does this at each poll for a cancelling run, beside the API's request: a move another
    engine cancelled (or began to abort) meanwhile is counted as this cancel's too.
    """
    summary = {"cancelled": 0, "aborting": [], "not_abortable": []}
    moves = move_queries.get_all(ctx, {"origin": lifecycle.origin_of(run_uuid), "status": list(states.ACTIVE)})
    for move in moves:
        if move.phase == "aborting":
            summary["aborting"].append(move.uuid)
            continue
        try:
            new = move_service.cancel_move(ctx, conf, move)
        except exception.Conflict as e:
            new = move_queries.get(ctx, move.uuid)
            if new.status != states.CANCELLED and new.phase != "aborting":
                if move.status == states.ONGOING:
                    summary["not_abortable"].append({"move": move.uuid, "reason": e.message})
                continue
        if new.phase == "aborting":
            summary["aborting"].append(new.uuid)
        elif new.status == states.CANCELLED:
            summary["cancelled"] += 1
    return summary
