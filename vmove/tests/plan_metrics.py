"""What a run's recorded events say about its limits: concurrency and idle slots.

Computed from the move events only (the times every engine wrote with each
transition), never from the scheduler's own counters, so that a test or a
benchmark checks what really happened. A move is in flight from its first
``ongoing`` event to its terminal event; it waits from its creation to its
start.
"""

import collections
import dataclasses
import datetime

TERMINAL = ("succeeded", "failed", "cancelled", "ignored")


@dataclasses.dataclass
class Span:
    uuid: str
    source: str | None
    dest: str | None
    created: datetime.datetime
    start: datetime.datetime | None  # None: never started
    end: datetime.datetime | None  # None: not ended (yet)


def span_of(uuid, source, dest, events) -> Span:
    """A move's span from its events (dicts or objects with ``at`` and ``status``), oldest first."""

    def get(e, k):
        return e[k] if isinstance(e, dict) else getattr(e, k)

    created = start = end = None
    for e in events:
        at, status = _naive(get(e, "at")), get(e, "status")
        created = created or at
        if status == "ongoing" and start is None:
            start = at
        if status in TERMINAL and end is None:
            end = at
    return Span(uuid, source, dest, created, start, end)


def _naive(ts):
    if isinstance(ts, str):
        ts = datetime.datetime.fromisoformat(ts)
    return ts.astimezone(datetime.UTC).replace(tzinfo=None) if ts.tzinfo else ts


def max_concurrency(spans, key=None) -> dict:
    """Most moves in flight at once: overall (key None -> {"all": n}) or per ``key(span)``."""
    points = []
    for s in spans:
        if s.start is None:
            continue
        k = "all" if key is None else key(s)
        end = s.end or datetime.datetime.max
        # at the same instant an end frees its slot before a start takes one
        points += [(s.start, 1, k), (end, 0, k)]
    now, best = collections.Counter(), collections.Counter()
    for _, kind, k in sorted(points, key=lambda p: (p[0], p[1])):
        now[k] += 1 if kind else -1
        best[k] = max(best[k], now[k])
    return dict(best)


def idle_slot_seconds(spans, total=None, per_source=None, per_dest=None, since=None) -> float:
    """Slot-seconds during which a waiting move could have started under every limit but did not.

    Between two consecutive events (from ``since`` on, if given), counts how
    many waiting moves (oldest first) fit greedily into the free slots, times
    the length of the interval.
    """
    times = sorted({t for s in spans for t in (s.created, s.start, s.end) if t is not None})
    if since is not None:
        times = [since] + [t for t in times if t > since]
    idle = 0.0
    for t0, t1 in zip(times, times[1:], strict=False):
        flying = [s for s in spans if s.start is not None and s.start <= t0 and (s.end is None or s.end > t0)]
        waiting = [s for s in spans if s.created <= t0 and (s.start is None or s.start > t0) and not _ended(s, t0)]
        counts = collections.Counter()
        for s in flying:
            counts["all"] += 1
            counts[("src", s.source)] += 1
            counts[("dst", s.dest)] += 1
        could = 0
        for s in sorted(waiting, key=lambda s: s.created):
            keys = [("all", total), (("src", s.source), per_source), (("dst", s.dest), per_dest)]
            if all(limit is None or counts[k] + 1 <= limit for k, limit in keys):
                could += 1
                for k, _ in keys:
                    counts[k] += 1
        idle += could * (t1 - t0).total_seconds()
    return idle


def _ended(span, t) -> bool:
    # a move that ended without starting (ignored, cancelled while pending) no longer waits
    return span.start is None and span.end is not None and span.end <= t
