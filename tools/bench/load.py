#!/usr/bin/env python3
"""Benchmark: vmove-api under 10, 50 and 200 concurrent clients (PostgreSQL, 100,000 moves, RabbitMQ).

One vmove-api process tree as deployed (its own cheroot server, ``--workers`` processes of ``--threads``
threads, production defaults), and, in this process, N client threads each with its own keep-alive
connection sending requests back to back for ``--seconds``: ``GET /v1/moves?limit=20`` and ``POST
/v1/moves`` (a new instance each time, so every POST is a 202). Prints requests per second, p50,
p99 and max latency, errors (any answer but the expected one, timeouts) and resets (connections
refused, reset or closed under the client). Goal: 0 errors and 0 resets at 200 clients, p99 below
0.5 s at 50 clients.

    flock /tmp/vmove-heavy.lock .venv/bin/python tools/bench/load.py

The moves the POSTs wrote are deleted at the end; the database of tools/bench/dataset.py is kept.
"""

import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid

import sqlalchemy as sa

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dataset  # noqa: E402

BENCH_PROJECT = "vmove-loadbench"


def parse_args(argv):
    p = dataset.parser(__doc__)
    p.add_argument("--clients", default="10,50,200")
    p.add_argument("--seconds", type=float, default=15.0, help="per endpoint and level")
    p.add_argument("--workers", type=int, default=2, help="[api] workers")
    p.add_argument("--threads", type=int, default=8, help="[api] threads (its default)")
    p.add_argument("--rabbit", default=os.environ.get("VMOVE_TEST_RABBIT", "rabbit://guest:guest@127.0.0.1:5672/"))
    return p.parse_args(argv)


class Level:
    """N clients on one endpoint for a while; their latencies and failures."""

    def __init__(self, port, clients, seconds, kind):
        self.port, self.clients, self.seconds, self.kind = port, clients, seconds, kind
        self.latencies = []
        self.errors = 0
        self.resets = 0
        self.samples = []
        self.lock = threading.Lock()

    def _request(self, conn):
        headers = {"OpenStack-API-Version": "vmove 1.4", "X-Project-Id": BENCH_PROJECT}
        if self.kind == "GET":
            conn.request("GET", "/v1/moves?limit=20", headers=headers)
            expected = 200
        else:
            body = {"move": {"resource_type": "instance", "resource_id": str(uuid.uuid4()), "type": "live_migration"}}
            headers["Content-Type"] = "application/json"
            conn.request("POST", "/v1/moves", body=json.dumps(body), headers=headers)
            expected = 202
        r = conn.getresponse()
        data = r.read()
        return r.status == expected, r.status, data

    def _client(self, start, stop_at):
        start.wait()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        mine, errors, resets = [], 0, 0
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                ok, status, data = self._request(conn)
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine, BrokenPipeError):
                resets += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
                continue
            except (TimeoutError, OSError):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
                continue
            mine.append(time.perf_counter() - t0)
            if not ok:
                errors += 1
                if len(self.samples) < 3:
                    self.samples.append((status, data[:200]))
        conn.close()
        with self.lock:
            self.latencies.extend(mine)
            self.errors += errors
            self.resets += resets

    def run(self):
        start = threading.Event()
        stop_at = time.monotonic() + self.seconds + 0.5
        threads = [threading.Thread(target=self._client, args=(start, stop_at)) for _ in range(self.clients)]
        for t in threads:
            t.start()
        t0 = time.monotonic()
        start.set()
        for t in threads:
            t.join()
        self.elapsed = time.monotonic() - t0
        return self

    def line(self):
        lat = sorted(self.latencies)
        n = len(lat)
        p50 = statistics.median(lat) * 1000 if n else float("nan")
        p99 = lat[min(n - 1, int(n * 0.99))] * 1000 if n else float("nan")
        top = lat[-1] * 1000 if n else float("nan")
        what = "GET /v1/moves?limit=20" if self.kind == "GET" else "POST /v1/moves"
        return (f"{what:24} {self.clients:7d} {n:8d} {n / self.elapsed:8.1f} {p50:8.1f} {p99:8.1f} {top:8.1f} "
                f"{self.errors:6d} {self.resets:6d}")  # fmt: skip


def main(argv=None):
    args = parse_args(argv)
    url = dataset.prepared(args.pg, args.moves)
    tmp = tempfile.mkdtemp(prefix="vmove-load-")
    proc, port = dataset.api_process(
        url,
        tmp,
        DEFAULT={"transport_url": args.rabbit},
        database={"max_pool_size": 10, "max_overflow": 0},
        api={"workers": args.workers, "threads": args.threads},
        engine={"topic": f"vmove-loadbench-{uuid.uuid4().hex[:8]}", "notifications": "false"},
    )
    levels = [int(c) for c in args.clients.split(",")]
    print(f"vmove-api load: PostgreSQL with {args.moves:,} moves, RabbitMQ; {args.workers} process(es) x "
          f"{args.threads} threads; {args.seconds:.0f} s per line; latencies in ms")  # fmt: skip
    header = f"{'endpoint':24} {'clients':>7} {'requests':>8} {'req/s':>8} {'p50':>8} {'p99':>8} {'max':>8}"
    header += f" {'errors':>6} {'resets':>6}"
    print(header)
    print("-" * len(header))
    try:
        for kind in ("GET", "POST"):
            for clients in levels:
                level = Level(port, clients, args.seconds, kind).run()
                print(level.line(), flush=True)
                for status, data in level.samples:
                    print(f"    e.g. {status}: {data!r}")
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(60)
        engine = sa.create_engine(url)
        with engine.begin() as c:
            made = (
                c.execute(sa.text("SELECT id FROM moves WHERE project_id = :p"), {"p": BENCH_PROJECT}).scalars().all()
            )
            if made:  # their events go with them (ON DELETE CASCADE)
                c.execute(sa.text("DELETE FROM moves WHERE project_id = :p"), {"p": BENCH_PROJECT})
        engine.dispose()
        print(f"({len(made)} moves written by the POSTs removed; vmove-api log: {tmp}/api.log)")


if __name__ == "__main__":
    main()
