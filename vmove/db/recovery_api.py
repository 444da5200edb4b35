"""Database access of host recovery: notifications, and the moves they made.

enginefacade reader/writer functions in ``select()`` style, on the same
transaction context as :mod:`vmove.db.api`.
"""

from oslo_db import exception as db_exc
from oslo_utils import timeutils
import sqlalchemy as sa

from vmove import exception
from vmove.db import models
from vmove.db.api import main_context_manager
from vmove.db.recovery_models import Notification

ACTIVE = ("new", "running")
RESTORE_ACTIVE = ("requested", "waiting", "running")

NOTIFICATION_SORT_KEYS = ("created_at", "updated_at", "generated_time", "status", "type", "hostname", "id")
VMOVE_SORT_KEYS = (
    "created_at",
    "updated_at",
    "start_time",
    "end_time",
    "status",
    "type",
    "priority",
    "attempt",
    "resource_id",
    "id",
)


class NotificationNotFound(exception.NotFound):
    msg_fmt = "Notification %(notification)s could not be found."


class VMoveNotFound(exception.NotFound):
    msg_fmt = "VM move %(vmove)s of notification %(notification)s could not be found."


def active_key(event: str, hostname: str) -> str:
    return f"{event}:{hostname}"


# ------------------------------------------------------------ notifications


@main_context_manager.writer
def _insert(context, values):
    row = Notification(**values)
    context.session.add(row)
    context.session.flush()
    return row


@main_context_manager.reader
def _get_active(context, key):
    n = Notification
    return context.session.execute(sa.select(n).where(n.active_key == key)).scalar_one_or_none()


def notification_create(context, values):
    """Insert a notification; returns ``(row, created)``.

    While a notification for the same host and event is new or running,
    nothing is inserted and that one is returned with ``created=False``:
    the unique ``active_key`` makes this hold under concurrent requests too.
    """
    key = values.get("active_key")
    for _ in range(5):
        try:
            return _insert(context, values), True
        except db_exc.DBDuplicateEntry as e:
            if key is None or "uuid" in (e.columns or []):
                raise exception.Conflict(reason=f"notification {values.get('uuid')} already exists") from e
        existing = _get_active(context, key)
        if existing is not None:
            return existing, False
        # the active one finished between our insert and our read: insert again
    raise exception.Conflict(reason=f"Notifications for {key} keep changing; try again.")


@main_context_manager.reader
def notification_get(context, uuid):
    n = Notification
    row = context.session.execute(sa.select(n).where(n.uuid == uuid)).scalar_one_or_none()
    if row is None:
        raise NotificationNotFound(notification=uuid)
    return row


