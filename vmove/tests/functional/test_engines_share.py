"""Three vmove-engine processes share a batch of 300 moves (RabbitMQ; PostgreSQL and MariaDB).

The moves are of the demo plugin's ``demo_timed`` type, whose backend is a ledger file every start
request is appended to: every move runs exactly once, each engine takes a fair share, and (PostgreSQL) an
engine killed mid-batch has its moves taken over within the lease time, never started twice. The engines'
Prometheus metrics are scraped during the run and checked against the database.
"""

import collections
import time

from oslo_utils import timeutils
import pytest

from vmove import context as vmove_context
from vmove.moves import queries as move_queries
from vmove.tests import fixtures as vfixtures
from vmove.tests.functional import moves_env, processes
from vmove.tests.functional.plugin_src import vmove_demo_action as demo

BATCH = 300
LEASE = 3.0
BACKENDS = {"postgresql": vfixtures.POSTGRES_URL, "mariadb": vfixtures.MARIADB_URL}


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory):
    return processes.install_plugin(tmp_path_factory.mktemp("plugin") / "site")


def _ended(ctx, uuids):
    moves = [move_queries.get(ctx, u) for u in uuids]
    return [m for m in moves if m.status in moves_env.TERMINAL]


def _count(ctx, **filters):
    return len(move_queries.get_all(ctx, filters, limit=100000))


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, conf, tmp_path):
    fx = vfixtures.Database(tmpdir=tmp_path, url=BACKENDS[request.param])
    fx.setUp()
    vfixtures.require_url(vfixtures.RABBIT_URL)
    yield request.param, fx
    fx.cleanUp()


def test_three_engines_share_the_work(backend, tmp_path, plugin_site):
    name, fx = backend
    metrics = name == "postgresql"
    cluster = processes.Cluster(tmp_path, fx.url, plugin_site, metrics=metrics)
    ctx = vmove_context.get_admin_context()
    try:
        began = time.monotonic()
        uuids = cluster.request(BATCH, seconds=0.2)
        if metrics:
            processes.wait_for(lambda: _count(ctx, status="succeeded") >= BATCH // 3, "a third of the batch")
            _check_metrics_during_run(cluster, ctx)
        processes.wait_for(lambda: len(_ended(ctx, uuids)) == BATCH, f"{BATCH} moves ended", timeout=180, every=1)
        took = time.monotonic() - began
        moves = _ended(ctx, uuids)
        assert collections.Counter(m.status for m in moves) == {"succeeded": BATCH}
        starts = demo.started(str(cluster.ledger))
        twice = {u: pids for u, pids in starts.items() if len(pids) != 1}
        assert set(starts) == set(uuids) and not twice, f"moves started more than once: {twice}"
        pid_of = {str(p.pid): i for i, p in enumerate(cluster.engines)}
        split = collections.Counter(pid_of[pids[0]] for pids in starts.values())
        print(f"\n{name}: {BATCH} moves in {took:.1f}s, split over 3 engines: {sorted(split.values())}")
        for i in range(3):
            assert 0.2 * BATCH <= split[i] <= 0.5 * BATCH, f"unfair split {dict(split)}"
        if metrics:
            _check_metrics_at_end(cluster, ctx)
            _check_takeover(cluster, ctx)
    finally:
        cluster.stop()


def _check_metrics_during_run(cluster, ctx):
    scraped = [processes.scrape(p) for p in cluster.metrics_ports]
    ended = sum(processes.total(s, "vmove_moves_ended_total", type="demo_timed") for s in scraped)
    in_db = _count(ctx, type="demo_timed", status=list(moves_env.TERMINAL))
    # the counters count what the engines committed: never more than the database has
    assert 0 < ended <= in_db
    for s in scraped:
        # every engine reads the same figures from the database: every move of the batch, whatever its status
        assert processes.total(s, "vmove_moves", type="demo_timed") == BATCH
        assert processes.total(s, "vmove_engines", state="up") == 3
        ages = [v for (n, _), v in s.items() if n == "vmove_engine_heartbeat_age_seconds"]
        assert len(ages) == 3 and max(ages) < 5, ages
        assert processes.total(s, "vmove_moves_limit", limit="global") == 30


def _check_metrics_at_end(cluster, ctx):
    scraped = [processes.scrape(p) for p in cluster.metrics_ports]
    ended = sum(processes.total(s, "vmove_moves_ended_total", type="demo_timed", status="succeeded") for s in scraped)
    assert ended == _count(ctx, type="demo_timed", status="succeeded") == BATCH
    durations = sum(processes.total(s, "vmove_move_duration_seconds_count", type="demo_timed") for s in scraped)
    assert durations == BATCH
    claimed = sum(processes.total(s, "vmove_moves_claimed_total", type="demo_timed") for s in scraped)
    assert claimed == BATCH
    phases = sum(
        processes.total(s, "vmove_move_phase_duration_seconds_count", type="demo_timed", phase="queued")
        for s in scraped
    )
    assert phases == BATCH  # each move left 'queued' once
    for s in scraped:
        assert processes.total(s, "vmove_moves", type="demo_timed", status="succeeded") == BATCH
        assert processes.total(s, "vmove_moves_in_flight", limit="global") == 0
        assert processes.total(s, "vmove_engine_polls_total") > 0


def _check_takeover(cluster, ctx):
    """An engine killed with moves in flight: the others take them over within the lease time."""
    uuids = cluster.request(30, seconds=4)
    victim = cluster.engines[2]
    victim_id = None

    def victim_holds():
        nonlocal victim_id
        starts = demo.started(str(cluster.ledger))
        held = [u for u in uuids if str(victim.pid) in starts.get(u, [])]
        if held:
            victim_id = move_queries.get(ctx, held[0]).engine_id
        return held

    processes.wait_for(victim_holds, "the third engine running moves")
    victim.kill()
    killed_at = timeutils.utcnow()
    processes.wait_for(lambda: len(_ended(ctx, uuids)) == 30, "the moves after the kill", timeout=120, every=0.5)
    assert {m.status for m in _ended(ctx, uuids)} == {"succeeded"}
    starts = demo.started(str(cluster.ledger))
    assert all(len(starts[u]) == 1 for u in uuids), {u: starts.get(u) for u in uuids}
    taken = []
    for u in uuids:
        for e in move_queries.events(ctx, u):
            if (e.detail or {}).get("taken_over_from") == victim_id:
                taken.append((e.at.replace(tzinfo=None) - killed_at).total_seconds())
    assert taken, "no move of the killed engine was taken over"
    # its leases were renewed at its last poll (0.2 s before): the takeover follows within one lease time
    assert max(taken) <= LEASE + 2.0, f"taken over {max(taken):.1f}s after the kill (lease {LEASE}s)"
    print(f"taken over: {len(taken)} moves, {min(taken):.1f}s to {max(taken):.1f}s after the kill")
