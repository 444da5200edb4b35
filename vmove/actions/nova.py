"""Instance moves through Nova: live migration, cold migration, evacuation.

Completion is read from ONE listing per poll for all instance moves in flight:
``GET /os-migrations?changes-since=<oldest start>`` (compute 2.59+), shared by
the three actions through :class:`MigrationsSnapshot`. The migration record,
not the server, is the truth: the host changes before the record says
``completed`` (see the dev cloud notes).
"""

import logging
import threading
import time

from novaclient import exceptions as nova_exc
from oslo_utils import timeutils

from vmove.actions import base
from vmove.engine import states

LOG = logging.getLogger(__name__)

LISTING_VERSION = "2.80"
EVACUATE_VERSION = "2.94"  # before 2.95, an evacuated instance keeps its power state
CLOCK_SKEW = 5.0  # seconds a migration record may predate the move's start
#: seconds a failed migration waits for Nova to record why (the instance action event ends after the record)
FAILURE_SETTLE = 20.0

HOST_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 255}


class MigrationsSnapshot:
    """One ``os-migrations`` listing per poll, shared by every instance action."""

    def __init__(self):
        self._lock = threading.Lock()
        self._at = 0.0
        self._since = None
        self._records: list = []

    def records(self, clients, since, max_age: float):
        with self._lock:
            fresh = time.monotonic() - self._at < max_age
            if fresh and self._since is not None and self._since <= since:
                return self._records
            nova = clients.nova(LISTING_VERSION)
            records = nova.migrations.list(changes_since=since.isoformat(), limit=1000)
            self._records = [r.to_dict() for r in records]
            self._since = since
            self._at = time.monotonic()
            return self._records


_SNAPSHOTS: dict = {}
_SNAPSHOTS_LOCK = threading.Lock()


def snapshot_for(clients) -> MigrationsSnapshot:
    with _SNAPSHOTS_LOCK:
        return _SNAPSHOTS.setdefault(id(clients), MigrationsSnapshot())


def _parse(ts):
    return timeutils.normalize_time(timeutils.parse_isotime(ts)) if ts else None


