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

Completion
----------
``observe`` reads ONE volume listing per poll for all volume moves in flight
(all three types share it, :class:`~vmove.actions.listings.VolumeListing`):
``GET /volumes/detail?all_tenants=1&updated_at=gte:<oldest start>``
(microversion 3.60 filter), or the unfiltered listing when Cinder refuses the
filter. :mod:`vmove.actions.volume_phases` reads the phase of each move from
its volume. ``error`` fails the move with Cinder's user messages of our
request when it wrote any.
"""

import logging

from cinderclient import exceptions as cinder_exc
from novaclient import exceptions as nova_exc

from vmove import utils
from vmove.actions import base, listings, volume_phases
from vmove.actions.volume_phases import HOST_ATTR, IN_PROGRESS, NAME_ID_ATTR, SETTLED, SWAP_SERVER_STATUSES, on_node
from vmove.moves import states

__all__ = ["HOST_ATTR", "IN_PROGRESS", "SETTLED", "VolumeMigration", "on_node"]

LOG = logging.getLogger(__name__)

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


def _backend_name(specs: dict | None) -> str | None:
    specs = specs or {}
    return specs.get("volume_backend_name") or specs.get("capabilities:volume_backend_name")


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
        if volume_phases.operation(params) == "migrate":
            node = params["destination_node"]
            result = cinder.volumes.migrate_volume(move.resource_id, node, force_host_copy=False, lock_volume=True)
            detail.update(request="os-migrate_volume", host=node)
        else:
            new_type = params["destination_type"]
            result = cinder.volumes.retype(move.resource_id, new_type, "on-demand")
            detail.update(request="os-retype", new_type=new_type, migration_policy="on-demand")
        detail["request_id"] = base.request_id(result)
        return detail

    # ------------------------------------------------------------ observe
    def observe(self, moves):
        interval = self.conf.engine.poll_interval
        slowest = max(interval, getattr(self.conf.engine, "max_poll_interval", None) or interval)
        volumes, fetched_at = listings.listing_for(self.clients).volumes(
            self.clients, moves, max_age=max(interval * 0.5, 0.05), keep=2 * slowest + 1.0
        )
        seen = {}
        for move in moves:
            if move.updated_at is not None and utils.naive_utc(move.updated_at) > fetched_at:
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
        """The observation of ``move`` from its volume as Cinder lists it (see :mod:`volume_phases`)."""
        return volume_phases.interpret(move, vol, executed)

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
        found = None
        for detail in self.history(move):
            if detail.get("executed"):
                found = detail
        return found

    def why_not_abortable(self, move) -> str:
        return "Cinder has no abort for a volume migration once it has started."
