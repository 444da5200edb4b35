"""The moves and their events in the database: reads, the first write, every state change.

enginefacade reader/writer functions in ``select()`` style; each takes the
request context first and returns versioned objects (:class:`Move`,
:class:`MoveEvent`), except where a caller needs a few columns only. The
claims and leases of the engines are in :mod:`vmove.moves.leases`.

A move's ``origin`` says who asked for it: ``request:<request id>``,
``notification:<uuid>`` (a host recovery), ``restore:<uuid>`` (its moves
back) or ``run:<uuid>`` (a plan run).
"""

import dataclasses

from oslo_db import exception as db_exc
from oslo_utils import timeutils
import sqlalchemy as sa

from vmove import exception, vocabulary
from vmove.db import api as db_api
from vmove.db import models, pagination, purge
from vmove.db.api import main_context_manager
from vmove.moves import states
from vmove.objects import move as move_obj
from vmove.objects import move_event as event_obj

#: the API's, and what the server's own callers sort by too
SORT_KEYS = vocabulary.MOVE_SORT_KEYS + ("start_time", "end_time", "id")


def to_obj(ctx, row):
    return move_obj.Move.from_row(ctx, row)


def as_mapping(ctx, row):
    """The row itself, read as a mapping of the moves table's columns (times naive UTC): what the API's list
    pages make their views of (a hundred objects built only to be read once cost a page a fifth of its time)."""
    return row._mapping


def _filtered(query, filters):
    """``filters``: column values (a value or a list), ``host`` (source or destination), ``origin``
    (``kind`` for every move of that kind, ``kind:<uuid>`` for one), ``origins`` (a list of exact
    origins) and ``changes_since``."""
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
        if ":" in origin:
            query = query.where(m.origin == origin)
        else:
            query = query.where(m.origin.like(origin.replace("%", r"\%") + ":%", escape="\\"))
    if filters.get("origins") is not None:
        query = query.where(m.origin.in_(list(filters["origins"])))
    since = filters.get("changes_since")
    if since is not None:
        query = query.where(m.updated_at >= since)
    return query


@main_context_manager.reader
def get_all(context, filters=None, limit=None, marker=None, sort_key="created_at", sort_dir="asc", convert=to_obj):
    """Moves matching ``filters`` (see :func:`_filtered`), ``limit`` at most, after ``marker``; each row as
    ``convert(context, row)`` gives it (a :class:`Move`; :func:`as_mapping`: the row).

    ``marker`` is a move's uuid, or (Masakari's vmoves) its integer id; with ``origins`` in the
    filters it must be a move of those origins.
    """
    m = models.Move
    if sort_key not in SORT_KEYS:
        raise exception.Invalid(reason=f"unknown sort key {sort_key!r}")
    filters = filters or {}
    marker_cond = None
    if marker is not None:
        marker_cond = m.id == int(marker) if str(marker).isdigit() else m.uuid == marker
        if filters.get("origins") is not None:
            marker_cond = sa.and_(marker_cond, m.origin.in_(list(filters["origins"])))
    rows = pagination.paginate(
        context.session, _filtered(sa.select(m.__table__), filters), m, sort_key, sort_dir, limit, marker, marker_cond
    )
    return [convert(context, r) for r in rows]


@main_context_manager.reader
def get(context, uuid, origins=None):
    """The move ``uuid`` (or, an int, its id: Masakari's vmove id) (MoveNotFound if none); with ``origins``,
    only if one of them made it."""
    m = models.Move
    query = sa.select(m.__table__).where(m.id == uuid if isinstance(uuid, int) else m.uuid == uuid)
    if origins is not None:
        query = query.where(m.origin.in_(list(origins)))
    row = db_api.plain_rows(context.session, query).one_or_none()
    if row is None:
        raise exception.MoveNotFound(move=uuid)
    return to_obj(context, row)


