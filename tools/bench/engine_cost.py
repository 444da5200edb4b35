#!/usr/bin/env python3
"""Benchmark: what vmove's engine itself costs with many moves in flight (no real backend).

A fast fake backend is plugged in as a third-party action would be: the benchmark writes a small
distribution (a module and its ``vmove.actions`` entry point, ``bench_fake``) into a temporary directory
on ``sys.path``, and the engine loads it with stevedore like any action; nothing in the engine is mocked.
The fake backend takes every start at once and reports every move ``running`` until the benchmark says it
completed; then ``succeeded``.

For each ``--moves`` count (default 1,000 and 10,000), on a throw-away PostgreSQL database:

1. the moves are written pending (one bulk insert), one engine starts them all (``max_in_flight`` = N)
   until a poll has seen every one running on the backend;
2. steady state, every move waiting on the backend, for ``--window`` seconds: the engine process's CPU
   (percent of one core, and per move), database queries per poll (counted at the cursor), rows the
   engine read per poll, resident memory;
3. the backend completes every move at one instant: time from that instant to each move's ``succeeded``
   (its recorded end), the CPU it took.

    flock /tmp/vmove-heavy.lock .venv/bin/python tools/bench/engine_cost.py --moves 1000 10000

Goals (issue 15): below 5 % of one core while 1,000 moves wait on the backend; queries per poll
independent of the number of moves in flight.
"""

import argparse
import datetime
import os
import pathlib
import statistics
import sys
import tempfile
import textwrap
import threading
import time
import uuid

FAKE_MODULE = '''
"""A fast fake backend for tools/bench/engine_cost.py: starts at once, completes when told."""
import threading

from vmove.actions import base
from vmove.moves import states

#: move uuid -> time.time() the backend completed it; observe() calls (the engine's polls)
DONE = {}
STATS = {"observes": 0, "observed": 0, "executes": 0}
LOCK = threading.Lock()


class FastFake(base.Action):
    resource_type = "instance"
    schema = {"type": "object", "additionalProperties": False}

    def execute(self, move):
        with LOCK:
            STATS["executes"] += 1
        return {"fake": True}

    def observe(self, moves):
        with LOCK:
            STATS["observes"] += 1
            STATS["observed"] += len(moves)
        return {m.uuid: base.Observation(phase=states.SUCCEEDED if m.uuid in DONE else "running") for m in moves}
'''


def install_fake_backend() -> pathlib.Path:
    """The fake backend as an installed distribution: a module and its entry point, on sys.path."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="vmove-bench-fake-"))
    (root / "vmove_bench_fake.py").write_text(textwrap.dedent(FAKE_MODULE))
    info = root / "vmove_bench_fake-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vmove-bench-fake\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[vmove.actions]\nbench_fake = vmove_bench_fake:FastFake\n")
    sys.path.insert(0, str(root))
    return root


def rss_mib() -> float:
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class QueryCounter:
    """Statements and rows the engine's database engine executes (a cursor listener, nothing replaced)."""

    def __init__(self, engine):
        import sqlalchemy as sa

        self.queries = self.rows = 0
        self.by_kind: dict = {}
        self._lock = threading.Lock()
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, params, context, executemany):
        kind = " ".join(statement.split()[:1]).upper()
        with self._lock:
            self.queries += 1
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1

    def _after(self, conn, cursor, statement, params, context, executemany):
        if cursor.description is not None and cursor.rowcount and cursor.rowcount > 0:
            with self._lock:
                self.rows += cursor.rowcount

    def snapshot(self):
        with self._lock:
            return self.queries, self.rows, dict(self.by_kind)