class ServerListings:
    """What Nova's server (and compute service) listings said, shared by everything in the process.

    The instance actions of every engine loop in the process pre-check their moves from here, and the
    recovery set-up puts here the failed host's servers it has just listed and the compute service it has
    just fenced: the first evacuations then start without a listing of their own.

    ``entries``: server id -> (server or None when a listing missed it, when listed, source host);
    ``services``: host -> (its nova-compute services, when read). Times are ``time.monotonic()``.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.refresh_lock = threading.Lock()
        self.entries: dict = {}
        self.services: dict = {}

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.services.clear()

    def remember(self, servers, host=None, wanted=None, ttl=None) -> None:
        """Record ``servers`` as listed now (of ``host`` when the listing was of one host).

        ``wanted`` (id -> source host): the servers the listing was made for; those it did not return are
        recorded as missing. Entries older than ``ttl`` are dropped: no pre-check would use them.
        """
        now = time.monotonic()
        ttl = InstanceAction.PREFETCH_TTL if ttl is None else ttl
        wanted = wanted or {}
        with self.lock:
            self.entries = {k: v for k, v in self.entries.items() if now - v[1] < ttl}
            for server in servers:
                self.entries[server.id] = (server, now, wanted.get(server.id, host))
            listed = {s.id for s in servers}
            for sid, source in wanted.items():
                if sid not in listed:
                    self.entries[sid] = (None, now, source)

    def remember_services(self, host, services) -> None:
        with self.lock:
            self.services[host] = (list(services), time.monotonic())


#: the process's listings (one Nova per process: its [nova] and [service_auth] options)
LISTINGS = ServerListings()


class InstanceAction(base.Action):
    resource_type = "instance"
    #: Nova's migration_type of records this action makes
    migration_types: tuple = ()
    #: server statuses the move may start from
    source_statuses: tuple = ("ACTIVE",)

    #: below this many moves starting together, one GET per server is cheaper than a listing
    PREFETCH_MIN = 3
    #: how long a listed server is used for a move's pre-check; older listings are read again
    PREFETCH_TTL = 30.0

    def __init__(self, conf, clients):
        super().__init__(conf, clients)
        self._listings = LISTINGS

    # ------------------------------------------------------------ checks
    #
    # Pre-checks read Nova from a listing shared by many moves (made when they are dispatched together, or
    # ahead of time while they wait for a slot, or by the recovery set-up), so that a move whose slot frees
    # up is started at once. A listing may be up to PREFETCH_TTL old: a verdict that would skip or fail the
    # move is confirmed with a fresh read first; a stale "all is well" costs nothing, since Nova checks
    # again when asked to move.

    def prefetch(self, moves) -> None:
        """One server listing (per source host when all are known) for many moves starting soon.

        Moves listed less than half PREFETCH_TTL ago are not listed again (the engine calls this at every
        poll for the moves next in line).
        """
        now = time.monotonic()
        with self._listings.lock:
            entries = self._listings.entries
            wanted = {
                m.resource_id: m.source_host
                for m in moves
                if now - entries.get(m.resource_id, (None, -1e9, None))[1] >= self.PREFETCH_TTL / 2
            }
        if len(wanted) < self.PREFETCH_MIN:
            return
        self._list(wanted)

    def _list(self, wanted: dict) -> None:
        """List the servers of ``wanted`` (id -> source host or None) into the listings.

        Every server listed is kept, not only the wanted ones: the moves queued behind these are mostly
        of the same hosts (a host being drained or evacuated), and their pre-checks then need no listing
        of their own as the line moves up.
        """
        hosts = set(wanted.values())
        nova = self.clients.nova()
        searches = [{"all_tenants": 1, "host": h} for h in hosts] if None not in hosts else [{"all_tenants": 1}]
        for search in searches:
            servers = nova.servers.list(detailed=True, search_opts=search, limit=-1)
            # a listing of one host answers for the wanted servers of that host only
            asked = {k: v for k, v in wanted.items() if v == search.get("host")} if len(searches) > 1 else wanted
            self._listings.remember(servers, search.get("host"), asked, self.PREFETCH_TTL)

    def _cached(self, sid):
        """The server listed for ``sid`` if the listing is fresh; refreshes stale listings together."""
        listings = self._listings
        with listings.lock:
            cached = listings.entries.get(sid)
        if cached is None:
            return None
        if time.monotonic() - cached[1] >= self.PREFETCH_TTL:
            # the moves of a big batch that start late (slow backend calls) share one new listing, not a GET each
            with listings.refresh_lock:
                with listings.lock:
                    now = time.monotonic()
                    # of this server's host only: the listings keep other hosts' servers too
                    stale = {
                        k: v[2]
                        for k, v in listings.entries.items()
                        if now - v[1] >= self.PREFETCH_TTL and v[2] == cached[2]
                    }
                if sid in stale and len(stale) >= self.PREFETCH_MIN:
                    self._list(stale)
            with listings.lock:
                cached = listings.entries.get(sid)
            if cached is None or time.monotonic() - cached[1] >= self.PREFETCH_TTL:
                with listings.lock:
                    listings.entries.pop(sid, None)
                return None
        with listings.lock:
            listings.entries.pop(sid, None)
        return cached

    def _get(self, move):
        try:
            return self.clients.nova().servers.get(move.resource_id)
        except nova_exc.NotFound:
            raise base.ActionSkipped(reason=f"Instance {move.resource_id} does not exist (any more).") from None

    def pre_condition(self, move) -> dict:
        cached = self._cached(move.resource_id)
        if cached is None:
            return self.check_server(move, self._get(move))
        try:
            if cached[0] is None:
                raise base.ActionSkipped(reason=f"Instance {move.resource_id} does not exist (any more).")
            return self.check_server(move, cached[0])
        except (base.ActionSkipped, base.ActionFailed):
            pass
        # the listing may be out of date: ask Nova before skipping or failing the move
        return self.check_server(move, self._get(move))

    def check_server(self, move, server) -> dict:
        """The pre-check of ``move`` on what Nova says of the server; returns values to record."""
        self.check_owner(move, getattr(server, "tenant_id", None), "Instance")
        host = getattr(server, "OS-EXT-SRV-ATTR:host", None)
        values = {"resource_name": server.name, "source_host": host}
        target = (move.params or {}).get("host")
        if target and target == host:
            raise base.ActionSkipped(reason=f"Instance {server.name} is already on host {host}.")
        if move.source_host and host and move.source_host != host:
            raise base.ActionSkipped(
                reason=f"Instance {server.name} is on host {host}, not on {move.source_host} where it was to be "
                "moved from: it moved since."
            )
        task = getattr(server, "OS-EXT-STS:task_state", None)
        if task:
            raise base.ActionFailed(reason=f"Instance {server.name} is busy (task state {task}).")
        if server.status not in self.source_statuses:
            raise base.ActionFailed(
                reason=f"Invalid state for {move.type.replace('_', ' ')}: instance {server.name} is "
                f"{server.status}; it must be {' or '.join(self.source_statuses)}."
            )
        return values

    # ------------------------------------------------------------ observe
    def _records_by_instance(self, moves):
        starts = [m.start_time for m in moves if m.start_time is not None]
        if not starts:
            return {}
        since = timeutils.normalize_time(min(starts)) - _seconds(CLOCK_SKEW)
        records = snapshot_for(self.clients).records(
            self.clients, since, max_age=max(self.conf.engine.poll_interval * 0.5, 0.05)
        )
        by_instance: dict = {}
        for r in records:
            if r.get("migration_type") not in self.migration_types:
                continue
            by_instance.setdefault(r["instance_uuid"], []).append(r)
        return by_instance

    def _record_for(self, move, by_instance):
        start = timeutils.normalize_time(move.start_time) - _seconds(CLOCK_SKEW)
        mine = [r for r in by_instance.get(move.resource_id, []) if _parse(r["created_at"]) >= start]
        if not mine:
            return None
        return max(mine, key=lambda r: (_parse(r["created_at"]), r["id"]))

    def observe(self, moves):
        by_instance = self._records_by_instance(moves)
        seen = {}
        for move in moves:
            record = self._record_for(move, by_instance)
            if record is None:
                seen[move.uuid] = base.Observation(phase=move.phase, not_started=True)
                continue
            obs = self.interpret(move, record)
            obs.detail = dict(obs.detail or {}, migration_id=record["id"], migration_status=record["status"])
            if obs.phase in (states.SUCCEEDED,) and record.get("dest_compute"):
                obs.values.setdefault("dest_host", record["dest_compute"])
            if obs.phase == states.FAILED and not obs.message:
                obs.message = self._failure_message(move, record)
                if obs.message is None:  # Nova is still writing why: look again at the next poll
                    obs = base.Observation(phase=move.phase, progress=move.progress)
            seen[move.uuid] = obs
        return seen

    def interpret(self, move, record) -> base.Observation:
        raise NotImplementedError

    def _failure_message(self, move, record) -> str | None:
        """Nova's own reason for a failed migration, from the instance action's events.

        None while Nova is still finishing the action: it marks the migration ``error`` before it ends the
        action's event with the reason (e.g. the conductor's NoValidHost), so for up to
        :data:`FAILURE_SETTLE` seconds after the migration ended the move waits for the reason.
        """
        text = f"Nova migration {record['id']} ended {record['status']}"
        request_id = None
        for ev in self._events_with_request(move):
            request_id = ev
        if request_id:
            try:
                action = self.clients.nova("2.84").instance_action.get(move.resource_id, request_id)
                events = getattr(action, "events", []) or []
                for ev in events:
                    if ev.get("result") == "Error":
                        detail = ev.get("details") or ev.get("traceback", "").strip().splitlines()[-1:] or ""
                        detail = detail if isinstance(detail, str) else " ".join(detail)
                        return f"{text}: {ev.get('event')} failed: {detail}".strip()
                if any(not ev.get("finish_time") for ev in events) and _recent(record, FAILURE_SETTLE):
                    return None
            except nova_exc.ClientException as e:
                LOG.debug("No instance action for %s: %s", move.uuid, e)
        return text + "."

    def _events_with_request(self, move):
        from vmove.db import api as db_api

        for ev in db_api.move_events_get(self.clients_ctx(), move.uuid):
            rid = (ev.detail or {}).get("request_id")
            if rid:
                yield rid

    def clients_ctx(self):
        from vmove import context as vmove_context

        return vmove_context.get_admin_context()


def _seconds(s):
    import datetime

    return datetime.timedelta(seconds=s)


def _all_up(services) -> bool:
    return bool(services) and all(s.state == "up" and not getattr(s, "forced_down", False) for s in services)


def _recent(record, seconds) -> bool:
    """The migration record changed less than ``seconds`` ago."""
    stamp = record.get("updated_at") or record.get("created_at")
    if not stamp:
        return False
    return timeutils.utcnow() - _parse(stamp) < _seconds(seconds)


def _request_id(result) -> str | None:
    """Nova's request id of an action call (novaclient puts it on the returned object)."""
    ids = getattr(result, "request_ids", None) or []
    if ids:
        return ids[0]
    if isinstance(result, tuple) and result:  # (response, body) of some novaclient calls
        headers = getattr(result[0], "headers", None) or {}
        return headers.get("x-openstack-request-id") or headers.get("X-Openstack-Request-Id")
    return None


