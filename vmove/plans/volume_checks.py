"""The volume items of a plan run: are they movable, where to, and is there room (Cinder's pools)?

A mixin of :class:`vmove.plans.validation.Validator`, which holds what was read
(``self.clients``, ``self.mapping``, ``self._volume_info``, the ownership checks).
"""

import math

from vmove.actions import volume as volume_action
from vmove.plans.verdicts import Refused


class VolumeChecks:
    def pools(self):
        if self._pools is None:
            self._pools = [p._info for p in self.clients.cinder().pools.list(detailed=True)]
        return self._pools

    def types(self):
        if self._types is None:
            self._types = self.clients.cinder().volume_types.list(is_public=None)
        return self._types

    def _volume(self, item, verdict):
        vol = self._volume_info(item.resource_id)
        if vol is None or not self._owned(vol.get("os-vol-tenant-attr:tenant_id")):
            raise Refused("gone", f"Volume {item.resource_id} does not exist{self._in_project()}.")
        name = vol.get("name") or vol["id"]
        host = vol.get(volume_action.HOST_ATTR)
        verdict.resource_name, verdict.source = name, host
        self._check_volume_state(item, vol, name)
        size = vol.get("size") or 0
        verdict.size = size or None
        if item.move_type == "volume_migration":
            node = self._mapped_backend(host, name)
            pools = [p for p in self.pools() if volume_action.on_node(p["name"], node)]
            if volume_action.on_node(host, node):
                raise Refused("already_there", f"Volume {name} is already on backend {node}.")
            if not pools:
                raise Refused("backend_missing", f"No Cinder pool on backend {node}.")
            pinned = _pinned_backend(self._type_named(vol.get("volume_type")))
            served = [p for p in pools if not pinned or _pool_backend_name(p) == pinned]
            if not served:
                raise Refused(
                    "backend_missing",
                    f"Backend {node} does not serve volume type {vol.get('volume_type')} of volume {name}.",
                )
            pool = self._reserve_pool(name, served, size)
            # the pool's full name, as the move records its source: per-backend limits count both alike
            verdict.dest = pool["name"] if len(pools) == 1 else node
            verdict.params = {"migration_type": "migrate", "destination_node": verdict.dest}
            return
        types = self.mapping.get("volume_types") or {}
        current = self._type_named(vol.get("volume_type"))
        target = types.get(vol.get("volume_type"))
        if target is None and current is not None:
            target = types.get(current.id)
        if target is None:
            raise Refused(
                "no_mapping",
                f"Volume type {vol.get('volume_type')} of volume {name} is not in the plan's type mapping.",
            )
        new_type = self._type_named(target)
        if new_type is None:
            raise Refused("type_missing", f"Volume type {target} does not exist.")
        if current is not None and new_type.id == current.id:
            raise Refused("already_there", f"Volume {name} is already of type {new_type.name}.")
        pinned = _pinned_backend(new_type)
        served = [p for p in self.pools() if not pinned or _pool_backend_name(p) == pinned]
        if not served:
            raise Refused("backend_missing", f"No Cinder pool serves volume type {new_type.name}.")
        self._reserve_pool(name, served, size)
        kind = "swap" if item.move_type == "volume_swap" else "retype"
        verdict.dest = new_type.name
        verdict.params = {"migration_type": kind, "destination_type": new_type.name}

    def _check_volume_state(self, item, vol, name):
        status, ms = vol.get("status"), vol.get("migration_status")
        if status not in volume_action.SETTLED or ms in volume_action.IN_PROGRESS or (ms or "").startswith("target:"):
            raise Refused(
                "wrong_state",
                f"Volume {name} is {status} (migration status {ms}): Cinder moves only an available or in-use "
                "volume that is not being migrated.",
            )
        servers = {a.get("server_id") for a in vol.get("attachments") or [] if a.get("server_id")}
        if item.move_type == "volume_swap" and (status != "in-use" or len(servers) != 1):
            raise Refused(
                "wrong_state", f"Volume {name} is {status}: a volume swap needs it attached (in-use) to one server."
            )

    def _mapped_backend(self, host, name) -> str:
        for src, dst in (self.mapping.get("backends") or {}).items():
            if volume_action.on_node(host, src):
                return dst
        raise Refused("no_mapping", f"Backend {host} of volume {name} is not in the plan's backend mapping.")

    def _type_named(self, wanted):
        for t in self.types():
            if wanted in (t.id, t.name):
                return t
        return None

    def _reserve_pool(self, name, pools, size):
        best = None
        for pool in pools:
            free = self._pool_free.setdefault(pool["name"], _pool_free_gb(pool))
            if free is None or free >= size:
                if best is None or (free or math.inf) > (self._pool_free[best["name"]] or math.inf):
                    best = pool
        if best is None:
            raise Refused(
                "no_capacity",
                f"Not enough space for volume {name} ({size} GB) on "
                + ", ".join(f"{p['name']} ({math.floor(self._pool_free[p['name']])} GB free)" for p in pools)
                + " after the plan's more important items.",
            )
        if self._pool_free[best["name"]] is not None:
            self._pool_free[best["name"]] -= size
        return best


def _pinned_backend(vtype) -> str | None:
    """The backend a volume type pins (its volume_backend_name extra spec), as Cinder's scheduler reads it."""
    specs = getattr(vtype, "extra_specs", None) or {}
    return specs.get("volume_backend_name") or specs.get("capabilities:volume_backend_name")


def _pool_backend_name(pool) -> str | None:
    return (pool.get("capabilities") or {}).get("volume_backend_name")


def _pool_free_gb(pool):
    free = (pool.get("capabilities") or {}).get("free_capacity_gb")
    return free if isinstance(free, int | float) else None
