"""A database full of moves, and vmove-api on it, for the read-path and load benchmarks.

    dataset.prepared(admin_url, moves=100_000) -> url of a migrated database with that many moves
    dataset.api_process(url, tmp, **sections) -> (Popen, port): vmove-api on it, answering

The database ``vmove_bench_<moves>`` on the server of ``admin_url`` is made once and reused while it
holds the expected rows (``drop(...)`` removes it). Moves are spread over 100 days, one resource each,
in the proportions of a busy cloud: mostly succeeded, 5 % failed, a few cancelled, ignored, pending and
ongoing; every move has 2 to 4 events (2.94 on average: 294,000 for 100,000 moves).
"""

import argparse
import datetime
import http.client
import os
import random
import socket
import subprocess
import sys
import time
import uuid

import sqlalchemy as sa

TYPES = ["live_migration", "cold_migration", "evacuation", "volume_migration"]
HOSTS = [f"host{i}" for i in range(1, 21)]
#: status, share, events (from_phase, to_phase, status) written for it
PLAN = [
    ("succeeded", 0.82, [(None, "queued", "pending"), ("queued", "starting", "ongoing"),
                         ("running", "succeeded", "succeeded")]),
    ("failed", 0.05, [(None, "queued", "pending"), ("queued", "starting", "ongoing"),
                      ("starting", "running", "ongoing"), ("running", "failed", "failed")]),
    ("cancelled", 0.06, [(None, "queued", "pending"), ("queued", "cancelled", "cancelled")]),
    ("ignored", 0.05, [(None, "queued", "pending"), ("queued", "ignored", "ignored")]),
    ("pending", 0.01, [(None, "queued", "pending"), ("queued", "queued", "pending")]),
    ("ongoing", 0.01, [(None, "queued", "pending"), ("queued", "starting", "ongoing"),
                       ("starting", "running", "ongoing"), ("running", "running", "ongoing")]),
]  # fmt: skip


def parser(doc):
    """The benchmarks' argument parser, with the dataset's options (--moves, --pg)."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--moves", type=int, default=100_000, help="moves in the database (default 100,000)")
    p.add_argument(
        "--pg",
        default=os.environ.get("VMOVE_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL server (admin URL)",
    )
    return p


def _say(msg):
    print(msg, file=sys.stderr, flush=True)


def _url(admin_url, name):
    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop(admin_url, moves):
    name = f"vmove_bench_{moves}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        if admin.dialect.name == "postgresql":
            c.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"), {"d": name})
        c.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
    admin.dispose()


def prepared(admin_url, moves=100_000, seed=14):
    """The url of a database with ``moves`` moves (made now unless already there)."""
    from vmove.db import migration

    name = f"vmove_bench_{moves}"
    url = _url(admin_url, name)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as c:
            have = c.execute(sa.text("SELECT count(*) FROM moves")).scalar()
            if have == moves and migration.version(engine) == migration.head():
                return url
    except sa.exc.SQLAlchemyError:
        pass
    finally:
        engine.dispose()
    drop(admin_url, moves)
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    engine = sa.create_engine(url)
    migration.upgrade(engine=engine)
    t0 = time.monotonic()
    _fill(engine, moves, random.Random(seed))
    _say(f"[dataset] {moves} moves written in {time.monotonic() - t0:.0f}s ({name})")
    engine.dispose()
    return url


def _fill(engine, moves, rnd):
    from vmove.db import models

    start = datetime.datetime(2026, 8, 1)
    step = datetime.timedelta(days=100) / moves
    shares = [p[1] for p in PLAN]
    batch = 5000
    next_id = 1
    for first in range(0, moves, batch):
        rows, events = [], []
        for i in range(first, min(first + batch, moves)):
            status, _, evs = rnd.choices(PLAN, weights=shares)[0]
            created = start + step * i
            mtype = rnd.choice(TYPES)
            rid = str(uuid.uuid4())
            terminal = status not in ("pending", "ongoing")
            rows.append(
                {
                    "id": next_id,
                    "uuid": str(uuid.uuid4()),
                    "resource_type": "volume" if mtype.startswith("volume") else "instance",
                    "resource_id": rid,
                    "resource_name": f"vm-{i}",
                    "type": mtype,
                    "status": status,
                    "phase": evs[-1][1],
                    "source_host": rnd.choice(HOSTS),
                    "dest_host": rnd.choice(HOSTS),
                    "params": {"host": "any"},
                    "priority": rnd.randint(0, 9),
                    "attempt": 1,
                    "progress": 100 if status == "succeeded" else 30,
                    "start_time": created + datetime.timedelta(seconds=2) if status != "pending" else None,
                    "end_time": created + datetime.timedelta(seconds=60) if terminal else None,
                    "message": "Failed: migration error" if status == "failed" else None,
                    "project_id": f"project-{i % 50}",
                    "user_id": "bench",
                    "origin": f"request:req-{uuid.uuid4()}",
                    "enforce_project": False,
                    "created_at": created,
                    "updated_at": created + datetime.timedelta(seconds=60),
                    "active_key": None if terminal else rid,
                }
            )
            for n, (src, dst, st) in enumerate(evs):
                events.append(
                    {
                        "move_id": next_id,
                        "at": created + datetime.timedelta(seconds=n * 20),
                        "from_phase": src,
                        "to_phase": dst,
                        "status": st,
                        "attempt": 1,
                        "message": f"{src or 'new'} -> {dst}",
                        "detail": {"step": n},
                    }
                )
            next_id += 1
        with engine.begin() as c:
            c.execute(sa.insert(models.Move), rows)
            c.execute(sa.insert(models.MoveEvent), events)
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            c.execute(sa.text("SELECT setval(pg_get_serial_sequence('moves', 'id'), :n)"), {"n": next_id})
            c.execute(sa.text("ANALYZE"))
        elif engine.dialect.name == "mysql":
            c.execute(sa.text("ANALYZE TABLE moves, move_events"))


def api_process(url, tmp, **sections):
    """vmove-api (a real process, production defaults, noauth on loopback) on the database ``url``;
    ``sections``: more options, ``{group: {option: value}}``. Returns (Popen, port) once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = {
        "DEFAULT": {"transport_url": "fake://", "state_path": tmp},
        "database": {"connection": url},
        "api": {"port": port, "auth_strategy": "noauth"},
    }
    for group, values in sections.items():
        conf.setdefault(group, {}).update(values)
    path = os.path.join(tmp, "vmove.conf")
    with open(path, "w") as f:
        for group, values in conf.items():
            f.write(f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()))
    log = open(os.path.join(tmp, "api.log"), "wb")
    binary = os.path.join(os.path.dirname(sys.executable), "vmove-api")
    proc = subprocess.Popen(
        [binary, "--config-file", path], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/v1/moves?limit=1")
            c.getresponse().read()
            return proc, port
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                sys.exit(f"vmove-api did not start: see {tmp}/api.log")
            time.sleep(0.2)
