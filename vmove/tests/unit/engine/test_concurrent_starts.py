"""Start requests go to the backend a few at a time; pre-checks and state changes run beside them."""

import threading
import time

import pytest

from vmove import context as vmove_context
from vmove.engine import runner as engine_runner
from vmove.moves import queries as move_queries
from vmove.tests.unit.engine import helpers


class SlowBackend:
    """An action whose pre-checks and start requests each wait (up to 10 s) until ``overlap[what]`` of
    them are in at once, or every move has come in: whether they may overlap is then decided by the
    engine alone, not by how fast a loaded machine runs the threads. It records how many overlap."""

    def __init__(self, total, overlap):
        self.total, self.overlap = total, overlap
        self.cond = threading.Condition()
        self.checking = self.sending = 0
        self.max_checking = self.max_sending = 0
        self.came = {"checking": 0, "sending": 0}
        self.sent: list = []

    def _enter(self, what):
        with self.cond:
            setattr(self, what, getattr(self, what) + 1)
            self.came[what] += 1
            top = f"max_{what}"
            setattr(self, top, max(getattr(self, top), getattr(self, what)))
            self.cond.notify_all()
            self.cond.wait_for(
                lambda: getattr(self, what) >= self.overlap[what] or self.came[what] >= self.total, timeout=10
            )
        time.sleep(0.01)
        with self.cond:
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
    backend = SlowBackend(6, {"checking": 2, "sending": concurrent})
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
