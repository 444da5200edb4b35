"""Is there room for the failed host's instances, and where?

:func:`read_room` asks Nova which compute hosts are up and enabled (one
``os-hypervisors`` listing, whose ids are the Placement resource providers)
and Placement what each of them has left (inventories and usages: two calls
per host). :func:`place` is a pure function: it goes through the instances
most important first and puts each on the host with the most free RAM that
fits all its resources (how Nova's default RAM weigher spreads), so that the
important instances are counted first. An instance no host can take is
``None``: the cloud has no room for it.

It is an estimate: Nova's scheduler also applies filters (affinity, extra
specs, aggregates) that Placement does not know. An evacuation that was
given room here can still fail with NoValidHost; the recovery counts those
(``[recovery] no_valid_host_limit``).
"""

import dataclasses
import logging
import math

LOG = logging.getLogger(__name__)

HYPERVISORS_VERSION = "2.53"  # ids are the compute nodes' (= resource providers') uuids, service.host given
PLACEMENT_VERSION = "1.14"


class CapacityUnknown(Exception):
    """Placement or Nova could not tell; the recovery goes on without a capacity check."""


@dataclasses.dataclass
class Room:
    host: str
    #: resource class -> amount that can still be allocated
    free: dict
    #: resource class -> largest single allocation (Placement's max_unit)
    max_unit: dict = dataclasses.field(default_factory=dict)

    def fits(self, needs: dict) -> bool:
        return all(
            amount <= self.free.get(rc, 0) and amount <= self.max_unit.get(rc, amount)
            for rc, amount in needs.items()
            if amount
        )

    def take(self, needs: dict) -> None:
        for rc, amount in needs.items():
            self.free[rc] = self.free.get(rc, 0) - amount


def needs_of(server) -> dict:
    """The resources an instance's flavor asks Placement for (as Nova's resources_from_flavor)."""
    flavor = getattr(server, "flavor", None) or {}
    if not isinstance(flavor, dict) or "vcpus" not in flavor:
        return {}
    boot_from_volume = not getattr(server, "image", None)
    disk = (0 if boot_from_volume else int(flavor.get("disk") or 0)) + int(flavor.get("ephemeral") or 0)
    disk += math.ceil(int(flavor.get("swap") or 0) / 1024)
    needs = {"VCPU": int(flavor["vcpus"]), "MEMORY_MB": int(flavor.get("ram") or 0), "DISK_GB": disk}
    for key, value in (flavor.get("extra_specs") or {}).items():
        if key.startswith("resources:"):  # resources:VCPU=0 (e.g. PCPU instead), resources:CUSTOM_X=1
            try:
                needs[key.split(":", 1)[1]] = int(value)
            except ValueError:
                continue
    return {rc: amount for rc, amount in needs.items() if amount > 0}


def describe(needs: dict) -> str:
    units = {"VCPU": " VCPU", "MEMORY_MB": " MB RAM", "DISK_GB": " GB disk"}
    order = sorted(needs, key=lambda rc: (list(units).index(rc) if rc in units else len(units), rc))
    return ", ".join(f"{needs[rc]}{units.get(rc, ' ' + rc)}" for rc in order)


def place(instances, rooms) -> dict:
    """``{instance id: host or None}`` for ``instances`` = [(id, needs)] most important first.

    ``rooms`` (a list of :class:`Room`) is used up as instances are placed.
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


def read_room(clients, conf, exclude_host: str) -> list:
    """The free capacity of every up, enabled compute host but ``exclude_host``."""
    try:
        hypervisors = clients.nova(HYPERVISORS_VERSION).hypervisors.list(detailed=True)
    except Exception as e:  # noqa: BLE001 - any failure means "unknown", never a failed recovery
        raise CapacityUnknown(f"Nova did not list the hypervisors: {e}") from e
    rooms = []
    for hv in hypervisors:
        service = getattr(hv, "service", None) or {}
        host = service.get("host") or hv.hypervisor_hostname
        if host == exclude_host or hv.state != "up" or hv.status != "enabled":
            continue
        inventories = _placement(clients, conf, f"/resource_providers/{hv.id}/inventories")["inventories"]
        usages = _placement(clients, conf, f"/resource_providers/{hv.id}/usages")["usages"]
        free, max_unit = {}, {}
        for rc, inv in inventories.items():
            capacity = (inv["total"] - inv.get("reserved", 0)) * inv.get("allocation_ratio", 1.0)
            free[rc] = int(capacity) - usages.get(rc, 0)
            max_unit[rc] = inv.get("max_unit", inv["total"])
        rooms.append(Room(host=host, free=free, max_unit=max_unit))
    return rooms


def _placement(clients, conf, path: str) -> dict:
    kwargs = {
        "endpoint_filter": {
            "service_type": "placement",
            "interface": conf.nova.interface,
            "region_name": conf.nova.region_name,
        },
        "headers": {"OpenStack-API-Version": f"placement {PLACEMENT_VERSION}", "Accept": "application/json"},
        "raise_exc": False,
    }
    if conf.recovery.placement_endpoint_override:
        kwargs["endpoint_override"] = conf.recovery.placement_endpoint_override
    try:
        resp = clients.session.get(path, **kwargs)
    except Exception as e:  # noqa: BLE001 - unreachable, no endpoint in the catalog ...
        raise CapacityUnknown(f"Placement did not answer {path}: {e}") from e
    if resp.status_code != 200:
        raise CapacityUnknown(f"Placement answered {path} with HTTP {resp.status_code}: {resp.text[:200]}")
    return resp.json()
