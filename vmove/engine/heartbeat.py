"""The engines' rows: each engine beats into the database; the API lists them."""

from oslo_utils import timeutils
import sqlalchemy as sa

from vmove.db import models, purge
from vmove.db.api import main_context_manager
from vmove.objects import engine as engine_obj


@main_context_manager.writer
def beat(context, engine_id, host, topic, pid=None, version=None, rpc_version=None):
    """Record that engine ``engine_id`` is alive (creating its row on first beat)."""
    e = models.Engine
    now = timeutils.utcnow()
    result = context.session.execute(
        sa.update(e).where(e.engine_id == engine_id).values(last_heartbeat=now, stopped_at=None)
    )
    if result.rowcount == 0:
        context.session.add(
            e(
                engine_id=engine_id,
                host=host,
                topic=topic,
                pid=pid,
                version=version,
                rpc_version=rpc_version,
                started_at=now,
                last_heartbeat=now,
            )
        )
        context.session.flush()
    return now


@main_context_manager.writer
def stopped(context, engine_id):
    e = models.Engine
    context.session.execute(sa.update(e).where(e.engine_id == engine_id).values(stopped_at=timeutils.utcnow()))


@main_context_manager.reader
def get_all(context):
    e = models.Engine
    rows = context.session.execute(sa.select(e).order_by(e.started_at.asc(), e.id.asc())).scalars()
    return [engine_obj.Engine.from_row(context, r) for r in rows]


def purge_gone(context, before, batch_size=1000, dry_run=False) -> int:
    """Delete the rows of engines that stopped, or last beat, before ``before`` (each start is a new row)."""
    e = models.Engine
    candidates = sa.select(e.id).where(sa.func.coalesce(e.stopped_at, e.last_heartbeat) < before)
    return purge.purge(context, e, candidates, (), batch_size, dry_run)
