"""Evacuating a failed host: set-up (one move per instance, most important first), stop, roll-up.

Set-up is idempotent and resumable: it looks at the moves the notification
already has, so an engine that dies half-way leaves nothing another engine
cannot finish, and a retry (attempt + 1) makes new moves only for the
instances whose latest move did not succeed. Earlier attempts stay as they
are (Masakari's retries counted the old failures and could never succeed).
"""

import concurrent.futures
import dataclasses
import datetime
import logging
import time

from oslo_utils import strutils, timeutils

from vmove import exception, recovery
from vmove import moves as move_requests
from vmove.actions import nova as nova_actions
from vmove.db import api as db_api
from vmove.db import recovery_api
from vmove.engine import recovery_capacity, states
from vmove.engine.transitions import transition
from vmove.objects import move as move_obj
from vmove.objects import notification as nobj

LOG = logging.getLogger(__name__)

SERVICES_VERSION = "2.53"  # service ids are uuids; forced_down can be set
LIST_VERSION = "2.47"  # the server's flavor is embedded (vcpus, ram, disk, extra_specs)
#: move priority of instances without a (valid) priority: after every other
UNMARKED = -1_000_000


@dataclasses.dataclass
class Candidate:
    server: object
    priority: int  # the move's priority: higher starts first
    ha: bool | None
    raw_priority: str | None

    @property
    def id(self) -> str:
        return self.server.id


def move_priority(raw, conf) -> int:
    """The move priority (higher first) of an instance whose priority_key value is ``raw``."""
    value = None
    if raw is not None:
        try:
            value = int(str(raw).strip())
        except ValueError:
            value = None
    if value is None:
        value = conf.recovery.default_priority
    if value is None:
        return UNMARKED
    value = -value if conf.recovery.priority_order == "lowest_first" else value
    return max(UNMARKED + 1, min(-UNMARKED, value))


def _bool(raw):
    if raw is None:
        return None
    try:
        return strutils.bool_from_string(str(raw), strict=True)
    except ValueError:
        return None


def ordered(servers, conf) -> list:
    """Candidates most important first: priority, then HA-enabled before not, then oldest first, then id."""
    found = []
    for s in servers:
        meta = getattr(s, "metadata", None) or {}
        raw = meta.get(conf.recovery.priority_key)
        found.append(Candidate(s, move_priority(raw, conf), _bool(meta.get(conf.recovery.ha_enabled_key)), raw))
    return sorted(found, key=lambda c: (-c.priority, 0 if c.ha else 1, getattr(c.server, "created", "") or "", c.id))


def skip_reason(c: Candidate, conf):
    """``(reason, message)`` when the recovery's configuration leaves the instance where it is, else None."""
    if not conf.recovery.evacuate_all_instances and c.ha is not True:
        value = (getattr(c.server, "metadata", None) or {}).get(conf.recovery.ha_enabled_key)
        return recovery.REASON_NOT_HA, (
            f"Not evacuated: the instance is not HA-enabled ({conf.recovery.ha_enabled_key}={value!r}) and "
            "[recovery] evacuate_all_instances is False."
        )
    if c.server.status == "ERROR" and conf.recovery.error_instances == "skip":
        return recovery.REASON_ERROR_STATE, (
            "Not evacuated: the instance is in ERROR state and [recovery] error_instances is skip."
        )
    return None


# ------------------------------------------------------------------ set-up


