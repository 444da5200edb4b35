"""``vmove-manage db purge`` on SQLite, MariaDB and PostgreSQL: what ended long ago goes (moves with their
events, runs with their items, notifications, engines gone), in batches; nothing pending or ongoing, and no
run or recovery still going on or with a move that stays."""

import datetime
import pathlib
import subprocess
import sys
import uuid

from oslo_utils import timeutils
import pytest
import sqlalchemy as sa

from vmove.db import models
from vmove.tests import fixtures as vfixtures

BIN = pathlib.Path(sys.executable).parent
BACKENDS = {"sqlite": None, "mariadb": vfixtures.MARIADB_URL, "postgresql": vfixtures.POSTGRES_URL}
#: the columns of a run and of its item that the purge does not look at
RUN = dict(plan_name="p", project_id="p1", approval="auto", dry_run=False, cross_project=False, progress=0)
ITEM = dict(resource_type="instance", resource_id="r", move_type="x", priority=0, verdict="ok")


@pytest.fixture(params=sorted(BACKENDS))
def backend_db(request, conf, tmp_path):
    fx = vfixtures.Database(tmpdir=tmp_path, url=BACKENDS[request.param])
    fx.setUp()
    yield fx
    fx.cleanUp()


def _ago(days):
    return timeutils.utcnow() - datetime.timedelta(days=days)


def _move(status, ended_days_ago=None, origin=None, created_days_ago=30):
    at = _ago(created_days_ago)
    end = _ago(ended_days_ago) if ended_days_ago is not None else None
    move = vfixtures.make_move(
        status=status,
        phase={"pending": "queued", "ongoing": "running"}.get(status, status),
        origin=origin or f"request:req-{uuid.uuid4()}",
        created_at=at,
        updated_at=end or at,
        end_time=end,
    )
    return move.uuid


def _run(conn, status, finished_days_ago):
    uid = str(uuid.uuid4())
    at = _ago(finished_days_ago)
    conn.execute(
        sa.insert(models.Run).values(
            uuid=uid,
            plan_uuid=str(uuid.uuid4()),
            status=status,
            created_at=at,
            updated_at=at,
            finished_at=at if status in ("succeeded", "failed") else None,
            **RUN,
        )
    )
    run_id = conn.execute(sa.select(models.Run.id).where(models.Run.uuid == uid)).scalar_one()
    conn.execute(sa.insert(models.RunItem).values(run_id=run_id, item_uuid=str(uuid.uuid4()), created_at=at, **ITEM))
    return uid


def _notification(conn, status, days_ago, restore_status=None):
    uid = str(uuid.uuid4())
    at = _ago(days_ago)
    conn.execute(
        sa.insert(models.Notification).values(
            uuid=uid,
            type="COMPUTE_HOST",
            hostname=f"h-{uid[:6]}",
            event="STOPPED",
            generated_time=at,
            payload={},
            status=status,
            progress=100,
            attempt=1,
            project_id="p1",
            restore_status=restore_status,
            restore_progress=0,
            restore_attempt=0,
            created_at=at,
            updated_at=at,
            finished_at=at,
        )
    )
    return uid


def _engine(conn, stopped_days_ago=None):
    at = _ago(stopped_days_ago if stopped_days_ago is not None else 0)
    eid = str(uuid.uuid4())
    conn.execute(
        sa.insert(models.Engine).values(
            engine_id=eid,
            host="h",
            topic="t",
            started_at=at,
            last_heartbeat=at,
            stopped_at=at if stopped_days_ago is not None else None,
        )
    )
    return eid


def _manage(tmp_path, url, *args):
    conf_file = tmp_path / "purge.conf"
    conf_file.write_text(f"[database]\nconnection = {url}\n")
    out = subprocess.run(
        [str(BIN / "vmove-manage"), "--config-file", str(conf_file), "db", "purge", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def _left(engine, model, column, values):
    with engine.connect() as c:
        return set(c.execute(sa.select(column).where(column.in_(list(values)))).scalars())


def test_purge(backend_db, tmp_path):
    fx = backend_db
    with fx.engine.begin() as conn:
        run_done = _run(conn, "succeeded", 20)
        run_kept_by_move = _run(conn, "failed", 20)
        run_active = _run(conn, "running", 20)
        run_recent = _run(conn, "succeeded", 1)
        n_done = _notification(conn, "finished", 20)
        n_restoring = _notification(conn, "finished", 20, restore_status="running")
        gone = _engine(conn, stopped_days_ago=20)
        alive = _engine(conn)
    old = [_move("succeeded", 10) for _ in range(5)] + [_move("failed", 12), _move("cancelled", 9)]
    old += [_move("succeeded", 10, origin=f"run:{run_done}"), _move("succeeded", 10, origin=f"notification:{n_done}")]
    kept = [
        _move("pending"),  # waiting for a month: never purged
        _move("ongoing"),
        _move("succeeded", 1),  # ended recently
        _move("succeeded", 10, origin=f"run:{run_active}"),  # its run goes on
        _move("succeeded", 2, origin=f"run:{run_kept_by_move}"),  # keeps its run
        _move("succeeded", 10, origin=f"restore:{n_restoring}"),
    ]
    m = models.Move

    dry = _manage(tmp_path, fx.url, "--older-than", "7", "--dry-run")
    assert "Would delete" in dry and f"  {len(old)} moves" in dry and "  1 runs" in dry, dry
    assert "  1 notifications" in dry and "  1 engines" in dry, dry
    assert _left(fx.engine, m, m.uuid, old) == set(old)

    out = _manage(tmp_path, fx.url, "--older-than", "7", "--batch-size", "2")
    assert f"  {len(old)} moves" in out and "  1 runs" in out and "  1 notifications" in out, out
    assert _left(fx.engine, m, m.uuid, old + kept) == set(kept)
    with fx.engine.connect() as c:
        orphans = c.execute(
            sa.select(sa.func.count())
            .select_from(models.MoveEvent)
            .where(models.MoveEvent.move_id.not_in(sa.select(m.id)))
        ).scalar_one()
        assert orphans == 0
        events_of_kept = c.execute(sa.select(sa.func.count()).select_from(models.MoveEvent)).scalar_one()
        assert events_of_kept == len(kept)
        items = c.execute(sa.select(sa.func.count()).select_from(models.RunItem)).scalar_one()
        assert items == 3
    r, n, e = models.Run, models.Notification, models.Engine
    runs = [run_done, run_kept_by_move, run_active, run_recent]
    assert _left(fx.engine, r, r.uuid, runs) == {run_kept_by_move, run_active, run_recent}
    assert _left(fx.engine, n, n.uuid, [n_done, n_restoring]) == {n_restoring}
    assert _left(fx.engine, e, e.engine_id, [gone, alive]) == {alive}

    again = _manage(tmp_path, fx.url, "--older-than", "7")
    assert "  0 moves" in again and "  0 runs" in again, again
