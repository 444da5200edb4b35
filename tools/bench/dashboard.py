#!/usr/bin/env python3
"""Benchmark: server-side render time of the dashboard's moves table and of a run page with
N moves in the database, and the vmove API calls each page makes.

    .venv/bin/python tools/bench/dashboard.py --moves 1000 --rounds 5

The dev cloud's real Horizon (this checkout's plugin) serves the pages to a
logged-in ``demo`` session over HTTP; vmove's API runs in this process with
Keystone auth at the catalog's vmove endpoint (port 9393, held like the
browser tests hold it), on a fresh PostgreSQL database holding one plan of
N instances and one running run of it, with N moves (60 % succeeded, 20 %
ongoing, 20 % pending). No engine runs: the figures are those of the pages.

Printed per page (after one warm-up request, which is not counted): the
median, min and max of ``--rounds`` requests, measured by the client on
loopback (Horizon's whole server time: its Keystone session, the vmove
calls, the rendering), the vmove API requests the page made (counted by
a WSGI wrapper of the API) and the median time the API spent on them.
"""

import argparse
import pathlib
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid

import devcloud_up

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--moves", type=int, default=1000, help="moves in the database (all of one run)")
    p.add_argument("--rounds", type=int, default=5, help="requests measured per page")
    p.add_argument("--page-size", type=int, default=None, help="Horizon's items per page (default: its 20)")
    p.add_argument("--db", default=None, help="database server URL (default: the tests' PostgreSQL)")
    return p.parse_args(argv)


class Counter:
    """Counts the API requests (and their time) going through the wrapped WSGI application."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.calls: list[tuple[str, float]] = []

    def wrap(self, app):
        def counted(environ, start_response):
            t0 = time.monotonic()
            try:
                return list(app(environ, start_response))
            finally:
                path = re.sub(r"[0-9a-f-]{36}", "{id}", environ["PATH_INFO"])
                with self.lock:
                    self.calls.append((f"{environ['REQUEST_METHOD']} {path}", time.monotonic() - t0))

        return counted


def populate(project_id: str, count: int) -> str:
    """A plan of ``count`` instances and its running run with ``count`` moves; returns the run's uuid.

    Written with vmove's own service and query functions (no engine runs, and the instances need not
    exist: nothing validates them against Nova).
    """
    from oslo_utils import timeutils

    from vmove import context as vctx
    from vmove.moves import service as moves
    from vmove.plans import lifecycle, queries

    ctx = vctx.get_admin_context()
    now = timeutils.utcnow()
    servers = [(str(uuid.uuid4()), f"bench-{i:04d}") for i in range(count)]
    plan = queries.plan_create(
        ctx,
        {
            "uuid": str(uuid.uuid4()),
            "name": f"bench-{count}",
            "project_id": project_id,
            "approval": "auto",
            "mapping": {"hosts": {"host1": "any"}},
            "max_in_flight": 20,
        },  # fmt: skip
        [{"resource_type": "instance", "resource_id": sid, "type": "live_migration"} for sid, _n in servers],
    )
    run = queries.run_create(ctx, plan, {"dry_run": False})
    items = []
    for i, (sid, name) in enumerate(servers):
        status = "succeeded" if i % 5 < 3 else ("ongoing" if i % 5 == 3 else "pending")
        values = {
            "resource_name": name, "status": status, "phase": {"ongoing": "running"}.get(status, status),
            "source_host": "host1", "dest_host": "host2" if status != "pending" else None,
            "progress": {"succeeded": 100, "ongoing": 40}.get(status, 0),
            "start_time": now if status != "pending" else None, "end_time": now if status == "succeeded" else None,
        }  # fmt: skip
        move = moves.request_move(
            ctx,
            resource_type="instance",
            resource_id=sid,
            move_type="live_migration",
            origin=lifecycle.origin_of(run.uuid),
            project_id=project_id,
            values=values,
        )
        items.append({"item_uuid": str(uuid.uuid4()), "resource_type": "instance", "resource_id": sid,
                      "resource_name": name, "move_type": "live_migration", "priority": 0, "verdict": "ok",
                      "source": "host1", "dest": "any", "move_uuid": move.uuid, "attempt": 1})  # fmt: skip
    queries.run_items_replace(ctx, run.uuid, items)
    queries.run_update(ctx, run.uuid, {"status": "running", "validated_at": now, "started_at": now,
                                       "counts": {"items": count, "approved": count, "refused": 0}})  # fmt: skip
    return run.uuid


def login(url: str, user: str, password: str):
    import requests

    session = requests.Session()
    page = session.get(f"{url}/auth/login/", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{url}/auth/login/",
        data={"csrfmiddlewaretoken": token, "region": "default", "username": user, "password": password},
        headers={"Referer": f"{url}/auth/login/"},
        timeout=60,
    )
    if "/auth/login" in answer.url:
        sys.exit(f"could not log in to Horizon as {user}")
    return session


def measure(session, url, counter, rounds):
    session.get(url, timeout=300).raise_for_status()  # warm-up
    times, api_times, calls = [], [], None
    for _ in range(rounds):
        counter.reset()
        t0 = time.monotonic()
        answer = session.get(url, timeout=300)
        times.append(time.monotonic() - t0)
        answer.raise_for_status()
        errors = re.findall(r"Unable to[^<&]*", answer.text)
        assert not errors, f"{url} shows an error: {errors}"
        api_times.append(sum(seconds for _call, seconds in counter.calls))
        calls = list(counter.calls)
    return times, api_times, calls, len(answer.content)


def main(argv=None):
    args = parse_args(argv)
    from vmove.devcloud import horizon
    from vmove.tests import fixtures as vfixtures
    from vmove.tests.functional.dashboard import catalog

    info = devcloud_up.cloud_with("horizon")
    config = vfixtures.Config()
    config.setUp()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="vmove-bench-dashboard-"))
    database = vfixtures.Database(tmpdir=tmp, url=args.db or vfixtures.POSTGRES_URL)
    database.setUp()
    counter = Counter()
    try:
        with catalog.serve(config.conf, database, info, tmp, engine=False, wrap=counter.wrap):
            # the tests fail a response that breaks its schema; a deployment (the default) only warns
            config.conf.clear_override("response_validation", group="api")
            t0 = time.monotonic()
            run_uuid = populate(info.session("demo").get_project_id(), args.moves)
            print(f"{args.moves} moves, one plan and its run written in {time.monotonic() - t0:.1f}s", flush=True)
            session = login(horizon.URL, "demo", info.password("demo"))
            if args.page_size:
                session.cookies.set("API_RESULT_PAGE_SIZE", str(args.page_size))
            pages = {
                "moves table": "/project/vmove_moves/",
                "run page": f"/project/vmove_runs/{run_uuid}/",
                "runs table": "/project/vmove_runs/",
            }
            head = f"{'page':12} {'median':>8} {'min':>7} {'max':>7} {'API time':>9} {'KiB':>6}"
            print(f"\n{head}  vmove API calls (the last round's)")
            for name, path in pages.items():
                times, api, calls, size = measure(session, horizon.URL + path, counter, args.rounds)
                summary = ", ".join(f"{call} {seconds:.3f}s" for call, seconds in calls)
                print(f"{name:12} {statistics.median(times):7.3f}s {min(times):6.3f}s {max(times):6.3f}s "
                      f"{statistics.median(api):8.3f}s {size / 1024:6.0f}  {len(calls)}: {summary}")  # fmt: skip
    finally:
        database.cleanUp()
        config.cleanUp()


if __name__ == "__main__":
    main()
