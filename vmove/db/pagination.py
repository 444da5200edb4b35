"""Keyset pagination: one page of rows after a marker, in a stable order.

Every listing of the API (moves, a notification's vmoves, notifications,
plans, runs) pages the same way: rows ordered by ``(sort column, id)``, the
next page starts after the marker row. A nullable sort column keeps its
NULLs first when ascending and last when descending on every database
(MariaDB has no ``NULLS FIRST``), and the marker condition agrees with that
order, so no row is skipped or repeated across pages.
"""

import sqlalchemy as sa

from vmove import exception
from vmove.db import api


def paginate(session, query, model, sort_key, sort_dir="asc", limit=None, marker=None, marker_cond=None):
    """The rows of ``query`` (a ``select(model)``, or ``select(model.__table__)`` for plain rows), one page.

    ``marker`` (what the caller gave, for the error message) names the last
    row of the previous page; ``marker_cond`` finds it (default: ``uuid ==
    marker``). An unknown marker is :class:`~vmove.exception.InvalidMarker`.
    """
    col = getattr(model, sort_key)
    nullable = model.__table__.c[sort_key].nullable
    asc = sort_dir == "asc"
    if marker is not None:
        cond = marker_cond if marker_cond is not None else model.uuid == marker
        found = api.plain_rows(session, sa.select(col, model.id).where(cond)).first()
        if found is None:
            raise exception.InvalidMarker(marker=marker)
        query = query.where(_after(col, model.id, *found, asc=asc, nullable=nullable))
    order = (col.asc(), model.id.asc()) if asc else (col.desc(), model.id.desc())
    if nullable:
        nulls = sa.case((col.is_(None), 0), else_=1)
        order = (nulls.asc() if asc else nulls.desc(), *order)
    query = query.order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    # select(model): ORM instances; select(model.__table__): plain rows, several times cheaper to load (all
    # fetched in one call: iterating a result fetches one row at a time)
    if len(query.column_descriptions) == 1:
        return session.execute(query).scalars().all()
    return api.plain_rows(session, query).all()


def _after(col, id_col, value, marker_id, asc, nullable):
    """The rows after ``(value, marker_id)`` in the order :func:`paginate` sorts."""
    if value is None:  # NULLs come first ascending, last descending
        after_null = sa.and_(col.is_(None), id_col > marker_id) if asc else sa.and_(col.is_(None), id_col < marker_id)
        return sa.or_(col.is_not(None), after_null) if asc else after_null
    # The row value ``(col, id) > (value, marker_id)`` is the exact edge of the order; the plain range
    # on ``col`` beside it is what every database's planner turns into an index condition (MariaDB does
    # not for a row value alone), so a page costs the same at any depth.
    if asc:
        return sa.and_(col >= value, sa.tuple_(col, id_col) > sa.tuple_(value, marker_id))
    before = sa.and_(col <= value, sa.tuple_(col, id_col) < sa.tuple_(value, marker_id))
    return sa.or_(before, col.is_(None)) if nullable else before
