"""Volume moves through Cinder: migrate, retype (on-demand) and swap.

One action class serves the three volume move types.  Every volume operation
goes through Cinder: ``os-migrate_volume`` (``force_host_copy=False,
lock_volume=True``) or ``os-retype`` with ``migration_policy='on-demand'``.
An attached volume is swapped by Cinder itself, which calls Nova's swap API
and completes when Nova calls back; vmove never calls Nova's swap, never
creates Keystone users and never deletes a volume.

Parameters (``params`` of the move)
-----------------------------------
``migration_type``
    ``migrate`` (os-migrate_volume to ``destination_node``), ``retype``
    (os-retype to ``destination_type``), ``swap`` (os-retype of an attached
    volume to ``destination_type``: Cinder copies the data to the new type's
    backend and has Nova swap the attachment) or ``cold`` (a detached volume
    without snapshots, migrated to ``destination_node`` or retyped to
    ``destination_type``).  Required for ``volume_migration``; it defaults to
    ``retype`` for ``volume_retype`` and to ``swap`` for ``volume_swap``, which
    also accept only the kinds that fit their name (see ``KINDS``).  So the
    JSON schema cannot list it as required: ``validate_params`` does (400).
``destination_node``
    a Cinder pool, ``host@backend#pool`` (``host@backend`` means any pool of
    that backend).
``destination_type``
    a volume type name or id.

A move has exactly one destination: Cinder migrates to a backend keeping the
type, or retypes choosing the backend itself; it cannot be told both, so the
two together are refused (400) instead of one being ignored as Watcher did.

Rules (Watcher's messages)
--------------------------
At the API (400, no backend needed): "destination type is required when
migration type is swap" (and likewise for retype; "destination node ..."
for migrate).  At run time (``pre_condition``; the move ends ``failed``):
"Invalid state for cold migration" (cold of an attached volume or one with
snapshots), "Volume type must be same for migrating", "Volume type must be
different for retyping", "Invalid state for swapping volume" (the volume must
be in-use, attached to one server that is ACTIVE, PAUSED or VERIFY_RESIZE
with no task running: what Nova's swap accepts; Watcher's "RESIZED" is no
Nova status.  A migrate/retype of an attached volume is checked the same way,
since Cinder swaps it through Nova too),
"Pool <node> not found", "Volume type <type> not found".  Skipped (the move
ends ``ignored``): "Volume <id> not found", "Volume is already on node <node>".

"Same type" for a migration: the volume type pins a backend through its
``volume_backend_name`` extra spec (as Cinder's scheduler reads it); the
destination pool reports its own ``volume_backend_name`` capability.  The
types must agree when the type pins one; a type that pins no backend can be
served by any pool, and Cinder's scheduler checks the rest at run time.

Completion (see vmove/devcloud/CINDER_QUIRKS.md)
-----------------------------------------------
``observe`` reads ONE volume listing per poll for all volume moves in flight
(all three types share it): ``GET /volumes/detail?all_tenants=1&updated_at=
gte:<oldest start>`` (microversion 3.60 filter), or the unfiltered listing
when Cinder refuses the filter.  Cinder's ``migration_status`` maps to the
phases: starting -> starting, migrating -> migrating, completing ->
completing.  The move succeeds only when the volume is really where it was
asked to go (pool for a migrate, type for a retype) and settled (available or
in-use; attached again for a swap); a stale ``success`` of an earlier
migration does not count, and ``None`` with the new host and type is the
0.1-0.4 s before ``success`` (completing).  ``error`` fails the move with
Cinder's user messages of our request when it wrote any.  A retype that
ends with the volume settled and its type unchanged failed, silently on
Cinder's side: "Cinder did not change the volume type".  A retype that Cinder
did in place (same backend, no migration) succeeds with the volume on its
source pool.
"""

import datetime
import logging
import threading
import time
import weakref

from cinderclient import exceptions as cinder_exc
from novaclient import exceptions as nova_exc
from oslo_utils import timeutils

from vmove.actions import base
from vmove.engine import states

LOG = logging.getLogger(__name__)

