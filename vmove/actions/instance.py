"""What the three instance moves through Nova share: pre-checks from shared listings, observation.

Completion is read from ONE listing per poll for all instance moves in flight
(:class:`~vmove.actions.listings.MigrationsSnapshot`), and pre-checks from
server listings shared by the whole process
(:data:`~vmove.actions.listings.LISTINGS`). The actions themselves are in
:mod:`vmove.actions.nova`.
"""

import datetime
import logging
import time

from novaclient import exceptions as nova_exc
from oslo_utils import timeutils

from vmove import utils
from vmove.actions import base, listings
from vmove.moves import states

LOG = logging.getLogger(__name__)

#: seconds a failed migration waits for Nova to record why (the instance action event ends after the record)
FAILURE_SETTLE = 20.0

HOST_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 255}


def record_phases(statuses: dict) -> dict:
    """Nova's migration record status -> the move's phase, from ``{phase: (status, ...)}``: besides these, a
    record ``accepted`` starts the move, one ``error`` or ``failed`` fails it."""
    phases = {"accepted": states.STARTING, "error": states.FAILED, "failed": states.FAILED}
    for phase, names in statuses.items():
        phases.update(dict.fromkeys(names, phase))
    return phases


class InstanceAction(base.Action):
    resource_type = "instance"
    #: Nova's migration_type of records this action makes
    migration_types: tuple = ()
    #: the instance actions Nova records for the move (os-instance-actions)
    nova_actions: tuple = ()
    #: server statuses the move may start from
    source_statuses: tuple = ("ACTIVE",)

    #: below this many moves starting together, one GET per server is cheaper than a listing
    PREFETCH_MIN = 3
    #: how long a listed server is used for a move's pre-check; older listings are read again
    PREFETCH_TTL = listings.PREFETCH_TTL

    def __init__(self, conf, clients):
        super().__init__(conf, clients)
        self._listings = listings.LISTINGS

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

    def busy(self, move) -> bool:
        """Whether Nova took a request for this move already: its API records an instance action (and sets
        the task state) as it takes the request, before the conductor writes the migration record. An
        action of the move's kind since the move started is this move's (the instance had no other move)."""
        nova = self.clients.nova()
        try:
            server = nova.servers.get(move.resource_id)
        except nova_exc.NotFound:
            return False
        if getattr(server, "OS-EXT-STS:task_state", None):
            return True
        if move.start_time is None:
            return False
        since = timeutils.normalize_time(move.start_time) - datetime.timedelta(seconds=listings.CLOCK_SKEW)
        for action in nova.instance_action.list(move.resource_id):
            if action.action in self.nova_actions and utils.parse_time(action.start_time) >= since:
                return True
        return False

    # ------------------------------------------------------------ observe
    def _records_by_instance(self, moves):
        starts = [m.start_time for m in moves if m.start_time is not None]
        if not starts:
            return {}
        since = timeutils.normalize_time(min(starts)) - datetime.timedelta(seconds=listings.CLOCK_SKEW)
        records = listings.snapshot_for(self.clients).records(
            self.clients, since, max_age=max(self.conf.engine.poll_interval * 0.5, 0.05)
        )
        by_instance: dict = {}
        for r in records:
            if r.get("migration_type") not in self.migration_types:
                continue
            by_instance.setdefault(r["instance_uuid"], []).append(r)
        return by_instance

    def _record_for(self, move, by_instance):
        start = timeutils.normalize_time(move.start_time) - datetime.timedelta(seconds=listings.CLOCK_SKEW)
        mine = [r for r in by_instance.get(move.resource_id, []) if utils.parse_time(r["created_at"]) >= start]
        if not mine:
            return None
        return max(mine, key=lambda r: (utils.parse_time(r["created_at"]), r["id"]))

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
        request_ids = [e["request_id"] for e in self.history(move) if e.get("request_id")]
        request_id = request_ids[-1] if request_ids else None
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


def _recent(record, seconds) -> bool:
    """The migration record changed less than ``seconds`` ago."""
    stamp = record.get("updated_at") or record.get("created_at")
    if not stamp:
        return False
    return timeutils.utcnow() - utils.parse_time(stamp) < datetime.timedelta(seconds=seconds)
