"""A fake Nova (services, servers, hypervisors) and Placement for the recovery's unit tests.

Shaped like python-novaclient's answers (attributes, ``OS-EXT-SRV-ATTR:host``,
the flavor embedded as a dict from 2.47); every call is recorded.
"""

import itertools
import types
import uuid

from novaclient import exceptions as nova_exc

_created = itertools.count()


def server(host="host3", name=None, status="ACTIVE", meta=None, ram=512, vcpus=1, disk=1, project="p1", sid=None):
    sid = sid or str(uuid.uuid4())
    n = next(_created)
    return types.SimpleNamespace(
        id=sid,
        name=name or f"vm-{n}",
        status=status,
        metadata=dict(meta or {}),
        tenant_id=project,
        created=f"2026-11-24T10:{n // 60:02d}:{n % 60:02d}Z",
        image={"id": "img"},
        flavor={"vcpus": vcpus, "ram": ram, "disk": disk, "ephemeral": 0, "swap": 0, "extra_specs": {}},
        **{"OS-EXT-SRV-ATTR:host": host, "OS-EXT-STS:task_state": None},
    )


class FakeNova:
    def __init__(self, hosts=("host1", "host2", "host3")):
        self.calls: list = []
        self.services_by_host = {
            h: types.SimpleNamespace(
                id=str(uuid.uuid4()), host=h, status="enabled", forced_down=False, state="up", binary="nova-compute"
            )
            for h in hosts
        }
        self.all_servers: list = []
        #: error raised by force_down(False) while set (Nova's 400 while evacuations are 'done')
        self.refuse_force_up: str | None = None
        self.services = types.SimpleNamespace(
            list=self._services_list,
            disable_log_reason=self._disable,
            enable=self._enable,
            force_down=self._force_down,
        )
        self.servers = types.SimpleNamespace(list=self._servers_list, get=self._servers_get)
        self.hypervisors = types.SimpleNamespace(list=self._hypervisors)
        self.rp_ids = {h: str(uuid.uuid4()) for h in hosts}

    def add(self, *servers):
        self.all_servers.extend(servers)
        return servers

    def fail(self, host):
        s = self.services_by_host[host]
        s.state = "down"

    # services
    def _services_list(self, host=None, binary=None):
        self.calls.append(("services.list", host))
        return [s for h, s in self.services_by_host.items() if host in (None, h)]

    def _by_id(self, sid):
        return next(s for s in self.services_by_host.values() if s.id == sid)

    def _disable(self, sid, reason):
        self.calls.append(("services.disable", self._by_id(sid).host, reason))
        s = self._by_id(sid)
        s.status = "disabled"
        return s

    def _enable(self, sid):
        self.calls.append(("services.enable", self._by_id(sid).host))
        s = self._by_id(sid)
        s.status = "enabled"
        return s

    def _force_down(self, sid, down):
        s = self._by_id(sid)
        self.calls.append(("services.force_down", s.host, down))
        if not down and self.refuse_force_up:
            raise nova_exc.BadRequest(400, self.refuse_force_up)
        s.forced_down = down
        s.state = "down" if down else "up"
        return s

    # servers
    def _servers_list(self, detailed=True, search_opts=None, limit=None):
        opts = search_opts or {}
        self.calls.append(("servers.list", opts.get("host")))
        return [s for s in self.all_servers if opts.get("host") in (None, getattr(s, "OS-EXT-SRV-ATTR:host"))]

    def _servers_get(self, sid):
        self.calls.append(("servers.get", sid))
        for s in self.all_servers:
            if s.id == sid:
                return s
        raise nova_exc.NotFound(404)

    def _hypervisors(self, detailed=True):
        self.calls.append(("hypervisors.list",))
        return [
            types.SimpleNamespace(
                id=self.rp_ids[h],
                hypervisor_hostname=h,
                state=s.state if not s.forced_down else "down",
                status=s.status,
                service={"host": h},
            )
            for h, s in self.services_by_host.items()
        ]


class FakeResponse:
    def __init__(self, status, body):
        self.status_code = status
        self._body = body
        self.text = str(body)

    def json(self):
        return self._body


class FakePlacement:
    """``GET /resource_providers/<id>/inventories|usages`` of each host: ``free`` MB RAM, plenty of the rest."""

    def __init__(self, nova, free_ram=None, down=False):
        self.nova = nova
        self.free_ram = dict(free_ram or {})
        self.down = down
        self.calls: list = []

    def get(self, path, **kwargs):
        self.calls.append(path)
        if self.down:
            raise ConnectionError("placement unreachable")
        rp = path.split("/")[2]
        host = next(h for h, i in self.nova.rp_ids.items() if i == rp)
        ram = self.free_ram.get(host, 100_000)
        if path.endswith("/inventories"):
            inv = {
                "VCPU": {"total": 1000, "reserved": 0, "allocation_ratio": 4.0, "max_unit": 1000},
                "MEMORY_MB": {"total": ram + 512, "reserved": 512, "allocation_ratio": 1.0, "max_unit": ram + 512},
                "DISK_GB": {"total": 10_000, "reserved": 0, "allocation_ratio": 1.0, "max_unit": 10_000},
            }
            return FakeResponse(200, {"inventories": inv})
        return FakeResponse(200, {"usages": {"VCPU": 0, "MEMORY_MB": 0, "DISK_GB": 0}})


class FakeClients:
    def __init__(self, nova=None, placement=None):
        self._nova = nova or FakeNova()
        self.session = placement or FakePlacement(self._nova)

    def nova(self, version=None):
        return self._nova

    def calls(self):
        return {"compute": len(self._nova.calls), "placement": len(self.session.calls)}
