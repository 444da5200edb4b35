"""How long a run's moves should take, from vmove's own history, and whether they fit the window.

At validation, each item found ok gets a duration: the median duration of the
moves that succeeded before with the same move type and the same host pair
(instances) or backend pair (volumes); else of the same move type; else a
default. For the types whose duration grows with the data moved (a live
migration with the instance's RAM, a cold migration, a resize or a volume
move with the disk or volume size), the median is scaled by the item's size
over the samples' median size when both are known. Then the moves are laid
out as the engine's scheduler would start them: most important first, under
the plan's limits (max in flight, per source host, per destination host, per
backend) and the engines' ``max_in_flight``, one poll interval added to each
(the engine sees an end at its next poll), starting only inside the windows.

The result, kept on the run (``estimate``), says how long (``seconds``),
how many windows it needs and whether it fits the next one, with its basis:
the samples each figure came from.
"""

import dataclasses
import datetime
import heapq
import statistics

import sqlalchemy as sa

from vmove.db import models
from vmove.db.api import main_context_manager
from vmove.moves import scheduler, states
from vmove.plans import windows

#: the duration assumed for a move type vmove never saw succeed (seconds)
DEFAULT_SECONDS = {"live_migration": 60, "cold_migration": 120, "resize": 120, "evacuation": 120}
DEFAULT_VOLUME_SECONDS = 300
#: move types whose duration grows with the data moved
SIZED = ("live_migration", "cold_migration", "resize", "volume_migration", "volume_retype", "volume_swap")
#: the most recent successful moves read
SAMPLES = 2000


@dataclasses.dataclass
class Sample:
    key: tuple
    seconds: float
    size: int | None


def _key(move_type, resource_type, source, dest) -> tuple:
    if resource_type == "volume":
        return (move_type, scheduler.backend_key(source), scheduler.backend_key(dest))
    return (move_type, source, dest)


@main_context_manager.reader
def samples(context, move_types) -> list[Sample]:
    """The most recent successful moves of ``move_types``, with their size when a run recorded it."""
    m, ri = models.Move, models.RunItem
    query = (
        sa.select(
            m.type,
            m.resource_type,
            m.source_host,
            m.dest_host,
            m.source_backend,
            m.dest_backend,
            m.start_time,
            m.end_time,
            ri.size,
        )  # fmt: skip
        .outerjoin(ri, ri.move_uuid == m.uuid)
        .where(m.status == states.SUCCEEDED, m.type.in_(list(move_types)), m.start_time.is_not(None))
        .order_by(m.end_time.desc())
        .limit(SAMPLES)
    )
    found = []
    for mtype, rtype, src_host, dst_host, src_be, dst_be, start, end, size in context.session.execute(query):
        if end is None:
            continue
        src, dst = (src_be, dst_be) if rtype == "volume" else (src_host, dst_host)
        found.append(Sample(_key(mtype, rtype, src, dst), (end - start).total_seconds(), size))
    return found


def _median_for(item, history):
    """(seconds, basis) of one item from the samples (same pair, else same type, else the default)."""
    key = _key(item["move_type"], item["resource_type"], item["source"], item["dest"])
    same_pair = [s for s in history if s.key == key or (key[2] is None and s.key[:2] == key[:2])]
    same_type = [s for s in history if s.key[0] == key[0]]
    for level, chosen in (("pair", same_pair), ("type", same_type)):
        if chosen:
            seconds = statistics.median(s.seconds for s in chosen)
            sizes = [s.size for s in chosen if s.size]
            scaled = False
            if key[0] in SIZED and item.get("size") and sizes:
                ratio = item["size"] / statistics.median(sizes)
                scaled = abs(ratio - 1) > 0.01
                seconds *= ratio
            return seconds, {"level": level, "samples": len(chosen), "scaled_by_size": scaled}
    default = DEFAULT_VOLUME_SECONDS if item["resource_type"] == "volume" else DEFAULT_SECONDS.get(key[0], 120)
    return float(default), {"level": "default", "samples": 0, "scaled_by_size": False}


def _slots(item) -> list:
    keys = [("origin",)]
    if item["resource_type"] == "instance":
        keys += [("src", item["source"]), ("dst", item["dest"])] if item["dest"] else [("src", item["source"])]
    else:
        keys += [("backend", scheduler.backend_key(b)) for b in {item["source"], item["dest"]} if b]
    return keys