def _paginate(context, query, model, col, marker_cond, sort_dir, limit):
    if marker_cond is not None:
        row = context.session.execute(sa.select(col, model.id).where(marker_cond)).first()
        if row is None:
            return None
        value, marker_id = row
        if value is None:
            cond = (
                sa.or_(col.is_not(None), sa.and_(col.is_(None), model.id > marker_id))
                if sort_dir == "asc"
                else sa.and_(col.is_(None), model.id < marker_id)
            )
        elif sort_dir == "asc":
            cond = sa.or_(col > value, sa.and_(col == value, model.id > marker_id))
        else:
            cond = sa.or_(col < value, col.is_(None), sa.and_(col == value, model.id < marker_id))
        query = query.where(cond)
    # NULLs first when ascending, last when descending, on every database (MariaDB has no NULLS FIRST)
    nulls = sa.case((col.is_(None), 0), else_=1)
    if sort_dir == "asc":
        query = query.order_by(nulls.asc(), col.asc(), model.id.asc())
    else:
        query = query.order_by(nulls.desc(), col.desc(), model.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(context.session.execute(query).scalars())


@main_context_manager.reader
def notification_get_all(context, filters=None, limit=None, marker=None, sort_key="created_at", sort_dir="desc"):
    """Notifications matching ``filters`` (status, type, hostname, event, generated_since)."""
    n = Notification
    if sort_key not in NOTIFICATION_SORT_KEYS:
        raise exception.Invalid(reason=f"unknown sort key {sort_key!r}")
    filters = filters or {}
    query = sa.select(n)
    for key in ("status", "type", "hostname", "event"):
        value = filters.get(key)
        if value is None:
            continue
        query = query.where(
            getattr(n, key).in_(list(value)) if isinstance(value, list | tuple) else getattr(n, key) == value
        )
    if filters.get("generated_since") is not None:
        query = query.where(n.generated_time >= filters["generated_since"])
    rows = _paginate(context, query, n, getattr(n, sort_key), n.uuid == marker if marker else None, sort_dir, limit)
    if rows is None:
        raise exception.InvalidMarker(marker=marker)
    return rows


@main_context_manager.writer
def notification_update(context, uuid, values, expected=None):
    """Update a notification; ``expected`` column values make it a compare-and-swap (Conflict if changed)."""
    n = Notification
    cond = [n.uuid == uuid]
    for key, value in (expected or {}).items():
        col = getattr(n, key)
        if isinstance(value, list | tuple):
            cond.append(col.in_(list(value)))
        else:
            cond.append(col.is_(None) if value is None else col == value)
    values = dict(values, updated_at=timeutils.utcnow())
    result = context.session.execute(
        sa.update(n).where(*cond).values(**values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        if context.session.execute(sa.select(n.id).where(n.uuid == uuid)).first() is None:
            raise NotificationNotFound(notification=uuid)
        raise exception.Conflict(reason=f"Notification {uuid} changed meanwhile; try again.")
    return context.session.execute(sa.select(n).where(n.uuid == uuid)).scalar_one()


@main_context_manager.writer
def notification_claim(context, uuid, token, until, now):
    """Claim a notification's set-up with ``token`` (if free or expired); the row, or None."""
    n = Notification
    result = context.session.execute(
        sa.update(n)
        .where(n.uuid == uuid, sa.or_(n.claimed_until.is_(None), n.claimed_until < now))
        .values(engine_id=token, claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return context.session.execute(sa.select(n).where(n.uuid == uuid)).scalar_one()


@main_context_manager.writer
def notification_release(context, uuid, token):
    n = Notification
    context.session.execute(
        sa.update(n)
        .where(n.uuid == uuid, n.engine_id == token)
        .values(claimed_until=None)
        .execution_options(synchronize_session=False)
    )


@main_context_manager.reader
def notifications_active(context):
    """Notifications whose recovery or restore is not over (what the engines' tick looks after)."""
    n = Notification
    query = sa.select(n).where(sa.or_(n.status.in_(ACTIVE), n.restore_status.in_(RESTORE_ACTIVE))).order_by(n.id)
    return list(context.session.execute(query).scalars())


@main_context_manager.reader
def notification_last_recovered(context, hostname):
    """The latest host-failure notification of ``hostname`` whose recovery is over."""
    n = Notification
    query = (
        sa.select(n)
        .where(n.hostname == hostname, n.event == "STOPPED", n.status.in_(["finished", "failed"]))
        .order_by(n.created_at.desc(), n.id.desc())
        .limit(1)
    )
    return context.session.execute(query).scalar_one_or_none()


# --------------------------------------------------------------- its moves


@main_context_manager.reader
def moves_of(context, origins):
    """Every move of the given origins (all attempts), oldest first."""
    m = models.Move
    query = sa.select(m).where(m.origin.in_(list(origins))).order_by(m.id)
    return list(context.session.execute(query).scalars())


@main_context_manager.reader
def move_states_of(context, origins):
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
def moves_ended_latest_started_first(context, origin, since, limit):
    """Up to ``limit`` moves of ``origin`` created at or after ``since`` that succeeded or failed, in reverse
    start order (the NoValidHost streak reads them until the first success: one row while all goes well)."""
    m = models.Move
    query = sa.select(m).where(m.origin == origin, m.status.in_(["succeeded", "failed"]), m.start_time.is_not(None))
    if since is not None:
        query = query.where(m.created_at >= since)
    query = query.order_by(m.start_time.desc(), m.id.desc()).limit(limit)
    return list(context.session.execute(query).scalars())


@main_context_manager.reader
def last_details(context, move_ids):
    """``{move_id: detail of its latest event}`` (why a move ended as it did)."""
    if not move_ids:
        return {}
    e = models.MoveEvent
    latest = sa.select(sa.func.max(e.id)).where(e.move_id.in_(list(move_ids))).group_by(e.move_id)
    rows = context.session.execute(sa.select(e.move_id, e.detail).where(e.id.in_(latest))).all()
    return {move_id: detail or {} for move_id, detail in rows}


@main_context_manager.reader
def vmove_get_all(context, origins, filters=None, limit=None, marker=None, sort_key="created_at", sort_dir="asc"):
    """Moves of ``origins``, filtered by status/type, paginated after ``marker`` (a move uuid or integer id)."""
    m = models.Move
    if sort_key not in VMOVE_SORT_KEYS:
        raise exception.Invalid(reason=f"unknown sort key {sort_key!r}")
    filters = filters or {}
    query = sa.select(m).where(m.origin.in_(list(origins)))
    for key in ("status", "type"):
        value = filters.get(key)
        if value:
            query = query.where(getattr(m, key).in_(list(value)))
    marker_cond = None
    if marker is not None:
        mine = m.origin.in_(list(origins))
        marker_cond = sa.and_(mine, m.id == int(marker)) if str(marker).isdigit() else sa.and_(mine, m.uuid == marker)
    rows = _paginate(context, query, m, getattr(m, sort_key), marker_cond, sort_dir, limit)
    if rows is None:
        raise exception.InvalidMarker(marker=marker)
    return rows


@main_context_manager.reader
def vmove_get(context, origins, move_uuid):
    """The move ``move_uuid`` if one of ``origins`` made it, else None."""
    m = models.Move
    query = sa.select(m).where(m.uuid == move_uuid, m.origin.in_(list(origins)))
    return context.session.execute(query).scalar_one_or_none()
