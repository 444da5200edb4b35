"""Host-failure notifications in the database (their moves are read with :mod:`vmove.moves.queries`).

enginefacade reader/writer functions in ``select()`` style; they return
:class:`~vmove.objects.notification.Notification` objects.
"""

from oslo_db import exception as db_exc
from oslo_utils import timeutils
import sqlalchemy as sa

from vmove import exception
from vmove.db import pagination, purge
from vmove.db.api import main_context_manager
from vmove.db.models import Notification
from vmove.moves import queries as move_queries
from vmove.objects import notification as notification_obj
from vmove.objects.notification import host_uuid
from vmove.recovery import lifecycle

SORT_KEYS = ("created_at", "updated_at", "generated_time", "status", "type", "hostname", "id")


def active_key(event: str, hostname: str) -> str:
    """What makes a second notification for the same host and event wait for the first (unique while active)."""
    return f"{event}:{hostname}"


def _obj(context, row):
    return notification_obj.Notification.from_row(context, row)


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


def create(context, values):
    """Insert a notification; returns ``(Notification, created)``.

    While a notification for the same host and event is new or running,
    nothing is inserted and that one is returned with ``created=False``:
    the unique ``active_key`` makes this hold under concurrent requests too.
    """
    key = values.get("active_key")
    for _ in range(5):
        try:
            return _obj(context, _insert(context, values)), True
        except db_exc.DBDuplicateEntry as e:
            if key is None or "uuid" in (e.columns or []):
                raise exception.Conflict(reason=f"notification {values.get('uuid')} already exists") from e
        existing = _get_active(context, key)
        if existing is not None:
            return _obj(context, existing), False
        # the active one finished between our insert and our read: insert again
    raise exception.Conflict(reason=f"Notifications for {key} keep changing; try again.")


@main_context_manager.reader
def get(context, uuid):
    n = Notification
    row = context.session.execute(sa.select(n).where(n.uuid == uuid)).scalar_one_or_none()
    if row is None:
        raise exception.NotificationNotFound(notification=uuid)
    return _obj(context, row)


@main_context_manager.reader
def get_all(context, filters=None, limit=None, marker=None, sort_key="created_at", sort_dir="desc"):
    """Notifications matching ``filters`` (status, type, hostname, event, generated_since, source_host_uuid)."""
    n = Notification
    if sort_key not in SORT_KEYS:
        raise exception.Invalid(reason=f"unknown sort key {sort_key!r}")
    filters = filters or {}
    query = sa.select(n)
    if filters.get("source_host_uuid") is not None:
        # Masakari's host uuid is a function of the host's name: the names that give it
        names = context.session.execute(sa.select(n.hostname).distinct()).scalars()
        query = query.where(n.hostname.in_([h for h in names if host_uuid(h) == filters["source_host_uuid"]]))
    for key in ("status", "type", "hostname", "event"):
        value = filters.get(key)
        if value is None:
            continue
        query = query.where(
            getattr(n, key).in_(list(value)) if isinstance(value, list | tuple) else getattr(n, key) == value
        )
    if filters.get("generated_since") is not None:
        query = query.where(n.generated_time >= filters["generated_since"])
    rows = pagination.paginate(context.session, query, n, sort_key, sort_dir, limit, marker)
    return [_obj(context, r) for r in rows]


@main_context_manager.writer
def update(context, uuid, values, expected=None):
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
            raise exception.NotificationNotFound(notification=uuid)
        raise exception.Conflict(reason=f"Notification {uuid} changed meanwhile; try again.")
    return _obj(context, context.session.execute(sa.select(n).where(n.uuid == uuid)).scalar_one())


