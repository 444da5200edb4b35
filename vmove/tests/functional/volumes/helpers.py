"""The volume moves' helpers: waiting on Cinder and on vmove, data markers, a move driven by the engine."""

import contextlib
import time
import uuid

from vmove import context as vmove_context
from vmove.devcloud import cinder as cinder_mod
from vmove.moves import queries as move_queries
from vmove.moves import service as moves

POLL = 0.2
MARK = b"VMOVE-VOLUME-MOVE-MARKER-0123456789"
FAR = 700 << 20  # a second marker well inside the 1 GiB volume
CONNECTOR = {
    "host": "vmove-test",
    "initiator": "iqn.vmove-test",
    "ip": "127.0.0.1",
    "platform": "x86_64",
    "os_type": "linux",
    "multipath": False,
}


def host_of(vol) -> str:
    return getattr(vol, "os-vol-host-attr:host")


def settled(vol) -> bool:
    return vol.status in ("available", "in-use", "error") and vol.migration_status not in (
        "starting",
        "migrating",
        "completing",
    )


def wait_volume(cc, vid, pred, want_status, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not pred(vol := cc.volumes.get(vid)):
        assert time.monotonic() < deadline, f"volume {vid}: {vol.status} {vol.migration_status}"
        time.sleep(0.2)
    if want_status:
        assert vol.status == want_status, (vol.status, vol.migration_status)
    return vol


def wait_gone(manager, rid, timeout=60.0):
    deadline = time.monotonic() + timeout
    with contextlib.suppress(Exception):
        while time.monotonic() < deadline:
            manager.get(rid)
            time.sleep(0.3)


def other_a(host: str) -> str:
    return cinder_mod.pool("a2" if cinder_mod.backend_of(host) == "a1" else "a1")


def write_marker(peer, vol):
    peer.write_data(vol, MARK)
    peer.write_data(vol, MARK, FAR)


def has_marker(peer, vol) -> bool:
    return peer.read_data(vol, len(MARK)) == MARK and peer.read_data(vol, len(MARK), FAR) == MARK


def attach_without_nova(cc, volumes, vol, server_id=None):
    """Attach through Cinder's attachments API to a server id (no Nova involved)."""
    att = cc.attachments.create(vol.id, CONNECTOR, instance_id=server_id or str(uuid.uuid4()), mode="rw")
    att = att if isinstance(att, dict) else att.to_dict()
    volumes.attachments.append(att["id"])
    cc.attachments.complete(att["id"])
    return wait_volume(cc, vol.id, lambda v: v.status != "attaching", "in-use")


class Run:
    """One move through the engine: the final move, its events, seconds taken, Cinder calls made."""

    def __init__(self, engine, resource_id, move_type, params, timeout=60.0):
        self.ctx = vmove_context.get_admin_context()
        before = engine.clients.calls()
        t0 = time.monotonic()
        self.move = moves.request_move(
            self.ctx,
            resource_type="volume",
            resource_id=resource_id,
            move_type=move_type,
            params=params,
            project_id="vmove-test",
        )
        engine.runner.wake()
        self.move = wait_move(self.ctx, self.move.uuid, timeout)
        self.seconds = time.monotonic() - t0
        after = engine.clients.calls()
        self.calls = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        self.events = move_queries.events(self.ctx, self.move.uuid)
        print(
            f"\n{move_type} {params}: {self.move.status} in {self.seconds:.2f}s, calls {self.calls}, "
            f"phases {self.phases}, message {self.move.message!r}"
        )

    @property
    def phases(self) -> list[str]:
        return [e.to_phase for e in self.events]

    def detail(self, key):
        return [(e.detail or {}).get(key) for e in self.events]


def wait_move(ctx, move_uuid, timeout):
    deadline = time.monotonic() + timeout
    while (move := move_queries.get(ctx, move_uuid)).status not in ("succeeded", "failed", "ignored"):
        assert time.monotonic() < deadline, f"move {move_uuid} still {move.phase}: {move.message}"
        time.sleep(0.1)
    return move


def assert_full_history(run, final="succeeded"):
    """queued -> starting (intent, then request sent) -> migrating -> [completing] -> final."""
    phases = run.phases
    assert phases[:3] == ["queued", "starting", "starting"], phases
    assert phases[-1] == final, phases
    assert "migrating" in phases, phases
    assert phases == sorted(phases, key=["queued", "starting", "migrating", "completing", final].index), phases
    assert run.events[2].detail["executed"] and run.events[2].detail["request_id"].startswith("req-")
    observed = [e for e in run.events[3:]]
    assert all("migration_status" in (e.detail or {}) for e in observed), [e.detail for e in observed]
