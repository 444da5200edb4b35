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


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_active_keys_filled_on_upgrade(backend, conf, tmp_path):
    """0006: the oldest move in progress of a resource and the newest run in progress of a plan get the key;
    moves and runs that ended, and the extra ones of an earlier race, keep NULL."""
    fixture = None
    if BACKENDS[backend] is None:
        url = f"sqlite:///{tmp_path}/pre-0006.sqlite"
    else:
        fixture = vfixtures.ServerDatabase(BACKENDS[backend])
        fixture.setUp()
        url = fixture.url
    engine = sa.create_engine(url)
    try:
        migration.upgrade("0005", engine=engine)
        now = "2026-12-01 10:00:00"
        common = dict(resource_type="instance", type="live_migration", phase="queued", project_id="p", origin="o")
        common.update(priority=0, attempt=1, progress=0, created_at=now, updated_at=now)
        moves = [("m1", "r1", "pending"), ("m2", "r1", "ongoing"), ("m3", "r2", "succeeded"), ("m4", "r3", "ongoing")]
        runs = [("u1", "p1", "running"), ("u2", "p1", "validating"), ("u3", "p2", "succeeded")]
        with engine.begin() as c:
            for uuid_, rid, status in moves:
                c.execute(
                    sa.text(
                        "INSERT INTO moves (uuid, resource_id, status, resource_type, type, phase, project_id, origin,"
                        " priority, attempt, progress, created_at, updated_at) VALUES (:uuid, :rid, :status,"
                        " :resource_type, :type, :phase, :project_id, :origin, :priority, :attempt, :progress,"
                        " :created_at, :updated_at)"
                    ),
                    dict(common, uuid=uuid_, rid=rid, status=status),
                )
            for uuid_, plan, status in runs:
                c.execute(
                    sa.text(
                        "INSERT INTO runs (uuid, plan_uuid, plan_name, project_id, dry_run, approval, cross_project,"
                        " status, progress, created_at, updated_at) VALUES (:uuid, :plan, 'n', 'p', :f, 'auto', :f,"
                        " :status, 0, :now, :now)"
                    ),
                    {"uuid": uuid_, "plan": plan, "status": status, "f": False, "now": now},
                )
        migration.upgrade("heads", engine=engine)
        with engine.connect() as c:
            got = dict(c.execute(sa.text("SELECT uuid, active_key FROM moves")).all())
            assert got == {"m1": "r1", "m2": None, "m3": None, "m4": "r3"}
            got = dict(c.execute(sa.text("SELECT uuid, active_key FROM runs")).all())
            assert got == {"u1": None, "u2": "p1", "u3": None}
    finally:
        engine.dispose()
        if fixture is not None:
            fixture.cleanUp()
