"""Engines share the work: each holds at most max_in_flight over the engines alive."""

import datetime

from oslo_utils import timeutils

from vmove import context as vmove_context
from vmove.engine import heartbeat
from vmove.moves import leases
from vmove.tests.unit.engine import helpers


def _since():
    return timeutils.utcnow() - datetime.timedelta(seconds=30)


def test_share_over_the_engines_alive(conf, db):
    ctx = vmove_context.get_admin_context()
    heartbeat.beat(ctx, "e1", "h", "t")
    assert leases.fair_share(ctx, 10, _since()) is None  # alone: no share
    heartbeat.beat(ctx, "e2", "h", "t")
    heartbeat.beat(ctx, "e3", "h", "t")
    assert leases.fair_share(ctx, 10, _since()) == 4
    heartbeat.stopped(ctx, "e3")
    assert leases.fair_share(ctx, 10, _since()) == 5
    assert leases.fair_share(ctx, 10, timeutils.utcnow() + datetime.timedelta(seconds=1)) is None  # none beat since
    assert leases.fair_share(ctx, None, _since()) is None


def test_dispatch_claims_the_share_most_important_first(conf, db):
    ctx = vmove_context.get_admin_context()
    for engine in ("e1", "e2", "e3"):
        heartbeat.beat(ctx, engine, "h", "t")
    for i in range(9):
        helpers.request(ctx, i, priority=i)
    now = timeutils.utcnow()
    until = now + datetime.timedelta(seconds=30)

    def everything(pending, in_flight):
        return pending

    first = leases.dispatch(ctx, "e1", until, now, everything, 6, _since())
    assert [m.priority for m in first] == [8, 7]  # 6 over 3 engines
    assert leases.dispatch(ctx, "e1", until, now, everything, 6, _since()) == []  # its share is held
    second = leases.dispatch(ctx, "e2", until, now, everything, 6, _since())
    assert [m.priority for m in second] == [6, 5]
    assert len(leases.dispatch(ctx, "e4", until, now, everything, 6)) == 2  # no share asked: the global room
    assert len(leases.dispatch(ctx, "e4", until, now, everything)) == 3  # no limit: what choose picks


def test_dispatch_reads_the_line_on_until_the_room_is_filled(conf, db):
    """The head of the line may be held (a plan's limits): a page at a time, the dispatch finds what can start."""
    ctx = vmove_context.get_admin_context()
    for i in range(450):
        helpers.request(ctx, i, priority=1 if i < 440 else 0)  # 440 held ones first in line
    now = timeutils.utcnow()
    pages = []

    def only_priority_0(pending, in_flight):
        pages.append(len(pending))
        return [m for m in pending if m.priority == 0]

    claimed = leases.dispatch(ctx, "e1", now + datetime.timedelta(seconds=30), now, only_priority_0, 3)
    assert len(claimed) == 3 and {m.priority for m in claimed} == {0}
    assert pages == [50, 200, 200]  # 2 x 3 = 6, at least 50; then 4 times more each time, to the end
