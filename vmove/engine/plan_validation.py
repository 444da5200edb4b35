"""Validation of a plan run, item by item, against Nova and Cinder as they are now.

Every item gets a verdict: ``ok`` with the move parameters computed from the
plan's mapping, or ``refused`` with a code and a reason:

==================  ==========================================================
code                why
==================  ==========================================================
outside_window      the plan's window closed (``not_after`` is past)
completed           an earlier run of the plan completed the item
busy                the resource has a move pending or ongoing
gone                the instance or volume does not exist (in the plan's project)
wrong_state         the resource's state does not allow the move type
no_mapping          the plan's mapping says nothing of the resource's host/type/backend
already_there       the resource is already where the mapping sends it
dest_missing        the destination host is not a Nova compute host
dest_disabled       the destination host's compute service is disabled
dest_down           the destination host's compute service is down
type_missing        the destination volume type does not exist
backend_missing     no Cinder pool on the destination backend (or serving the type)
no_capacity         the destination lacks free RAM/vCPU/disk (or pool space) for it
invalid             (when the move is made) the move request was refused
==================  ==========================================================

Capacity is Placement's view, the one Nova's scheduler uses: per resource
class ``(total - reserved) * allocation_ratio - used``, and the flavor must
also fit ``max_unit``. Items are checked most important first and each ok
item reserves its flavor on its destination, so two items cannot both count
on the last free gigabytes. A destination ``any`` fits when some enabled,
up compute host other than the source has room (the roomiest is reserved).

Reads are batched: the compute services and hypervisors once, Placement
twice per destination host, servers/volumes one by one for small plans and
by listing for large ones.
"""

import dataclasses
import logging
import math

from cinderclient import exceptions as cinder_exc
from novaclient import exceptions as nova_exc

from vmove.actions import registry
from vmove.actions import volume as volume_action
from vmove.db import api as db_api
from vmove.db import plans_api

LOG = logging.getLogger(__name__)

#: above this many items of a kind, list every server/volume instead of reading each
LISTING_THRESHOLD = 25
NOVA_VERSION = "2.96"
PLACEMENT_VERSION = "1.14"
RESOURCES = (("MEMORY_MB", "MB RAM"), ("VCPU", "vCPU"), ("DISK_GB", "GB disk"))


@dataclasses.dataclass
class Verdict:
    params: dict | None = None
    source: str | None = None
    dest: str | None = None
    resource_name: str | None = None
    code: str | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.code is None


