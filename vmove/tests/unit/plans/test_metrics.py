"""The concurrency and idle-slot figures read from event times."""

import datetime

from vmove.tests import plan_metrics

T0 = datetime.datetime(2026, 11, 24, 10, 0, 0)


def at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


def span(name, src, dst, created, start, end):
    return plan_metrics.Span(name, src, dst, at(created), at(start) if start is not None else None, at(end))


def test_span_from_events():
    events = [
        {"at": "2026-11-24T10:00:00+00:00", "status": "pending"},
        {"at": "2026-11-24T10:00:02+00:00", "status": "ongoing"},
        {"at": "2026-11-24T10:00:03+00:00", "status": "ongoing"},
        {"at": "2026-11-24T10:00:05+00:00", "status": "succeeded"},
    ]
    s = plan_metrics.span_of("m", "h1", "h2", events)
    assert (s.created, s.start, s.end) == (at(0), at(2), at(5))


def test_max_concurrency_overall_and_per_host():
    spans = [
        span("a", "h1", "h2", 0, 0, 4),
        span("b", "h1", "h3", 0, 1, 3),
        span("c", "h2", "h3", 0, 4, 6),  # starts when a ends: not overlapping a
        span("d", "h2", "h1", 0, None, 2),  # never started
    ]
    assert plan_metrics.max_concurrency(spans) == {"all": 2}
    assert plan_metrics.max_concurrency(spans, key=lambda s: s.source) == {"h1": 2, "h2": 1}
    assert plan_metrics.max_concurrency(spans, key=lambda s: s.dest) == {"h2": 1, "h3": 1}


def test_idle_slots():
    # limit 2 overall: b could have started at 0 but started at 1 -> 1 idle slot-second
    spans = [span("a", "h1", "h2", 0, 0, 4), span("b", "h2", "h3", 0, 1, 3)]
    assert plan_metrics.idle_slot_seconds(spans, total=2) == 1.0
    assert plan_metrics.idle_slot_seconds(spans, total=2, since=at(0.5)) == 0.5
    # per-source limit 1 on h1: waiting for a to end is not idle
    spans = [span("a", "h1", "h2", 0, 0, 4), span("b", "h1", "h3", 0, 4, 6)]
    assert plan_metrics.idle_slot_seconds(spans, total=2, per_source=1) == 0.0
