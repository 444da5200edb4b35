#!/usr/bin/env python3
"""Benchmark: the API's read path against the same SQL run raw (PostgreSQL, 100,000 moves).

vmove-api alone (a real process, its own server, production defaults: no response validation) over a
keep-alive connection; each case is timed ``--repeat`` times in a row, ``--rounds`` rounds (the API,
then the same statements run with psycopg2, then those with their rows turned into JSON: the least any
API must do, in turn at every round), and the median time of all those calls is printed for each.
Goal: every page within 2x of its raw SQL plus serialization, at any marker depth. Two floors are
printed beside: ``GET /`` (the versions document: no database), what any request costs over HTTP
through the middleware and pecan; and the same statements with their rows as JSON through a
SQLAlchemy engine of oslo.db's (``oslo.db+JSON``: a pooled connection, its pre-ping, a transaction),
what any read costs on the stack vmove is built on before vmove's own code runs.

    flock /tmp/vmove-heavy.lock .venv/bin/python tools/bench/readpath.py

The database ``vmove_bench_<moves>`` is made once (tools/bench/dataset.py) and kept for the next run
unless ``--drop``.
"""

import datetime
import http.client
import json
import os
import statistics
import sys
import tempfile
import time

from oslo_db.sqlalchemy import engines
import psycopg2
import psycopg2.extras

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dataset  # noqa: E402


def parse_args(argv):
    p = dataset.parser(__doc__)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--drop", action="store_true", help="drop the benchmark database at the end")
    return p.parse_args(argv)


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime.datetime) else str(value)


class Raw:
    """The statements the API runs, straight through psycopg2."""

    def __init__(self, url):
        dsn = url.replace("postgresql+psycopg2://", "postgresql://")
        self.conn = psycopg2.connect(dsn)
        self.conn.autocommit = True

    def run(self, statements, serialize):
        rows = []
        with self.conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            for sql, params in statements:
                cur.execute(sql, params)
                rows = cur.fetchall()
        if serialize:
            json.dumps(rows, default=_jsonable)
        return rows

    def one(self, sql, params=()):
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()


class OsloDb:
    """The same statements through an engine of oslo.db (as vmove's), in one transaction."""

    def __init__(self, url):
        self.engine = engines.create_engine(url, thread_checkin=False)

    def run(self, statements):
        with self.engine.connect() as conn:
            for sql, params in statements:
                rows = conn.exec_driver_sql(sql, params).mappings().all()
        json.dumps([dict(row) for row in rows], default=_jsonable)


def cases(raw):
    """(name, API path, [(sql, params), ...])."""
    out = []
    page = "SELECT * FROM moves {where} ORDER BY created_at, id LIMIT 100"
    out.append(("GET /v1/moves?limit=100", "/v1/moves?limit=100", [(page.format(where=""), ())]))
    for depth in (50_000, 99_000):
        uuid_, created, mid = raw.one(
            "SELECT uuid, created_at, id FROM moves ORDER BY created_at, id OFFSET %s LIMIT 1", (depth - 1,)
        )
        keyset = "WHERE created_at >= %s AND (created_at, id) > (%s, %s)"
        out.append(
            (
                f"  marker at row {depth:,}",
                f"/v1/moves?limit=100&marker={uuid_}",
                [
                    ("SELECT created_at, id FROM moves WHERE uuid = %s", (uuid_,)),
                    (page.format(where=keyset), (created, created, mid)),
                ],
            )
        )
    out.append(
        ("GET /v1/moves?status=failed", "/v1/moves?limit=100&status=failed",
         [(page.format(where="WHERE status = 'failed'"), ())])
    )  # fmt: skip
    uuid_, created, mid = raw.one(
        "SELECT uuid, created_at, id FROM moves WHERE status = 'failed' ORDER BY created_at, id OFFSET 2500 LIMIT 1"
    )
    out.append(
        (
            "  marker at failed row 2,500",
            f"/v1/moves?limit=100&status=failed&marker={uuid_}",
            [
                ("SELECT created_at, id FROM moves WHERE uuid = %s", (uuid_,)),
                (
                    page.format(where="WHERE status = 'failed' AND created_at >= %s AND (created_at, id) > (%s, %s)"),
                    (created, created, mid),
                ),
            ],
        )
    )
    uuid_, mid = raw.one("SELECT uuid, id FROM moves WHERE status = 'failed' ORDER BY id LIMIT 1")
    out.append(("GET /v1/moves/{uuid}", f"/v1/moves/{uuid_}", [("SELECT * FROM moves WHERE uuid = %s", (uuid_,))]))
    out.append(
        (
            "GET /v1/moves/{uuid}/events",
            f"/v1/moves/{uuid_}/events",
            [
                ("SELECT * FROM moves WHERE uuid = %s", (uuid_,)),
                ("SELECT * FROM move_events WHERE move_id = %s ORDER BY at, id", (mid,)),
            ],
        )
    )
    return out


def timed(fns, rounds, repeat):
    """The median time of a call of each of ``fns``, in ms: each called ``repeat`` times in a row, in turn,
    ``rounds`` times (so that a slower moment of the machine falls on all of them alike)."""
    samples = [[] for _ in fns]
    for fn in fns:
        fn()  # warm
    for _ in range(rounds):
        for fn, times in zip(fns, samples, strict=True):
            for _ in range(repeat):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
    return [statistics.median(times) for times in samples]


def main(argv=None):
    args = parse_args(argv)
    url = dataset.prepared(args.pg, args.moves)
    raw = Raw(url)
    oslo_db = OsloDb(url)
    events = raw.one("SELECT count(*) FROM move_events")[0]
    tmp = tempfile.mkdtemp(prefix="vmove-readpath-")
    proc, port = dataset.api_process(url, tmp)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(path):
        conn.request("GET", path, headers={"OpenStack-API-Version": "vmove 1.4"})
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise SystemExit(f"GET {path}: {r.status} {body[:300]}")
        return body

    print(f"vmove read path, PostgreSQL, {args.moves:,} moves, {events:,} events; "
          f"ms per request, median of {args.rounds} rounds of {args.repeat}")  # fmt: skip
    header = f"{'case':34} {'API':>8} {'raw SQL':>8} {'SQL+JSON':>9} {'oslo.db+JSON':>13} {'API / (SQL+JSON)':>17}"
    print(header)
    print("-" * len(header))
    worst = 0.0
    try:
        (floor_ms,) = timed([lambda: get("/")], args.rounds, args.repeat)
        print(f"{'GET / (no database: a floor)':34} {floor_ms:8.2f} {'-':>8} {'-':>9} {'-':>13} {'-':>17}", flush=True)
        for name, path, statements in cases(raw):
            api_ms, sql_ms, ser_ms, oslo_ms = timed(
                [
                    lambda path=path: get(path),
                    lambda s=statements: raw.run(s, False),
                    lambda s=statements: raw.run(s, True),
                    lambda s=statements: oslo_db.run(s),
                ],
                args.rounds,
                args.repeat,
            )
            ratio = api_ms / ser_ms
            worst = max(worst, ratio)
            print(f"{name:34} {api_ms:8.2f} {sql_ms:8.2f} {ser_ms:9.2f} {oslo_ms:13.2f} {ratio:16.1f}x", flush=True)
    finally:
        conn.close()
        proc.terminate()
        proc.wait(30)
        raw.conn.close()
        oslo_db.engine.dispose()
        if args.drop:
            dataset.drop(args.pg, args.moves)
    print(f"worst ratio {worst:.1f}x (goal: 2x)")


if __name__ == "__main__":
    main()
