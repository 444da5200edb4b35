"""Items by selector: a plan's drains, resolved when a run is validated.

``plan.drains`` is ``{"hosts": [...], "backends": [...]}``:

- a host drain ``{"host": "host1", "project_id": ..., "metadata": "key" or
  "key=value", "flavor": "m1.small", "priority": 0}`` is every instance on the
  compute host (only those of the project, carrying the metadata key (and
  value), of the flavor, when given), each moved by live migration to the
  plan's host mapping of the host (``any`` when it has none); an instance that
  cannot be live-migrated (stopped, or with PCI devices) is cold-migrated when
  the plan allows it (``cold_fallback``), else refused with the reason; an
  instance whose metadata holds :data:`PIN_KEY` is refused as ``pinned``;
- a backend drain ``{"backend": "host@backend[#pool]", "project_id": ...,
  "metadata": "key[=value]", "priority": 0}`` is every volume on the backend
  (or pool) (only those of the project, with the metadata, when given), each
  migrated to the plan's backend mapping of it.

An instance or volume the plan also lists as an item keeps the listed item.
A mixin of :class:`vmove.plans.validation.Validator` (``self.clients``,
``self._servers``, ``self._volumes``, the ownership checks).
"""

import dataclasses
import uuid as uuidlib

from vmove.actions import volume as volume_action
from vmove.plans.verdicts import Refused

#: an instance whose metadata holds this key is never drained (e.g. a load balancer's amphora)
PIN_KEY = "vmove_pinned"
#: a flavor extra spec that makes Nova refuse a live migration
PCI_SPEC = "pci_passthrough:alias"
NOVA_VERSION = "2.96"


@dataclasses.dataclass
class DrainItem:
    """A plan item found by a drain (it has no row of its own in the plan)."""

    id: int
    uuid: str
    resource_type: str
    resource_id: str
    move_type: str
    priority: int
    selector: str
    #: where the drain sends it (instances: a host or "any")
    dest: str | None = None


def _matches_metadata(meta, wanted: str | None) -> bool:
    if not wanted:
        return True
    key, sep, value = wanted.partition("=")
    meta = meta or {}
    return key in meta and (not sep or meta[key] == value)


def _flavor_name(server) -> str | None:
    flavor = getattr(server, "flavor", None) or {}
    return flavor.get("original_name") if isinstance(flavor, dict) else None


class DrainChecks:
    def resolve_drains(self, listed) -> list:
        """The items the plan's drains find now (not those it lists); records what each found."""
        drains = self.plan.drains or {}
        taken = {(i.resource_type, i.resource_id) for i in listed}
        found, self.drain_notes = [], []
        for spec in drains.get("hosts") or []:
            found += self._host_drain(spec, taken)
        for spec in drains.get("backends") or []:
            found += self._backend_drain(spec, taken)
        return found

    def _item(self, n, rtype, rid, move_type, spec, selector, dest=None):
        # a stable id per (plan, resource), so that the item's history reads across runs
        uuid = str(uuidlib.uuid5(uuidlib.UUID(self.plan.uuid), f"{rtype}:{rid}"))
        return DrainItem(10**9 + n, uuid, rtype, rid, move_type, spec.get("priority", 0), selector, dest)

    def _host_drain(self, spec, taken) -> list:
        host = spec["host"]
        servers = self.clients.nova(NOVA_VERSION).servers.list(
            detailed=True, search_opts={"all_tenants": True, "host": host}, limit=-1
        )
        dest = (self.mapping.get("hosts") or {}).get(host, "any")
        items, others = [], 0
        for server in servers:
            if getattr(server, "OS-EXT-SRV-ATTR:host", None) != host:
                continue
            if spec.get("project_id") and server.tenant_id != spec["project_id"]:
                continue
            if not _matches_metadata(getattr(server, "metadata", None), spec.get("metadata")):
                continue
            if spec.get("flavor") and _flavor_name(server) != spec["flavor"]:
                continue
            if not self._owned(getattr(server, "tenant_id", None)):
                others += 1
                continue
            self._servers[server.id] = server
            if ("instance", server.id) in taken:
                continue
            taken.add(("instance", server.id))
            items.append(self._item(len(taken), "instance", server.id, "live_migration", spec, f"host:{host}", dest))
        filters = ", ".join(f"{k} {spec[k]}" for k in ("project_id", "metadata", "flavor") if spec.get(k))
        note = f"Drain of host {host}" + (f" ({filters})" if filters else "") + f": {len(items)} instance(s) found"
        if others:
            note += (
                f"; {others} instance(s) of other projects are left on it (the run was not ordered with "
                "vmove:run:create:any_project_resources)"
            )
        self.drain_notes.append({"selector": f"host:{host}", "found": len(items), "message": note + "."})
        return items

    def _backend_drain(self, spec, taken) -> list:
        backend = spec["backend"]
        vols = self.clients.cinder().volumes.list(detailed=True, search_opts={"all_tenants": 1})
        items, others = [], 0
        for vol in vols:
            info = vol._info
            if not volume_action.on_node(info.get(volume_action.HOST_ATTR), backend):
                continue
            if spec.get("project_id") and info.get("os-vol-tenant-attr:tenant_id") != spec["project_id"]:
                continue
            if not _matches_metadata(info.get("metadata"), spec.get("metadata")):
                continue
            if not self._owned(info.get("os-vol-tenant-attr:tenant_id")):
                others += 1
                continue
            self._volumes[info["id"]] = info
            if ("volume", info["id"]) in taken:
                continue
            taken.add(("volume", info["id"]))
            items.append(self._item(len(taken), "volume", info["id"], "volume_migration", spec, f"backend:{backend}"))
        filters = ", ".join(f"{k} {spec[k]}" for k in ("project_id", "metadata") if spec.get(k))
        note = f"Drain of backend {backend}" + (f" ({filters})" if filters else "") + f": {len(items)} volume(s) found"
        if others:
            note += f"; {others} volume(s) of other projects are left on it"
        self.drain_notes.append({"selector": f"backend:{backend}", "found": len(items), "message": note + "."})
        return items

    def drain_fallback(self, item, server, verdict) -> None:
        """A drained instance that cannot be live-migrated: cold-migrated if the plan allows, else refused."""
        name = server.name
        meta = getattr(server, "metadata", None) or {}
        if PIN_KEY in meta:
            raise Refused("pinned", f"Instance {name} is pinned to its host (metadata {PIN_KEY}={meta[PIN_KEY]}).")
        flavor = getattr(server, "flavor", None) or {}
        specs = flavor.get("extra_specs") or {} if isinstance(flavor, dict) else {}
        why = None
        if PCI_SPEC in specs:
            why = f"has PCI devices ({PCI_SPEC}={specs[PCI_SPEC]}): Nova cannot live-migrate it"
        elif server.status == "SHUTOFF":
            why = "is SHUTOFF: a live migration needs it ACTIVE or PAUSED"
        if why is None:
            return
        if not self.plan.cold_fallback:
            code = "pinned" if PCI_SPEC in specs else "wrong_state"
            raise Refused(code, f"Instance {name} {why}; the plan does not allow a cold migration (cold_fallback).")
        verdict.move_type = "cold_migration"
        verdict.note = f"cold migration: the instance {why}"
