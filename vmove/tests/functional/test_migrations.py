"""The alembic migrations build exactly the tables the models describe,
on SQLite, MariaDB and PostgreSQL (the servers running on this machine)."""

from alembic import autogenerate
from alembic import migration as alembic_migration
import pytest
import sqlalchemy as sa

from vmove.db import migration, models
from vmove.moves import queries as move_queries
from vmove.tests import fixtures as vfixtures

BACKENDS = {
    "sqlite": None,
    "mariadb": vfixtures.MARIADB_URL,
    "postgresql": vfixtures.POSTGRES_URL,
}


@pytest.fixture(params=sorted(BACKENDS))
def backend_db(request, conf, tmp_path):
    url = BACKENDS[request.param]
    fx = vfixtures.Database(tmpdir=tmp_path, url=url)
    fx.setUp()
    yield request.param, fx
    fx.cleanUp()


def _compare(engine):
    def include(obj, name, type_, reflected, compare_to):
        return not (type_ == "table" and name == "alembic_version")

    with engine.connect() as conn:
        ctx = alembic_migration.MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include})
        return autogenerate.compare_metadata(ctx, models.Base.metadata)


def test_models_match_migrations(backend_db):
    name, fx = backend_db
    assert fx.engine.dialect.name == {"sqlite": "sqlite", "mariadb": "mysql", "postgresql": "postgresql"}[name]
    assert migration.version(fx.engine) == migration.head()
    diff = _compare(fx.engine)
    assert diff == [], f"models and migrations differ on {name}: {diff}"


def test_event_times_keep_microseconds(backend_db):
    """Limits are checked from event times: the DB must keep sub-second precision."""
    import datetime

    from vmove import context as vmove_context

    _, fx = backend_db
    at = datetime.datetime(2026, 11, 24, 10, 0, 0, 123456)
    move = vfixtures.make_move(created_at=at, updated_at=at)
    move_queries.write_transition(
        vmove_context.get_admin_context(),
        move.uuid,
        {"status": "ongoing", "phase": "running"},
        {"at": at, "message": "go"},
    )
    with fx.engine.connect() as c:
        # the transition's own event, as the database keeps it (the objects read back are UTC-aware)
        (went,) = c.execute(sa.select(models.MoveEvent).where(models.MoveEvent.message == "go")).all()
        assert went.at == at
        assert c.execute(sa.select(models.Move.created_at)).scalar() == at
