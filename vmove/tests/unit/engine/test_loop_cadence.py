"""The move loop polls at a steady cadence and wakes early only when a slot frees up."""

import datetime

from oslo_utils import timeutils
import pytest

from vmove import context as vmove_context
from vmove import moves
from vmove.actions import base as action_base
from vmove.db import api as db_api
from vmove.engine import runner as engine_runner
from vmove.objects import move as move_obj


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


class FakeActions:
    def __init__(self, action):
        self.action = action

    def get(self, move_type):
        return self.action


def _claimed(ctx, n):
    for i in range(n):
        moves.request_move(
            ctx,
            resource_type="instance",
            resource_id=f"00000000-0000-0000-0000-{i:012d}",
            move_type="live_migration",
            params={"host": "host2"},
            project_id="p1",
        )
    now = timeutils.utcnow()
    rows = db_api.move_claim_pending(ctx, "engine-1", n, now + datetime.timedelta(seconds=60), now)
    return [move_obj.Move.get_by_uuid(ctx, r.uuid) for r in rows]


def test_a_start_the_backend_took_does_not_wake_the_loop_a_skipped_one_does(conf, db):
    ctx = vmove_context.get_admin_context()
    sent, skipped = _claimed(ctx, 2)
    runner = engine_runner.MoveRunner(conf, "engine-1", clients=None)
    runner.actions = FakeActions(Backend(skip={skipped.resource_id}))
    try:
        runner._start_guarded(sent)
        assert not runner._wake.is_set()
        assert move_obj.Move.get_by_uuid(ctx, sent.uuid).status == "ongoing"
        runner._start_guarded(skipped)  # its slot is free: filled now
        assert runner._wake.is_set()
        assert move_obj.Move.get_by_uuid(ctx, skipped.uuid).status == "ignored"
    finally:
        runner._pool.shutdown(wait=True)