def write_moves(n: int, move_type: str) -> list[str]:
    """``n`` pending moves and their first events, in two bulk inserts."""
    from oslo_utils import timeutils
    import sqlalchemy as sa

    from vmove.db import api as db_api
    from vmove.db import models

    now = timeutils.utcnow()
    origin = f"request:{uuid.uuid4()}"
    rows = [
        {
            "uuid": str(uuid.uuid4()),
            "resource_type": "instance",
            "resource_id": str(uuid.uuid4()),
            "resource_name": f"bench-{i}",
            "type": move_type,
            "status": "pending",
            "phase": "queued",
            "source_host": f"host{i % 50}",
            "priority": 0,
            "attempt": 1,
            "progress": 0,
            "project_id": "bench",
            "user_id": "bench",
            "origin": origin,
            "params": {},
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]
    engine = db_api.get_engine()
    with engine.begin() as conn:
        conn.execute(sa.insert(models.Move), rows)
        ids = dict(conn.execute(sa.select(models.Move.uuid, models.Move.id)).all())
        events = [
            {"move_id": ids[r["uuid"]], "to_phase": "queued", "status": "pending", "attempt": 1, "at": now}
            for r in rows
        ]
        conn.execute(sa.insert(models.MoveEvent), events)
    return [r["uuid"] for r in rows]


def count_status(status):
    import sqlalchemy as sa

    from vmove.db import api as db_api
    from vmove.db import models

    with db_api.get_engine().connect() as conn:
        return conn.execute(
            sa.select(sa.func.count()).select_from(models.Move).where(models.Move.status == status)
        ).scalar()


def count_phase(phase):
    import sqlalchemy as sa

    from vmove.db import api as db_api
    from vmove.db import models

    m = models.Move
    with db_api.get_engine().connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(m).where(m.phase == phase)).scalar()


def ends(uuids):
    import sqlalchemy as sa

    from vmove.db import api as db_api
    from vmove.db import models

    m = models.Move
    with db_api.get_engine().connect() as conn:
        return dict(conn.execute(sa.select(m.uuid, m.end_time).where(m.status == "succeeded")).all())


def epoch(t) -> float:
    """A time from the database (naive UTC, or aware) in seconds since the epoch."""
    return (t if t.tzinfo else t.replace(tzinfo=datetime.UTC)).timestamp()


def wait_for(predicate, timeout, every=0.5):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up after {timeout:.0f}s")
        time.sleep(every)


