#!/usr/bin/env python3
"""Benchmark: a plan run of N instance moves across the dev cloud's 3 hosts under limits.

    .venv/bin/python tools/bench/plans.py --moves 100 --per-host 2 --total 6

Each host's servers move to the next host (host1 -> host2 -> host3 -> host1),
with per-source-host and per-destination-host limits ``--per-host`` and an
overall limit ``--total``. vmove's engine runs in process (as
tools/bench/moves.py does) and the run goes the real way: ordered, validated
against Nova and Placement, its moves made and dispatched by the scheduler.

Printed, all from the recorded event times (not the scheduler's counters):

- the makespan, and two lower bounds: the plan's limits alone, and the
  limits with Nova's own serialization (``max_concurrent_live_migrations``
  = 1: one outgoing live migration per host at a time); both use the
  duration of one move measured alone first;
- the maximum concurrency observed overall, per source and per destination
  host (never above the limits, or the script fails);
- idle slot time: slot-seconds during which a waiting move could have
  started under every limit but had not yet (a move counts as started at
  its first ``ongoing`` event, written after its pre-condition read of
  Nova), split into the filling of the first slots and the steady state.

The servers are booted first (not measured) and deleted at the end.
"""

import argparse
import math
import statistics
import sys
import tempfile
import time
import uuid

import devcloud_up


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--moves", type=int, default=100, help="number of moves (default 100)")
    p.add_argument("--per-host", type=int, default=2, help="per source host and per destination host limit")
    p.add_argument("--total", type=int, default=6, help="overall limit of the plan")
    p.add_argument("--type", default="live_migration", choices=["live_migration", "cold_migration"])
    p.add_argument(
        "--seconds", type=float, default=1.0, help="how long each live migration runs on the fake hypervisor"
    )
    p.add_argument("--poll", type=float, default=0.2, help="[engine] poll_interval seconds")
    p.add_argument("--db", default=None, help="database URL (default: a SQLite file)")
    return p.parse_args(argv)


class Bench:
    def __init__(self, args):
        from vmove import conf as vmove_conf
        from vmove import objects, service
        from vmove.db import migration
        from vmove.tests import fixtures as vfixtures

        self.args = args
        self.info = devcloud_up.cloud_with("nova")
        self.nova_peer = self.info.components["nova"]
        self.nova = self.info.nova("admin")
        conf = self.conf = vmove_conf.CONF
        service.use_threading()
        conf([], project="vmove", default_config_files=[])
        objects.register_all()
        tmp = tempfile.mkdtemp(prefix="vmove-bench-plans-")
        conf.set_override("connection", args.db or f"sqlite:///{tmp}/bench.sqlite", group="database")
        conf.set_override("transport_url", "fake://")
        conf.set_override("notifications", False, group="engine")
        conf.set_override("max_in_flight", max(args.total, 10), group="engine")
        conf.set_override("executor_workers", 16, group="engine")
        conf.set_override("poll_interval", args.poll, group="engine")
        conf.set_override("max_poll_interval", max(args.poll, 0.5), group="engine")
        conf.set_override("auth_type", "password", group="service_auth")
        vfixtures.register_password_opts(conf)
        creds = self.info.credentials("vmove")
        for key in ("auth_url", "username", "password", "project_name", "user_domain_name", "project_domain_name"):
            conf.set_override(key, creds[key], group="service_auth")
        conf.set_override("region_name", self.info.region, group="nova")
        migration.upgrade()
        self.servers = []

    # ------------------------------------------------------------ servers
    def boot(self, hosts, count):
        from vmove.devcloud import seed

        flavor = seed.ensure_flavors(self.nova)["m1.tiny"]
        print(f"booting {count} servers on {', '.join(hosts)} ...", flush=True)
        t0 = time.monotonic()
        made = []
        for i in range(count):
            s = self.nova.servers.create(
                f"bench-plan-{uuid.uuid4().hex[:6]}", seed.image_id(), flavor, nics="none", host=hosts[i % len(hosts)]
            )
            made.append(s)
            self.servers.append(s.id)
        waiting = {s.id for s in made}
        while waiting:
            for s in self.nova.servers.list(search_opts={"all_tenants": 1}, limit=-1):
                if s.id in waiting and s.status == "ERROR":
                    sys.exit(f"server {s.id} went to ERROR")
                if s.id in waiting and s.status == "ACTIVE" and getattr(s, "OS-EXT-STS:task_state") is None:
                    waiting.discard(s.id)
            time.sleep(1)
        for s in made:
            self.nova_peer.set_live_migration_seconds(self.args.seconds, server=s.id)
        print(f"booted in {time.monotonic() - t0:.1f}s", flush=True)
        return [self.nova.servers.get(s.id) for s in made]

    def cleanup(self):
        for sid in self.servers:
            self.nova_peer.set_live_migration_seconds(None, server=sid)
            try:
                self.nova.servers.delete(sid)
            except Exception:  # noqa: BLE001 - already gone
                pass

    # ------------------------------------------------------------ a run
    def run_plan(self, engine, servers, mapping, limits):
        from vmove import context as vmove_context
        from vmove.plans import lifecycle, queries, service

        ctx = vmove_context.get_admin_context()
        ctx.project_id, ctx.user_id = "bench", "bench"
        items = [
            {"resource_type": "instance", "resource_id": s.id, "type": self.args.type, "priority": 0} for s in servers
        ]
        values = {
            "uuid": str(uuid.uuid4()),
            "name": "bench",
            "project_id": "bench",
            "approval": "auto",
            "mapping": {"hosts": mapping, "volume_types": {}, "backends": {}},
            **limits,
        }
        plan = service.create_plan(ctx, values, items)
        t0 = time.monotonic()
        run = service.order_run(ctx, plan, dry_run=False, cross_project=True)
        engine.manager.process(ctx, "run", run.uuid)  # what the API's cast does
        while True:
            row = queries.run_get(ctx, run.uuid)
            if row.status in lifecycle.FINISHED:
                break
            time.sleep(0.2)
        return row, time.monotonic() - t0

    def spans(self, run_uuid):
        from vmove import context as vmove_context
        from vmove.moves import queries as move_queries
        from vmove.tests import plan_metrics

        ctx = vmove_context.get_admin_context()
        moves = move_queries.get_all(ctx, {"origin": f"run:{run_uuid}"})
        found = [
            plan_metrics.span_of(
                m.uuid, m.source_host, m.dest_host or (m.params or {}).get("host"), move_queries.events(ctx, m.uuid)
            )
            for m in moves
        ]
        return moves, found


