"""A fake python-cinderclient / python-novaclient for the volume action's unit tests.

Only what VolumeMigration calls, shaped like the real clients' answers
(``_info`` dicts, cinderclient's detailed pools with the capabilities moved up
to attributes, results with ``request_ids``); every call is recorded.
"""

import types

from cinderclient import exceptions as cinder_exc
from novaclient import exceptions as nova_exc
from oslo_utils import timeutils

VID = "11111111-2222-3333-4444-555555555555"
A1, A2, B = "cloud@a1#fileA", "cloud@a2#fileA", "cloud@b#fileB"
TYPE_A, TYPE_B, TYPE_ANY = "type-a-id", "type-b-id", "type-any-id"
SERVER = "99999999-2222-3333-4444-555555555555"


def vol(status="available", ms=None, host=A1, vtype="A", attachments=(), updated=None, **kw):
    info = {
        "id": VID,
        "name": "data-1",
        "status": status,
        "migration_status": ms,
        "os-vol-host-attr:host": host,
        "volume_type": vtype,
        "volume_type_id": {"A": TYPE_A, "B": TYPE_B, "any": TYPE_ANY}.get(vtype),
        "attachments": [{"server_id": s, "attachment_id": f"att-{s[:4]}"} for s in attachments],
        "os-vol-mig-status-attr:name_id": None,
        "updated_at": (updated or timeutils.utcnow()).strftime("%Y-%m-%dT%H:%M:%S.%f"),
    }
    info.update(kw)
    return info


class Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)
        self._info = kw


class Result(tuple):
    request_ids = ["req-0123"]


class FakeCinder:
    def __init__(self, volume=None):
        self.state = volume
        self.calls: list = []
        self.snapshots: list = []
        self.messages_found: list = []
        self.filter_refused = False
        self.types = [
            Obj(id=TYPE_A, name="A", extra_specs={"volume_backend_name": "fileA"}),
            Obj(id=TYPE_B, name="B", extra_specs={"capabilities:volume_backend_name": "fileB"}),
            Obj(id=TYPE_ANY, name="any", extra_specs={}),
        ]
        pools = [(A1, "fileA"), (A2, "fileA"), (B, "fileB")]
        # cinderclient moves a detailed pool's capabilities up to attributes
        self.pool_list = [types.SimpleNamespace(name=n, volume_backend_name=b, _info={"name": n}) for n, b in pools]
        self.volumes = types.SimpleNamespace(
            get=self._get, list=self._list, migrate_volume=self._migrate, retype=self._retype
        )
        self.volume_types = types.SimpleNamespace(list=lambda is_public=None: self._call("types", self.types))
        self.pools = types.SimpleNamespace(list=lambda detailed=False: self._call("pools", self.pool_list))
        self.volume_snapshots = types.SimpleNamespace(list=lambda **kw: self._call("snapshots", self.snapshots))
        self.messages = types.SimpleNamespace(
            list=lambda search_opts=None: self._call("messages", self.messages_found, search_opts)
        )

    def _call(self, name, result, *args):
        self.calls.append((name, *args))
        return result

    def _get(self, vid):
        self.calls.append(("get", vid))
        if self.state is None or vid != self.state["id"]:
            raise cinder_exc.NotFound(404, f"Volume {vid} could not be found.")
        return Obj(**self.state)

    def _list(self, detailed=True, search_opts=None):
        self.calls.append(("list", dict(search_opts or {})))
        if self.filter_refused and "updated_at" in (search_opts or {}):
            raise cinder_exc.BadRequest(400, "Invalid filters updated_at are found in query options.")
        return [Obj(**self.state)] if self.state else []

    def _migrate(self, vid, host, force_host_copy, lock_volume):
        self.calls.append(("migrate_volume", vid, host, force_host_copy, lock_volume))
        return Result()

    def _retype(self, vid, new_type, policy):
        self.calls.append(("retype", vid, new_type, policy))
        return Result()


class FakeNova:
    def __init__(self, status="ACTIVE", task=None, exists=True):
        self.server = Obj(id=SERVER, status=status, **{"OS-EXT-STS:task_state": task})
        self.exists = exists
        self.calls: list = []
        self.servers = types.SimpleNamespace(get=self._get)

    def _get(self, sid):
        self.calls.append(("servers.get", sid))
        if not self.exists:
            raise nova_exc.NotFound(404)
        return self.server


class FakeClients:
    def __init__(self, cinder, nova=None):
        self._cinder, self._nova = cinder, nova or FakeNova()

    def cinder(self):
        return self._cinder

    def nova(self, version=None):
        return self._nova
