"""Deleting old rows in batches (``vmove-manage db purge``): each feature says which rows may go."""

import sqlalchemy as sa

from vmove.db.api import main_context_manager


@main_context_manager.writer
def _batch(context, model, candidates, children, limit) -> int:
    ids = list(context.session.execute(candidates.limit(limit)).scalars())
    if ids:
        for column in children:
            context.session.execute(sa.delete(column.class_).where(column.in_(ids)))
        context.session.execute(sa.delete(model).where(model.id.in_(ids)))
    return len(ids)


@main_context_manager.reader
def _count(context, candidates) -> int:
    return context.session.execute(sa.select(sa.func.count()).select_from(candidates.subquery())).scalar_one()


def purge(context, model, candidates, children=(), batch_size=1000, dry_run=False) -> int:
    """Delete the rows of ``model`` whose ids the select ``candidates`` finds, ``batch_size`` rows per
    transaction (the tables are never locked for long), the rows of ``children`` (the foreign key columns
    pointing at them) first. With ``dry_run``, only count them. Returns how many rows of ``model``."""
    if dry_run:
        return _count(context, candidates)
    total = 0
    while True:
        done = _batch(context, model, candidates.order_by(model.id), children, batch_size)
        total += done
        if done < batch_size:
            return total