@main_context_manager.reader
def busy(context, resource_id, latest=False):
    """The pending or ongoing move of a resource, or None.

    ``latest``: read the last committed row even inside a transaction that has already read (a locking
    read: InnoDB's REPEATABLE READ would otherwise answer from the transaction's snapshot).
    """
    m = models.Move
    query = sa.select(m).where(m.resource_id == resource_id, m.status.in_(states.ACTIVE)).limit(1)
    if latest:
        query = query.with_for_update(read=True)
    row = context.session.execute(query).scalar_one_or_none()
    return to_obj(context, row) if row is not None else None


def active_key(status, resource_id):
    """``moves.active_key``: the resource while the move holds it, NULL after (one per resource)."""
    return resource_id if status in states.ACTIVE else None


@main_context_manager.writer
def create(context, values, event=None):
    """Create a move and its first event in one transaction.

    A second move in progress of the same resource breaks ``uniq_moves0active_key``:
    :class:`~vmove.exception.ResourceBusy` naming the move that holds it. The insert is in a savepoint,
    so a caller's transaction goes on after that refusal.
    """
    now = timeutils.utcnow()
    move = models.Move(**values)
    move.created_at = move.created_at or now
    move.updated_at = move.updated_at or now
    move.active_key = active_key(move.status, move.resource_id)
    try:
        with context.session.begin_nested():
            context.session.add(move)
    except db_exc.DBDuplicateEntry as e:
        if "active_key" in (e.columns or []):
            holder = busy(context, move.resource_id, latest=True)
            raise refusal(move.resource_type, move.resource_id, holder) from e
        raise exception.Conflict(reason=f"move {values.get('uuid')} already exists") from e
    ev = dict(event or {})
    ev.setdefault("to_phase", move.phase)
    ev.setdefault("status", move.status)
    ev.setdefault("attempt", move.attempt)
    ev.setdefault("at", now)
    context.session.add(models.MoveEvent(move_id=move.id, **ev))
    context.session.flush()
    return to_obj(context, move)


@main_context_manager.writer
def write_transition(context, uuid, values, event, expected=None, timing=None):
    """Change a move and write the event of that change, atomically.

    ``expected`` maps column names to the values the row must still have
    (compare-and-swap); if another writer changed them first nothing is
    written and :class:`~vmove.exception.Conflict` is raised. A ``timing``
    dict gets ``entered``: when the move entered the phase it leaves (its
    latest event's time), for the phase durations of the metrics.
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
    if "status" in values and values["status"] not in states.ACTIVE:
        values["active_key"] = None  # the resource is free for its next move
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
    if timing is not None:
        e = models.MoveEvent
        timing["entered"] = context.session.execute(
            sa.select(sa.func.max(e.at)).where(e.move_id == current.id)
        ).scalar()
    context.session.add(models.MoveEvent(move_id=current.id, **ev))
    context.session.flush()
    context.session.expire(current)
    return to_obj(context, context.session.execute(sa.select(m).where(m.id == current.id)).scalar_one())


def refusal(resource_type, resource_id, holder):
    """The 409 of a second move of a resource, naming the move in progress (``holder``, None if it ended
    meanwhile)."""
    what = f"{resource_type.capitalize()} {resource_id}"
    if holder is None:
        return exception.ResourceBusy(reason=f"{what} had another move in progress; try again.")
    return exception.ResourceBusy(
        reason=f"{what} already has move {holder.uuid} ({holder.type}, {holder.status}).", holder=holder.uuid
    )


@main_context_manager.reader
def events(context, move_uuid, attempt=None):
    """The move's events, oldest first (of one ``attempt`` only, if given)."""
    m = models.Move
    move_id = context.session.execute(sa.select(m.id).where(m.uuid == move_uuid)).scalar_one_or_none()
    if move_id is None:
        raise exception.MoveNotFound(move=move_uuid)
    return _events_of(context, move_id, attempt)


def _events_of(context, move_id, attempt=None):
    e = models.MoveEvent
    query = sa.select(e.__table__).where(e.move_id == move_id)  # plain rows: no ORM instances to load
    if attempt is not None:
        query = query.where(e.attempt == attempt)
    rows = db_api.plain_rows(context.session, query.order_by(e.at.asc(), e.id.asc()))
    return [event_obj.MoveEvent.from_row(context, r) for r in rows]