def _fits(keys, counts, limits) -> bool:
    for k in keys:
        limit = limits.get(k[0])
        if limit is not None and counts.get(k, 0) + 1 > limit:
            return False
    return True


def simulate(durations, limits: dict, start, schedule=None):
    """Lay out ``durations`` ((seconds, slot keys), most important first) under ``limits``
    (origin, src, dst, backend -> max or None) from ``start``, starting moves only inside the
    ``schedule``'s windows; returns (first start, end, windows used), aware UTC."""
    t, first = start, None
    waiting = list(durations)
    running: list = []  # (end, n, keys)
    counts: dict = {}
    used: set = set()
    n = 0
    while waiting or running:
        window = schedule.current(t) if schedule is not None else None
        if waiting and (schedule is None or window is not None):
            left = []
            for seconds, keys in waiting:
                if not _fits(keys, counts, limits):
                    left.append((seconds, keys))
                    continue
                for k in keys:
                    counts[k] = counts.get(k, 0) + 1
                n += 1
                first = first or t
                heapq.heappush(running, (t + datetime.timedelta(seconds=seconds), n, keys))
                if window is not None:
                    used.add(window)
            waiting = left
        moments = [running[0][0]] if running else []
        if waiting and schedule is not None and window is None:
            nxt = schedule.next(t)
            if nxt is None:
                break  # no window within the horizon: the rest never starts
            moments.append(nxt[0])
        if not moments:
            break
        t = max(t, min(moments))
        while running and running[0][0] <= t:
            _, _, keys = heapq.heappop(running)
            for k in keys:
                counts[k] -= 1
    return first or start, t, len(used)


def estimate(ctx, conf, plan, rows, now) -> dict | None:
    """The run's estimate (see the module's doc) for its rows found ok (and not denied); None if none."""
    items = [r for r in rows if r["verdict"] == "ok"]
    if not items:
        return None
    history = samples(ctx, {r["move_type"] for r in items})
    gap = conf.engine.poll_interval
    durations, basis = [], {}
    for item in items:
        seconds, how = _median_for(item, history)
        durations.append((seconds + gap, _slots(item)))
        key = (item["move_type"], item["source"], item["dest"], how["level"])
        entry = basis.setdefault(key, dict(how, type=item["move_type"], source=item["source"], dest=item["dest"],
                                           items=0, seconds=[]))  # fmt: skip
        entry["items"] += 1
        entry["seconds"].append(seconds)
    total = min(x for x in (plan.max_in_flight, conf.engine.max_in_flight) if x is not None)
    limits = {"origin": total, "src": plan.per_source_host, "dst": plan.per_dest_host, "backend": plan.per_backend}
    now = windows.aware(now)
    schedule = windows.of_plan(plan)
    begin = max(now, windows.aware(plan.not_before)) if plan.not_before else now
    first, end, used = simulate(durations, limits, begin, schedule)
    result = {
        "seconds": round((end - first).total_seconds(), 1),
        "starts_at": first.isoformat(timespec="seconds"),
        "ends_at": end.isoformat(timespec="seconds"),
        "moves": len(items),
        "basis": [
            {k: v for k, v in dict(e, median_seconds=round(statistics.median(e.pop("seconds")), 1)).items()}
            for e in basis.values()
        ],
        "windows": used if schedule is not None else None,
    }
    result["summary"] = _summary(result, schedule, plan, now, end)
    return result


def _summary(result, schedule, plan, now, end) -> str:
    took = f"about {_duration(result['seconds'])} for {result['moves']} move(s)"
    levels = {b["level"] for b in result["basis"]}
    source = "no earlier move to go by: defaults" if levels == {"default"} else "the median of earlier moves"
    if schedule is not None:
        nxt = schedule.next(now)
        if nxt is None:
            return f"Estimated {took} ({source}); the schedule has no window within a week."
        length = _duration((nxt[1] - max(nxt[0], now)).total_seconds())
        if result["windows"] <= 1:  # every move starts in it (the last ones may end after it closes)
            return (
                f"Estimated {took} ({source}): fits in the next window ({windows.local(schedule, nxt[0])}, {length})."
            )
        return f"Estimated {took} ({source}): needs about {result['windows']} windows of {schedule.describe()}."
    if plan.not_after is not None and end > windows.aware(plan.not_after):
        return f"Estimated {took} ({source}): does NOT fit before the window closes at {plan.not_after.isoformat()}."
    return f"Estimated {took} ({source})."


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
