"""Keyset pagination is an index condition on SQLite, MariaDB and PostgreSQL: a page after a deep marker
is found by the index, not by reading and dropping every row before it (what the plain ``col > v OR
(col = v AND id > m)`` made PostgreSQL and MariaDB do)."""

import datetime
import json
import uuid

import pytest
import sqlalchemy as sa

from vmove.db import models, pagination
from vmove.tests import fixtures as vfixtures

BACKENDS = {"sqlite": None, "mariadb": vfixtures.MARIADB_URL, "postgresql": vfixtures.POSTGRES_URL}
ROWS = 3000


@pytest.fixture(params=sorted(BACKENDS))
def filled(request, conf, tmp_path):
    fx = vfixtures.Database(tmpdir=tmp_path, url=BACKENDS[request.param])
    fx.setUp()
    start = datetime.datetime(2026, 1, 1)
    rows = [
        {
            "uuid": str(uuid.uuid4()),
            "resource_type": "instance",
            "resource_id": str(uuid.uuid4()),
            "type": "live_migration",
            "status": "succeeded" if i % 20 else "failed",
            "phase": "succeeded",
            "priority": 0,
            "attempt": 1,
            "progress": 100,
            "project_id": "p",
            "origin": "request:x",
            "enforce_project": False,
            # pairs of equal times: the id decides within each
            "created_at": start + datetime.timedelta(seconds=i // 2),
            "updated_at": start,
            # a nullable sort key: NULLs and ties
            "start_time": None if i % 7 == 0 else start + datetime.timedelta(seconds=i // 3),
        }
        for i in range(ROWS)
    ]
    with fx.engine.begin() as c:
        c.execute(sa.insert(models.Move), rows)
        if fx.engine.dialect.name == "postgresql":
            c.execute(sa.text("ANALYZE moves"))
        elif fx.engine.dialect.name == "mysql":
            c.execute(sa.text("ANALYZE TABLE moves"))
    yield fx
    fx.cleanUp()


def _deep_query(session, marker_row):
    m = models.Move
    marker = session.execute(sa.select(m.uuid).where(m.id == marker_row)).scalar_one()
    query = sa.select(m)
    # what paginate() runs, captured
    captured = {}

    class Spy:
        """The session, with the page's statement kept (read through the session or its connection)."""

        def __init__(self, target):
            self._target = target

        def __getattr__(self, name):
            return getattr(session, name)

        def execute(self, stmt):
            captured.setdefault("page", stmt) if "LIMIT" in str(stmt).upper() else None
            return self._target.execute(stmt)

        def connection(self):
            return Spy(session.connection())

    rows = pagination.paginate(Spy(session), query, m, "created_at", "asc", 50, marker)
    return rows, captured["page"]


def _explain(engine, stmt) -> str:
    sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as c:
        name = engine.dialect.name
        if name == "postgresql":
            c.execute(sa.text("SET enable_seqscan = off"))  # the plan a big table gets, on a small one
            return "\n".join(r[0] for r in c.execute(sa.text("EXPLAIN " + sql)))
        if name == "mysql":
            rows = c.execute(sa.text("EXPLAIN FORMAT=JSON " + sql)).all()
            return json.dumps(json.loads(rows[0][0]))
        return "\n".join(str(r[-1]) for r in c.execute(sa.text("EXPLAIN QUERY PLAN " + sql)))


def test_deep_marker_is_an_index_condition(filled):
    from vmove import context as vmove_context
    from vmove.db.api import main_context_manager

    ctx = vmove_context.get_admin_context()
    with main_context_manager.reader.using(ctx):
        rows, stmt = _deep_query(ctx.session, ROWS - 500)
    # the page is right: the 50 rows after the marker, in (created_at, id) order
    assert [r.id for r in rows] == list(range(ROWS - 499, ROWS - 449))
    plan = _explain(filled.engine, stmt)
    name = filled.engine.dialect.name
    if name == "postgresql":
        cond = plan.split("Index Cond:")[1].splitlines()[0]
        assert "ROW(created_at, id) >" in cond, plan  # the whole keyset, not a filter after the scan
        assert "Sort" not in plan, plan
    elif name == "mysql":
        assert '"access_type": "range"' in plan and "moves_created_at" in plan, plan
    else:
        assert "USING INDEX moves_created_at" in plan and "created_at>" in plan.replace(" ", ""), plan


@pytest.mark.parametrize("sort_dir", ["asc", "desc"])
def test_pages_of_a_nullable_key_cover_every_row_once(filled, sort_dir):
    """NULLs first ascending and last descending on every database, ties broken by id: paging through
    ``start_time`` 97 rows at a time gives every row exactly once, in that order."""
    from vmove import context as vmove_context
    from vmove.db.api import main_context_manager

    m = models.Move
    ctx = vmove_context.get_admin_context()
    with main_context_manager.reader.using(ctx):
        rows = ctx.session.execute(sa.select(m.id, m.uuid, m.start_time)).all()
        null_rank = 0 if sort_dir == "asc" else 1
        expected = sorted(rows, key=lambda r: (r.start_time is not None, r.start_time or datetime.datetime.min, r.id))
        if sort_dir == "desc":
            expected.reverse()
        assert (expected[0].start_time is None) == (null_rank == 0)
        got, marker = [], None
        while True:
            page = pagination.paginate(ctx.session, sa.select(m), m, "start_time", sort_dir, 97, marker)
            got.extend(r.id for r in page)
            if len(page) < 97:
                break
            marker = page[-1].uuid
    assert got == [r.id for r in expected]


def test_a_page_made_of_rows_reads_as_one_made_of_objects(filled):
    """List pages make their views of the rows straight: on every database (its own types for times, JSON and
    booleans), each view equals the one made of the move's versioned object."""
    from vmove import context as vmove_context
    from vmove.api.controllers.v1 import moves as moves_api
    from vmove.moves import queries

    ctx = vmove_context.get_admin_context()
    with filled.engine.begin() as c:  # a dict in the JSON column, a time with microseconds
        c.execute(
            sa.update(models.Move)
            .where(models.Move.id == 2)
            .values(params={"block_migration": True, "n": [1, "x"]}, end_time=datetime.datetime(2026, 1, 2, 3, 4, 5, 6))
        )
    rows = queries.get_all(ctx, {}, limit=7, convert=queries.as_mapping)  # ids 1 to 7, by created_at
    objects = queries.get_all(ctx, {}, limit=7)
    base = "http://vmove.example:8780"
    assert [moves_api.row_view(r, base) for r in rows] == [moves_api.move_view(o, base) for o in objects]
    assert any(r["params"] for r in rows) and any(r["end_time"] for r in rows)