class LiveMigration(InstanceAction):
    """``os-migrateLive`` with ``block_migration='auto'``; abortable while it runs."""

    migration_types = ("live-migration",)
    source_statuses = ("ACTIVE", "PAUSED")
    schema = {
        "type": "object",
        "properties": {
            "host": HOST_SCHEMA,
            "block_migration": {"enum": ["auto", True, False]},
        },
        "additionalProperties": False,
    }

    def execute(self, move) -> dict:
        params = move.params or {}
        result = self.clients.nova("2.30").servers.live_migrate(
            move.resource_id, params.get("host"), params.get("block_migration", "auto")
        )
        return {"request_id": _request_id(result)}

    def interpret(self, move, record):
        status = record["status"]
        if move.phase == "aborting":
            if status in ("cancelled",):
                return base.Observation(
                    phase=states.CANCELLED, message="Aborted on request; the instance did not move."
                )
            if status == "completed":
                return base.Observation(phase=states.SUCCEEDED, message="Completed before the abort took effect.")
            if status in ("error", "failed"):
                return base.Observation(phase=states.FAILED)
            return base.Observation(phase="aborting")
        phase = {
            "accepted": states.STARTING,
            "queued": "preparing",
            "preparing": "preparing",
            "running": "running",
            "post-migrating": "post_migrating",
            "completed": states.SUCCEEDED,
            "cancelled": states.CANCELLED,
            "error": states.FAILED,
            "failed": states.FAILED,
        }.get(status, move.phase)
        obs = base.Observation(phase=phase)
        if phase == "running":
            obs.progress = self._progress(move, record)
        elif phase in states.TERMINAL:
            self._progress_reads.pop(move.uuid, None)
        if phase == states.CANCELLED:
            obs.message = "Nova cancelled the live migration."
        return obs

    #: the longest wait between two progress reads of one migration, in progress_intervals
    PROGRESS_BACKOFF_MAX = 12

    def __init__(self, conf, clients):
        super().__init__(conf, clients)
        #: move uuid -> (when to read its byte counters next, the wait after that)
        self._progress_reads: dict = {}

    def _progress(self, move, record):
        """Byte counters of a running migration: a call per move, so read sparingly.

        The first read comes progress_interval after the migration was seen running (a short migration
        needs none), then twice as far apart each time, up to PROGRESS_BACKOFF_MAX progress_intervals: a
        long migration still shows progress, and costs a few calls, not one per interval.
        """
        now = time.monotonic()
        base_wait = self.conf.engine.progress_interval
        if len(self._progress_reads) > 10_000:
            self._progress_reads.clear()
        due, wait = self._progress_reads.setdefault(move.uuid, (now + base_wait, base_wait))
        if now < due:
            return None
        wait = min(wait * 2, base_wait * self.PROGRESS_BACKOFF_MAX)
        self._progress_reads[move.uuid] = (now + wait, wait)
        try:
            mig = self.clients.nova("2.80").server_migrations.get(move.resource_id, record["id"])
        except nova_exc.ClientException:
            return None
        total = (mig.memory_total_bytes or 0) + (mig.disk_total_bytes or 0)
        done = (mig.memory_processed_bytes or 0) + (mig.disk_processed_bytes or 0)
        if total <= 0:
            return None
        # 30 % when it starts running, 90 % when every byte is across
        return min(90, 30 + int(60 * done / total))

    def can_abort(self, move) -> bool:
        return move.phase in states.LIVE.abortable

    def abort(self, move) -> dict:
        by_instance = self._records_by_instance([move])
        record = self._record_for(move, by_instance)
        if record is None:
            raise base.NotAbortable(reason="Nova has no migration record for this move yet; try again in a moment.")
        try:
            self.clients.nova("2.80").server_migrations.live_migration_abort(move.resource_id, record["id"])
        except nova_exc.BadRequest as e:
            raise base.NotAbortable(reason=f"Nova refused to abort migration {record['id']}: {e}") from e
        return {"migration_id": record["id"]}

    def step(self, move):
        if move.phase == "aborting":
            try:
                self.abort(move)
            except base.NotAbortable as e:
                LOG.info("Abort of %s: %s", move.uuid, e.message)
            except nova_exc.ClientException as e:
                LOG.info("Abort of %s not accepted (yet): %s", move.uuid, e)
        return None


