"""Where a host recovery stands: roll-up, the NoValidHost stop, and the recovery's outcome.

At every poll each engine rolls the running notifications up
(:mod:`vmove.recovery.extension`): progress from the latest attempt of each
instance's move, a stop when evacuations in a row found no valid host (the
cloud is full), and the end (finished or failed, with a message saying what
happened to every instance) once every move has ended. The restore's roll-up
is in :mod:`vmove.recovery.restore`.
"""

import collections
import datetime
import logging

from oslo_utils import timeutils

from vmove import exception
from vmove.moves import queries as move_queries
from vmove.moves import states
from vmove.moves.transitions import transition
from vmove.recovery import lifecycle, queries

LOG = logging.getLogger(__name__)


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


def no_valid_host_streak(run_moves, found_no_valid_host=None) -> int:
    """How many of the latest-started evacuations that ended found no valid host, in a row.

    Evacuations start most important first, so "in a row" follows the start order: a success ends the
    row, a failure for another reason neither counts nor ends it, moves still in flight are not known yet.
    (By end order, a small instance started earlier and ending later would hide the failures of the
    instances started after it.)
    """
    found = found_no_valid_host or (lambda m: is_no_valid_host(m.message))
    ended = [m for m in run_moves if m.status in (states.SUCCEEDED, states.FAILED) and m.start_time is not None]
    streak = 0
    for m in sorted(ended, key=lambda m: (m.start_time, m.id), reverse=True):
        if m.status == states.SUCCEEDED:
            break
        if found(m):
            streak += 1
    return streak


class FailureReasons:
    """Did a failed evacuation find no valid host? Its message says so, or else the server's fault does.

    Nova puts an instance whose evacuation found no valid host in ERROR with the fault "No valid host was
    found"; when the move's message does not give Nova's reason, the server is read once (and the answer
    remembered) to find out.
    """

    def __init__(self, clients):
        self.clients = clients
        self._known: dict = {}

    def __call__(self, move) -> bool:
        if is_no_valid_host(move.message):
            return True
        if move.uuid not in self._known:
            if len(self._known) > 10_000:
                self._known.clear()
            try:
                server = self.clients.nova().servers.get(move.resource_id)
            except Exception as e:  # noqa: BLE001 - unknown: not counted, asked again next time
                LOG.info("Why evacuation %s failed is unknown: %s", move.uuid, e)
                return False
            found = _fault_says_no_valid_host(server, move)
            ended = move.end_time or move.updated_at
            if (
                not found
                and ended is not None
                and timeutils.utcnow() - timeutils.normalize_time(ended) < datetime.timedelta(seconds=30)
            ):
                return False  # Nova may not have recorded the fault yet: ask again next time
            self._known[move.uuid] = found
        return self._known[move.uuid]


def _fault_says_no_valid_host(server, move) -> bool:
    fault = getattr(server, "fault", None) or {}
    if not is_no_valid_host(fault.get("message")):
        return False
    try:  # a fault older than the move is another story
        created = timeutils.normalize_time(timeutils.parse_isotime(fault["created"]))
    except (KeyError, ValueError):
        return True
    return created >= timeutils.normalize_time(move.start_time) - datetime.timedelta(seconds=5)


def cloud_full(ctx, conf, n, reasons=None) -> int:
    """The NoValidHost streak of the current run when it reached ``[recovery] no_valid_host_limit``, else 0.

    Called at every dispatch and roll-up: it reads the ended moves latest-started first, a few at a time,
    and stops at the first success (one row while evacuations succeed), not the whole run.
    """
    limit = conf.recovery.no_valid_host_limit
    if not limit or n.status not in (lifecycle.NEW, lifecycle.RUNNING):
        return 0
    batch = max(4 * limit, 20)
    while True:
        rows = move_queries.ended_latest_started_first(ctx, n.evacuation_origin, n.run_started_at, batch)
        if len(rows) < batch or any(r.status == states.SUCCEEDED for r in rows):
            break  # the row ends within what was read
        batch *= 4
    streak = no_valid_host_streak(rows, reasons)
    return streak if streak >= limit else 0


def roll_up(ctx, conf, notification, owner, reasons=None) -> None:
    """Stop the recovery when the cloud is full; record progress; end it when every move has ended.

    ``reasons``: a :class:`FailureReasons` (the default reads the moves' messages only).
    """
    n = notification
    if n.status != lifecycle.RUNNING or n.processed_at is None:
        return
    # at every poll: the moves' states only (whole moves are read to stop or to end the recovery)
    rows = move_queries.states_of(ctx, [n.evacuation_origin])
    since = timeutils.normalize_time(n.run_started_at) if n.run_started_at is not None else None
    pending = {
        r.id
        for r in rows
        if r.status == states.PENDING and (since is None or timeutils.normalize_time(r.created_at) >= since)
    }
    if pending and (streak := cloud_full(ctx, conf, n, reasons)):
        _stop(ctx, n, [m for m in move_queries.of_origins(ctx, [n.evacuation_origin]) if m.id in pending], streak)
        rows = move_queries.states_of(ctx, [n.evacuation_origin])
    latest = latest_by_instance(rows)
    prog = progress(latest)
    if any(m.status not in states.TERMINAL for m in latest):
        if prog != n.progress:
            queries.update(ctx, n.uuid, {"progress": prog}, expected={"status": lifecycle.RUNNING})
        return
    latest = latest_by_instance(move_queries.of_origins(ctx, [n.evacuation_origin]))
    event, message = outcome(ctx, n, latest)
    message = f"{n.message} Result: {message}" if n.message else message  # after what the set-up did
    done = queries.advance(
        ctx,
        n,
        event,
        {"progress": 100, "message": message, "finished_at": timeutils.utcnow(), "active_key": None},
        expected={"attempt": n.attempt},
    )
    LOG.info("Notification %s %s: %s", n.uuid, done.status, message)


def _stop(ctx, n, pending, streak) -> None:
    message = (
        f"Not started: the recovery stopped because {streak} evacuations in a row found no valid host "
        "(the cloud has no room left); retry the notification once there is room."
    )
    for m in pending:
        try:
            transition(
                ctx, m, states.IGNORED, message=message, detail={"step": "recovery", "reason": lifecycle.REASON_STOPPED}
            )
        except exception.Conflict:
            LOG.info("Move %s started before the recovery of %s could stop it", m.uuid, n.uuid)
    LOG.warning("Notification %s: stopped after %d NoValidHost failures in a row", n.uuid, streak)


def outcome(ctx, n, latest):
    """``(event, message)`` of a recovery whose moves have all ended: ``finish`` or ``fail``, and what happened."""
    if not latest:
        return "finish", "no instance to evacuate."
    counts = summary(latest)
    ignored = [m.id for m in latest if m.status == states.IGNORED]
    reasons = [d.get("reason") for d in move_queries.last_details(ctx, ignored).values()]
    retryable = sum(1 for r in reasons if r in lifecycle.RETRYABLE)
    failed = counts.get(states.FAILED, 0) + counts.get(states.CANCELLED, 0)
    text = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    message = f"{len(latest)} instance(s), latest attempts: {text}."
    if reasons.count(lifecycle.REASON_STOPPED):
        message += " Stopped early: evacuations in a row found no valid host (the cloud is full)."
    if retryable:
        message += f" {retryable} could not be placed for lack of room."
    if failed or retryable:
        return "fail", message + ' Retry with POST .../action {"retry": null} once fixed.'
    return "finish", message
