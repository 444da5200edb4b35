#!/usr/bin/env python3
"""Benchmark: moves per second with 1, 2, 3 ... vmove-engine processes sharing one batch.

    flock /tmp/vmove-heavy.lock .venv/bin/python tools/bench/engines.py --moves 300 --engines 1 2 3

For each engine count: a fresh PostgreSQL (or --db) database, RabbitMQ, the API as a process, the batch
requested through it while no engine runs, then the engines started. The moves are of the demo plugin's
``demo_timed`` type (vmove/tests/functional/plugin_src, loaded through the ``vmove.actions`` entry point):
a backend that answers at once (``--seconds`` per move, default 0), so what is measured is vmove itself
(dispatch under its lock, the state changes, the polls), not Nova.

Printed per engine count: the throughput (moves over the time from the first start to the last end, read
from the database), each engine's share of the moves it started, how many were started twice (never), and
the time each engine spent dispatching, waiting for the dispatch lock included (its metrics,
``vmove_dispatch_duration_seconds``): what the lock costs as engines are added.
"""

import argparse
import collections
import pathlib
import sys
import tempfile


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--moves", type=int, default=300, help="moves in the batch (default 300)")
    p.add_argument("--engines", type=int, nargs="+", default=[1, 2, 3], help="engine counts (default 1 2 3)")
    p.add_argument("--in-flight", type=int, default=60, help="[engine] max_in_flight (default 60)")
    p.add_argument("--seconds", type=float, default=0.0, help="each move's time in the backend (default 0)")
    p.add_argument("--db", help="a database server URL (default: the test PostgreSQL)")
    return p.parse_args(argv)


def one_round(n, args, site, tmp):
    from oslo_config import fixture as config_fixture

    from vmove import conf as vmove_conf
    from vmove import context as vmove_context
    from vmove.moves import queries as move_queries
    from vmove.tests import fixtures as vfixtures
    from vmove.tests.functional import processes
    from vmove.tests.functional.plugin_src import vmove_demo_action as demo

    cfx = config_fixture.Config(vmove_conf.CONF)
    cfx.setUp()
    vmove_conf.CONF([], project="vmove", default_config_files=[])
    db = vfixtures.Database(tmpdir=tmp, url=args.db or vfixtures.POSTGRES_URL)
    db.setUp()
    cluster = None
    try:
        cluster = processes.Cluster(
            tmp, db.url, site, engines=n, metrics=True, start_engines=False, max_in_flight=args.in_flight
        )
        uuids = cluster.request(args.moves, seconds=args.seconds)
        cluster.start_engines()
        ctx = vmove_context.get_admin_context()

        def done():
            return move_queries.get_all(ctx, {"status": ["pending", "ongoing"]}, limit=1) == []

        processes.wait_for(done, f"{args.moves} moves", timeout=600, every=0.5)
        moves = [move_queries.get(ctx, u) for u in uuids]
        statuses = collections.Counter(m.status for m in moves)
        first = min(m.start_time for m in moves if m.start_time)
        last = max(m.end_time for m in moves)
        seconds = (last - first).total_seconds()
        starts = demo.started(str(cluster.ledger))
        pid_of = {str(p.pid): i for i, p in enumerate(cluster.engines)}
        split = collections.Counter(pid_of.get(pids[0], "?") for pids in starts.values())
        twice = sum(1 for pids in starts.values() if len(pids) > 1)
        scraped = [processes.scrape(p) for p in cluster.metrics_ports]
        lock = [
            (
                processes.total(s, "vmove_dispatch_duration_seconds_sum"),
                processes.total(s, "vmove_dispatch_duration_seconds_count"),
            )
            for s in scraped
        ]
        return seconds, statuses, [split[i] for i in range(n)], twice, lock
    finally:
        if cluster is not None:
            cluster.stop()
        db.cleanUp()
        cfx.cleanUp()


def main(argv=None):
    args = parse_args(argv)
    from vmove import objects, service
    from vmove.tests.functional import processes

    service.use_threading()
    objects.register_all()
    base = pathlib.Path(tempfile.mkdtemp(prefix="vmove-bench-engines-"))
    site = processes.install_plugin(base / "site")
    print(f"{args.moves} moves of {args.seconds} s each, [engine] max_in_flight {args.in_flight}", flush=True)
    for n in args.engines:
        tmp = base / f"engines-{n}"
        tmp.mkdir()
        seconds, statuses, split, twice, lock = one_round(n, args, site, tmp)
        rate = args.moves / seconds if seconds else float("inf")
        in_dispatch = ", ".join(f"{t:.2f} s in {int(c)}" for t, c in lock)
        print(
            f"engines={n}: {rate:6.1f} moves/s ({args.moves} in {seconds:.1f} s; {dict(statuses)}); "
            f"moves started per engine {split}; started twice: {twice}; "
            f"time in dispatch, lock wait included, per engine: {in_dispatch} dispatches",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
