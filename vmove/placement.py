"""What a compute host can still take, from Placement; what an instance's flavor asks of it.

One reader of Placement for vmove, used by host recovery (is there room for
the failed host's instances, and where?), by plan validation (does an item
fit its destination?) and, handed to the actions by the engine, by a resize
(is there a host with room for the new flavor?). A host's room is Placement's view, the one
Nova's scheduler uses: per resource class ``(total - reserved) *
allocation_ratio - used``, and one allocation must also fit ``max_unit``.

It is an estimate: Nova's scheduler also applies filters (affinity, extra
specs, aggregates) that Placement does not know, so a move that was given
room here can still fail with NoValidHost.
"""

import dataclasses
import math

HYPERVISORS_VERSION = "2.53"  # ids are the compute nodes' (= resource providers') uuids, service.host given
PLACEMENT_VERSION = "1.14"
UNITS = {"VCPU": " VCPU", "MEMORY_MB": " MB RAM", "DISK_GB": " GB disk"}


class CapacityUnknown(Exception):
    """Placement or Nova could not tell; the caller goes on without a capacity check."""


@dataclasses.dataclass
class Room:
    host: str
    #: resource class -> amount that can still be allocated
    free: dict
    #: resource class -> largest single allocation (Placement's max_unit)
    max_unit: dict = dataclasses.field(default_factory=dict)

    def short_of(self, needs: dict) -> dict:
        """``{resource class: amount needed}`` of what does not fit (an empty dict: it fits)."""
        return {
            rc: amount
            for rc, amount in needs.items()
            if amount and (amount > self.free.get(rc, 0) or amount > self.max_unit.get(rc, amount))
        }

    def fits(self, needs: dict) -> bool:
        return not self.short_of(needs)

    def take(self, needs: dict) -> None:
        for rc, amount in needs.items():
            self.free[rc] = self.free.get(rc, 0) - amount


def needs_of(server) -> dict:
    """The resources an instance's flavor asks Placement for (as Nova's resources_from_flavor).

    ``server`` is Nova's server at microversion 2.47 or later (the flavor embedded, extra specs
    included); ``resources:<class>`` extra specs override or add classes. Empty when the flavor
    is not known.
    """
    flavor = getattr(server, "flavor", None) or {}
    if not isinstance(flavor, dict) or "vcpus" not in flavor:
        return {}
    return needs_of_flavor(flavor, boot_from_volume=not getattr(server, "image", None))


def needs_of_flavor(flavor: dict, boot_from_volume: bool = False) -> dict:
    """What a flavor (a dict: vcpus, ram, disk, ephemeral, swap, extra_specs) asks Placement for.

    ``boot_from_volume``: the root disk is a volume (the server's ``image`` is empty): no local root disk.
    """
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
    """``"1 VCPU, 512 MB RAM, 1 GB disk"``."""
    order = sorted(needs, key=lambda rc: (list(UNITS).index(rc) if rc in UNITS else len(UNITS), rc))
    return ", ".join(f"{needs[rc]}{UNITS.get(rc, ' ' + rc)}" for rc in order)


def hypervisors(clients) -> list:
    """Nova's hypervisors (their ids are Placement's resource providers); CapacityUnknown if Nova cannot say."""
    try:
        return list(clients.nova(HYPERVISORS_VERSION).hypervisors.list(detailed=True))
    except Exception as e:  # noqa: BLE001 - any failure means "unknown", never a failed recovery or run
        raise CapacityUnknown(f"Nova did not list the hypervisors: {e}") from e


def host_of(hypervisor) -> str:
    service = getattr(hypervisor, "service", None) or {}
    return service.get("host") or hypervisor.hypervisor_hostname


def room(clients, conf, host: str, providers) -> Room:
    """The room of ``host``: the sum over its resource providers (their max_unit, the largest)."""
    found = Room(host=host, free={}, max_unit={})
    for rp in providers:
        inventories = _get(clients, conf, f"/resource_providers/{rp}/inventories")["inventories"]
        usages = _get(clients, conf, f"/resource_providers/{rp}/usages")["usages"]
        for rc, inv in inventories.items():
            capacity = (inv["total"] - inv.get("reserved", 0)) * inv.get("allocation_ratio", 1.0)
            found.free[rc] = found.free.get(rc, 0) + int(capacity) - usages.get(rc, 0)
            found.max_unit[rc] = max(found.max_unit.get(rc, 0), inv.get("max_unit", inv["total"]))
    return found


def rooms(clients, conf, exclude_host: str | None = None) -> list:
    """The room of every up, enabled compute host but ``exclude_host``."""
    providers: dict = {}
    for hv in hypervisors(clients):
        host = host_of(hv)
        if host == exclude_host or hv.state != "up" or hv.status != "enabled":
            continue
        providers.setdefault(host, []).append(hv.id)
    return [room(clients, conf, host, ids) for host, ids in providers.items()]


def _get(clients, conf, path: str) -> dict:
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
