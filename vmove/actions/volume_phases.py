"""What Cinder's view of a volume says of a volume move: its phase, or why it failed.

:func:`interpret` reads one volume as Cinder's admin listing shows it and
returns the move's :class:`~vmove.actions.base.Observation`. Cinder's
``migration_status`` maps to the phases: starting -> starting, migrating ->
migrating, completing -> completing. The move succeeds only when the volume
is really where it was asked to go (pool for a migrate, type for a retype)
and settled (available or in-use; attached again for a swap); a stale
``success`` of an earlier migration does not count, and ``None`` with the
new host and type is the 0.1-0.4 s before ``success`` (completing). A retype
that ends with the volume settled and its type unchanged failed, silently on
Cinder's side. A retype that Cinder did in place (same backend, no
migration) succeeds with the volume on its source pool. See
``vmove/devcloud/CINDER_QUIRKS.md``.
"""

import datetime

from vmove import utils
from vmove.actions import listings
from vmove.actions.base import Observation
from vmove.moves import states

HOST_ATTR = "os-vol-host-attr:host"
NAME_ID_ATTR = "os-vol-mig-status-attr:name_id"
#: what a volume must be for Cinder to move it (and when it has been moved)
SETTLED = ("available", "in-use")
#: Nova statuses a server may have for Nova to swap one of its volumes
SWAP_SERVER_STATUSES = ("ACTIVE", "PAUSED", "VERIFY_RESIZE")
#: Cinder's migration_status -> phase
IN_PROGRESS = {"starting": states.STARTING, "migrating": "migrating", "completing": "completing"}
PHASE_ORDER = (states.STARTING, "migrating", "completing")


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


def interpret(move, vol: dict, executed: dict | None = None) -> Observation:
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
    updated = utils.parse_time(vol.get("updated_at"))
    start = utils.naive_utc(move.start_time)
    if start is not None and updated is not None and updated < start - datetime.timedelta(seconds=listings.CLOCK_SKEW):
        # nothing happened to the volume since the move started: the request never reached Cinder
        return Observation(phase=move.phase, not_started=True, detail=detail)
    params = move.params or {}
    if operation(params) == "migrate":
        obs = _migrate_phase(move, vol, params["destination_node"])
    else:
        obs = _retype_phase(move, vol, params["destination_type"], executed or {})
    obs.detail = dict(detail, **(obs.detail or {}))
    if obs.phase == states.SUCCEEDED:
        obs.values = {"dest_backend": vol.get(HOST_ATTR), "dest_type": vol.get("volume_type")}
    elif not obs.not_started and obs.phase in PHASE_ORDER and move.phase in PHASE_ORDER:
        # phases only go forward (Cinder may still say "starting" once the copy runs)
        obs.phase = max(obs.phase, move.phase, key=PHASE_ORDER.index)
    return obs


def _migrate_phase(move, vol, node) -> Observation:
    status, ms, host = vol.get("status"), vol.get("migration_status"), vol.get(HOST_ATTR)
    arrived = on_node(host, node)
    if ms in IN_PROGRESS:
        return Observation(phase=IN_PROGRESS[ms])
    if ms == "error":
        return Observation(
            phase=states.FAILED,
            message=f"Cinder could not migrate volume {_name(move, vol)} to {node} (migration status "
            f"error); it stays on {host}, {status}.",
        )
    if arrived and ms == "success":
        return _arrived(move, vol)
    if arrived:  # None with the new host: the last instants of the completion
        return Observation(phase="completing")
    if ms == "success" and move.phase in ("migrating", "completing"):
        return Observation(
            phase=states.FAILED,
            message=f"Cinder reports the migration of volume {_name(move, vol)} a success, but the "
            f"volume is on {host}, not on {node}.",
        )
    # a stale value of an earlier migration: no sign of this request yet
    return Observation(phase=move.phase, not_started=move.phase == states.STARTING)


def _retype_phase(move, vol, wanted, executed) -> Observation:
    status, ms, host = vol.get("status"), vol.get("migration_status"), vol.get(HOST_ATTR)
    working = move.phase in ("migrating", "completing")
    # an "error" is ours once Cinder was seen at work, or when the volume did not say it before
    new_error = ms == "error" and (working or executed.get("migration_status_before", "error") != "error")
    if ms in IN_PROGRESS:
        return Observation(phase=IN_PROGRESS[ms])
    if status == "retyping":
        if new_error:
            return _type_unchanged(move, vol, failed_copy=True)
        # accepted; Cinder's scheduler has not picked it up (migration_status is stale)
        return Observation(phase=states.STARTING)
    if is_type(vol, wanted):
        moved = not on_node(host, move.source_backend) if move.source_backend else working
        if ms == "success" or not moved:  # migrated, or retyped in place on its own pool
            return _arrived(move, vol)
        return Observation(phase="completing")  # None with the new type: completion not over
    return _type_unchanged(move, vol, failed_copy=new_error)


def _arrived(move, vol) -> Observation:
    status = vol.get("status")
    if status not in SETTLED:
        if status in ("maintenance", "retyping"):
            return Observation(phase="completing")
        return Observation(
            phase=states.FAILED,
            message=f"Volume {_name(move, vol)} reached {vol.get(HOST_ATTR)} ({vol.get('volume_type')}) "
            f"but is {status}.",
        )
    if (move.params or {}).get("migration_type") == "swap":
        if status != "in-use":
            return Observation(
                phase=states.FAILED,
                message=f"Volume {_name(move, vol)} was retyped but is no longer attached ({status}).",
            )
        if not vol.get("attachments"):
            return Observation(phase="completing")  # Nova has not recorded the new attachment yet
    return Observation(phase=states.SUCCEEDED)


def _type_unchanged(move, vol, failed_copy: bool) -> Observation:
    why = (
        "the copy to a backend of the new type failed (migration status error)"
        if failed_copy
        else "Cinder found no backend for it or refused it, without an error on the volume"
    )
    return Observation(
        phase=states.FAILED,
        message=f"Cinder did not change the volume type: volume {_name(move, vol)} is still "
        f"{vol.get('volume_type')} on {vol.get(HOST_ATTR)} ({vol.get('status')}); {why}.",
    )


def _name(move, vol):
    return move.resource_name or vol.get("name") or vol.get("id")
