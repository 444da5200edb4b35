"""Resize as a move: Nova's resize to another flavor, confirmed by the engine, reverted on abort.

``params``: ``{"flavor": <flavor id or name>}``. The pre-check refuses what Nova
would refuse or what makes no sense: the same flavor (the move is ignored,
saying so), a smaller root or ephemeral disk (failed: Nova cannot shrink a
disk), and, when the engine hands the action its Placement reader, a flavor
that no other enabled, up compute host has room for (Nova's resize goes to
another host unless ``allow_resize_to_same_host``). The engine confirms the
resize as soon as Nova says it is done (no manual wait state); an abort
asked while it runs waits until Nova can revert it, then reverts it: the
instance is back on its host with its flavor and the move ends cancelled.
Its phases are :data:`vmove.moves.states.RESIZE`.
"""

import logging

from novaclient import exceptions as nova_exc

from vmove.actions import base
from vmove.actions.instance import InstanceAction, record_phases
from vmove.moves import states

LOG = logging.getLogger(__name__)

VERSION = "2.56"


def flavor_dict(flavor) -> dict:
    """A Nova flavor (novaclient object) as the dict embedded in a server (2.47+), with its id."""
    swap = getattr(flavor, "swap", 0)
    try:
        extra = flavor.get_keys()
    except Exception:  # noqa: BLE001 - extra specs unreadable: none counted
        extra = {}
    return {
        "id": flavor.id,
        "original_name": flavor.name,
        "vcpus": flavor.vcpus,
        "ram": flavor.ram,
        "disk": flavor.disk,
        "ephemeral": getattr(flavor, "OS-FLV-EXT-DATA:ephemeral", 0) or 0,
        "swap": swap if isinstance(swap, int) else 0,
        "extra_specs": extra or {},
    }


def find_flavor(nova, ref: str):
    """The flavor of id or name ``ref`` (private ones included), or None."""
    try:
        return nova.flavors.get(ref)
    except nova_exc.NotFound:
        pass
    for flavor in nova.flavors.list(is_public=None):
        if flavor.name == ref:
            return flavor
    return None


def refusal(name: str, current: dict, new: dict, boot_from_volume: bool) -> tuple[str, str] | None:
    """Why resizing instance ``name`` from flavor ``current`` to ``new`` (flavor dicts) is refused:
    ``(code, reason)``, code ``already_there`` or ``smaller_disk``; None when it may go."""
    old_name, new_name = current.get("original_name", "?"), new.get("original_name", "?")
    if old_name == new_name:
        return "already_there", f"Instance {name} already has flavor {new_name}: a resize needs another flavor."
    disks = [("root", "disk")] if not boot_from_volume else []
    for what, key in [*disks, ("ephemeral", "ephemeral")]:
        old, want = int(current.get(key) or 0), int(new.get(key) or 0)
        if want < old:
            return "smaller_disk", (
                f"Flavor {new_name} has a {want} GB {what} disk, smaller than the {old} GB of flavor {old_name} "
                f"of instance {name}: Nova cannot shrink a disk."
            )
    return None


