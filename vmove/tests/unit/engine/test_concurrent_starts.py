"""Start requests go to the backend a few at a time; pre-checks and state changes run beside them."""

import threading
import time

import pytest

from vmove import context as vmove_context
from vmove.engine import runner as engine_runner
from vmove.moves import queries as move_queries
from vmove.tests.unit.engine import helpers


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


@pytest.mark.parametrize("concurrent", [1, 3])
def test_start_requests_are_sent_at_most_concurrent_starts_at_once(conf, db, concurrent):
    conf.set_override("concurrent_starts", concurrent, group="engine")
    conf.set_override("executor_workers", 6, group="engine")
    ctx = vmove_context.get_admin_context()
    backend = SlowBackend()
    runner = engine_runner.MoveRunner(conf, "engine-1", clients=None)
    runner.actions = helpers.OneAction(backend)
    rows = helpers.claimed(ctx, 6)
    futures = [runner._pool.submit(runner.start_move, r) for r in rows]
    for f in futures:
        f.result(timeout=30)
    runner._pool.shutdown()
    assert len(backend.sent) == 6
    assert backend.max_sending == concurrent
    assert backend.max_checking > 1  # the pre-checks did not wait for each other
    for r in rows:  # every start recorded, with the request it sent
        events = move_queries.events(ctx, r.uuid)
        assert events[-1].detail == {"request_id": "req-" + r.uuid, "executed": True}
