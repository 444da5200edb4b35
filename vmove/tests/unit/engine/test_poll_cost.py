"""What a poll of the move loop costs with many moves waiting on their backend (issue 15): the same number
of statements whatever the number of moves, no move object rebuilt unless its row changed, no dispatch
work while nothing waits, leases renewed a third of lease_time apart (tools/bench/engine_cost.py has the
figures)."""

import datetime

from oslo_utils import timeutils
import sqlalchemy as sa

from vmove import context as vmove_context
from vmove.actions import base as action_base
from vmove.db import api as db_api
from vmove.engine import runner as engine_runner
from vmove.moves import leases
from vmove.moves import queries as move_queries
from vmove.tests.fixtures import make_move
from vmove.tests.unit.engine import helpers


class Waiting(action_base.Action):
    """Every move runs on the backend and none ends."""

    def execute(self, move):
        return {}

    def observe(self, moves):
        return {m.uuid: action_base.Observation(phase="running") for m in moves}


class Statements:
    def __init__(self):
        self.seen = []

    def __enter__(self):
        sa.event.listen(db_api.get_engine(), "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db_api.get_engine(), "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, *args):
        kind = statement.split()[0].upper()
        if kind != "BEGIN":  # SQLite's explicit transactions (the test database)
            self.seen.append(kind)


def ongoing(n, engine_id="engine-1"):
    until = timeutils.utcnow() + datetime.timedelta(seconds=300)
    return [
        make_move(
            status="ongoing", phase="running", engine_id=engine_id, lease_until=until, start_time=timeutils.utcnow()
        )
        for _ in range(n)
    ]


def runner_of(conf):
    runner = engine_runner.MoveRunner(conf, "engine-1", clients=None)
    runner.actions = helpers.OneAction(Waiting(conf, None))
    return runner


def statements_per_tick(conf, n):
    ongoing(n)
    runner = runner_of(conf)
    try:
        runner.tick()  # the first poll reads every move whole
        with Statements() as counted:
            runner.tick()
        return counted.seen
    finally:
        runner._pool.shutdown(wait=True)


def test_statements_per_poll_do_not_grow_with_the_moves_in_flight(conf, db):
    few = statements_per_tick(conf, 5)
    with db.engine.begin() as c:
        c.execute(sa.delete(sa.table("move_events")))
        c.execute(sa.delete(sa.table("moves")))
    many = statements_per_tick(conf, 300)
    assert len(many) == len(few), (few, many)
    assert "UPDATE" not in many  # leases renewed a third of lease_time apart, not at every poll


def test_unchanged_moves_are_not_rebuilt(conf, db):
    ctx = vmove_context.get_admin_context()
    a, b, c = ongoing(3)
    owned = leases.OwnedMoves(ctx, "engine-1")
    first = {m.uuid: m for m in owned.read()}
    assert set(first) == {a.uuid, b.uuid, c.uuid}
    # b changes (an event, a new phase), c goes to another engine, d comes
    move_queries.write_transition(ctx, b.uuid, {"phase": "completing"}, {"to_phase": "completing"})
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE moves SET engine_id = 'engine-2' WHERE uuid = :u"), {"u": c.uuid})
    (d,) = ongoing(1)
    second = {m.uuid: m for m in owned.read()}
    assert set(second) == {a.uuid, b.uuid, d.uuid}
    assert second[a.uuid] is first[a.uuid]  # the same object: not read again
    assert second[b.uuid] is not first[b.uuid] and second[b.uuid].phase == "completing"
    # a progress update is a change too
    leases.set_progress(ctx, a.uuid, "engine-1", 40)
    assert {m.uuid: m.progress for m in owned.read()}[a.uuid] == 40


def test_many_changes_are_read_in_one_statement(conf, db, monkeypatch):
    ctx = vmove_context.get_admin_context()
    ongoing(6)
    monkeypatch.setattr(leases.OwnedMoves, "READ_ALL_ABOVE", 2)
    owned = leases.OwnedMoves(ctx, "engine-1")
    with Statements() as counted:
        assert len(owned.read()) == 6
    assert counted.seen == ["SELECT", "SELECT"]


def test_dispatch_with_nothing_pending_reads_nothing_else(conf, db, ctx=None):
    ctx = vmove_context.get_admin_context()
    ongoing(20)
    now = timeutils.utcnow()
    chosen = []
    with Statements() as counted:
        got = leases.dispatch(ctx, "e1", now + datetime.timedelta(seconds=30), now, lambda p, f: chosen.append(1))
    assert got == [] and chosen == []
    assert counted.seen == ["SELECT"]  # is anything pending? no lock, no moves in flight read


def test_leases_renewed_a_third_of_lease_time_apart(conf, db):
    ctx = vmove_context.get_admin_context()
    conf.set_override("lease_time", 30.0, group="engine")
    (move,) = ongoing(1)
    runner = runner_of(conf)
    try:
        runner._maybe_renew()
        renewed = move_queries.get(ctx, move.uuid).lease_until
        runner._maybe_renew()  # too soon: no write
        assert move_queries.get(ctx, move.uuid).lease_until == renewed
        runner._renewed_at -= 10.0  # a third of lease_time later
        runner._maybe_renew()
        assert move_queries.get(ctx, move.uuid).lease_until > renewed
    finally:
        runner._pool.shutdown(wait=True)
