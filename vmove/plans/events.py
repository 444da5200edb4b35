"""The events of a run and of its items: validated, drain resolved, host disabled, approved, denied,
paused, resumed... with who and when (``run_events``). An item's history is its events."""

from oslo_utils import timeutils
import sqlalchemy as sa

from vmove.db import models
from vmove.db.api import main_context_manager
from vmove.objects import plan as plan_obj
from vmove.plans import queries


def _run_id(context, run_uuid) -> int:
    return queries._run(context, run_uuid).id


@main_context_manager.writer
def add(context, run_uuid, event, message=None, *, item_uuid=None, user_id=None, detail=None, at=None):
    """Record ``event`` of the run (or of its item ``item_uuid``)."""
    context.session.add(
        models.RunEvent(
            run_id=_run_id(context, run_uuid),
            item_uuid=item_uuid,
            event=event,
            user_id=user_id,
            message=message,
            detail=detail,
            at=at or timeutils.utcnow(),
        )
    )
    context.session.flush()


@main_context_manager.writer
def add_many(context, run_uuid, events, replace=()):
    """Record several events (dicts of :func:`add`'s keyword arguments, ``event`` included) at once.

    ``replace``: kinds of events of the run deleted first (a validation done again replaces its own).
    """
    run_id = _run_id(context, run_uuid)
    if replace:
        e = models.RunEvent
        context.session.execute(sa.delete(e).where(e.run_id == run_id, e.event.in_(list(replace))))
    now = timeutils.utcnow()
    for e in events:
        context.session.add(models.RunEvent(run_id=run_id, at=e.pop("at", None) or now, **e))
    context.session.flush()


@main_context_manager.reader
def get_all(context, run_uuid, item_uuid=None):
    """The run's events, oldest first (only those of one item with ``item_uuid``)."""
    e = models.RunEvent
    query = sa.select(e).where(e.run_id == _run_id(context, run_uuid))
    if item_uuid is not None:
        query = query.where(e.item_uuid == item_uuid)
    rows = context.session.execute(query.order_by(e.at.asc(), e.id.asc())).scalars()
    return [plan_obj.RunEvent.from_row(context, row) for row in rows]


def by_item(found) -> dict:
    """item uuid -> its events, from :func:`get_all`'s list."""
    items: dict = {}
    for ev in found:
        if ev.item_uuid:
            items.setdefault(ev.item_uuid, []).append(ev)
    return items