def set_up(ctx, conf, clients, notification, owner, wake=None) -> str:
    """Fence the host in Nova, then write the moves of this run; returns what was done (the message).

    ``wake()`` is called once the first evacuations are written, so that the engines start them while the
    rest is being written.
    """
    n = notification
    nova = clients.nova(SERVICES_VERSION)
    services = nova.services.list(host=n.hostname, binary="nova-compute")
    if not services:
        _end(ctx, n, nobj.IGNORED, f"Nova has no nova-compute service on host {n.hostname}: nothing to recover.")
        return "ignored"
    t0 = time.monotonic()
    # fencing, listing the host and reading the other hosts' room do not depend on each other: the
    # evacuations wait for the slowest of the three, not for their sum
    with concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="vmove-recovery-set-up") as pool:
        listing = pool.submit(
            clients.nova(LIST_VERSION).servers.list, search_opts={"host": n.hostname, "all_tenants": True}, limit=-1
        )
        rooms = pool.submit(_read_room, clients, conf, n.hostname) if _checks_room(conf) else None
        fence, fenced = _fence(nova, services[0], n)
        servers = listing.result()
    servers = [s for s in servers if getattr(s, "OS-EXT-SRV-ATTR:host", n.hostname) == n.hostname]
    # the engine's pre-checks of the first evacuations read these instead of listing the host again
    nova_actions.LISTINGS.remember(servers, n.hostname)
    nova_actions.LISTINGS.remember_services(n.hostname, [fenced, *services[1:]])
    plan = _plan(ctx, conf, n, servers)
    t1 = time.monotonic()
    notes = _room_for(conf, n, plan, rooms.result() if rooms is not None else None)
    t2 = time.monotonic()
    written, ignored, busy = _write(ctx, conf, n, plan, owner, wake)
    LOG.info(
        "Notification %s: host %s fenced, %d instances listed and planned in %.2fs, capacity checked in %.2fs, "
        "%d moves written in %.2fs",
        n.uuid,
        n.hostname,
        len(servers),
        t1 - t0,
        t2 - t1,
        written + ignored,
        time.monotonic() - t2,
    )
    parts = [f"Host {n.hostname}: {fence}.", f"{len(servers)} instance(s) on it"]
    parts[-1] += f", attempt {n.attempt}: {written} evacuation(s) requested, {ignored} ignored."
    if busy:
        parts.append("Left alone (another move in progress): " + "; ".join(busy) + ".")
    parts.extend(notes)
    message = " ".join(parts)
    try:
        recovery_api.notification_update(
            ctx,
            n.uuid,
            {"status": nobj.RUNNING, "processed_at": timeutils.utcnow(), "message": message},
            expected={"status": nobj.NEW, "attempt": n.attempt},
        )
    except exception.Conflict:
        # we were so slow (a stuck Nova call) that our claim ran out and another set-up finished the run
        LOG.warning("Notification %s: another set-up finished this run first; ours wrote %d moves", n.uuid, written)
    return message


def _fence(nova, service, n) -> tuple:
    """Force the host's nova-compute down, then disable it; returns what was done, and the service as now.

    In this order: disabling a service Nova still believes up (its last heartbeat is recent) makes
    nova-api *call* the dead compute over RPC to sync the COMPUTE_STATUS_DISABLED trait, and wait for the
    RPC timeout (60 s by default) before answering; a forced-down service is not called.
    """
    done = []
    if not getattr(service, "forced_down", False):
        service = nova.services.force_down(service.id, True)
        done.append("forced down")
    if service.status != "disabled":
        service = nova.services.disable_log_reason(service.id, f"vmove: host failure, notification {n.uuid}")
        done.append("disabled")
    what = ("compute service " + " and ".join(done)) if done else "compute service already forced down and disabled"
    return what, service


@dataclasses.dataclass
class Planned:
    candidate: Candidate
    attempt: int
    skip: tuple | None = None  # (reason, message)
    dest: str | None = None


def _plan(ctx, conf, n, servers) -> list:
    """What this run does for each instance, most important first (instances already handled are left out)."""
    moves = recovery.moves_of(ctx, [n.evacuation_origin])
    latest = {m.resource_id: m for m in recovery.latest_by_instance(moves)}
    ended_ignored = [m.id for m in latest.values() if m.status == states.IGNORED]
    details = recovery_api.last_details(ctx, ended_ignored)
    started = n.run_started_at
    plan = []
    for c in ordered(servers, conf):
        last = latest.get(c.id)
        attempt = 1
        if last is not None:
            if started is not None and last.created_at >= started:
                continue  # this run made it already (we are resuming a set-up)
            retry = last.status in (states.FAILED, states.CANCELLED) or (
                last.status == states.IGNORED and details.get(last.id, {}).get("reason") in recovery.RETRYABLE
            )
            if not retry:
                continue
            attempt = last.attempt + 1
        plan.append(Planned(c, attempt, skip_reason(c, conf)))
    return plan


def _checks_room(conf) -> bool:
    return bool(conf.recovery.capacity_check or conf.recovery.max_in_flight_per_dest_host)


def _read_room(clients, conf, failed_host):
    """The other hosts' room, or the :class:`~recovery_capacity.CapacityUnknown` saying why it is unknown."""
    try:
        return recovery_capacity.read_room(clients, conf, failed_host)
    except recovery_capacity.CapacityUnknown as e:
        return e