def main(argv=None):
    args = parse_args(argv)
    from vmove.engine import service as engine_service
    from vmove.tests import plan_metrics

    bench = Bench(args)
    hosts = sorted(
        s.host
        for s in bench.nova.services.list(binary="nova-compute")
        if s.state == "up" and s.status == "enabled" and not s.forced_down
    )
    if len(hosts) < 2:
        sys.exit(f"need at least 2 compute hosts, found {hosts}")
    mapping = {h: hosts[(i + 1) % len(hosts)] for i, h in enumerate(hosts)}
    limits = {"max_in_flight": args.total, "per_source_host": args.per_host, "per_dest_host": args.per_host}
    engine = engine_service.EngineService(bench.conf)
    ok = True
    try:
        servers = bench.boot(hosts, args.moves + 1)
        engine.start()
        # one move alone: the duration the lower bounds are made of
        calib, _ = bench.run_plan(engine, servers[:1], mapping, limits)
        _, (alone,) = bench.spans(calib.uuid)
        d = (alone.end - alone.start).total_seconds()
        print(f"one {args.type} alone: {d:.2f}s (from its events)", flush=True)

        servers = servers[1:]
        run, wall = bench.run_plan(engine, servers, mapping, limits)
        moves, spans = bench.spans(run.uuid)
    finally:
        engine.stop()
        bench.cleanup()

    started = [s for s in spans if s.start is not None]
    first_start = min(s.start for s in started)
    last_end = max(s.end for s in started)
    makespan = (last_end - first_start).total_seconds()
    by_src = {h: sum(1 for s in spans if s.source == h) for h in hosts}
    by_dst = {h: sum(1 for s in spans if s.dest == h) for h in hosts}
    rounds = max(
        math.ceil(len(spans) / args.total),
        max(math.ceil(n / args.per_host) for n in by_src.values()),
        max(math.ceil(n / args.per_host) for n in by_dst.values()),
    )
    lb_limits = rounds * d
    lb_nova = max(lb_limits, max(by_src.values()) * d) if args.type == "live_migration" else lb_limits
    overall = plan_metrics.max_concurrency(spans)["all"]
    per_src = plan_metrics.max_concurrency(spans, key=lambda s: s.source)
    per_dst = plan_metrics.max_concurrency(spans, key=lambda s: s.dest)
    idle = plan_metrics.idle_slot_seconds(spans, args.total, args.per_host, args.per_host)
    # once the first wave has started: what the dispatcher leaves idle when moves end
    full = sorted(s.start for s in started)[min(args.total, len(started)) - 1]
    idle_steady = plan_metrics.idle_slot_seconds(spans, args.total, args.per_host, args.per_host, since=full)
    durations = [(s.end - s.start).total_seconds() for s in started]
    statuses = {st: sum(1 for m in moves if m.status == st) for st in {m.status for m in moves}}

    print()
    print(f"run {run.uuid}: {run.status}, {statuses}; {run.message}")
    print(f"moves: {len(spans)} {args.type} over {', '.join(f'{h}->{mapping[h]}' for h in hosts)}")
    print(f"limits: overall {args.total}, per source host {args.per_host}, per destination host {args.per_host}")
    print(f"order to finish: {wall:.1f}s (validation and move creation included)")
    print(f"makespan (first start to last end): {makespan:.1f}s")
    print(f"  lower bound, plan limits only: {lb_limits:.1f}s -> makespan / bound = {makespan / lb_limits:.2f}")
    if args.type == "live_migration":
        print(
            f"  lower bound with Nova's one outgoing live migration per host: {lb_nova:.1f}s "
            f"-> makespan / bound = {makespan / lb_nova:.2f}"
        )
    print(f"  move duration (start to end): median {statistics.median(durations):.2f}s, max {max(durations):.2f}s")
    print(f"max concurrency observed: overall {overall} (limit {args.total})")
    print(f"  per source host: {per_src} (limit {args.per_host})")
    print(f"  per destination host: {per_dst} (limit {args.per_host})")
    capacity = args.total * makespan
    print(f"idle slot time: {idle:.1f} slot-seconds ({100 * idle / capacity:.1f}% of {capacity:.0f} slot-seconds)")
    first_wave = idle - idle_steady
    print(f"  filling the first {args.total} slots (moves made, read, started): {first_wave:.1f} slot-seconds")
    ends = sum(1 for s in started if s.end < last_end)
    print(
        f"  after that: {idle_steady:.1f} slot-seconds over {ends} ends of moves "
        f"({idle_steady / max(ends, 1):.2f}s per freed slot)"
    )
    if overall > args.total or max(per_src.values()) > args.per_host or max(per_dst.values()) > args.per_host:
        print("LIMIT EXCEEDED")
        ok = False
    return 0 if ok and run.status == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
