"""The harness of tools/bench/recovery.py: servers, the failed host, Nova's records, what every contender's
run is judged by (makespan, first instance ACTIVE elsewhere, Nova calls, priority order, final states)."""

import collections
import dataclasses
import statistics
import time

from oslo_utils import timeutils

DONE = ("done", "completed")
FAILED = ("error", "failed")
#: the priority groups of every contender's instances (metadata ``vmove:priority``; 1 is the most important)
PRIORITIES = (1, 2, 3, 4, 5)


def say(*args, **kw):
    """Progress, with the wall-clock time (to line the run up with Nova's records and the logs)."""
    kw.setdefault("flush", True)
    print(f"[{time.strftime('%H:%M:%S')}]", *args, **kw)


def parse_time(ts):
    return timeutils.normalize_time(timeutils.parse_isotime(ts))


@dataclasses.dataclass
class Instances:
    """One contender's instances on the failed host: ids by priority group."""

    name: str
    by_priority: dict

    @property
    def ids(self) -> list:
        return [i for p in sorted(self.by_priority) for i in self.by_priority[p]]

    def priority(self, sid) -> int:
        return next(p for p, ids in self.by_priority.items() if sid in ids)


def boot(nova, count, host, meta, prefix):
    """``count`` servers on ``host`` in one multi-create request (one scheduling request for all)."""
    from vmove.devcloud import seed

    if count <= 0:
        return []
    flavor = seed.ensure_flavors(nova)["m1.tiny"]
    nova.servers.create(
        prefix, seed.image_id(), flavor, nics="none", host=host, meta=dict(meta), min_count=count, max_count=count
    )
    # Nova names them <prefix>-1 .. <prefix>-N, or <prefix> alone when it made one
    found = nova.servers.list(search_opts={"all_tenants": 1, "name": f"^{prefix}(-[0-9]+)?$"}, limit=-1)
    if len(found) != count:
        raise SystemExit(f"asked Nova for {count} servers named {prefix}, it lists {len(found)}")
    return [s.id for s in found]


def boot_contender(nova, name, n, host, meta, run) -> Instances:
    """``n`` servers for contender ``name``, spread over the priority groups, with ``meta``."""
    by_priority = {}
    for p in PRIORITIES:
        part = n // len(PRIORITIES) + (1 if p <= n % len(PRIORITIES) else 0)
        by_priority[p] = boot(nova, part, host, {**meta, "vmove:priority": str(p)}, f"bench-{name}-p{p}-{run}")
    return Instances(name, by_priority)


def delete(nova, ids):
    for sid in ids:
        try:
            nova.servers.delete(sid)
        except Exception:  # noqa: BLE001 - already gone
            pass


def servers(nova, ids) -> dict:
    wanted = set(ids)
    return {s.id: s for s in nova.servers.list(search_opts={"all_tenants": 1}, limit=-1) if s.id in wanted}


def wait_active(nova, ids, timeout=1800):
    left, deadline = set(ids), time.monotonic() + timeout
    while left:
        if time.monotonic() > deadline:
            raise SystemExit(f"{len(left)} servers not ACTIVE after {timeout}s")
        for s in servers(nova, left).values():
            if s.status == "ERROR":
                raise SystemExit(f"server {s.id} went to ERROR")
            if s.status == "ACTIVE" and getattr(s, "OS-EXT-STS:task_state") is None:
                left.discard(s.id)
        time.sleep(1)


def wait_gone(nova, ids, timeout=900):
    left, deadline = set(ids), time.monotonic() + timeout
    while left and time.monotonic() < deadline:
        left &= set(servers(nova, left))
        time.sleep(1)
    if left:
        raise SystemExit(f"{len(left)} servers not deleted after {timeout}s")


def bare_evacuations(nova, ids, parallel, poll):
    """Evacuate ``ids`` in their order keeping ``parallel`` in flight, watching only the migration listing.

    Returns (makespan, {id: seconds from request to done}, failures).
    """
    since = timeutils.utcnow().isoformat()
    queue, in_flight, asked, took, failures = list(ids), {}, {}, {}, []
    t0 = time.monotonic()
    while queue or in_flight:
        while queue and len(in_flight) < parallel:
            sid = queue.pop(0)
            nova.servers.evacuate(sid)
            in_flight[sid] = asked[sid] = time.monotonic()
        time.sleep(poll)
        for r in nova.migrations.list(changes_since=since, migration_type="evacuation", limit=1000):
            sid = r.instance_uuid
            if sid in in_flight and (r.status in DONE or r.status in FAILED):
                del in_flight[sid]
                took[sid] = time.monotonic() - asked[sid]
                if r.status in FAILED:
                    failures.append(sid)
    return time.monotonic() - t0, took, failures


def evacuation_records(nova, since, ids) -> dict:
    """Nova's evacuation records of ``ids`` since ``since``: instance -> [record, ...] (oldest first)."""
    wanted = set(ids)
    records = nova.migrations.list(changes_since=since.isoformat(), migration_type="evacuation", limit=1000)
    found = collections.defaultdict(list)
    for r in sorted(records, key=lambda r: (parse_time(r.created_at), r.id)):
        if r.instance_uuid in wanted:
            found[r.instance_uuid].append(r)
    return found


def judge(nova, comp, failed_host, inst: Instances, since, t0_utc, parallel) -> dict:
    """What a contender's run left: Nova's own times, the first instance done elsewhere, the priority
    order of completion, every instance's final state (ACTIVE on a live host, evacuated exactly once)."""
    records = evacuation_records(nova, since, inst.ids)
    done = {sid: rs[-1] for sid, rs in records.items() if rs[-1].status in DONE}
    done_at = {sid: (parse_time(r.updated_at) - t0_utc).total_seconds() for sid, r in done.items()}
    order = sorted(done_at, key=done_at.get)
    top = set(inst.by_priority[PRIORITIES[0]])
    positions = [i + 1 for i, sid in enumerate(order) if sid in top]
    up = {s["host"] for s in comp.api("GET", "/os-services?binary=nova-compute", microversion="2.53")["services"]
          if s["state"] == "up" and s["status"] == "enabled"}  # fmt: skip
    states = collections.Counter()
    for s in servers(nova, inst.ids).values():
        host = getattr(s, "OS-EXT-SRV-ATTR:host")
        ok = s.status == "ACTIVE" and host != failed_host and host in up
        states["ACTIVE on a live host" if ok else f"{s.status} on {host}"] += 1
    states["missing"] += len(set(inst.ids) - set(servers(nova, inst.ids)))
    twice = sum(1 for rs in records.values() if len([r for r in rs if r.status in DONE]) > 1)
    nova_own = [(parse_time(r.updated_at) - parse_time(r.created_at)).total_seconds() for r in done.values()]
    return {
        "first_active_elsewhere": min(done_at.values()) if done_at else None,
        "nova_done_last": max(done_at.values()) if done_at else None,
        "nova_own_median": statistics.median(nova_own) if nova_own else None,
        "top_positions": positions,
        # the most important group done first: every one of them among the first len(top) + parallel - 1
        "priority_honoured": bool(positions) and max(positions) <= len(top) + parallel - 1,
        "final_states": {k: v for k, v in states.items() if v},
        "evacuated_twice": twice,
        "not_evacuated": len(inst.ids) - len(done),
    }


def minus(after: dict, before: dict) -> dict:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}
