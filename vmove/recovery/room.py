"""Is there room for the failed host's instances, and where?

The set-up reads the other hosts' room in Placement (:func:`read`, beside
fencing and listing the host) and then :func:`check` goes through the
instances most important first and puts each on the host with the most free
RAM that fits all its resources (how Nova's default RAM weigher spreads), so
that the important instances are counted first. An instance no host can take
is left alone with the reason (``no_room``; a retry tries it again). When a
per-destination-host limit is set, the host found here becomes the move's
destination so that the limit can hold.

It is an estimate (see :mod:`vmove.placement`): the recovery also counts the
evacuations that Nova's scheduler refused (``[recovery] no_valid_host_limit``).
"""

import logging

from vmove import placement
from vmove.placement import CapacityUnknown, Room, describe, needs_of
from vmove.recovery import lifecycle

LOG = logging.getLogger(__name__)

__all__ = ["CapacityUnknown", "Room", "check", "describe", "needed", "needs_of", "place", "read"]


def needed(conf) -> bool:
    """Does the recovery read the room at all? For the capacity check, or the per-destination-host limit."""
    return bool(conf.recovery.capacity_check or conf.recovery.max_in_flight_per_dest_host)


def read(clients, conf, failed_host):
    """The other hosts' room, or the :class:`~vmove.placement.CapacityUnknown` saying why it is unknown."""
    try:
        return placement.rooms(clients, conf, exclude_host=failed_host)
    except CapacityUnknown as e:
        return e


def place(instances, rooms) -> dict:
    """``{instance id: host or None}`` for ``instances`` = [(id, needs)] most important first.

    ``rooms`` (a list of :class:`~vmove.placement.Room`) is used up as instances are placed.
    """
    placed = {}
    for ident, needs in instances:
        fitting = [r for r in rooms if r.fits(needs)]
        if not fitting:
            placed[ident] = None
            continue
        # most free RAM, then most free VCPU; equal hosts: the first by name
        best = max(
            sorted(fitting, key=lambda r: r.host), key=lambda r: (r.free.get("MEMORY_MB", 0), r.free.get("VCPU", 0))
        )
        best.take(needs)
        placed[ident] = best.host
    return placed


def check(conf, n, decisions, rooms) -> list:
    """Leave alone the instances no host has room for; choose destinations under a per-host limit.

    ``decisions``: the set-up's :class:`~vmove.recovery.evacuate.Decision` list, most important first
    (their ``skip`` and ``dest`` are set here). ``rooms``: what :func:`read` read (None when not
    :func:`needed`). Returns notes for the notification's message.
    """
    per_host = conf.recovery.max_in_flight_per_dest_host
    todo = [d for d in decisions if d.skip is None]
    if rooms is None or not todo:
        return []
    if isinstance(rooms, CapacityUnknown):
        LOG.warning("Notification %s: no capacity check: %s", n.uuid, rooms)
        tail = "; Nova's scheduler chooses the destinations and the per-host limit cannot hold." if per_host else "."
        return [f"No capacity check ({rooms}){tail}"]
    needs = {d.candidate.id: needs_of(d.candidate.server) for d in todo}
    placed = place([(d.candidate.id, needs[d.candidate.id]) for d in todo], rooms)
    hosts = ", ".join(sorted(r.host for r in rooms))
    for d in todo:
        dest = placed.get(d.candidate.id)
        if dest is None and conf.recovery.capacity_check and needs[d.candidate.id]:
            where = (
                f"no enabled, up compute host ({hosts}) has {describe(needs[d.candidate.id])} free after the more "
                "important instances"
                if rooms
                else "no other compute host is enabled and up"
            )
            d.skip = (lifecycle.REASON_NO_ROOM, f"No room: {where} (Placement capacity check).")
        elif per_host:
            d.dest = dest
    return []