class Resize(InstanceAction):
    """``resize`` to ``params.flavor``; the engine confirms it, or reverts it when aborted."""

    migration_types = ("resize",)
    source_statuses = ("ACTIVE", "SHUTOFF")
    schema = {
        "type": "object",
        "properties": {"flavor": {"type": "string", "minLength": 1, "maxLength": 255}},
        "required": ["flavor"],
        "additionalProperties": False,
    }
    #: Nova's migration record status -> the move's phase (``reverted``: cancelled if vmove reverted it)
    RECORD_PHASES = record_phases(
        {
            "resizing": ("pre-migrating", "migrating", "post-migrating"),
            "resized": ("finished",),
            "confirming": ("confirming",),
            states.SUCCEEDED: ("confirmed",),
            "reverting": ("reverting",),
        }
    )

    def check_server(self, move, server) -> dict:
        values = super().check_server(move, server)
        ref = move.params["flavor"]
        found = find_flavor(self.clients.nova(VERSION), ref)
        if found is None:
            raise base.ActionFailed(reason=f"Flavor {ref} does not exist.")
        new = flavor_dict(found)
        boot_from_volume = not getattr(server, "image", None)
        why = refusal(server.name, getattr(server, "flavor", None) or {}, new, boot_from_volume)
        if why is not None:
            code, reason = why
            raise (base.ActionSkipped if code == "already_there" else base.ActionFailed)(reason=reason)
        self._check_room(server, values.get("source_host"), new, boot_from_volume)
        return values

    def _check_room(self, server, source, new, boot_from_volume) -> None:
        reader = self.placement
        if reader is None:
            return
        try:
            rooms = reader.rooms(self.clients, self.conf, exclude_host=source)
        except reader.CapacityUnknown as e:  # Nova's scheduler checks again
            LOG.info("Resize of %s: capacity unknown (%s)", server.id, e)
            return
        needs = reader.needs_of_flavor(new, boot_from_volume)
        if not any(room.fits(needs) for room in rooms):
            raise base.ActionFailed(
                reason=f"No enabled, up compute host other than {source} has room for instance {server.name} "
                f"with flavor {new['original_name']} ({reader.describe(needs)})."
            )

    def execute(self, move) -> dict:
        nova = self.clients.nova(VERSION)
        flavor = find_flavor(nova, move.params["flavor"])
        if flavor is None:
            raise base.ActionFailed(reason=f"Flavor {move.params['flavor']} does not exist.")
        result = nova.servers.resize(move.resource_id, flavor.id)
        return {"request_id": base.request_id(result), "flavor_id": flavor.id}

    def interpret(self, move, record):
        status = record["status"]
        aborting = move.phase in ("aborting", "reverting")
        phase = self.RECORD_PHASES.get(status, move.phase)
        if status == "reverted":
            phase = states.CANCELLED if aborting else states.FAILED
        if move.phase == "confirming" and phase == "resized":
            phase = "confirming"  # the record lags the confirm we sent
        if move.phase == "aborting" and phase in (states.STARTING, "resizing", "resized"):
            phase = "aborting"  # the step reverts it once Nova can
        if move.phase == "reverting" and phase in ("resized", "aborting"):
            phase = "reverting"
        obs = base.Observation(phase=phase)
        if phase == states.CANCELLED:
            obs.message = "Aborted on request: the resize was reverted; the instance is back on its host and flavor."
        elif status == "reverted":
            obs.message = "The resize was reverted (not by vmove); the instance is back on its host and flavor."
        elif move.phase == "aborting" and phase == states.SUCCEEDED:
            obs.message = "Completed before the abort took effect."
        return obs

    def observe(self, moves):
        """As the migration records say, but a resize is done only when the server is: Nova marks the record
        ``confirmed`` a moment before it sets the server back to ACTIVE (or SHUTOFF)."""
        seen = super().observe(moves)
        for move in moves:
            obs = seen.get(move.uuid)
            if obs is None or obs.phase != states.SUCCEEDED:
                continue
            try:
                server = self.clients.nova().servers.get(move.resource_id)
            except nova_exc.ClientException as e:
                LOG.info("Resize %s: server unreadable (%s); looking again at the next poll", move.uuid, e)
                seen[move.uuid] = base.Observation(phase=move.phase)
                continue
            if server.status == "VERIFY_RESIZE" or getattr(server, "OS-EXT-STS:task_state", None):
                seen[move.uuid] = base.Observation(phase=move.phase)
        return seen

    def can_abort(self, move) -> bool:
        return move.phase in states.RESIZE.abortable

    def why_not_abortable(self, move) -> str:
        return "Nova can revert a resize only until it is confirmed."

    def step(self, move):
        nova = self.clients.nova(VERSION)
        if move.phase == "resized":
            try:
                nova.servers.confirm_resize(move.resource_id)
            except nova_exc.Conflict as e:
                LOG.info("Confirm of %s not possible now: %s", move.uuid, e)
                return None
            return base.Observation(phase="confirming", detail={"step": "confirm_resize"})
        if move.phase == "aborting":
            try:
                nova.servers.revert_resize(move.resource_id)
            except (nova_exc.Conflict, nova_exc.BadRequest) as e:  # not in VERIFY_RESIZE yet: at a later poll
                LOG.info("Revert of %s not possible yet: %s", move.uuid, e)
                return None
            return base.Observation(phase="reverting", detail={"step": "revert_resize"})
        return None