class Refused(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _after(a, b) -> bool:
    """Is UTC time ``a`` after ``b`` (either naive or aware)?"""
    return a.replace(tzinfo=None) > b.replace(tzinfo=None)


class Validator:
    """Validates the items of one run; holds what it read from the backends."""

    def __init__(self, ctx, clients, conf, plan, run, now, on_item=None):
        self.ctx = ctx
        self.on_item = on_item or (lambda: None)
        self.clients = clients
        self.conf = conf
        self.plan = plan
        self.run = run
        self.now = now
        self.mapping = plan.mapping or {}
        self._services = None
        self._hypervisors = None
        self._free: dict = {}  # host -> {resource class: free amount}, reservations deducted
        self._servers: dict = {}
        self._volumes: dict = {}
        self._pools = None
        self._types = None
        self._pool_free: dict = {}

    # ------------------------------------------------------------ the run
    def validate(self, history) -> list[dict]:
        """The run_items rows of the run, most important item first."""
        items = sorted(self.plan.items, key=lambda i: (-i.priority, i.id))
        self._prefetch(items)
        rows = []
        for item in items:
            self.on_item()
            entries = history.get((item.resource_type, item.resource_id), [])
            verdict = self._verdict(item, entries)
            attempts = [e["attempt"] or 1 for e in entries if e["move_uuid"]]
            rows.append(
                {
                    "item_uuid": item.uuid,
                    "resource_type": item.resource_type,
                    "resource_id": item.resource_id,
                    "resource_name": verdict.resource_name,
                    "move_type": item.move_type,
                    "priority": item.priority,
                    "verdict": "ok" if verdict.ok else "refused",
                    "code": verdict.code,
                    "reason": verdict.reason,
                    "params": verdict.params,
                    "source": verdict.source,
                    "dest": verdict.dest,
                    "attempt": max(attempts, default=0) + 1 if verdict.ok else None,
                }
            )
        return rows

    def _verdict(self, item, entries) -> Verdict:
        verdict = Verdict()
        try:
            if self.plan.not_after is not None and _after(self.now, self.plan.not_after):
                raise Refused(
                    "outside_window",
                    f"Outside the plan's window: it closed at {self.plan.not_after.isoformat()} (UTC).",
                )
            status, _ = plans_api.migration_status(entries)
            if status == "completed":
                last = [e for e in entries if e["move_uuid"]][-1]
                raise Refused("completed", f"Already completed by run {last['run']} (move {last['move_uuid']}).")
            busy = db_api.move_get_all(
                self.ctx, {"resource_id": item.resource_id, "status": ["pending", "ongoing"]}, limit=1
            )
            if busy:
                raise Refused(
                    "busy", f"The {item.resource_type} has move {busy[0].uuid} ({busy[0].type}) {busy[0].status}."
                )
            if item.resource_type == "instance":
                self._instance(item, verdict)
            else:
                self._volume(item, verdict)
        except Refused as r:
            verdict.code, verdict.reason, verdict.params = r.code, r.reason, None
        return verdict

    # ------------------------------------------------------------ reads
    def _prefetch(self, items):
        instances = [i.resource_id for i in items if i.resource_type == "instance"]
        volumes = [i.resource_id for i in items if i.resource_type == "volume"]
        if len(instances) > LISTING_THRESHOLD:
            nova = self.clients.nova(NOVA_VERSION)
            for s in nova.servers.list(detailed=True, search_opts={"all_tenants": True}, limit=-1):
                self._servers[s.id] = s
            for rid in instances:
                self._servers.setdefault(rid, None)
        if len(volumes) > LISTING_THRESHOLD:
            cinder = self.clients.cinder()
            for v in cinder.volumes.list(detailed=True, search_opts={"all_tenants": 1}):
                self._volumes[v.id] = v._info
            for rid in volumes:
                self._volumes.setdefault(rid, None)

    def _server(self, rid):
        if rid not in self._servers:
            try:
                self._servers[rid] = self.clients.nova(NOVA_VERSION).servers.get(rid)
            except nova_exc.NotFound:
                self._servers[rid] = None
        return self._servers[rid]

    def _volume_info(self, rid):
        if rid not in self._volumes:
            try:
                self._volumes[rid] = self.clients.cinder().volumes.get(rid)._info
            except cinder_exc.NotFound:
                self._volumes[rid] = None
        return self._volumes[rid]

    def services(self) -> dict:
        """compute host -> its nova-compute service."""
        if self._services is None:
            found = self.clients.nova(NOVA_VERSION).services.list(binary="nova-compute")
            self._services = {s.host: s for s in found}
        return self._services

    def _hypervisor_ids(self, host) -> list[str]:
        if self._hypervisors is None:
            self._hypervisors = {}
            for h in self.clients.nova(NOVA_VERSION).hypervisors.list(detailed=True):
                svc = getattr(h, "service", None) or {}
                self._hypervisors.setdefault(svc.get("host"), []).append(h.id)
        return self._hypervisors.get(host, [])

    def _placement(self, path):
        c = self.conf.nova
        resp = self.clients.session.get(
            path,
            endpoint_filter={"service_type": "placement", "interface": c.interface, "region_name": c.region_name},
            headers={"OpenStack-API-Version": f"placement {PLACEMENT_VERSION}"},
        )
        return resp.json()

    def free(self, host) -> dict | None:
        """What ``host`` can still take, per resource class (None: Placement could not tell)."""
        if host not in self._free:
            free: dict = {}
            try:
                for rp in self._hypervisor_ids(host):
                    inventories = self._placement(f"/resource_providers/{rp}/inventories")["inventories"]
                    usages = self._placement(f"/resource_providers/{rp}/usages")["usages"]
                    for rc, _ in RESOURCES:
                        inv = inventories.get(rc)
                        if inv is None:
                            continue
                        room = (inv["total"] - inv["reserved"]) * inv["allocation_ratio"] - usages.get(rc, 0)
                        entry = free.setdefault(rc, {"free": 0, "max_unit": 0})
                        entry["free"] += room
                        entry["max_unit"] = max(entry["max_unit"], inv["max_unit"])
                self._free[host] = free
            except Exception as e:  # noqa: BLE001 - capacity unknown: Nova's scheduler still checks at run time
                LOG.warning("Capacity of %s could not be read from Placement: %s", host, e)
                self._free[host] = None
        return self._free[host]

    # ------------------------------------------------------------ instances
    def _instance(self, item, verdict):
        server = self._server(item.resource_id)
        if server is None or not self._owned(getattr(server, "tenant_id", None)):
            raise Refused("gone", f"Instance {item.resource_id} does not exist{self._in_project()}.")
        verdict.resource_name = server.name
        src = getattr(server, "OS-EXT-SRV-ATTR:host", None)
        verdict.source = src
        self._check_instance_state(item, server, src)
        hosts = self.mapping.get("hosts") or {}
        if src not in hosts:
            raise Refused(
                "no_mapping", f"Source host {src} of instance {server.name} is not in the plan's host mapping."
            )
        need = _flavor_need(server)
        dest = hosts[src]
        if dest == "any":
            verdict.dest = None
            verdict.params = {}
            self._reserve_any(server, src, need)
            return
        self._check_dest(server, src, dest)
        self._reserve(server, dest, need)
        verdict.dest = dest
        verdict.params = {"host": dest}

    def _check_instance_state(self, item, server, src):
        cls = registry.action_class(item.move_type)
        allowed = getattr(cls, "source_statuses", ("ACTIVE",))
        task = getattr(server, "OS-EXT-STS:task_state", None)
        name = server.name
        if task:
            raise Refused("wrong_state", f"Instance {name} is busy (task state {task}).")
        if server.status not in allowed:
            raise Refused(
                "wrong_state",
                f"Instance {name} is {server.status}: a {item.move_type.replace('_', ' ')} needs it "
                f"{' or '.join(allowed)}.",
            )
        if item.move_type == "evacuation":
            svc = self.services().get(src)
            if svc is not None and svc.state == "up" and not getattr(svc, "forced_down", False):
                raise Refused(
                    "wrong_state",
                    f"Compute host {src} of instance {name} is up: Nova evacuates only from a host that is down.",
                )

    def _check_dest(self, server, src, dest):
        svc = self.services().get(dest)
        if dest == src:
            raise Refused("already_there", f"Instance {server.name} is already on host {dest}.")
        if svc is None:
            raise Refused("dest_missing", f"Destination host {dest} is not a Nova compute host.")
        if svc.status != "enabled":
            why = f" ({svc.disabled_reason})" if getattr(svc, "disabled_reason", None) else ""
            raise Refused("dest_disabled", f"Destination host {dest} is disabled{why}.")
        if svc.state != "up" or getattr(svc, "forced_down", False):
            raise Refused("dest_down", f"Destination host {dest} is down.")

    def _usable(self, host, src) -> bool:
        svc = self.services().get(host)
        return (
            host != src
            and svc is not None
            and svc.status == "enabled"
            and svc.state == "up"
            and not getattr(svc, "forced_down", False)
        )

    def _reserve(self, server, host, need):
        free = self.free(host)
        if free is None:
            return
        short = [
            f"{need[rc]} {unit} (free {max(0, math.floor(free[rc]['free']))})"
            for rc, unit in RESOURCES
            if rc in free and need[rc] and (need[rc] > free[rc]["free"] or need[rc] > free[rc]["max_unit"])
        ]
        if short:
            raise Refused(
                "no_capacity",
                f"Not enough capacity on host {host} for instance {server.name} "
                f"(flavor {server.flavor.get('original_name', '?')}): it needs {', '.join(short)}"
                " after the plan's more important items.",
            )
        for rc in free:
            free[rc]["free"] -= need.get(rc, 0)

    def _reserve_any(self, server, src, need):
        candidates = [h for h in sorted(self.services()) if self._usable(h, src)]
        if not candidates:
            raise Refused("dest_missing", f"No enabled, up compute host other than {src} to move instance to.")
        best, best_ram = None, None
        for host in candidates:
            free = self.free(host)
            if free is None:
                return  # capacity unknown: leave it to Nova's scheduler
            fits = all(
                need[rc] <= free[rc]["free"] and need[rc] <= free[rc]["max_unit"] for rc, _ in RESOURCES if rc in free
            )
            ram = free.get("MEMORY_MB", {}).get("free", 0)
            if fits and (best_ram is None or ram > best_ram):
                best, best_ram = host, ram
        if best is None:
            raise Refused(
                "no_capacity",
                f"No compute host other than {src} has room for instance {server.name} "
                f"({need['MEMORY_MB']} MB RAM, {need['VCPU']} vCPU, {need['DISK_GB']} GB disk).",
            )
        self._reserve(server, best, need)

    # ------------------------------------------------------------ volumes
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

    # ------------------------------------------------------------ projects
    def _owned(self, project_id) -> bool:
        return self.run.cross_project or project_id == self.plan.project_id

    def _in_project(self) -> str:
        return "" if self.run.cross_project else f" in project {self.plan.project_id}"


def _flavor_need(server) -> dict:
    flavor = server.flavor or {}
    image = getattr(server, "image", None)
    boot_from_volume = not image  # "" for a server booted from a volume
    disk = 0 if boot_from_volume else (flavor.get("disk") or 0)
    disk += (flavor.get("ephemeral") or 0) + math.ceil((flavor.get("swap") or 0) / 1024)
    return {"MEMORY_MB": flavor.get("ram") or 0, "VCPU": flavor.get("vcpus") or 0, "DISK_GB": disk}


def _pinned_backend(vtype) -> str | None:
    """The backend a volume type pins (its volume_backend_name extra spec), as Cinder's scheduler reads it."""
    specs = getattr(vtype, "extra_specs", None) or {}
    return specs.get("volume_backend_name") or specs.get("capabilities:volume_backend_name")


def _pool_backend_name(pool) -> str | None:
    return (pool.get("capabilities") or {}).get("volume_backend_name")


def _pool_free_gb(pool):
    free = (pool.get("capabilities") or {}).get("free_capacity_gb")
    return free if isinstance(free, int | float) else None