def one_run(n: int, args) -> dict:
    import vmove_bench_fake as fake  # the benchmark's own backend (install_fake_backend)

    from vmove import conf as vmove_conf
    from vmove.actions import registry
    from vmove.db import api as db_api
    from vmove.engine import service as engine_service
    from vmove.tests import fixtures as vfixtures

    conf = vmove_conf.CONF
    dbfx = vfixtures.Database(url=args.db)  # a throw-away database, migrated, behind vmove.db.api
    dbfx.setUp()
    try:
        conf.set_override("max_in_flight", n, group="engine")
        registry.reset()
        uuids = write_moves(n, "bench_fake")
        fake.DONE.clear()
        counter = QueryCounter(db_api.get_engine())
        rss0 = rss_mib()
        engine = engine_service.EngineService(conf)
        t0, cpu0 = time.monotonic(), time.process_time()
        engine.start()
        try:
            # every start recorded and seen running by a poll (a phase no start writes)
            wait_for(lambda: count_phase("running") == n, timeout=max(600, n / 5), every=1)
            start = {"seconds": time.monotonic() - t0, "cpu": time.process_time() - cpu0}
            time.sleep(args.settle)  # the loop backs off to its steady interval
            # steady state: every move waits on the backend
            q0, r0, k0 = counter.snapshot()
            obs0 = fake.STATS["observes"]
            w0, c0 = time.monotonic(), time.process_time()
            time.sleep(args.window)
            wall, cpu = time.monotonic() - w0, time.process_time() - c0
            q1, r1, k1 = counter.snapshot()
            polls = fake.STATS["observes"] - obs0
            steady = {
                "cpu_pct": 100 * cpu / wall,
                "cpu_ms_per_move_per_min": 1000 * cpu / n * 60 / wall,
                "polls": polls,
                "queries_per_poll": (q1 - q0) / max(polls, 1),
                "rows_per_poll": (r1 - r0) / max(polls, 1),
                "by_kind_per_poll": {k: (v - k0.get(k, 0)) / max(polls, 1) for k, v in k1.items() if v - k0.get(k, 0)},
                "rss_mib": rss_mib(),
                "rss_growth_mib": rss_mib() - rss0,
            }
            # the backend completes every move at one instant
            done_at = time.time()
            for u in uuids:
                fake.DONE[u] = done_at
            c0, d0 = time.process_time(), time.monotonic()
            wait_for(lambda: count_status("succeeded") == n, timeout=max(600, n / 5), every=0.2)
            finished = ends(uuids)
            lat = sorted(epoch(t) - done_at for t in finished.values())
            drain = {
                "seconds": time.monotonic() - d0,
                "cpu": time.process_time() - c0,
                "latency_median": statistics.median(lat),
                "latency_p90": lat[int(0.9 * (len(lat) - 1))],
                "latency_max": lat[-1],
                "latency_min": lat[0],
            }
        finally:
            engine.stop()
        return {
            "n": n,
            "start": start,
            "steady": steady,
            "drain": drain,
            "not_succeeded": n - count_status("succeeded"),
        }
    finally:
        dbfx.cleanUp()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--moves", type=int, nargs="+", default=[1000, 10000], help="moves in flight (default 1000 10000)")
    p.add_argument("--window", type=float, default=30.0, help="seconds of steady state measured (default 30)")
    p.add_argument("--settle", type=float, default=10.0, help="seconds after the starts before measuring")
    p.add_argument(
        "--db", default=os.environ.get("VMOVE_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    )
    args = p.parse_args(argv)

    install_fake_backend()
    from vmove import conf as vmove_conf
    from vmove import objects, service

    service.use_threading()
    conf = vmove_conf.CONF
    conf([], project="vmove", default_config_files=[])
    objects.register_all()
    conf.set_override("transport_url", "fake://")
    conf.set_override("notifications", False, group="engine")
    conf.set_override("concurrent_starts", 8, group="engine")
    print(
        f"engine defaults: poll_interval {conf.engine.poll_interval}s, "
        f"max_poll_interval {conf.engine.max_poll_interval}s, lease_time {conf.engine.lease_time}s; "
        f"steady window {args.window}s"
    )
    results = [one_run(n, args) for n in args.moves]
    print()
    print(f"{'moves':>7} {'start s':>8} {'CPU %':>7} {'ms CPU/move/min':>16} {'polls':>6} {'queries/poll':>13} "
          f"{'rows/poll':>10} {'RSS MiB':>8} {'done->succeeded median/p90/max s':>34}")  # fmt: skip
    for r in results:
        s, d = r["steady"], r["drain"]
        print(
            f"{r['n']:>7} {r['start']['seconds']:>8.1f} {s['cpu_pct']:>7.2f} {s['cpu_ms_per_move_per_min']:>16.3f} "
            f"{s['polls']:>6} {s['queries_per_poll']:>13.1f} {s['rows_per_poll']:>10.0f} {s['rss_mib']:>8.0f} "
            f"{d['latency_median']:>12.2f} / {d['latency_p90']:.2f} / {d['latency_max']:.2f}"
        )
    for r in results:
        print(f"{r['n']} moves: statements per poll by kind {r['steady']['by_kind_per_poll']}; "
              f"start {r['start']['seconds']:.1f}s ({r['start']['cpu']:.1f}s CPU); drain {r['drain']['seconds']:.1f}s "
              f"({r['drain']['cpu']:.1f}s CPU); RSS growth {r['steady']['rss_growth_mib']:.0f} MiB; "
              f"not succeeded: {r['not_succeeded']}")  # fmt: skip
    ok = all(r["not_succeeded"] == 0 for r in results)
    small = [r for r in results if r["n"] == 1000]
    if small:
        print(f"goal: < 5 % of one core with 1,000 moves waiting: {small[0]['steady']['cpu_pct']:.2f} %")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
