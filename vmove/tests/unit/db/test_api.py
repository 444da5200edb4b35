import pytest

from vmove import context as vmove_context
from vmove import exception
from vmove.engine import heartbeat
from vmove.moves import leases
from vmove.moves import queries as move_queries
from vmove.tests.fixtures import claim_pending, make_move


@pytest.fixture
def ctx():
    return vmove_context.get_admin_context()


def test_create_writes_move_and_first_event(db, ctx):
    move = make_move()
    events = move_queries.events(ctx, move.uuid)
    assert len(events) == 1
    assert (events[0].from_phase, events[0].to_phase, events[0].status) == (None, "queued", "pending")


def test_transition_is_atomic_with_its_event(db, ctx):
    move = make_move()
    new = move_queries.write_transition(
        ctx,
        move.uuid,
        {"status": "ongoing", "phase": "running", "progress": 10},
        {"detail": {"migration_id": 7}},
        expected={"status": "pending"},
    )
    assert (new.status, new.phase, new.progress) == ("ongoing", "running", 10)
    events = move_queries.events(ctx, move.uuid)
    assert [(e.from_status, e.status, e.from_phase, e.to_phase) for e in events] == [
        (None, "pending", None, "queued"),
        ("pending", "ongoing", "queued", "running"),
    ]
    assert events[1].detail == {"migration_id": 7}


def test_transition_compare_and_swap_refuses_stale_writer(db, ctx):
    move = make_move()
    move_queries.write_transition(ctx, move.uuid, {"status": "ongoing"}, {}, expected={"status": "pending"})
    with pytest.raises(exception.Conflict):
        move_queries.write_transition(ctx, move.uuid, {"status": "cancelled"}, {}, expected={"status": "pending"})
    # nothing of the refused transition was written
    assert [e.status for e in move_queries.events(ctx, move.uuid)] == ["pending", "ongoing"]
    assert move_queries.get(ctx, move.uuid).status == "ongoing"


def test_duplicate_uuid_is_conflict(db, ctx):
    move = make_move()
    with pytest.raises(exception.Conflict):
        make_move(uuid=move.uuid)


def test_unknown_sort_key_refused(db, ctx):
    with pytest.raises(exception.Invalid):
        move_queries.get_all(ctx, sort_key="message")


def test_engine_heartbeat_upserts(db, ctx):
    heartbeat.beat(ctx, "e1", "h", "t", pid=1)
    heartbeat.beat(ctx, "e1", "h", "t", pid=1)
    heartbeat.beat(ctx, "e2", "h", "t", pid=2)
    assert [e.engine_id for e in heartbeat.get_all(ctx)] == ["e1", "e2"]
    heartbeat.stopped(ctx, "e1")
    assert heartbeat.get_all(ctx)[0].stopped_at is not None


def test_leases_claim_renew_release_and_takeover(db, ctx):
    import datetime

    from oslo_utils import timeutils

    now = timeutils.utcnow()
    later = now + datetime.timedelta(seconds=30)
    a, b = make_move(priority=1), make_move(priority=5)
    claimed = claim_pending(ctx, "e1", 5, later, now)
    assert [m.uuid for m in claimed] == [b.uuid, a.uuid]  # most important first
    assert claim_pending(ctx, "e2", 5, later, now) == []  # held
    # e1 starts only b: a's lease is not renewed and a goes back to the pool when it ends
    move_queries.write_transition(ctx, b.uuid, {"status": "ongoing", "phase": "starting"}, {})
    leases.renew(ctx, "e1", later + datetime.timedelta(seconds=60), starting=set())
    after_a = later + datetime.timedelta(seconds=1)
    assert [m.uuid for m in claim_pending(ctx, "e2", 5, later, after_a)] == [a.uuid]
    # b's lease was renewed: not stale at that time; stale later, then taken over
    assert leases.claim_stale(ctx, "e2", later, after_a) == []
    stale = leases.claim_stale(ctx, "e2", later, later + datetime.timedelta(seconds=61))
    assert [(m.uuid, holder) for m, holder in stale] == [(b.uuid, "e1")]
    # a clean stop ends the leases at once
    leases.end_all(ctx, "e2", now)
    assert [m.uuid for m, _ in leases.claim_stale(ctx, "e3", later, now + datetime.timedelta(seconds=1))] == [b.uuid]


def test_dispatch_reads_few_pending_moves_while_every_slot_is_taken(db, ctx):
    """Nothing can start: the dispatch looks at the head of the line only (windows), not all of it."""
    import datetime

    from oslo_utils import timeutils

    for _ in range(3):
        make_move(status="ongoing", phase="running")
    for _ in range(leases.PENDING_WHEN_FULL + 10):
        make_move()
    now = timeutils.utcnow()
    until = now + datetime.timedelta(seconds=30)
    seen = []

    def choose(pending, in_flight):
        seen.append((len(pending), len(in_flight)))
        return []

    leases.dispatch(ctx, "e1", until, now, choose, max_in_flight=3)
    assert seen == [(leases.PENDING_WHEN_FULL, 3)]
    # with room (and nothing chosen, as if every move were held) the whole line is read, a page at a time
    total = leases.PENDING_WHEN_FULL + 10
    for limit in (4, None):
        seen.clear()
        leases.dispatch(ctx, "e1", until, now, choose, max_in_flight=limit)
        assert sum(n for n, _ in seen) == total and {f for _, f in seen} == {3} and len(seen) > 1


def test_plain_rows_see_what_the_session_has_not_flushed_yet(db, ctx):
    """Read straight from the connection, a select of plain rows still sees the session's pending changes
    (flushed first, as ``session.execute`` does)."""
    import sqlalchemy as sa

    from vmove.db import api as db_api
    from vmove.db import models

    move = make_move()
    m = models.Move

    @db_api.main_context_manager.writer
    def rename(context):
        row = context.session.execute(sa.select(m).where(m.uuid == move.uuid)).scalar_one()
        row.resource_name = "renamed"
        return db_api.plain_rows(context.session, sa.select(m.__table__).where(m.uuid == move.uuid)).one()

    assert rename(ctx).resource_name == "renamed"
    assert move_queries.get(ctx, move.uuid).resource_name == "renamed"
