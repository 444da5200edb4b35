"""The move loop polls at a steady cadence and wakes early only when a slot frees up."""

import pytest

from vmove import context as vmove_context
from vmove.actions import base as action_base
from vmove.engine import runner as engine_runner
from vmove.moves import queries as move_queries
from vmove.tests.unit.engine import helpers


def test_polls_start_an_interval_apart_whatever_a_tick_takes(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(engine_runner.time, "monotonic", lambda: clock[0])
    began = clock[0]
    clock[0] += 0.2  # the tick took 0.2 s
    assert engine_runner.MoveRunner._wait_after(began, 0.5) == pytest.approx(0.3)
    clock[0] += 1.0  # a tick slower than the interval: the next one follows at once, after a breath
    assert engine_runner.MoveRunner._wait_after(began, 0.5) == pytest.approx(0.05)


class Backend:
    def __init__(self, skip=()):
        self.skip = set(skip)

    def pre_condition(self, move):
        if move.resource_id in self.skip:
            raise action_base.ActionSkipped(reason="nothing to do")
        return {}

    def execute(self, move):
        return {"request_id": "req-1"}


def test_a_start_the_backend_took_does_not_wake_the_loop_a_skipped_one_does(conf, db):
    ctx = vmove_context.get_admin_context()
    sent, skipped = helpers.claimed(ctx, 2)
    runner = engine_runner.MoveRunner(conf, "engine-1", clients=None)
    runner.actions = helpers.OneAction(Backend(skip={skipped.resource_id}))
    try:
        runner._start_guarded(sent)
        assert not runner._wake.is_set()
        assert move_queries.get(ctx, sent.uuid).status == "ongoing"
        runner._start_guarded(skipped)  # its slot is free: filled now
        assert runner._wake.is_set()
        assert move_queries.get(ctx, skipped.uuid).status == "ignored"
    finally:
        runner._pool.shutdown(wait=True)