def _room_for(conf, n, plan, rooms) -> list:
    """Capacity check (and destinations when a per-host limit is set); returns notes for the message.

    ``rooms``: what :func:`_read_room` read (None when neither check nor limit needs it).
    """
    per_host = conf.recovery.max_in_flight_per_dest_host
    todo = [p for p in plan if p.skip is None]
    if rooms is None or not todo:
        return []
    if isinstance(rooms, recovery_capacity.CapacityUnknown):
        LOG.warning("Notification %s: no capacity check: %s", n.uuid, rooms)
        note = f"No capacity check ({rooms})"
        return [
            note
            + ("; Nova's scheduler chooses the destinations and the per-host limit cannot hold." if per_host else ".")
        ]
    needs = {p.candidate.id: recovery_capacity.needs_of(p.candidate.server) for p in todo}
    placed = recovery_capacity.place([(p.candidate.id, needs[p.candidate.id]) for p in todo], rooms)
    hosts = ", ".join(sorted(r.host for r in rooms))
    for p in todo:
        dest = placed.get(p.candidate.id)
        if dest is None and conf.recovery.capacity_check and needs[p.candidate.id]:
            what = recovery_capacity.describe(needs[p.candidate.id])
            where = (
                f"no enabled, up compute host ({hosts}) has {what} free after the more important instances"
                if rooms
                else "no other compute host is enabled and up"
            )
            p.skip = (recovery.REASON_NO_ROOM, f"No room: {where} (Placement capacity check).")
        elif per_host:
            p.dest = dest
    return []


def _write(ctx, conf, n, plan, owner, wake=None):
    """Write the run's moves in two transactions: the first ``max_in_flight`` evacuations, then the rest.

    The engines are woken after the first: they start the most important evacuations while the rest is
    written. One transaction per move would hold the database's write lock in turns with the engine's
    dispatch and, on SQLite, keep the dispatch waiting until every move was written.
    """
    written = ignored = 0
    busy = []
    evacuations = [i for i, p in enumerate(plan) if p.skip is None]
    slots = conf.recovery.max_in_flight
    first = evacuations[slots - 1] + 1 if len(evacuations) >= slots else len(plan)
    for chunk in (plan[:first], plan[first:]):
        if not chunk:
            continue
        with db_api.main_context_manager.writer.using(ctx):
            for p in chunk:
                outcome = _write_one(ctx, conf, n, p, owner)
                if outcome is None:
                    written += 1
                elif outcome == "ignored":
                    ignored += 1
                else:
                    busy.append(outcome)
        if wake is not None and written:
            wake()
    return written, ignored, busy


def _write_one(ctx, conf, n, p, owner):
    """Write ``p``'s move: None (an evacuation), "ignored", or why the instance was left alone."""
    c = p.candidate
    values = {"attempt": p.attempt, "source_host": n.hostname, "resource_name": c.server.name}
    if p.skip is not None:
        # claimed while we record why it is not evacuated: the dispatcher must not start it meanwhile
        values.update(engine_id=owner, lease_until=timeutils.utcnow() + _seconds(conf.recovery.claim_timeout))
    try:
        move = _request(ctx, n, c, p, values)
    except exception.Conflict as e:
        return f"{c.server.name} ({c.id}): {e.message}"
    if p.skip is None:
        return None
    reason, message = p.skip
    transition(ctx, move, states.IGNORED, message=message, detail={"step": "recovery", "reason": reason})
    return "ignored"


def _request(ctx, n, c, p, values):
    params = {"host": p.dest} if p.dest else {}
    kwargs = dict(
        resource_type="instance",
        resource_id=c.id,
        move_type="evacuation",
        params=params,
        priority=c.priority,
        origin=n.evacuation_origin,
        project_id=getattr(c.server, "tenant_id", None) or n.project_id,
        values=values,
    )
    try:
        return move_requests.request_move(ctx, **kwargs)
    except exception.Conflict:
        if p.skip is not None:
            raise  # not evacuated anyway: leave the other move alone
        # a move requested before the host failed and still waiting cannot happen now: replace it
        other = [
            m
            for m in _pending_moves_of(ctx, c.id)
            if m.status == states.PENDING and not m.origin.startswith("notification:")
        ]
        if not other:
            raise
        transition(
            ctx,
            other[0],
            states.CANCELLED,
            message=f"Cancelled: host {n.hostname} failed; notification {n.uuid} evacuates the instance.",
            detail={"step": "recovery", "notification": n.uuid},
        )
        return move_requests.request_move(ctx, **kwargs)


def _pending_moves_of(ctx, resource_id):
    return move_obj.MoveList.get_all(ctx, {"resource_id": resource_id, "status": [states.PENDING]}, limit=5)


def _seconds(s):
    return datetime.timedelta(seconds=s)


def _end(ctx, n, status, message):
    recovery_api.notification_update(
        ctx,
        n.uuid,
        {
            "status": status,
            "message": message,
            "progress": 100,
            "finished_at": timeutils.utcnow(),
            "processed_at": timeutils.utcnow(),
            "active_key": None,
        },
        expected={"status": [nobj.NEW, nobj.RUNNING], "attempt": n.attempt},
    )


