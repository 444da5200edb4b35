"""Evacuating a failed host: the set-up that writes one move per instance, most important first.

:func:`set_up` reads top to bottom: fence the host's compute service, list its
instances and read the other hosts' room (the three in parallel), decide
what each instance gets (:func:`_decide`: an evacuation, or why it is left
alone), check the room (:mod:`vmove.recovery.room`), write the moves
(:func:`_write`) and mark the notification running. The engines' move loop
runs the evacuations; :mod:`vmove.recovery.rollup` follows them.

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

from vmove import exception
from vmove.actions import listings
from vmove.db import api as db_api
from vmove.moves import queries as move_queries
from vmove.moves import service as move_service
from vmove.moves import states
from vmove.moves.transitions import transition
from vmove.recovery import lifecycle, queries, rollup, room

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
        return lifecycle.REASON_NOT_HA, (
            f"Not evacuated: the instance is not HA-enabled ({conf.recovery.ha_enabled_key}={value!r}) and "
            "[recovery] evacuate_all_instances is False."
        )
    if c.server.status == "ERROR" and conf.recovery.error_instances == "skip":
        return lifecycle.REASON_ERROR_STATE, (
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
        _ignore(ctx, n, f"Nova has no nova-compute service on host {n.hostname}: nothing to recover.")
        return "ignored"
    t0 = time.monotonic()
    # fencing, listing the host and reading the other hosts' room do not depend on each other: the
    # evacuations wait for the slowest of the three, not for their sum
    with concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="vmove-recovery-set-up") as pool:
        listing = pool.submit(
            clients.nova(LIST_VERSION).servers.list, search_opts={"host": n.hostname, "all_tenants": True}, limit=-1
        )
        rooms = pool.submit(room.read, clients, conf, n.hostname) if room.needed(conf) else None
        fence, fenced = _fence(nova, services[0], n)
        servers = listing.result()
    servers = [s for s in servers if getattr(s, "OS-EXT-SRV-ATTR:host", n.hostname) == n.hostname]
    # the engine's pre-checks of the first evacuations read these instead of listing the host again
    listings.LISTINGS.remember(servers, n.hostname)
    listings.LISTINGS.remember_services(n.hostname, [fenced, *services[1:]])
    decisions = _decide(ctx, conf, n, servers)
    t1 = time.monotonic()
    notes = room.check(conf, n, decisions, rooms.result() if rooms is not None else None)
    t2 = time.monotonic()
    written, ignored, busy = _write(ctx, conf, n, decisions, owner, wake)
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
        queries.advance(
            ctx, n, "set_up", {"processed_at": timeutils.utcnow(), "message": message}, expected={"attempt": n.attempt}
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
class Decision:
    """What this run does for one instance: evacuate it (to ``dest``, or where Nova chooses), or ``skip`` it."""

    candidate: Candidate
    attempt: int
    skip: tuple | None = None  # (reason, message)
    dest: str | None = None


def _decide(ctx, conf, n, servers) -> list:
    """What this run does for each instance, most important first (instances already handled are left out)."""
    moves = move_queries.of_origins(ctx, [n.evacuation_origin])
    latest = {m.resource_id: m for m in rollup.latest_by_instance(moves)}
    ended_ignored = [m.id for m in latest.values() if m.status == states.IGNORED]
    details = move_queries.last_details(ctx, ended_ignored)
    started = n.run_started_at
    decisions = []
    for c in ordered(servers, conf):
        last = latest.get(c.id)
        attempt = 1
        if last is not None:
            if started is not None and last.created_at >= started:
                continue  # this run made it already (we are resuming a set-up)
            retry = last.status in (states.FAILED, states.CANCELLED) or (
                last.status == states.IGNORED and details.get(last.id, {}).get("reason") in lifecycle.RETRYABLE
            )
            if not retry:
                continue
            attempt = last.attempt + 1
        decisions.append(Decision(c, attempt, skip_reason(c, conf)))
    return decisions


def _write(ctx, conf, n, decisions, owner, wake=None):
    """Write the run's moves in two transactions: the first ``max_in_flight`` evacuations, then the rest.

    The engines are woken after the first: they start the most important evacuations while the rest is
    written. One transaction per move would hold the database's write lock in turns with the engine's
    dispatch and, on SQLite, keep the dispatch waiting until every move was written.
    Returns ``(evacuations written, instances ignored, why others were left alone)``.
    """
    written = ignored = 0
    busy = []
    evacuations = [i for i, d in enumerate(decisions) if d.skip is None]
    slots = conf.recovery.max_in_flight
    first = evacuations[slots - 1] + 1 if len(evacuations) >= slots else len(decisions)
    for chunk in (decisions[:first], decisions[first:]):
        if not chunk:
            continue
        with db_api.main_context_manager.writer.using(ctx):
            for d in chunk:
                try:
                    _request(ctx, conf, n, d, owner)
                except exception.Conflict as e:
                    busy.append(f"{d.candidate.server.name} ({d.candidate.id}): {e.message}")
                    continue
                if d.skip is None:
                    written += 1
                else:
                    ignored += 1
        if wake is not None and written:
            wake()
    return written, ignored, busy


def _request(ctx, conf, n, d, owner):
    """Write decision ``d``'s move; a move of the instance still waiting from before the failure is replaced."""
    server = d.candidate.server
    request = dict(
        owner=owner,
        lease=datetime.timedelta(seconds=conf.recovery.claim_timeout),
        step="recovery",
        resource_type="instance",
        resource_id=d.candidate.id,
        move_type="evacuation",
        params={"host": d.dest} if d.dest else {},
        priority=d.candidate.priority,
        origin=n.evacuation_origin,
        project_id=getattr(server, "tenant_id", None) or n.project_id,
        values={"attempt": d.attempt, "source_host": n.hostname, "resource_name": server.name},
    )
    try:
        return move_service.request_or_skip(ctx, d.skip, **request)
    except exception.Conflict:
        if d.skip is not None:
            raise  # not evacuated anyway: leave the other move alone
        # a move requested before the host failed and still waiting cannot happen now: replace it
        other = move_queries.busy(ctx, d.candidate.id)
        if other is None or other.status != states.PENDING or other.origin.startswith("notification:"):
            raise
        transition(
            ctx,
            other,
            states.CANCELLED,
            message=f"Cancelled: host {n.hostname} failed; notification {n.uuid} evacuates the instance.",
            detail={"step": "recovery", "notification": n.uuid},
        )
        return move_service.request_or_skip(ctx, d.skip, **request)


def _ignore(ctx, n, message):
    """Nothing to recover: the notification ends ignored."""
    now = timeutils.utcnow()
    queries.advance(
        ctx,
        n,
        "ignore",
        {"message": message, "progress": 100, "finished_at": now, "processed_at": now, "active_key": None},
        expected={"attempt": n.attempt},
    )
