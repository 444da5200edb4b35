"""Database access: enginefacade reader/writer functions in ``select()`` style.

Every function takes the request context first; ``@reader``/``@writer`` open
(or join) the context's transaction.
"""

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_utils import timeutils
import sqlalchemy as sa

from vmove import exception
from vmove.db import models

main_context_manager = enginefacade.transaction_context()


def _on_engine_create(engine):
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        # WAL lets readers go on while the engine writes; wait instead of failing on a lock.
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    # A transaction that reads then writes must hold the write lock from the
    # start: SQLite cannot upgrade a read transaction once another writer
    # committed ("database is locked" at once, whatever busy_timeout says).
    # oslo.db emits a plain BEGIN itself: replace that listener with ours
    # (same "in_transaction" marker, which oslo.db clears at commit/rollback).
    for listener in list(engine.dispatch.begin):
        if getattr(listener, "__name__", "") == "_sqlite_emit_begin":
            sa.event.remove(engine, "begin", listener)

    @sa.event.listens_for(engine, "begin")
    def _begin_immediate(conn):
        if "in_transaction" not in conn.info:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.info["in_transaction"] = True


main_context_manager.append_on_engine_create(_on_engine_create)


def get_engine():
    return main_context_manager.writer.get_engine()


# --------------------------------------------------------------------- moves

MOVE_SORT_KEYS = (
    "created_at",
    "updated_at",
    "priority",
    "status",
    "type",
    "resource_type",
    "resource_id",
    "attempt",
    "progress",
    "id",
)


def _move_query_filters(query, filters):
    m = models.Move
    for key in ("status", "type", "resource_id", "resource_type", "project_id", "phase", "engine_id"):
        value = filters.get(key)
        if value is None:
            continue
        if isinstance(value, list | tuple | set):
            query = query.where(getattr(m, key).in_(list(value)))
        else:
            query = query.where(getattr(m, key) == value)
    host = filters.get("host")
    if host:
        query = query.where(sa.or_(m.source_host == host, m.dest_host == host))
    origin = filters.get("origin")
    if origin:
        # "notification" matches every move a notification made,
        # "notification:<uuid>" the moves of that one.
        if ":" in origin:
            query = query.where(m.origin == origin)
        else:
            query = query.where(m.origin.like(origin.replace("%", r"\%") + ":%", escape="\\"))
    since = filters.get("changes_since")
    if since is not None:
        query = query.where(m.updated_at >= since)
    return query


@main_context_manager.reader
def move_get_all(context, filters=None, limit=None, marker=None, sort_key="created_at", sort_dir="asc"):
    """Moves matching ``filters``, ``limit`` at most, after ``marker`` (a uuid)."""
    m = models.Move
    if sort_key not in MOVE_SORT_KEYS:
        raise exception.Invalid(reason=f"unknown sort key {sort_key!r}")
    query = _move_query_filters(sa.select(m), filters or {})
    col = getattr(m, sort_key)
    if marker is not None:
        row = context.session.execute(sa.select(col, m.id).where(m.uuid == marker)).first()
        if row is None:
            raise exception.InvalidMarker(marker=marker)
        value, marker_id = row
        if sort_dir == "asc":
            query = query.where(sa.or_(col > value, sa.and_(col == value, m.id > marker_id)))
        else:
            query = query.where(sa.or_(col < value, sa.and_(col == value, m.id < marker_id)))
    order = (col.asc(), m.id.asc()) if sort_dir == "asc" else (col.desc(), m.id.desc())
    query = query.order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    return list(context.session.execute(query).scalars())


@main_context_manager.reader
def move_get(context, uuid):
    move = context.session.execute(sa.select(models.Move).where(models.Move.uuid == uuid)).scalar_one_or_none()
    if move is None:
        raise exception.MoveNotFound(move=uuid)
    return move


@main_context_manager.writer
def move_create(context, values, event=None):
    """Create a move and its first event in one transaction."""
    now = timeutils.utcnow()
    move = models.Move(**values)
    move.created_at = move.created_at or now
    move.updated_at = move.updated_at or now
    context.session.add(move)
    try:
        context.session.flush()
    except db_exc.DBDuplicateEntry as e:
        raise exception.Conflict(reason=f"move {values.get('uuid')} already exists") from e
    ev = dict(event or {})
    ev.setdefault("to_phase", move.phase)
    ev.setdefault("status", move.status)
    ev.setdefault("attempt", move.attempt)
    ev.setdefault("at", now)
    context.session.add(models.MoveEvent(move_id=move.id, **ev))
    context.session.flush()
    return move