class ColdMigration(InstanceAction):
    """``migrate`` (optionally to a host, 2.56), then the engine confirms the resize itself."""

    migration_types = ("migration", "resize")
    source_statuses = ("ACTIVE", "SHUTOFF")
    schema = {"type": "object", "properties": {"host": HOST_SCHEMA}, "additionalProperties": False}

    def execute(self, move) -> dict:
        host = (move.params or {}).get("host")
        result = self.clients.nova("2.56").servers.migrate(move.resource_id, host=host)
        return {"request_id": _request_id(result)}

    def interpret(self, move, record):
        status = record["status"]
        phase = {
            "accepted": states.STARTING,
            "pre-migrating": "migrating",
            "migrating": "migrating",
            "post-migrating": "migrating",
            "finished": "resized",
            "confirming": "confirming",
            "confirmed": states.SUCCEEDED,
            "error": states.FAILED,
            "failed": states.FAILED,
            "reverted": states.FAILED,
        }.get(status, move.phase)
        if move.phase == "confirming" and phase == "resized":
            phase = "confirming"  # the record lags the confirm we sent
        obs = base.Observation(phase=phase)
        if status == "reverted":
            obs.message = "The resize was reverted; the instance is back on its source host."
        return obs

    def step(self, move):
        if move.phase != "resized":
            return None
        try:
            self.clients.nova("2.56").servers.confirm_resize(move.resource_id)
        except nova_exc.Conflict as e:
            LOG.info("Confirm of %s not possible now: %s", move.uuid, e)
            return None
        return base.Observation(phase="confirming", detail={"step": "confirm_resize"})