@main_context_manager.writer
def claim(context, uuid, token, until, now):
    """Claim a notification's set-up with ``token`` (if free or expired); the row, or None."""
    n = Notification
    result = context.session.execute(
        sa.update(n)
        .where(n.uuid == uuid, sa.or_(n.claimed_until.is_(None), n.claimed_until < now))
        .values(claim_token=token, claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return _obj(context, context.session.execute(sa.select(n).where(n.uuid == uuid)).scalar_one())


@main_context_manager.writer
def release(context, uuid, token):
    n = Notification
    context.session.execute(
        sa.update(n)
        .where(n.uuid == uuid, n.claim_token == token)
        .values(claimed_until=None)
        .execution_options(synchronize_session=False)
    )


@main_context_manager.reader
def active(context):
    """Notifications whose recovery or restore is not over (what the engines' tick looks after)."""
    n = Notification
    query = (
        sa.select(n)
        .where(sa.or_(n.status.in_(lifecycle.ACTIVE), n.restore_status.in_(lifecycle.RESTORE_ACTIVE)))
        .order_by(n.id)
    )
    return [_obj(context, r) for r in context.session.execute(query).scalars()]


@main_context_manager.reader
def last_recovered(context, hostname):
    """The latest host-failure notification of ``hostname`` whose recovery is over."""
    n = Notification
    query = (
        sa.select(n)
        .where(
            n.hostname == hostname,
            n.event == lifecycle.STOPPED,
            n.status.in_([lifecycle.FINISHED, lifecycle.FAILED]),
        )
        .order_by(n.created_at.desc(), n.id.desc())
        .limit(1)
    )
    row = context.session.execute(query).scalar_one_or_none()
    return _obj(context, row) if row is not None else None


def advance(context, n, event, values=None, expected=None):
    """Take notification ``n`` through ``event`` of its lifecycle, with ``values``; the updated Notification.

    The lifecycle refuses an illegal event (409); the write is a compare-and-swap on the status ``n``
    was read with (and on ``expected``), so a concurrent change makes it a Conflict.
    """
    values = dict(values or {}, status=lifecycle.NOTIFICATION.target(n.status, event, n.uuid))
    return update(context, n.uuid, values, expected=dict(expected or {}, status=n.status))


def advance_restore(context, n, event, values=None):
    """Take the restore of ``n`` through ``event`` of its lifecycle (see :func:`advance`)."""
    values = dict(values or {}, restore_status=lifecycle.RESTORE.target(n.restore_status, event, n.uuid))
    expected = {"restore_status": n.restore_status, "restore_attempt": n.restore_attempt}
    return update(context, n.uuid, values, expected=expected)


# ------------------------------------------------------------------ purge


@main_context_manager.reader
def active_origins(context) -> set:
    """The origins of the recoveries and restores still going on: a purge keeps their moves."""
    n = Notification
    rows = context.session.execute(
        sa.select(n.uuid, n.status, n.restore_status).where(
            sa.or_(n.status.in_(lifecycle.ACTIVE), n.restore_status.in_(lifecycle.RESTORE_ACTIVE))
        )
    )
    found = set()
    for uuid, status, restore_status in rows:
        if status in lifecycle.ACTIVE:
            found.add(f"notification:{uuid}")
        if restore_status in lifecycle.RESTORE_ACTIVE:
            found.add(f"restore:{uuid}")
    return found


def purge_ended(context, before, batch_size=1000, dry_run=False) -> int:
    """Delete the notifications whose recovery (and restore, if any) ended before ``before`` and that have no
    move left."""
    n = Notification
    candidates = sa.select(n.id).where(
        n.status.in_((lifecycle.FINISHED, lifecycle.FAILED, lifecycle.IGNORED)),
        sa.or_(n.restore_status.is_(None), n.restore_status.not_in(lifecycle.RESTORE_ACTIVE)),
        sa.func.coalesce(n.restore_finished_at, n.finished_at, n.updated_at) < before,
        n.updated_at < before,
        sa.not_(move_queries.kept_of(sa.literal("notification:") + n.uuid, before)),
        sa.not_(move_queries.kept_of(sa.literal("restore:") + n.uuid, before)),
    )
    return purge.purge(context, n, candidates, (), batch_size, dry_run)
