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

Capacity is Placement's view (:mod:`vmove.placement`), the one Nova's
scheduler uses, with the flavor's ``resources:`` extra specs honoured. Items
are checked most important first and each ok item reserves its flavor on its
destination, so two items cannot both count on the last free gigabytes. A
destination ``any`` fits when some enabled, up compute host other than the
source has room (the roomiest is reserved). When Placement cannot tell, the
item is not refused: Nova's scheduler checks again when the move starts.

Reads are batched: the compute services and hypervisors once, Placement
twice per destination host, servers/volumes one by one for small plans and
by listing for large ones.
"""

import logging
import math

from cinderclient import exceptions as cinder_exc
from novaclient import exceptions as nova_exc

from vmove import placement
from vmove.actions import registry
from vmove.moves import queries as move_queries
from vmove.plans import lifecycle
from vmove.plans.drains import DrainChecks
from vmove.plans.resize_checks import ResizeChecks
from vmove.plans.verdicts import Refused, Verdict
from vmove.plans.volume_checks import VolumeChecks

LOG = logging.getLogger(__name__)

#: above this many items of a kind, list every server/volume instead of reading each
LISTING_THRESHOLD = 25
NOVA_VERSION = "2.96"


def _after(a, b) -> bool:
    """Is UTC time ``a`` after ``b`` (either naive or aware)?"""
    return a.replace(tzinfo=None) > b.replace(tzinfo=None)


class Validator(VolumeChecks, DrainChecks, ResizeChecks):
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
        self._providers = None
        self._rooms: dict = {}  # host -> its Room (None: unknown), reservations deducted
        self._servers: dict = {}
        self._volumes: dict = {}
        self._pools = None
        self._types = None
        self._pool_free: dict = {}
        self._flavors = None
        #: what each drain found, said in the run's events
        self.drain_notes: list = []

    # ------------------------------------------------------------ the run
    def validate(self, history) -> list[dict]:
        """The run_items rows of the run, most important item first."""
        listed = list(self.plan.items)
        self._prefetch(listed)
        items = sorted(listed + self.resolve_drains(listed), key=lambda i: (-i.priority, i.id))
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
                    "move_type": verdict.move_type or item.move_type,
                    "priority": item.priority,
                    "verdict": "ok" if verdict.ok else "refused",
                    "code": verdict.code,
                    "reason": verdict.reason,
                    "params": verdict.params,
                    "source": verdict.source,
                    "dest": verdict.dest,
                    "attempt": max(attempts, default=0) + 1 if verdict.ok else None,
                    "selector": getattr(item, "selector", None),
                    "size": verdict.size,
                    "note": verdict.note,
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
            status, _ = lifecycle.migration_status(entries)
            if status == "completed" and not getattr(item, "selector", None):  # a drain moves what is there now
                last = [e for e in entries if e["move_uuid"]][-1]
                raise Refused("completed", f"Already completed by run {last['run']} (move {last['move_uuid']}).")
            busy = move_queries.busy(self.ctx, item.resource_id)
            if busy is not None:
                raise Refused("busy", f"The {item.resource_type} has move {busy.uuid} ({busy.type}) {busy.status}.")
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

    def room(self, host) -> placement.Room | None:
        """What ``host`` can still take, reservations of this run deducted (None: Placement could not tell)."""
        if host not in self._rooms:
            try:
                if self._providers is None:
                    self._providers = {}
                    for hv in placement.hypervisors(self.clients):
                        self._providers.setdefault(placement.host_of(hv), []).append(hv.id)
                self._rooms[host] = placement.room(self.clients, self.conf, host, self._providers.get(host, []))
            except placement.CapacityUnknown as e:  # Nova's scheduler still checks at run time
                LOG.warning("Capacity of %s could not be read from Placement: %s", host, e)
                self._rooms[host] = None
        return self._rooms[host]

    # ------------------------------------------------------------ instances
    def _instance(self, item, verdict):
        server = self._server(item.resource_id)
        if server is None or not self._owned(getattr(server, "tenant_id", None)):
            raise Refused("gone", f"Instance {item.resource_id} does not exist{self._in_project()}.")
        verdict.resource_name = server.name
        verdict.size = (getattr(server, "flavor", None) or {}).get("ram")
        src = getattr(server, "OS-EXT-SRV-ATTR:host", None)
        verdict.source = src
        if getattr(item, "selector", None):
            self.drain_fallback(item, server, verdict)
        self._check_instance_state(verdict.move_type or item.move_type, server, src)
        if item.move_type == "resize":
            self.resize(server, src, verdict)
            return
        hosts = self.mapping.get("hosts") or {}
        dest = hosts.get(src) or getattr(item, "dest", None)
        if dest is None:
            raise Refused(
                "no_mapping", f"Source host {src} of instance {server.name} is not in the plan's host mapping."
            )
        need = placement.needs_of(server)
        if dest == "any":
            verdict.dest = None
            verdict.params = {}
            self._reserve_any(server, src, need)
            return
        self._check_dest(server, src, dest)
        self._reserve(server, dest, need)
        verdict.dest = dest
        verdict.params = {"host": dest}

    def _check_instance_state(self, move_type, server, src):
        cls = registry.action_class(move_type)
        allowed = getattr(cls, "source_statuses", ("ACTIVE",))
        task = getattr(server, "OS-EXT-STS:task_state", None)
        name = server.name
        if task:
            raise Refused("wrong_state", f"Instance {name} is busy (task state {task}).")
        if server.status not in allowed:
            raise Refused(
                "wrong_state",
                f"Instance {name} is {server.status}: a {move_type.replace('_', ' ')} needs it {' or '.join(allowed)}.",
            )
        if move_type == "evacuation":
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
        room = self.room(host)
        if room is None:
            return
        short = room.short_of(need)
        if short:
            what = ", ".join(
                f"{placement.describe({rc: amount})} (free {max(0, math.floor(room.free.get(rc, 0)))})"
                for rc, amount in short.items()
            )
            raise Refused(
                "no_capacity",
                f"Not enough capacity on host {host} for instance {server.name} "
                f"(flavor {server.flavor.get('original_name', '?')}): it needs {what}"
                " after the plan's more important items.",
            )
        room.take(need)

    def _reserve_any(self, server, src, need):
        candidates = [h for h in sorted(self.services()) if self._usable(h, src)]
        if not candidates:
            raise Refused("dest_missing", f"No enabled, up compute host other than {src} to move instance to.")
        best = None
        for host in candidates:
            room = self.room(host)
            if room is None:
                return  # capacity unknown: leave it to Nova's scheduler
            if room.fits(need) and (best is None or room.free.get("MEMORY_MB", 0) > best.free.get("MEMORY_MB", 0)):
                best = room
        if best is None:
            raise Refused(
                "no_capacity",
                f"No compute host other than {src} has room for instance {server.name} ({placement.describe(need)}).",
            )
        self._reserve(server, best.host, need)

    # ------------------------------------------------------------ projects
    def _owned(self, project_id) -> bool:
        return self.run.cross_project or project_id == self.plan.project_id

    def _in_project(self) -> str:
        return "" if self.run.cross_project else f" in project {self.plan.project_id}"