# ---------------------------------------------------------- stop, roll-up


def no_valid_host_streak(run_moves, found_no_valid_host=None) -> int:
    """How many of the latest-started evacuations that ended found no valid host, in a row.

    Evacuations start most important first, so "in a row" follows the start order: a success ends the
    row, a failure for another reason neither counts nor ends it, moves still in flight are not known yet.
    (By end order, a small instance started earlier and ending later would hide the failures of the
    instances started after it.)
    """
    found = found_no_valid_host or (lambda m: recovery.is_no_valid_host(m.message))
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
        if recovery.is_no_valid_host(move.message):
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
            if not found and ended is not None and timeutils.utcnow() - timeutils.normalize_time(ended) < _seconds(30):
                return False  # Nova may not have recorded the fault yet: ask again next time
            self._known[move.uuid] = found
        return self._known[move.uuid]


def _fault_says_no_valid_host(server, move) -> bool:
    fault = getattr(server, "fault", None) or {}
    if not recovery.is_no_valid_host(fault.get("message")):
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
    if not limit or n.status not in (nobj.NEW, nobj.RUNNING):
        return 0
    batch = max(4 * limit, 20)
    while True:
        rows = recovery_api.moves_ended_latest_started_first(ctx, n.evacuation_origin, n.run_started_at, batch)
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
    if n.status != nobj.RUNNING or n.processed_at is None:
        return
    # at every poll: the moves' states only (whole moves are read to stop or to end the recovery)
    rows = recovery_api.move_states_of(ctx, [n.evacuation_origin])
    since = timeutils.normalize_time(n.run_started_at) if n.run_started_at is not None else None
    pending = {
        r.id
        for r in rows
        if r.status == states.PENDING and (since is None or timeutils.normalize_time(r.created_at) >= since)
    }
    if pending and (streak := cloud_full(ctx, conf, n, reasons)):
        _stop(ctx, n, [m for m in recovery.moves_of(ctx, [n.evacuation_origin]) if m.id in pending], streak)
        rows = recovery_api.move_states_of(ctx, [n.evacuation_origin])
    latest = recovery.latest_by_instance(rows)
    prog = recovery.progress(latest)
    if any(m.status not in states.TERMINAL for m in latest):
        if prog != n.progress:
            recovery_api.notification_update(ctx, n.uuid, {"progress": prog}, expected={"status": nobj.RUNNING})
        return
    latest = recovery.latest_by_instance(recovery.moves_of(ctx, [n.evacuation_origin]))
    status, message = outcome(ctx, n, latest)
    message = f"{n.message} Result: {message}" if n.message else message  # after what the set-up did
    recovery_api.notification_update(
        ctx,
        n.uuid,
        {"status": status, "progress": 100, "message": message, "finished_at": timeutils.utcnow(), "active_key": None},
        expected={"status": nobj.RUNNING, "attempt": n.attempt},
    )
    LOG.info("Notification %s %s: %s", n.uuid, status, message)


def _stop(ctx, n, pending, streak) -> None:
    message = (
        f"Not started: the recovery stopped because {streak} evacuations in a row found no valid host "
        "(the cloud has no room left); retry the notification once there is room."
    )
    for m in pending:
        try:
            transition(
                ctx, m, states.IGNORED, message=message, detail={"step": "recovery", "reason": recovery.REASON_STOPPED}
            )
        except exception.Conflict:
            LOG.info("Move %s started before the recovery of %s could stop it", m.uuid, n.uuid)
    LOG.warning("Notification %s: stopped after %d NoValidHost failures in a row", n.uuid, streak)


def outcome(ctx, n, latest):
    """``(status, message)`` of a recovery whose moves have all ended."""
    if not latest:
        return nobj.FINISHED, "no instance to evacuate."
    counts = recovery.summary(latest)
    ignored = [m.id for m in latest if m.status == states.IGNORED]
    reasons = [d.get("reason") for d in recovery_api.last_details(ctx, ignored).values()]
    retryable = sum(1 for r in reasons if r in recovery.RETRYABLE)
    failed = counts.get(states.FAILED, 0) + counts.get(states.CANCELLED, 0)
    text = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    message = f"{len(latest)} instance(s), latest attempts: {text}."
    if reasons.count(recovery.REASON_STOPPED):
        message += " Stopped early: evacuations in a row found no valid host (the cloud is full)."
    if retryable:
        message += f" {retryable} could not be placed for lack of room."
    if failed or retryable:
        return nobj.FAILED, message + ' Retry with POST .../action {"retry": null} once fixed.'
    return nobj.FINISHED, message