@main_context_manager.writer
def move_transition(context, uuid, values, event, expected=None):
    """Change a move and write the event of that change, atomically.

    ``expected`` maps column names to the values the row must still have
    (compare-and-swap); if another writer changed them first nothing is
    written and :class:`~vmove.exception.Conflict` is raised.
    """
    m = models.Move
    current = context.session.execute(sa.select(m).where(m.uuid == uuid)).scalar_one_or_none()
    if current is None:
        raise exception.MoveNotFound(move=uuid)
    before = {"phase": current.phase, "status": current.status, "attempt": current.attempt}
    now = timeutils.utcnow()
    cond = [m.id == current.id]
    for key, value in (expected or {}).items():
        cond.append(getattr(m, key) == value)
    values = dict(values, updated_at=now)
    result = context.session.execute(
        sa.update(m).where(*cond).values(**values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise exception.Conflict(reason=f"move {uuid} changed concurrently")
    ev = dict(event)
    ev.setdefault("from_phase", before["phase"])
    ev.setdefault("from_status", before["status"])
    ev.setdefault("to_phase", values.get("phase", before["phase"]))
    ev.setdefault("status", values.get("status", before["status"]))
    ev.setdefault("attempt", values.get("attempt", before["attempt"]))
    ev.setdefault("at", now)
    context.session.add(models.MoveEvent(move_id=current.id, **ev))
    context.session.flush()
    context.session.expire(current)
    return context.session.execute(sa.select(m).where(m.id == current.id)).scalar_one()


@main_context_manager.reader
def move_events_get(context, move_uuid):
    m, e = models.Move, models.MoveEvent
    move_id = context.session.execute(sa.select(m.id).where(m.uuid == move_uuid)).scalar_one_or_none()
    if move_id is None:
        raise exception.MoveNotFound(move=move_uuid)
    query = sa.select(e).where(e.move_id == move_id).order_by(e.at.asc(), e.id.asc())
    return list(context.session.execute(query).scalars())


# -------------------------------------------------------------------- leases


#: pending moves read when every slot is taken: none can start, only windows that closed are looked at
PENDING_WHEN_FULL = 50


@main_context_manager.writer
def move_dispatch(context, engine_id, lease_until, now, choose, max_in_flight=None):
    """Claim the moves ``choose`` picks, with dispatch serialized across engines.

    Under the ``dispatch`` lock row, reads the moves in flight (ongoing, or
    pending and claimed under a live lease) and the free pending ones (most
    important first), calls ``choose(pending, in_flight)`` which returns the
    rows to claim, and claims them for ``engine_id``. Returns the claimed rows.

    With ``max_in_flight`` moves or more in flight (the engines' global limit), nothing can start: only
    the first :data:`PENDING_WHEN_FULL` pending moves are read (for the windows that closed), not all
    of them at every poll.
    """
    m = models.Move
    context.session.execute(sa.select(models.Lock.name).where(models.Lock.name == "dispatch").with_for_update()).first()
    live = sa.and_(m.engine_id.is_not(None), m.lease_until.is_not(None), m.lease_until >= now)
    in_flight = list(
        context.session.execute(
            sa.select(m).where(sa.or_(m.status == "ongoing", sa.and_(m.status == "pending", live)))
        ).scalars()
    )
    full = max_in_flight is not None and len(in_flight) >= max_in_flight
    pending = list(
        context.session.execute(
            sa.select(m)
            .where(m.status == "pending", sa.not_(live))
            .order_by(m.priority.desc(), m.created_at.asc(), m.id.asc())
            .limit(PENDING_WHEN_FULL if full else 5000)
        ).scalars()
    )
    chosen = choose(pending, in_flight)
    if not chosen:
        return []
    ids = [r.id for r in chosen]
    context.session.execute(
        sa.update(m)
        .where(m.id.in_(ids), m.status == "pending")
        .values(engine_id=engine_id, lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )
    context.session.expire_all()
    rows = {r.id: r for r in context.session.execute(sa.select(m).where(m.id.in_(ids))).scalars()}
    return [rows[i] for i in ids if rows[i].engine_id == engine_id]


@main_context_manager.reader
def move_pending_next(context, now, limit):
    """The first ``limit`` pending moves nobody holds, in dispatch order (most important first)."""
    m = models.Move
    live = sa.and_(m.engine_id.is_not(None), m.lease_until.is_not(None), m.lease_until >= now)
    query = (
        sa.select(m)
        .where(m.status == "pending", sa.not_(live))
        .order_by(m.priority.desc(), m.created_at.asc(), m.id.asc())
        .limit(limit)
    )
    return list(context.session.execute(query).scalars())


@main_context_manager.reader
def move_count_in_flight(context):
    """Moves started (ongoing) over all engines."""
    m = models.Move
    return context.session.execute(sa.select(sa.func.count()).select_from(m).where(m.status == "ongoing")).scalar()


@main_context_manager.writer
def move_claim_pending(context, engine_id, limit, lease_until, now):
    """Claim up to ``limit`` pending moves (most important first) for ``engine_id``.

    A pending move is free when nobody holds it or its holder's lease ran out.
    Each claim is a compare-and-swap, so two engines never claim the same move.
    """
    if limit <= 0:
        return []
    m = models.Move
    free = sa.or_(m.engine_id.is_(None), m.lease_until.is_(None), m.lease_until < now)
    query = (
        sa.select(m.id, m.engine_id, m.lease_until)
        .where(m.status == "pending", free)
        .order_by(m.priority.desc(), m.created_at.asc(), m.id.asc())
        .limit(limit * 2)
    )
    claimed = []
    for mid, holder, lease in context.session.execute(query).all():
        if len(claimed) >= limit:
            break
        result = context.session.execute(
            sa.update(m)
            .where(m.id == mid, m.status == "pending", _same(m.engine_id, holder), _same(m.lease_until, lease))
            .values(engine_id=engine_id, lease_until=lease_until)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(mid)
    if not claimed:
        return []
    rows = context.session.execute(sa.select(m).where(m.id.in_(claimed))).scalars()
    order = {mid: i for i, mid in enumerate(claimed)}
    return sorted(rows, key=lambda r: order[r.id])


def _same(col, value):
    return col.is_(None) if value is None else col == value


@main_context_manager.writer
def move_claim_stale(context, engine_id, lease_until, now):
    """Take over the ongoing moves whose engine stopped renewing its lease."""
    m = models.Move
    stale = context.session.execute(
        sa.select(m.id, m.engine_id, m.lease_until).where(
            m.status == "ongoing",
            sa.or_(m.lease_until.is_(None), m.lease_until < now),
            sa.or_(m.engine_id.is_(None), m.engine_id != engine_id),
        )
    ).all()
    taken = []
    for mid, holder, lease in stale:
        result = context.session.execute(
            sa.update(m)
            .where(m.id == mid, m.status == "ongoing", _same(m.engine_id, holder), _same(m.lease_until, lease))
            .values(engine_id=engine_id, lease_until=lease_until)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            taken.append((mid, holder))
    if not taken:
        return []
    rows = {r.id: r for r in context.session.execute(sa.select(m).where(m.id.in_([t[0] for t in taken]))).scalars()}
    return [(rows[mid], holder) for mid, holder in taken]


@main_context_manager.writer
def move_renew_leases(context, engine_id, lease_until, starting=()):
    """Renew the leases ``engine_id`` still needs: its ongoing moves, and the
    pending ones it is starting right now (``starting``, uuids). A claimed
    move it is not starting any more goes back to the pool when its lease ends."""
    m = models.Move
    mine = sa.or_(m.status == "ongoing", sa.and_(m.status == "pending", m.uuid.in_(list(starting))))
    result = context.session.execute(
        sa.update(m)
        .where(m.engine_id == engine_id, mine)
        .values(lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


@main_context_manager.writer
def move_end_leases(context, engine_id, now):
    """An engine stopping cleanly: its moves may be taken over at once."""
    m = models.Move
    context.session.execute(
        sa.update(m)
        .where(m.engine_id == engine_id, m.status.in_(["pending", "ongoing"]))
        .values(lease_until=now)
        .execution_options(synchronize_session=False)
    )


@main_context_manager.writer
def move_release(context, uuid, engine_id):
    """Give back a claimed pending move (e.g. it could not be started now)."""
    m = models.Move
    context.session.execute(
        sa.update(m)
        .where(m.uuid == uuid, m.engine_id == engine_id, m.status == "pending")
        .values(engine_id=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


@main_context_manager.writer
def move_set_progress(context, uuid, engine_id, progress):
    """Progress is not a state change: update it in place, no event."""
    m = models.Move
    context.session.execute(
        sa.update(m)
        .where(m.uuid == uuid, m.engine_id == engine_id, m.status == "ongoing")
        .values(progress=progress, updated_at=timeutils.utcnow())
        .execution_options(synchronize_session=False)
    )


@main_context_manager.reader
def move_get_owned(context, engine_id, status="ongoing"):
    m = models.Move
    query = sa.select(m).where(m.engine_id == engine_id, m.status == status).order_by(m.id)
    return list(context.session.execute(query).scalars())


# ------------------------------------------------------------------- engines


@main_context_manager.writer
def engine_heartbeat(context, engine_id, host, topic, pid=None, version=None):
    """Record that engine ``engine_id`` is alive (creating its row on first beat)."""
    e = models.Engine
    now = timeutils.utcnow()
    result = context.session.execute(
        sa.update(e).where(e.engine_id == engine_id).values(last_heartbeat=now, stopped_at=None)
    )
    if result.rowcount == 0:
        context.session.add(
            e(engine_id=engine_id, host=host, topic=topic, pid=pid, version=version, started_at=now, last_heartbeat=now)
        )
        context.session.flush()
    return now


@main_context_manager.writer
def engine_stopped(context, engine_id):
    e = models.Engine
    context.session.execute(sa.update(e).where(e.engine_id == engine_id).values(stopped_at=timeutils.utcnow()))


@main_context_manager.reader
def engine_get_all(context):
    e = models.Engine
    return list(context.session.execute(sa.select(e).order_by(e.started_at.asc(), e.id.asc())).scalars())