class Evacuation(InstanceAction):
    """``evacuate`` (2.94: the instance keeps its power state) off a host that is down."""

    migration_types = ("evacuation",)
    source_statuses = ("ACTIVE", "SHUTOFF", "ERROR", "STOPPED", "PAUSED", "SUSPENDED")
    schema = {"type": "object", "properties": {"host": HOST_SCHEMA}, "additionalProperties": False}

    def pre_condition(self, move) -> dict:
        values = super().pre_condition(move)
        host = values.get("source_host")
        services = self._compute_services(host)
        if _all_up(services):
            # a listing may predate the host's failure (or its fencing): ask Nova before failing the move
            services = self.clients.nova("2.53").services.list(host=host, binary="nova-compute")
        if _all_up(services):
            raise base.ActionFailed(
                reason=f"Compute host {host} is up: Nova evacuates only from a host that is down "
                "(stopped, or forced down)."
            )
        return values

    def prefetch(self, moves) -> None:
        """Servers, and the compute services of their hosts, once for many evacuations."""
        super().prefetch(moves)
        if len(moves) < self.PREFETCH_MIN:
            return
        now = time.monotonic()
        with self._listings.lock:
            known = {h for h, (_, when) in self._listings.services.items() if now - when < self.PREFETCH_TTL / 2}
        if {m.source_host for m in moves} <= known:
            return
        by_host: dict = {}
        for svc in self.clients.nova("2.53").services.list(binary="nova-compute"):
            by_host.setdefault(svc.host, []).append(svc)
        for host, services in by_host.items():
            self._listings.remember_services(host, services)

    def _compute_services(self, host):
        """The host's nova-compute services: from a recent listing, else asked now."""
        with self._listings.lock:
            services, when = self._listings.services.get(host, ((), -1e9))
        if time.monotonic() - when < self.PREFETCH_TTL:
            return services
        return self.clients.nova("2.53").services.list(host=host, binary="nova-compute")

    def execute(self, move) -> dict:
        host = (move.params or {}).get("host")
        result = self.clients.nova(EVACUATE_VERSION).servers.evacuate(move.resource_id, host=host)
        return {"request_id": _request_id(result)}

    def interpret(self, move, record):
        status = record["status"]
        phase = {
            "accepted": states.STARTING,
            "pre-migrating": "rebuilding",
            "migrating": "rebuilding",
            "rebuilding": "rebuilding",
            "done": states.SUCCEEDED,
            "completed": states.SUCCEEDED,
            "error": states.FAILED,
            "failed": states.FAILED,
        }.get(status, move.phase)
        return base.Observation(phase=phase)
