"""The engine reads the backend for the moves next in line while they wait for a slot."""

import datetime
import threading

from oslo_utils import timeutils

from vmove import context as vmove_context
from vmove.engine import runner as engine_runner
from vmove.moves import scheduler
from vmove.tests import fixtures as vfixtures
from vmove.tests.unit.engine import helpers


class Recorder:
    def __init__(self):
        self.groups: list = []
        self.done = threading.Event()

    def prefetch(self, group):
        self.groups.append([m.resource_id for m in group])
        self.done.set()


def runner_with_recorder(conf):
    r = engine_runner.MoveRunner(conf, "engine-1", clients=None)
    r.actions = helpers.OneAction(Recorder())
    return r


def test_the_moves_next_in_line_are_prefetched_most_important_first(conf, db):
    conf.set_override("max_in_flight", 3, group="engine")
    ctx = vmove_context.get_admin_context()
    for i in range(6):
        helpers.request(ctx, i, priority=i)
    now = timeutils.utcnow()
    # the most important one is already claimed by another engine: not next in line
    vfixtures.claim_pending(ctx, "engine-2", 1, now + datetime.timedelta(seconds=30), now)
    r = runner_with_recorder(conf)
    try:
        r._look_ahead(timeutils.utcnow())
        assert r.actions.action.done.wait(5)
    finally:
        r._pool.shutdown(wait=True)
    ids = [f"00000000-0000-0000-0000-{i:012d}" for i in (4, 3, 2)]
    assert r.actions.action.groups == [ids]


def test_moves_the_scheduler_holds_are_not_prefetched(conf, db):
    ctx = vmove_context.get_admin_context()
    scheduler.register("lookaheadtest", lambda ctx, ident: scheduler.HOLD)
    for i in range(3):
        helpers.request(ctx, i, origin="lookaheadtest:x")
    r = runner_with_recorder(conf)
    try:
        r._look_ahead(timeutils.utcnow())
        r._pool.shutdown(wait=True)
    finally:
        scheduler._PROVIDERS.pop("lookaheadtest", None)
    assert r.actions.action.groups == []
    assert not r._looking_ahead.locked()


def test_the_line_is_read_at_most_every_look_ahead_interval(conf, db, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(engine_runner.time, "monotonic", lambda: clock[0])
    r = runner_with_recorder(conf)
    seen = []
    monkeypatch.setattr(r, "_look_ahead", lambda now: seen.append(clock[0]))
    try:
        for _ in range(10):  # polls half a second apart
            r._maybe_look_ahead()
            clock[0] += 0.5
    finally:
        r._pool.shutdown(wait=True)
    assert seen == [1000.0, 1000.0 + r.LOOK_AHEAD_EVERY, 1000.0 + 2 * r.LOOK_AHEAD_EVERY]
