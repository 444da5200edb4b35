"""The dispatcher's two promises, checked directly and on random workloads:
no limit is ever exceeded, and no slot stays idle while an eligible move waits."""

import collections
import dataclasses
import datetime
import random

from vmove.moves import scheduler
from vmove.moves.scheduler import Limits

NOW = datetime.datetime(2026, 11, 24, 12, 0, tzinfo=datetime.UTC)


@dataclasses.dataclass
class M:
    name: str
    origin: str = "run:r1"
    source_host: str | None = None
    dest_host: str | None = None
    params: dict | None = None
    source_backend: str | None = None
    dest_backend: str | None = None


def test_global_and_per_host_limits():
    limits = {"run:r1": Limits(total=3, per_source_host=1)}
    pending = [M(f"m{i}", source_host=f"h{i % 2}") for i in range(6)]
    start, expire = scheduler.choose(pending, [], 10, NOW, limits.get)
    assert [m.name for m in start] == ["m0", "m1"]  # one per source host
    assert expire == []


def test_skips_blocked_head_to_fill_a_free_slot():
    limits = {"run:r1": Limits(per_dest_host=1)}
    busy = [M("running", source_host="a", dest_host="x")]
    pending = [M("wants-x", source_host="b", params={"host": "x"}), M("wants-y", source_host="c", params={"host": "y"})]
    start, _ = scheduler.choose(pending, busy, 10, NOW, limits.get)
    assert [m.name for m in start] == ["wants-y"]


def test_window():
    limits = {
        "run:early": Limits(not_before=NOW + datetime.timedelta(hours=1)),
        "run:late": Limits(not_after=NOW - datetime.timedelta(seconds=1)),
    }
    pending = [M("early", origin="run:early"), M("late", origin="run:late"), M("free", origin="request:x")]
    start, expire = scheduler.choose(pending, [], 10, NOW, lambda o: limits.get(o, scheduler.NO_LIMITS))
    assert [m.name for m in start] == ["free"]
    assert [(m.name, r.split(":")[0]) for m, r in expire] == [("late", "outside window")]


def test_backend_limit_counts_source_and_destination():
    limits = {"run:r1": Limits(per_backend=1)}
    busy = [M("v0", source_backend="a1", dest_backend="a2")]
    pending = [M("v1", source_backend="a2", params={"destination_node": "b"}), M("v2", source_backend="b")]
    start, _ = scheduler.choose(pending, busy, 10, NOW, limits.get)
    assert [m.name for m in start] == ["v2"]


def _counts(moves):
    c = collections.Counter()
    for m in moves:
        for k in scheduler._keys(m):
            c[k] += 1
    return c


def test_random_workloads_hold_every_limit_and_leave_no_idle_slot():
    rng = random.Random(42)
    hosts = [f"h{i}" for i in range(4)]
    for _ in range(300):
        limits = {
            f"run:{r}": Limits(
                total=rng.choice([None, 1, 2, 5]),
                per_source_host=rng.choice([None, 1, 2]),
                per_dest_host=rng.choice([None, 1, 2]),
            )
            for r in range(3)
        }

        def mk(i):
            return M(
                f"m{i}",
                origin=f"run:{rng.randrange(3)}",
                source_host=rng.choice(hosts),
                params={"host": rng.choice(hosts)},
            )

        in_flight = [mk(i) for i in range(rng.randrange(5))]
        pending = [mk(100 + i) for i in range(rng.randrange(15))]
        global_limit = rng.choice([3, 6, 20])
        start, _ = scheduler.choose(pending, in_flight, global_limit, NOW, limits.get)
        after = _counts(in_flight + start)
        # 1. nothing above its limit (what was already over stays, but nothing was added to it)
        for m in start:
            for k in scheduler._keys(m):
                lim = scheduler._limit(k, limits[m.origin], global_limit)
                assert lim is None or after[k] <= lim, (k, after[k], lim)
        # 2. every move left waiting is blocked by some full counter
        for m in pending:
            if m in start:
                continue
            assert any(
                (lim := scheduler._limit(k, limits[m.origin], global_limit)) is not None and after[k] + 1 > lim
                for k in scheduler._keys(m)
            ), f"{m} could have started"


def test_pool_names_count_as_their_backend():
    limits = {"run:r1": Limits(per_backend=1)}
    busy = [M("v0", source_backend="devcloud@a1#fileA")]
    pending = [M("v1", params={"destination_node": "devcloud@a1"}), M("v2", source_backend="devcloud@b#fileB")]
    start, _ = scheduler.choose(pending, busy, 10, NOW, limits.get)
    assert [m.name for m in start] == ["v2"]


def test_unreadable_limits_hold_the_origins_moves():
    def broken(ctx, ident):
        raise RuntimeError("database is away")

    scheduler.register("brokenkind", broken)
    assert scheduler.limits_for(None, "brokenkind:x") == scheduler.HOLD
    pending = [M("held", origin="brokenkind:x"), M("free", origin="request:y")]
    start, _ = scheduler.choose(pending, [], 10, NOW, lambda o: scheduler.limits_for(None, o))
    assert [m.name for m in start] == ["free"]
