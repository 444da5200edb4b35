"""The engines' hold on moves: dispatch under a lock, leases, take-over.

An engine claims the pending moves it starts and holds every move it drives
with a lease (``engine_id``, ``lease_until``) that it renews at each poll.
A move whose lease ran out is taken over by another engine
(:func:`claim_stale`); an engine that stops cleanly ends its leases at once
(:func:`end_all`). Every claim is a compare-and-swap, so two engines never
hold the same move.
"""

import math

from oslo_utils import timeutils
import sqlalchemy as sa

from vmove.db import models
from vmove.db.api import main_context_manager
from vmove.moves import states
from vmove.moves.queries import to_obj


def _held(now):
    """A move some engine holds under a live lease."""
    m = models.Move
    return sa.and_(m.engine_id.is_not(None), m.lease_until.is_not(None), m.lease_until >= now)


#: pending moves read when every slot is taken: none can start, only windows that closed are looked at
PENDING_WHEN_FULL = 50
#: the largest page of the line of pending moves read at once by a dispatch
PENDING_PAGE_MAX = 5000


@main_context_manager.writer
def dispatch(context, engine_id, lease_until, now, choose, max_in_flight=None, live_since=None):
    """Claim the moves ``choose`` picks, with dispatch serialized across engines.

    Under the ``dispatch`` lock row, reads the moves in flight (ongoing, or
    pending and claimed under a live lease) and the free pending ones (most
    important first), calls ``choose(pending, in_flight)`` which returns the
    rows to claim, and claims them for ``engine_id``. Returns the claimed rows.

    The line is read a page at a time until as many moves as can start are chosen (the limits of each
    origin may hold the first ones: the line is read on until the slots are filled or it ends). With
    ``max_in_flight`` moves or more in flight (the engines' global limit), nothing can start: only
    the first :data:`PENDING_WHEN_FULL` pending moves are read (for the windows that closed), not all
    of them at every poll.

    With ``live_since`` (a time), the engines share the work: ``engine_id`` holds at most its fair share,
    ``max_in_flight`` divided by the engines that beat since then (:func:`fair_share`), and leaves the rest
    of the line to the others, most important moves first.
    """
    m = models.Move
    live = _held(now)
    # nothing waits (moves in flight wait on their backend): no lock, no read of the moves in flight
    if (
        context.session.execute(sa.select(m.id).where(m.status == states.PENDING, sa.not_(live)).limit(1)).first()
        is None
    ):
        return []
    flying = sa.or_(m.status == states.ONGOING, sa.and_(m.status == states.PENDING, live))
    share = fair_share(context, max_in_flight, live_since)
    if share is not None:
        mine = context.session.execute(sa.select(sa.func.count()).where(m.engine_id == engine_id, flying)).scalar()
        if mine >= share:
            return []  # its share is full: the lock is left to the engines that have room
    context.session.execute(sa.select(models.Lock.name).where(models.Lock.name == "dispatch").with_for_update()).first()
    # plain rows, not ORM objects: the lock is held while they are read and chosen from
    in_flight = context.session.execute(sa.select(m.__table__).where(flying)).all()
    room = None if max_in_flight is None else max_in_flight - len(in_flight)
    if share is not None:
        room = min(room, share - sum(1 for r in in_flight if r.engine_id == engine_id))
    chosen = _choose_in_pages(context, live, choose, in_flight, room)
    if room is not None:
        chosen = chosen[: max(room, 0)]
    if not chosen:
        return []
    ids = [r.id for r in chosen]
    context.session.execute(
        sa.update(m)
        .where(m.id.in_(ids), m.status == states.PENDING)
        .values(engine_id=engine_id, lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )
    context.session.expire_all()
    rows = {r.id: r for r in context.session.execute(sa.select(m).where(m.id.in_(ids))).scalars()}
    return [to_obj(context, rows[i]) for i in ids if rows[i].engine_id == engine_id]


def _choose_in_pages(context, live, choose, in_flight, room):
    """``choose`` over the line of free pending moves, read a page at a time (most important first) until
    ``room`` moves are chosen or the line ends: the lock is held for what can start, not for the whole line.
    With no room, only the first :data:`PENDING_WHEN_FULL` are read (for the windows that closed)."""
    m = models.Move
    size = PENDING_WHEN_FULL if room is not None and room <= 0 else max(2 * (room or 0), 50)
    chosen, offset = [], 0
    while True:
        page = context.session.execute(
            sa.select(m.__table__)
            .where(m.status == states.PENDING, sa.not_(live))
            .order_by(m.priority.desc(), m.created_at.asc(), m.id.asc())
            .offset(offset)
            .limit(size)
        ).all()
        chosen.extend(choose(page, in_flight + chosen))
        if len(page) < size or (room is not None and len(chosen) >= room) or (room is not None and room <= 0):
            return chosen
        offset += size
        size = min(size * 4, PENDING_PAGE_MAX)


@main_context_manager.reader
def fair_share(context, max_in_flight, live_since):
    """The moves one engine may hold: ``max_in_flight`` over the engines alive (a heartbeat since
    ``live_since``, not stopped), rounded up; None when one engine runs (or no share is asked for).

    Without it, the engine that dispatches first after a burst of requests takes every slot and refills
    them as its moves end, before the others poll: one engine does the work of all. A slot an engine
    leaves to another is taken at that engine's next poll (the API's cast wakes every engine).
    """
    if max_in_flight is None or live_since is None:
        return None
    e = models.Engine
    live = context.session.execute(
        sa.select(sa.func.count()).where(e.stopped_at.is_(None), e.last_heartbeat >= live_since)
    ).scalar_one()
    return math.ceil(max_in_flight / live) if live > 1 else None


@main_context_manager.reader
def pending_next(context, now, limit):
    """The first ``limit`` pending moves nobody holds, in dispatch order (most important first)."""
    m = models.Move
    query = (
        sa.select(m)
        .where(m.status == states.PENDING, sa.not_(_held(now)))
        .order_by(m.priority.desc(), m.created_at.asc(), m.id.asc())
        .limit(limit)
    )
    return [to_obj(context, r) for r in context.session.execute(query).scalars()]


def _same(col, value):
    return col.is_(None) if value is None else col == value


@main_context_manager.writer
def claim_stale(context, engine_id, lease_until, now):
    """Take over the ongoing moves whose engine stopped renewing its lease."""
    m = models.Move
    stale = context.session.execute(
        sa.select(m.id, m.engine_id, m.lease_until).where(
            m.status == states.ONGOING,
            sa.or_(m.lease_until.is_(None), m.lease_until < now),
            sa.or_(m.engine_id.is_(None), m.engine_id != engine_id),
        )
    ).all()
    taken = []
    for mid, holder, lease in stale:
        result = context.session.execute(
            sa.update(m)
            .where(m.id == mid, m.status == states.ONGOING, _same(m.engine_id, holder), _same(m.lease_until, lease))
            .values(engine_id=engine_id, lease_until=lease_until)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            taken.append((mid, holder))
    if not taken:
        return []
    rows = {r.id: r for r in context.session.execute(sa.select(m).where(m.id.in_([t[0] for t in taken]))).scalars()}
    return [(to_obj(context, rows[mid]), holder) for mid, holder in taken]


@main_context_manager.writer
def renew(context, engine_id, lease_until, starting=()):
    """Renew the leases ``engine_id`` still needs: its ongoing moves, and the
    pending ones it is starting right now (``starting``, uuids). A claimed
    move it is not starting any more goes back to the pool when its lease ends."""
    m = models.Move
    mine = sa.or_(m.status == states.ONGOING, sa.and_(m.status == states.PENDING, m.uuid.in_(list(starting))))
    result = context.session.execute(
        sa.update(m)
        .where(m.engine_id == engine_id, mine)
        .values(lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


@main_context_manager.writer
def end_all(context, engine_id, now):
    """An engine stopping cleanly: its moves may be taken over at once."""
    m = models.Move
    context.session.execute(
        sa.update(m)
        .where(m.engine_id == engine_id, m.status.in_(states.ACTIVE))
        .values(lease_until=now)
        .execution_options(synchronize_session=False)
    )


@main_context_manager.writer
def release(context, uuid, engine_id):
    """Give back a claimed pending move (e.g. it could not be started now)."""
    m = models.Move
    context.session.execute(
        sa.update(m)
        .where(m.uuid == uuid, m.engine_id == engine_id, m.status == states.PENDING)
        .values(engine_id=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


@main_context_manager.writer
def set_progress(context, uuid, engine_id, progress):
    """Progress is not a state change: update it in place, no event."""
    m = models.Move
    context.session.execute(
        sa.update(m)
        .where(m.uuid == uuid, m.engine_id == engine_id, m.status == states.ONGOING)
        .values(progress=progress, updated_at=timeutils.utcnow())
        .execution_options(synchronize_session=False)
    )


@main_context_manager.reader
def owned(context, engine_id, ids=None):
    """The ongoing moves ``engine_id`` holds (of the row ids ``ids`` only, if given)."""
    m = models.Move
    query = sa.select(m).where(m.engine_id == engine_id, m.status == states.ONGOING).order_by(m.id)
    if ids is not None:
        query = query.where(m.id.in_(list(ids)))
    return [to_obj(context, r) for r in context.session.execute(query).scalars()]


#: what says a move row changed: a transition or a progress update changes one of these
VERSION_COLUMNS = ("id", "updated_at", "phase", "status", "progress", "attempt")


@main_context_manager.reader
def owned_versions(context, engine_id):
    """``{id: version}`` of the ongoing moves ``engine_id`` holds: a few columns per move, no objects, so
    that a poll reads whole only the moves that changed (:class:`OwnedMoves`)."""
    m = models.Move
    cols = [getattr(m, c) for c in VERSION_COLUMNS]
    query = sa.select(*cols).where(m.engine_id == engine_id, m.status == states.ONGOING)
    return {row[0]: tuple(row[1:]) for row in context.session.execute(query).all()}


class OwnedMoves:
    """The ongoing moves of one engine, poll after poll, read whole only when they changed.

    Building a move object costs far more than reading its row: with a thousand moves waiting on their
    backend, rebuilding every one at every poll was most of the engine's CPU. Each poll reads the moves'
    versions (:func:`owned_versions`, two statements at most however many moves) and rebuilds only the
    new or changed ones; a move that is not the engine's or not ongoing any more is dropped.
    """

    #: above this many changed moves, all are read in one statement rather than by id
    READ_ALL_ABOVE = 500

    def __init__(self, context, engine_id):
        self.context, self.engine_id = context, engine_id
        self._known: dict = {}  # id -> (version, move)

    def read(self) -> list:
        versions = owned_versions(self.context, self.engine_id)
        changed = [i for i, v in versions.items() if i not in self._known or self._known[i][0] != v]
        if len(changed) > self.READ_ALL_ABOVE:
            fresh = owned(self.context, self.engine_id)
        elif changed:
            fresh = owned(self.context, self.engine_id, ids=changed)
        else:
            fresh = []
        known = {i: entry for i, entry in self._known.items() if i in versions}
        for move in fresh:
            if move.id in versions:
                known[move.id] = (versions[move.id], move)
        self._known = known
        return [known[i][1] for i in sorted(known)]