HOST_ATTR = "os-vol-host-attr:host"
NAME_ID_ATTR = "os-vol-mig-status-attr:name_id"
#: seconds Cinder's clock may be ahead of vmove's
CLOCK_SKEW = 5.0
#: what a volume must be for Cinder to move it (and when it has been moved)
SETTLED = ("available", "in-use")
#: Nova statuses a server may have for Nova to swap one of its volumes
SWAP_SERVER_STATUSES = ("ACTIVE", "PAUSED", "VERIFY_RESIZE")
#: Cinder's migration_status -> phase
IN_PROGRESS = {"starting": states.STARTING, "migrating": "migrating", "completing": "completing"}
PHASE_ORDER = (states.STARTING, "migrating", "completing")

MIGRATION_KINDS = ("swap", "cold", "retype", "migrate")
#: move type -> the migration types it accepts (first: the default, None: no default)
KINDS = {
    "volume_migration": (None, "migrate", "cold", "retype", "swap"),
    "volume_retype": ("retype", "cold"),
    "volume_swap": ("swap",),
}

SCHEMA = {
    "type": "object",
    "properties": {
        "migration_type": {"type": "string", "enum": list(MIGRATION_KINDS)},
        "destination_node": {"type": "string", "minLength": 1, "maxLength": 255},
        "destination_type": {"type": "string", "minLength": 1, "maxLength": 255},
    },
    "additionalProperties": False,
}


# ------------------------------------------------------------------ helpers
def on_node(host: str | None, node: str) -> bool:
    """Is a volume with ``os-vol-host-attr:host`` = ``host`` on ``node``?"""
    if not host:
        return False
    return host == node if "#" in node else host.split("#", 1)[0] == node


def is_type(vol: dict, wanted: str) -> bool:
    """Is the volume (a listing dict) of type ``wanted`` (a name or an id)?"""
    return wanted in (vol.get("volume_type"), vol.get("volume_type_id"))


def operation(params: dict) -> str:
    """The Cinder call a move makes: ``migrate`` or ``retype``."""
    return "migrate" if params.get("destination_node") else "retype"


def _naive(ts):
    return timeutils.normalize_time(ts) if ts is not None else None


def _parse(ts: str | None):
    return timeutils.normalize_time(timeutils.parse_isotime(ts)) if ts else None


def _seconds(s: float):
    import datetime

    return datetime.timedelta(seconds=s)


def _request_id(result) -> str | None:
    ids = getattr(result, "request_ids", None) or []
    return ids[0] if ids else None


def _backend_name(specs: dict | None) -> str | None:
    specs = specs or {}
    return specs.get("volume_backend_name") or specs.get("capabilities:volume_backend_name")


