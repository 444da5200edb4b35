"""Start requests go to the backend a few at a time; pre-checks and state changes run beside them."""

import datetime
import threading
import time

from oslo_utils import timeutils
import pytest

from vmove import context as vmove_context
from vmove import moves
from vmove.db import api as db_api
from vmove.engine import runner as engine_runner
from vmove.objects import move as move_obj


class SlowBackend:
    """An action whose pre-check and start request each take a moment; it records how many overlap."""

    def __init__(self):
        self.lock = threading.Lock()
        self.checking = self.sending = 0
        self.max_checking = self.max_sending = 0
        self.sent: list = []

    def _enter(self, what):
        with self.lock:
            setattr(self, what, getattr(self, what) + 1)
            top = f"max_{what}"
            setattr(self, top, max(getattr(self, top), getattr(self, what)))
        time.sleep(0.05)
        with self.lock:
            setattr(self, what, getattr(self, what) - 1)

    def pre_condition(self, move):
        self._enter("checking")
        return {}

    def execute(self, move):
        self._enter("sending")
        self.sent.append(move.uuid)
        return {"request_id": "req-" + move.uuid}


class FakeActions:
    def __init__(self, action):
        self.action = action

    def get(self, move_type):
        return self.action


@pytest.mark.parametrize("concurrent", [1, 3])
def test_start_requests_are_sent_at_most_concurrent_starts_at_once(conf, db, concurrent):
    conf.set_override("concurrent_starts", concurrent, group="engine")
    conf.set_override("executor_workers", 6, group="engine")
    ctx = vmove_context.get_admin_context()
    for i in range(6):
        moves.request_move(
            ctx,
            resource_type="instance",
            resource_id=f"00000000-0000-0000-0000-{i:012d}",
            move_type="live_migration",
            params={"host": "host2"},
            project_id="p1",
        )
    backend = SlowBackend()
    runner = engine_runner.MoveRunner(conf, "engine-1", clients=None)
    runner.actions = FakeActions(backend)
    now = timeutils.utcnow()
    rows = db_api.move_claim_pending(ctx, "engine-1", 6, now + datetime.timedelta(seconds=30), now)
    futures = [runner._pool.submit(runner.start_move, move_obj.Move.get_by_uuid(ctx, r.uuid)) for r in rows]
    for f in futures:
        f.result(timeout=30)
    runner._pool.shutdown()
    assert len(backend.sent) == 6
    assert backend.max_sending == concurrent
    assert backend.max_checking > 1  # the pre-checks did not wait for each other
    for r in rows:  # every start recorded, with the request it sent
        events = db_api.move_events_get(ctx, r.uuid)
        assert events[-1].detail == {"request_id": "req-" + r.uuid, "executed": True}
