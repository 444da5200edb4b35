"""The resize action: Nova's rules before it starts, the phases read from the migration record, the
engine's own confirm, and an abort that reverts once Nova can."""

import types

from novaclient import exceptions as nova_exc
import pytest

from vmove import placement
from vmove.actions import base
from vmove.actions import resize as resize_action
from vmove.moves import states

TINY = {"original_name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0}


class Flavor:
    def __init__(self, name, ram=2048, disk=20, vcpus=1, ephemeral=0):
        self.id, self.name, self.ram, self.disk, self.vcpus, self.swap = f"id-{name}", name, ram, disk, vcpus, ""
        setattr(self, "OS-FLV-EXT-DATA:ephemeral", ephemeral)

    def get_keys(self):
        return {}


class FakeNova:
    def __init__(self, flavors, server):
        self.calls = []
        self._flavors = {f.id: f for f in flavors}
        self.server = server
        self.refuse = None
        self.flavors = types.SimpleNamespace(get=self._get, list=lambda is_public=None: list(self._flavors.values()))
        self.servers = types.SimpleNamespace(
            get=lambda sid: server,
            resize=lambda sid, fid: self._call("resize", sid, fid),
            confirm_resize=lambda sid: self._call("confirm_resize", sid),
            revert_resize=lambda sid: self._call("revert_resize", sid),
        )

    def _get(self, fid):
        if fid not in self._flavors:
            raise nova_exc.NotFound(404)
        return self._flavors[fid]

    def _call(self, name, *args):
        if self.refuse == name:
            raise nova_exc.Conflict(409, "Instance is not in VERIFY_RESIZE")
        self.calls.append((name, *args))
        return types.SimpleNamespace(request_ids=["req-1"])


def server(flavor=TINY, status="ACTIVE", image=True):
    return types.SimpleNamespace(
        id="s1", name="web-1", status=status, tenant_id="p1", flavor=dict(flavor), image={"id": "i"} if image else "",
        **{"OS-EXT-SRV-ATTR:host": "host1", "OS-EXT-STS:task_state": None},
    )  # fmt: skip


def move(phase=states.QUEUED, flavor="m1.small"):
    return types.SimpleNamespace(uuid="m1", type="resize", resource_id="s1", params={"flavor": flavor}, phase=phase,
                                 source_host=None, project_id="p1", enforce_project=False)  # fmt: skip


@pytest.fixture
def nova():
    return FakeNova([Flavor("m1.small"), Flavor("m1.tiny", 512, 1), Flavor("m1.zero", 512, 0)], server())


@pytest.fixture
def action(conf, nova):
    clients = types.SimpleNamespace(nova=lambda version=None: nova)
    return resize_action.Resize(conf, clients)


def test_the_rules_of_a_resize(action, nova):
    assert action.check_server(move(), nova.server)["source_host"] == "host1"
    with pytest.raises(base.ActionSkipped, match="already has flavor m1.tiny: a resize needs another flavor"):
        action.check_server(move(flavor="m1.tiny"), nova.server)
    with pytest.raises(base.ActionFailed, match="has a 0 GB root disk, smaller than the 1 GB of flavor m1.tiny"):
        action.check_server(move(flavor="m1.zero"), nova.server)
    with pytest.raises(base.ActionFailed, match="Flavor m1.nope does not exist"):
        action.check_server(move(flavor="m1.nope"), nova.server)
    # booted from a volume: no root disk to shrink
    assert resize_action.refusal("x", TINY, resize_action.flavor_dict(Flavor("m1.zero", 512, 0)), True) is None


def test_room_for_the_new_flavor_from_placement(action, nova, monkeypatch):
    rooms = [placement.Room("host2", {"VCPU": 8, "MEMORY_MB": 1024, "DISK_GB": 100})]
    monkeypatch.setattr(placement, "rooms", lambda clients, conf, exclude_host=None: rooms)
    action.use_placement(placement)
    with pytest.raises(base.ActionFailed, match=r"No enabled, up compute host other than host1 has room .*2048 MB"):
        action.check_server(move(), nova.server)
    rooms[0].free["MEMORY_MB"] = 4096
    action.check_server(move(), nova.server)


def test_phases_from_the_migration_record_and_the_engines_confirm(action, nova):
    assert action.interpret(move(states.STARTING), {"status": "migrating"}).phase == "resizing"
    assert action.interpret(move("resizing"), {"status": "finished"}).phase == "resized"
    step = action.step(move("resized"))
    assert step.phase == "confirming" and nova.calls[-1] == ("confirm_resize", "s1")
    assert action.interpret(move("confirming"), {"status": "finished"}).phase == "confirming"
    assert action.interpret(move("confirming"), {"status": "confirmed"}).phase == states.SUCCEEDED
    failed = action.interpret(move("resized"), {"status": "reverted"})
    assert failed.phase == states.FAILED and "not by vmove" in failed.message
    assert action.execute(move()) == {"request_id": "req-1", "flavor_id": "id-m1.small"}


def test_an_abort_reverts_once_nova_can(action, nova):
    for phase in (states.STARTING, "resizing", "resized"):
        assert action.can_abort(move(phase)) and states.RESIZE.allowed(phase, "aborting")
    assert not action.can_abort(move("confirming"))
    assert action.interpret(move("aborting"), {"status": "migrating"}).phase == "aborting"
    assert action.interpret(move("aborting"), {"status": "finished"}).phase == "aborting"
    nova.refuse = "revert_resize"
    assert action.step(move("aborting")) is None  # not in VERIFY_RESIZE yet: at a later poll
    nova.refuse = None
    assert action.step(move("aborting")).phase == "reverting" and nova.calls[-1] == ("revert_resize", "s1")
    done = action.interpret(move("reverting"), {"status": "reverted"})
    assert done.phase == states.CANCELLED and "back on its host and flavor" in done.message
    late = action.interpret(move("aborting"), {"status": "confirmed"})
    assert late.phase == states.SUCCEEDED and "before the abort" in late.message


def test_succeeded_only_once_the_server_is_out_of_verify_resize(action, nova, monkeypatch):
    """Nova marks the record 'confirmed' a moment before the server is ACTIVE again: the move waits for it."""
    from vmove.actions.instance import InstanceAction

    monkeypatch.setattr(
        InstanceAction, "observe", lambda self, moves: {m.uuid: base.Observation(phase=states.SUCCEEDED) for m in moves}
    )
    nova.server.status = "VERIFY_RESIZE"
    assert action.observe([move("confirming")])["m1"].phase == "confirming"
    nova.server.status = "ACTIVE"
    assert action.observe([move("confirming")])["m1"].phase == states.SUCCEEDED
