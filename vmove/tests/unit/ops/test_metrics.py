"""The metrics: what transitions, the API and the database gauges export."""

import socket
import urllib.request

from prometheus_client import REGISTRY

from vmove import context as vmove_context
from vmove import metrics
from vmove.engine import gauges, heartbeat
from vmove.moves import states
from vmove.moves.transitions import transition
from vmove.tests import fixtures as vfixtures


def _value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_transitions_count_ends_and_durations(conf, db):
    ctx = vmove_context.get_admin_context()
    move = vfixtures.make_move(type="live_migration")
    ended = _value("vmove_moves_ended_total", type="live_migration", status="succeeded")
    left_queued = _value("vmove_move_phase_duration_seconds_count", type="live_migration", phase="queued")
    took = _value("vmove_move_duration_seconds_count", type="live_migration", status="succeeded")
    move = transition(ctx, move, states.STARTING)
    move = transition(ctx, move, "running")
    transition(ctx, move, states.SUCCEEDED)
    assert _value("vmove_moves_ended_total", type="live_migration", status="succeeded") == ended + 1
    assert _value("vmove_move_phase_duration_seconds_count", type="live_migration", phase="queued") == left_queued + 1
    assert _value("vmove_move_duration_seconds_count", type="live_migration", status="succeeded") == took + 1
    assert _value("vmove_move_transitions_total", type="live_migration", phase="running", status="ongoing") >= 1


def test_api_requests_are_counted_by_route(api):
    move = vfixtures.make_move()
    before = _value("vmove_api_requests_total", method="GET", route="/v1/moves/{id}", code="200")
    assert api.get(f"/v1/moves/{move.uuid}").status_int == 200
    assert _value("vmove_api_requests_total", method="GET", route="/v1/moves/{id}", code="200") == before + 1
    other = _value("vmove_api_requests_total", method="GET", route="other", code="404")
    api.get("/v1/no-such-thing/at-all")
    assert _value("vmove_api_requests_total", method="GET", route="other", code="404") == other + 1


def test_database_gauges(conf, db):
    conf.set_override("max_in_flight", 7, group="engine")
    ctx = vmove_context.get_admin_context()
    for _ in range(3):
        vfixtures.make_move(type="cold_migration")
    vfixtures.make_move(type="cold_migration", status="ongoing", phase="running", origin="run:r1")
    vfixtures.make_move(type="evacuation", status="succeeded", phase="succeeded")
    heartbeat.beat(ctx, "e1", "h1", "t")
    heartbeat.beat(ctx, "e2", "h2", "t")
    heartbeat.stopped(ctx, "e2")
    found = {}
    for family in gauges.Gauges(conf).collect():
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    assert found[("vmove_database_up", ())] == 1
    assert found[("vmove_moves", (("status", "pending"), ("type", "cold_migration")))] == 3
    assert found[("vmove_moves", (("status", "succeeded"), ("type", "evacuation")))] == 1
    assert found[("vmove_moves_waiting", (("limit", "global"),))] == 3
    assert found[("vmove_moves_in_flight", (("limit", "global"),))] == 1
    assert found[("vmove_moves_in_flight", (("limit", "run:r1"),))] == 1
    assert found[("vmove_moves_limit", (("limit", "global"),))] == 7
    assert found[("vmove_engines", (("state", "up"),))] == 1
    assert found[("vmove_engines", (("state", "stopped"),))] == 1
    assert [k for k in found if k[0] == "vmove_engine_heartbeat_age_seconds"] == [
        ("vmove_engine_heartbeat_age_seconds", (("engine_id", "e1"), ("host", "h1")))
    ]


def test_serve_once_and_off_by_default(conf):
    assert metrics.serve(conf, 0) is None
    conf.set_override("enabled", True, group="metrics")
    conf.set_override("host", "127.0.0.1", group="metrics")
    try:
        port = metrics.serve(conf, 0)
        assert metrics.serve(conf, 0) == port  # vmove-all: the engine finds the API's endpoint
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as r:
            assert b"vmove_backend_calls" in r.read()
    finally:
        metrics.stop()


def test_a_taken_port_is_not_fatal(conf):
    conf.set_override("enabled", True, group="metrics")
    conf.set_override("host", "127.0.0.1", group="metrics")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert metrics.serve(conf, s.getsockname()[1]) is None
    metrics.stop()


def test_database_failure_is_a_gauge_not_a_failed_scrape(conf, monkeypatch):
    def broken(*args):
        raise RuntimeError("database gone")

    monkeypatch.setattr(gauges, "read", broken)
    families = list(gauges.Gauges(conf).collect())
    assert [(f.name, f.samples[0].value) for f in families] == [("vmove_database_up", 0)]