@dataclasses.dataclass
class History:
    """A move and its events, read together."""

    move: move_obj.Move
    events: list

    @property
    def project_id(self):
        return self.move.project_id


@main_context_manager.reader
def history(context, move_uuid):
    """The move ``move_uuid`` and all its events, oldest first, in one transaction (MoveNotFound if none)."""
    move = get(context, move_uuid)
    return History(move, _events_of(context, move.id))


# ------------------------------------------------------------------ by origin


@main_context_manager.reader
def of_origins(context, origins):
    """Every move of the given origins (all attempts), oldest first."""
    return db_api.objects_in(context, models.Move.origin, origins, to_obj)


@main_context_manager.reader
def states_of(context, origins):
    """``(id, resource_id, attempt, status, progress, created_at)`` of every move of ``origins``, oldest first:
    what a roll-up at every poll needs, without loading whole moves."""
    m = models.Move
    query = (
        sa.select(m.id, m.resource_id, m.attempt, m.status, m.progress, m.created_at)
        .where(m.origin.in_(list(origins)))
        .order_by(m.id)
    )
    return list(context.session.execute(query).all())


@main_context_manager.reader
def stats_by_origin(context, origins):
    """``{origin: {status: (count, sum of progress)}}`` of the moves of ``origins``."""
    m = models.Move
    if not origins:
        return {}
    query = (
        sa.select(m.origin, m.status, sa.func.count(), sa.func.coalesce(sa.func.sum(m.progress), 0))
        .where(m.origin.in_(list(origins)))
        .group_by(m.origin, m.status)
    )
    stats: dict = {o: {} for o in origins}
    for origin, status, count, progress in context.session.execute(query):
        stats[origin][status] = (int(count), int(progress))
    return stats


@main_context_manager.reader
def ended_latest_started_first(context, origin, since, limit):
    """Up to ``limit`` moves of ``origin`` created at or after ``since`` that succeeded or failed, in reverse
    start order (the NoValidHost streak reads them until the first success: one row while all goes well)."""
    m = models.Move
    query = sa.select(m).where(
        m.origin == origin, m.status.in_([states.SUCCEEDED, states.FAILED]), m.start_time.is_not(None)
    )
    if since is not None:
        query = query.where(m.created_at >= since)
    query = query.order_by(m.start_time.desc(), m.id.desc()).limit(limit)
    return [to_obj(context, r) for r in context.session.execute(query).scalars()]


@main_context_manager.reader
def last_details(context, move_ids):
    """``{move_id: detail of its latest event}`` (why a move ended as it did)."""
    if not move_ids:
        return {}
    e = models.MoveEvent
    latest = sa.select(sa.func.max(e.id)).where(e.move_id.in_(list(move_ids))).group_by(e.move_id)
    rows = context.session.execute(sa.select(e.move_id, e.detail).where(e.id.in_(latest))).all()
    return {move_id: detail or {} for move_id, detail in rows}


# ------------------------------------------------------------------ purge


def purgeable(before):
    """The moves ``vmove-manage db purge`` may delete: ended before ``before``."""
    m = models.Move
    return sa.and_(m.status.in_(states.TERMINAL), sa.func.coalesce(m.end_time, m.updated_at) < before)


def kept_of(origin, before):
    """Whether a move of ``origin`` (an SQL expression) stays after a purge of what ended before ``before``:
    a run or a notification is purged only with all its moves."""
    m = models.Move
    return sa.exists(sa.select(m.id).where(m.origin == origin, sa.not_(purgeable(before))))


def purge_ended(context, before, keep_origins=(), batch_size=1000, dry_run=False) -> int:
    """Delete the moves that ended before ``before`` and their events, except those of ``keep_origins`` (the
    runs and recoveries still going on); pending and ongoing moves are never touched."""
    m = models.Move
    candidates = sa.select(m.id).where(purgeable(before))
    if keep_origins:
        candidates = candidates.where(m.origin.not_in(list(keep_origins)))
    return purge.purge(context, m, candidates, (models.MoveEvent.move_id,), batch_size, dry_run)
