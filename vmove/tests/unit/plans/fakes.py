"""A fake cloud for the unit tests of plan validation: Nova, Placement and Cinder
answering like the real clients (attribute objects, ``_info`` dicts, Placement
JSON), every call recorded."""

import types
import uuid

from cinderclient import exceptions as cinder_exc
from novaclient import exceptions as nova_exc

PROJECT = "p1"
TINY = {"vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0, "original_name": "m1.tiny"}
A1, A2, B = "cloud@a1#fileA", "cloud@a2#fileA", "cloud@b#fileB"


class Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)
        self._info = kw

    def to_dict(self):
        return dict(self._info)


class Response:
    status_code = 200

    def __init__(self, body):
        self.body = body
        self.text = str(body)

    def json(self):
        return self.body


class FakeCloud:
    """Hosts host1..host3 (enabled, up, 8 GB RAM, 8 vCPU, 100 GB disk each), pools a1/a2 (fileA), b (fileB)."""

    def __init__(self, hosts=("host1", "host2", "host3"), ram=8192, vcpus=8, disk=100):
        self.calls: list = []
        self.servers: dict = {}
        self.volumes: dict = {}
        self.services = {
            h: Obj(host=h, status="enabled", state="up", forced_down=False, disabled_reason=None) for h in hosts
        }
        self.rp = {h: str(uuid.uuid4()) for h in hosts}
        self.inventory = {
            h: {
                "MEMORY_MB": {"total": ram, "reserved": 0, "allocation_ratio": 1.0, "max_unit": ram},
                "VCPU": {"total": vcpus, "reserved": 0, "allocation_ratio": 1.0, "max_unit": vcpus},
                "DISK_GB": {"total": disk, "reserved": 0, "allocation_ratio": 1.0, "max_unit": disk},
            }
            for h in hosts
        }
        self.usage = {h: {"MEMORY_MB": 0, "VCPU": 0, "DISK_GB": 0} for h in hosts}
        self.pools = {A1: ("fileA", 100), A2: ("fileA", 100), B: ("fileB", 100)}
        self.types = [
            Obj(id="type-a", name="A", extra_specs={"volume_backend_name": "fileA"}),
            Obj(id="type-b", name="B", extra_specs={"volume_backend_name": "fileB"}),
        ]
        self.placement_fails = False
        self.flavors: dict = {}

    # ------------------------------------------------------------ making things
    def server(self, host="host1", status="ACTIVE", task=None, flavor=None, project=PROJECT, name=None):
        sid = str(uuid.uuid4())
        self.servers[sid] = Obj(
            id=sid,
            name=name or f"vm-{sid[:4]}",
            status=status,
            tenant_id=project,
            flavor=dict(flavor or TINY),
            image={"id": "img"},
            **{"OS-EXT-SRV-ATTR:host": host, "OS-EXT-STS:task_state": task},
        )
        return sid

    def flavor(self, name, ram=512, vcpus=1, disk=1, ephemeral=0, extra_specs=None):
        fid = f"f-{name}"
        self.flavors[fid] = Obj(
            id=fid, name=name, ram=ram, vcpus=vcpus, disk=disk, swap=0, get_keys=lambda: dict(extra_specs or {}),
            **{"OS-FLV-EXT-DATA:ephemeral": ephemeral},
        )  # fmt: skip
        return fid

    def volume(self, host=A1, vtype="A", status="available", size=1, attachments=(), project=PROJECT, ms=None):
        vid = str(uuid.uuid4())
        self.volumes[vid] = {
            "id": vid,
            "name": f"vol-{vid[:4]}",
            "status": status,
            "size": size,
            "migration_status": ms,
            "volume_type": vtype,
            "os-vol-host-attr:host": host,
            "os-vol-tenant-attr:tenant_id": project,
            "attachments": [{"server_id": s} for s in attachments],
        }
        return vid

    # ------------------------------------------------------------ the clients
    def nova(self, version=None):
        return types.SimpleNamespace(
            servers=types.SimpleNamespace(get=self._server_get, list=self._server_list),
            services=types.SimpleNamespace(list=self._services),
            hypervisors=types.SimpleNamespace(list=self._hypervisors),
            flavors=types.SimpleNamespace(
                get=self._flavor_get, list=lambda is_public=None: list(self.flavors.values())
            ),
        )

    def _flavor_get(self, fid):
        if fid not in self.flavors:
            raise nova_exc.NotFound(404)
        return self.flavors[fid]

    def cinder(self):
        return types.SimpleNamespace(
            volumes=types.SimpleNamespace(get=self._volume_get, list=self._volume_list),
            pools=types.SimpleNamespace(list=self._pools),
            volume_types=types.SimpleNamespace(list=lambda is_public=None: self._call("types", self.types)),
        )

    @property
    def session(self):
        return types.SimpleNamespace(get=self._placement)

    def _call(self, name, result, *args):
        self.calls.append((name, *args))
        return result

    def _server_get(self, sid):
        self.calls.append(("servers.get", sid))
        if sid not in self.servers:
            raise nova_exc.NotFound(404)
        return self.servers[sid]

    def _server_list(self, detailed=True, search_opts=None, limit=None):
        return self._call("servers.list", list(self.servers.values()))

    def _services(self, host=None, binary=None):
        return self._call("services.list", list(self.services.values()))

    def _hypervisors(self, detailed=True):
        found = [Obj(id=self.rp[h], hypervisor_hostname=h, service={"host": h}) for h in self.services]
        return self._call("hypervisors.list", found)

    def _placement(self, path, **kwargs):
        self.calls.append(("placement", path))
        if self.placement_fails:
            raise RuntimeError("placement is down")
        host = next(h for h, rp in self.rp.items() if rp in path)
        if path.endswith("/inventories"):
            return Response({"inventories": self.inventory[host]})
        return Response({"usages": self.usage[host]})

    def _volume_get(self, vid):
        self.calls.append(("volumes.get", vid))
        if vid not in self.volumes:
            raise cinder_exc.NotFound(404)
        return Obj(**self.volumes[vid])

    def _volume_list(self, detailed=True, search_opts=None):
        return self._call("volumes.list", [Obj(**v) for v in self.volumes.values()])

    def _pools(self, detailed=True):
        found = [
            Obj(name=name, capabilities={"volume_backend_name": backend, "free_capacity_gb": free})
            for name, (backend, free) in self.pools.items()
        ]
        return self._call("pools", found)