# ------------------------------------------------------------------ listing
class VolumeListing:
    """One Cinder volume listing per poll, shared by the three volume move types.

    The engine observes each move type apart; the listing remembers the start
    of every move it was asked about in the last polls so that its first call
    of a poll already covers the other types' moves.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._at = 0.0
        self._fetched_at = None  # vmove's UTC clock, taken before the request
        self._since = None
        self._volumes: dict = {}
        self._wanted: dict = {}  # move uuid -> (start, monotonic time last asked)
        self.use_filter = True

    def volumes(self, clients, moves, max_age: float, keep: float) -> tuple[dict, datetime.datetime]:
        """id -> volume dict (admin view) of every volume updated since the oldest move started.

        Returns the listing and vmove's clock just before it was requested. A listing younger than
        ``max_age`` is reused even if a move changed after it (its request just went out): that
        move waits for the next poll's listing rather than costing a listing of its own.
        """
        now = time.monotonic()
        with self._lock:
            for m in moves:
                self._wanted[m.uuid] = (_naive(m.start_time or m.updated_at), now)
            self._wanted = {u: w for u, w in self._wanted.items() if now - w[1] <= keep}
            since = min(w[0] for w in self._wanted.values()) - _seconds(CLOCK_SKEW)
            if now - self._at < max_age and self._since is not None and self._since <= since:
                return self._volumes, self._fetched_at
            fetched_at = timeutils.utcnow()
            self._volumes = {v["id"]: v for v in self._list(clients, since)}
            self._since, self._at, self._fetched_at = since, time.monotonic(), fetched_at
            return self._volumes, fetched_at

    def _list(self, clients, since) -> list[dict]:
        cinder = clients.cinder()
        opts = {"all_tenants": 1}
        if self.use_filter:
            try:
                filtered = dict(opts, updated_at="gte:" + since.strftime("%Y-%m-%dT%H:%M:%S"))
                return [v._info for v in cinder.volumes.list(detailed=True, search_opts=filtered)]
            except cinder_exc.BadRequest as e:
                LOG.warning("Cinder refuses the updated_at filter (%s): listing every volume from now on", e)
                self.use_filter = False
        return [v._info for v in cinder.volumes.list(detailed=True, search_opts=opts)]


_LISTINGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LISTINGS_LOCK = threading.Lock()


def listing_for(clients) -> VolumeListing:
    """The listing shared by the volume actions of one engine (one Clients object)."""
    with _LISTINGS_LOCK:
        listing = _LISTINGS.get(clients)
        if listing is None:
            listing = _LISTINGS[clients] = VolumeListing()
        return listing


# ------------------------------------------------------------------ action
class VolumeMigration(base.Action):
    """Migrate, retype or swap one Cinder volume (move types volume_migration/_retype/_swap)."""

    resource_type = "volume"
    schema = SCHEMA

    def __init__(self, conf, clients):
        super().__init__(conf, clients)
        # what pre_condition saw, for execute's event detail only (never for decisions)
        self._before: dict = {}

    # ------------------------------------------------------------ API checks
    @classmethod
    def validate_params(cls, move_type: str, params: dict) -> dict:
        params = dict(params)
        kinds = KINDS.get(move_type, (None, *MIGRATION_KINDS))
        kind = params.get("migration_type") or kinds[0]
        if kind is None:
            raise base.InvalidParams(
                reason=f"migration_type is required for a {move_type}: one of {', '.join(MIGRATION_KINDS)}."
            )
        allowed = [k for k in kinds if k]
        if kind not in allowed:
            raise base.InvalidParams(
                reason=f"migration_type {kind} does not fit a {move_type}: it takes {' or '.join(allowed)}."
            )
        params["migration_type"] = kind
        node, vtype = params.get("destination_node"), params.get("destination_type")
        if kind == "swap" and not vtype:
            raise base.InvalidParams(reason="destination type is required when migration type is swap")
        if kind == "retype" and not vtype:
            raise base.InvalidParams(reason="destination type is required when migration type is retype")
        if kind == "migrate" and not node:
            raise base.InvalidParams(reason="destination node is required when migration type is migrate")
        if kind == "cold" and not (node or vtype):
            raise base.InvalidParams(
                reason="destination node or destination type is required when migration type is cold"
            )
        if node and vtype:
            raise base.InvalidParams(
                reason="destination_node and destination_type cannot be combined: Cinder migrates a volume to "
                "a pool keeping its type, or retypes it choosing the pool itself."
            )
        if move_type == "volume_retype" and not vtype:
            raise base.InvalidParams(reason="destination type is required for a volume_retype")
        return params

    # ------------------------------------------------------------ run-time checks
    def pre_condition(self, move) -> dict:
        params = move.params or {}
        kind, node, wanted_type = (
            params["migration_type"],
            params.get("destination_node"),
            params.get("destination_type"),
        )
        cinder = self.clients.cinder()
        try:
            vol = cinder.volumes.get(move.resource_id)._info
        except cinder_exc.NotFound:
            raise base.ActionSkipped(reason=f"Volume {move.resource_id} not found") from None
        self.check_owner(move, vol.get("os-vol-tenant-attr:tenant_id"), "Volume")
        host = vol.get(HOST_ATTR)
        name = vol.get("name") or vol["id"]
        values = {"resource_name": name, "source_backend": host, "source_type": vol.get("volume_type")}
        if move.source_backend and host and not on_node(host, move.source_backend):
            raise base.ActionSkipped(
                reason=f"Volume {name} is on {host}, not on {move.source_backend} where it was to be moved "
                "from: it moved since."
            )
        if node and on_node(host, node):
            raise base.ActionSkipped(reason=f"Volume is already on node {node}")
        self._check_not_busy(vol, name)
        attachments = vol.get("attachments") or []
        if kind == "cold":
            self._check_cold(cinder, vol, attachments)
        elif kind == "swap" or attachments:
            self._check_swap(vol, attachments)
        types = cinder.volume_types.list(is_public=None)
        current = self._type_of(types, vol)
        if node:
            self._check_node(cinder, node, current)
            values.update(dest_backend=node, dest_type=vol.get("volume_type"))
        else:
            target = self._find_type(types, wanted_type)
            if target.id == getattr(current, "id", None) or target.name == vol.get("volume_type"):
                raise base.ActionFailed(reason="Volume type must be different for retyping")
            values.update(dest_type=target.name)
        if len(self._before) > 1000:  # moves whose start was refused after pre_condition
            self._before.clear()
        self._before[move.uuid] = {
            "status_before": vol.get("status"),
            "migration_status_before": vol.get("migration_status"),
            "host_before": host,
            "type_before": vol.get("volume_type"),
            "name_id_before": vol.get(NAME_ID_ATTR),
            "attached_to": [a.get("server_id") for a in attachments],
        }
        return values

    @staticmethod
    def _check_not_busy(vol, name):
        status, ms = vol.get("status"), vol.get("migration_status")
        if status not in SETTLED or ms in IN_PROGRESS or (ms or "").startswith("target:"):
            raise base.ActionFailed(
                reason=f"Volume {name} is busy (status {status}, migration status {ms}): Cinder moves only an "
                "available or in-use volume that is not being migrated."
            )

    def _check_cold(self, cinder, vol, attachments):
        if attachments or vol.get("status") != "available":
            raise base.ActionFailed(reason="Invalid state for cold migration")
        snapshots = cinder.volume_snapshots.list(detailed=False, search_opts={"volume_id": vol["id"], "all_tenants": 1})
        if snapshots:
            raise base.ActionFailed(reason="Invalid state for cold migration")

    def _check_swap(self, vol, attachments):
        """Nova swaps a volume of one server that is ACTIVE, PAUSED or VERIFY_RESIZE, with no task running."""
        servers = {a.get("server_id") for a in attachments if a.get("server_id")}
        if vol.get("status") != "in-use" or len(servers) != 1:
            LOG.info("Volume %s: %s with servers %s cannot be swapped", vol["id"], vol.get("status"), servers)
            raise base.ActionFailed(reason="Invalid state for swapping volume")
        server_id = servers.pop()
        try:
            server = self.clients.nova().servers.get(server_id)
        except nova_exc.NotFound:
            LOG.info("Volume %s is attached to server %s, which Nova does not know", vol["id"], server_id)
            raise base.ActionFailed(reason="Invalid state for swapping volume") from None
        task = getattr(server, "OS-EXT-STS:task_state", None)
        if server.status not in SWAP_SERVER_STATUSES or task:
            LOG.info("Volume %s: server %s is %s (task %s)", vol["id"], server_id, server.status, task)
            raise base.ActionFailed(reason="Invalid state for swapping volume")

    @staticmethod
    def _type_of(types, vol):
        for t in types:
            if t.id == vol.get("volume_type_id") or t.name == vol.get("volume_type"):
                return t
        return None

    @staticmethod
    def _find_type(types, wanted):
        for t in types:
            if wanted in (t.id, t.name):
                return t
        raise base.ActionFailed(reason=f"Volume type {wanted} not found")

    @staticmethod
    def _check_node(cinder, node, vtype):
        pools = [p for p in cinder.pools.list(detailed=True) if on_node(p.name, node)]
        if not pools:
            raise base.ActionFailed(reason=f"Pool {node} not found")
        pinned = _backend_name(getattr(vtype, "extra_specs", None))
        # cinderclient moves a detailed pool's capabilities up to attributes of the pool
        served = {getattr(p, "volume_backend_name", None) or _backend_name(p._info.get("capabilities")) for p in pools}
        if pinned and pinned not in served:
            raise base.ActionFailed(reason="Volume type must be same for migrating")

    # ------------------------------------------------------------ execute
    def execute(self, move) -> dict:
        params = move.params or {}
        cinder = self.clients.cinder()
        detail = dict(self._before.pop(move.uuid, {}))
        if operation(params) == "migrate":
            node = params["destination_node"]
            result = cinder.volumes.migrate_volume(move.resource_id, node, force_host_copy=False, lock_volume=True)
            detail.update(request="os-migrate_volume", host=node)
        else:
            new_type = params["destination_type"]
            result = cinder.volumes.retype(move.resource_id, new_type, "on-demand")
            detail.update(request="os-retype", new_type=new_type, migration_policy="on-demand")
        detail["request_id"] = _request_id(result)
        return detail

    # ------------------------------------------------------------ observe
    def observe(self, moves):
        interval = self.conf.engine.poll_interval
        slowest = max(interval, getattr(self.conf.engine, "max_poll_interval", None) or interval)
        volumes, fetched_at = listing_for(self.clients).volumes(
            self.clients, moves, max_age=max(interval * 0.5, 0.05), keep=2 * slowest + 1.0
        )
        seen = {}
        for move in moves:
            if move.updated_at is not None and _naive(move.updated_at) > fetched_at:
                continue  # changed (its request sent) after the listing: judged on the next one
            vol = volumes.get(move.resource_id)
            if vol is None and move.phase != states.STARTING:
                vol = self._get(move)  # a volume in the middle of a move was updated: is it gone?
                if vol is None:
                    seen[move.uuid] = base.Observation(
                        phase=states.FAILED, message=f"Volume {move.resource_id} was deleted during the move."
                    )
                    continue
            if vol is None:
                seen[move.uuid] = base.Observation(phase=move.phase, not_started=True)
                continue
            obs = self.interpret(move, vol)
            if obs.phase == states.FAILED:
                obs = self._explain_failure(move, vol)
            seen[move.uuid] = obs
        return seen

    def _get(self, move):
        try:
            return self.clients.cinder().volumes.get(move.resource_id)._info
        except cinder_exc.NotFound:
            return None

    def interpret(self, move, vol: dict, executed: dict | None = None) -> base.Observation:
        """The observation of ``move`` from its volume as Cinder lists it (admin view).

        ``executed`` is the detail execute() recorded (the volume before the
        request, the request id): read only to explain a failure.
        """
        detail = {
            "cinder_status": vol.get("status"),
            "migration_status": vol.get("migration_status"),
            "host": vol.get(HOST_ATTR),
            "volume_type": vol.get("volume_type"),
        }
        updated = _parse(vol.get("updated_at"))
        start = _naive(move.start_time)
        if start is not None and updated is not None and updated < start - _seconds(CLOCK_SKEW):
            # nothing happened to the volume since the move started: the request never reached Cinder
            return base.Observation(phase=move.phase, not_started=True, detail=detail)
        params = move.params or {}
        if operation(params) == "migrate":
            obs = self._migrate_phase(move, vol, params["destination_node"])
        else:
            obs = self._retype_phase(move, vol, params["destination_type"], executed or {})
        obs.detail = dict(detail, **(obs.detail or {}))
        if obs.phase == states.SUCCEEDED:
            obs.values = {"dest_backend": vol.get(HOST_ATTR), "dest_type": vol.get("volume_type")}
        elif not obs.not_started and obs.phase in PHASE_ORDER and move.phase in PHASE_ORDER:
            # phases only go forward (Cinder may still say "starting" once the copy runs)
            obs.phase = max(obs.phase, move.phase, key=PHASE_ORDER.index)
        return obs

    def _migrate_phase(self, move, vol, node) -> base.Observation:
        status, ms, host = vol.get("status"), vol.get("migration_status"), vol.get(HOST_ATTR)
        arrived = on_node(host, node)
        if ms in IN_PROGRESS:
            return base.Observation(phase=IN_PROGRESS[ms])
        if ms == "error":
            return base.Observation(
                phase=states.FAILED,
                message=f"Cinder could not migrate volume {self._name(move, vol)} to {node} (migration status "
                f"error); it stays on {host}, {status}.",
            )
        if arrived and ms == "success":
            return self._arrived(move, vol)
        if arrived:  # None with the new host: the last instants of the completion
            return base.Observation(phase="completing")
        if ms == "success" and move.phase in ("migrating", "completing"):
            return base.Observation(
                phase=states.FAILED,
                message=f"Cinder reports the migration of volume {self._name(move, vol)} a success, but the "
                f"volume is on {host}, not on {node}.",
            )
        # a stale value of an earlier migration: no sign of this request yet
        return base.Observation(phase=move.phase, not_started=move.phase == states.STARTING)

    def _retype_phase(self, move, vol, wanted, executed) -> base.Observation:
        status, ms, host = vol.get("status"), vol.get("migration_status"), vol.get(HOST_ATTR)
        working = move.phase in ("migrating", "completing")
        # an "error" is ours once Cinder was seen at work, or when the volume did not say it before
        new_error = ms == "error" and (working or executed.get("migration_status_before", "error") != "error")
        if ms in IN_PROGRESS:
            return base.Observation(phase=IN_PROGRESS[ms])
        if status == "retyping":
            if new_error:
                return self._type_unchanged(move, vol, failed_copy=True)
            # accepted; Cinder's scheduler has not picked it up (migration_status is stale)
            return base.Observation(phase=states.STARTING)
        if is_type(vol, wanted):
            moved = not on_node(host, move.source_backend) if move.source_backend else working
            if ms == "success" or not moved:  # migrated, or retyped in place on its own pool
                return self._arrived(move, vol)
            return base.Observation(phase="completing")  # None with the new type: completion not over
        return self._type_unchanged(move, vol, failed_copy=new_error)

    def _arrived(self, move, vol) -> base.Observation:
        status = vol.get("status")
        if status not in SETTLED:
            if status in ("maintenance", "retyping"):
                return base.Observation(phase="completing")
            return base.Observation(
                phase=states.FAILED,
                message=f"Volume {self._name(move, vol)} reached {vol.get(HOST_ATTR)} ({vol.get('volume_type')}) "
                f"but is {status}.",
            )
        if (move.params or {}).get("migration_type") == "swap":
            if status != "in-use":
                return base.Observation(
                    phase=states.FAILED,
                    message=f"Volume {self._name(move, vol)} was retyped but is no longer attached ({status}).",
                )
            if not vol.get("attachments"):
                return base.Observation(phase="completing")  # Nova has not recorded the new attachment yet
        return base.Observation(phase=states.SUCCEEDED)

    def _type_unchanged(self, move, vol, failed_copy: bool) -> base.Observation:
        why = (
            "the copy to a backend of the new type failed (migration status error)"
            if failed_copy
            else "Cinder found no backend for it or refused it, without an error on the volume"
        )
        return base.Observation(
            phase=states.FAILED,
            message=f"Cinder did not change the volume type: volume {self._name(move, vol)} is still "
            f"{vol.get('volume_type')} on {vol.get(HOST_ATTR)} ({vol.get('status')}); {why}.",
        )

    @staticmethod
    def _name(move, vol):
        return move.resource_name or vol.get("name") or vol.get("id")

    # ------------------------------------------------------------ failure reasons
    def _explain_failure(self, move, vol) -> base.Observation:
        """A failure read again with what execute() recorded, and Cinder's own reason added.

        Costs a database read and at most one Cinder call, on failures only.
        """
        executed = self._executed_detail(move)
        if executed is None:
            # the request never reached Cinder (an engine died before sending it): what we see is older
            return base.Observation(phase=move.phase, not_started=True)
        obs = self.interpret(move, vol, executed)
        if obs.phase != states.FAILED:
            return obs
        reasons = []
        if executed.get("request_id"):
            try:
                found = self.clients.cinder().messages.list(search_opts={"request_id": executed["request_id"]})
                reasons = [m.user_message for m in found if getattr(m, "user_message", None)]
            except cinder_exc.ClientException as e:
                LOG.debug("No Cinder messages for %s: %s", move.uuid, e)
        if reasons:
            obs.message = f"{obs.message} Cinder says: {'; '.join(dict.fromkeys(reasons))}"
        return obs

    def _executed_detail(self, move) -> dict | None:
        """The event detail of this attempt's request to Cinder, None if it was never sent."""
        from vmove import context as vmove_context
        from vmove.db import api as db_api

        found = None
        for ev in db_api.move_events_get(vmove_context.get_admin_context(), move.uuid):
            if ev.attempt == move.attempt and (ev.detail or {}).get("executed"):
                found = ev.detail
        return found
