#!/usr/bin/env python3
"""Benchmark: N moves driven by vmove's engine on the dev cloud.

Prints the makespan, vmove's overhead per move over the backend's own time
(Nova's migration record: created_at -> updated_at at completion), and the
backend API calls vmove made per completed move.

    .venv/bin/python tools/bench/moves.py --moves 100 --type live_migration

The dev cloud is brought up if needed (``vmove-devcloud up``); the servers
are booted first (not measured) and deleted at the end.
"""

import argparse
import statistics
import sys
import tempfile
import time
import uuid

import devcloud_up
from oslo_utils import timeutils


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--moves", type=int, default=100, help="number of moves (default 100)")
    p.add_argument("--type", default="live_migration", choices=["live_migration", "cold_migration"])
    p.add_argument("--in-flight", type=int, default=100, help="[engine] max_in_flight")
    p.add_argument("--poll", type=float, help="[engine] poll_interval seconds (default: the engine's default)")
    p.add_argument("--keep", action="store_true", help="keep the servers")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from vmove import conf as vmove_conf
    from vmove import context as vmove_context
    from vmove import objects, service
    from vmove.db import migration
    from vmove.devcloud import seed
    from vmove.engine import service as engine_service
    from vmove.moves import queries as move_queries
    from vmove.moves import service as move_requests
    from vmove.tests import fixtures as vfixtures

    info = devcloud_up.cloud_with("nova")
    nova = info.nova("admin")

    tmp = tempfile.mkdtemp(prefix="vmove-bench-")
    conf = vmove_conf.CONF
    service.use_threading()
    conf([], project="vmove", default_config_files=[])
    objects.register_all()
    conf.set_override("connection", f"sqlite:///{tmp}/bench.sqlite", group="database")
    conf.set_override("transport_url", "fake://")
    conf.set_override("notifications", False, group="engine")
    conf.set_override("max_in_flight", args.in_flight, group="engine")
    conf.set_override("executor_workers", 16, group="engine")
    if args.poll is not None:
        conf.set_override("poll_interval", args.poll, group="engine")
    conf.set_override("auth_type", "password", group="service_auth")
    vfixtures.register_password_opts(conf)
    creds = info.credentials("vmove")
    for key in ("auth_url", "username", "password", "project_name", "user_domain_name", "project_domain_name"):
        conf.set_override(key, creds[key], group="service_auth")
    conf.set_override("region_name", info.region, group="nova")
    migration.upgrade()

    hosts = sorted(
        s.host for s in nova.services.list(binary="nova-compute") if s.state == "up" and s.status == "enabled"
    )
    flavor = seed.ensure_flavors(nova)["m1.tiny"]
    print(f"booting {args.moves} servers on {', '.join(hosts)} ...", flush=True)
    t0 = time.monotonic()
    servers = []
    for i in range(args.moves):
        host = hosts[i % len(hosts)]
        servers.append(
            nova.servers.create(f"bench-{uuid.uuid4().hex[:6]}", seed.image_id(), flavor, nics="none", host=host)
        )
    pending = {s.id for s in servers}
    errored = set()
    while pending:
        for s in nova.servers.list(search_opts={"all_tenants": 1}):
            if s.id in pending and s.status in ("ACTIVE", "ERROR"):
                if s.status == "ERROR":
                    errored.add(s.id)
                pending.discard(s.id)
        time.sleep(1)
    if errored:
        print(f"{len(errored)} server(s) went to ERROR at boot (not moved)", flush=True)
        servers = [s for s in servers if s.id not in errored]
    print(f"booted {len(servers)} in {time.monotonic() - t0:.1f}s", flush=True)

    ctx = vmove_context.get_admin_context()
    ctx.project_id = "bench"
    engine = engine_service.EngineService(conf)
    try:
        start = time.monotonic()
        start_wall = timeutils.utcnow()
        uuids = []
        for i, s in enumerate(servers):
            dest = hosts[(i + 1) % len(hosts)]
            params = {"host": dest} if args.type == "live_migration" else {"host": dest}
            m = move_requests.request_move(
                ctx, resource_type="instance", resource_id=s.id, move_type=args.type, params=params
            )
            uuids.append(m.uuid)
        engine.start()
        engine.runner.wake()
        while True:
            rows = move_queries.get_all(ctx, {"status": ["pending", "ongoing"]}, limit=1)
            if not rows:
                break
            time.sleep(0.2)
        makespan = time.monotonic() - start
        calls = engine.clients.calls()
        requests = engine.clients.calls_by_request()
    finally:
        engine.stop()

    moves = {m.uuid: m for m in move_queries.get_all(ctx, {}, limit=10000)}
    statuses = statistics.multimode([m.status for m in moves.values()])
    by_status = {st: sum(1 for m in moves.values() if m.status == st) for st in set(m.status for m in moves.values())}
    records = {r.instance_uuid: r for r in nova.migrations.list(changes_since=start_wall.isoformat(), limit=1000)}
    # per move: request -> Nova asked (the executed marker's event) -> Nova's record ends -> vmove records the end
    dispatch, own, api, backend, detect, overheads = [], [], [], [], [], []
    for m in moves.values():
        r = records.get(m.resource_id)
        if m.status != "succeeded" or r is None:
            continue
        events = move_queries.events(ctx, m.uuid)
        calling = next((_naive(e.at) for e in events if e.to_phase == "starting"), None)
        asked = next((_naive(e.at) for e in events if (e.detail or {}).get("executed")), None)
        if asked is None or calling is None:
            continue
        requested, nova_end, vmove_end = _naive(m.created_at), _t(r.updated_at), _naive(m.end_time)
        own.append((calling - requested).total_seconds())
        api.append((asked - calling).total_seconds())
        dispatch.append((asked - requested).total_seconds())
        backend.append((nova_end - asked).total_seconds())
        detect.append((vmove_end - nova_end).total_seconds())
        overheads.append(dispatch[-1] + detect[-1])
    done = by_status.get("succeeded", 0)
    print()
    print(f"moves: {len(moves)} {args.type}, statuses {by_status} (most: {statuses})")
    print(f"makespan: {makespan:.1f}s for {len(moves)} moves ({len(moves) / makespan:.2f} moves/s)")
    if overheads:
        print(f"backend (Nova) time per move, from vmove's request to Nova's record end: {_dist(backend)}")
        print(f"vmove overhead per move = dispatch + detection: {_dist(overheads)}")
        print(f"  dispatch (move requested -> Nova's API answered): {_dist(dispatch)}")
        print(f"    of which vmove's queue and pre-check (requested -> calling Nova): {_dist(own)}")
        print(f"    of which sending (a concurrent_starts slot, then Nova's API answering): {_dist(api)}")
        print(f"  detection (Nova's record ended -> vmove recorded the end): {_dist(detect)}")
    total = sum(calls.values())
    print(f"backend API calls: {calls} = {total / max(done, 1):.2f} per completed move")
    for what, count in sorted(requests.items(), key=lambda kv: -kv[1]):
        print(f"  {count:6d}  {what}")
    if not args.keep:
        for s in servers + [type("S", (), {"id": i}) for i in errored]:
            try:
                nova.servers.delete(s.id)
            except Exception:  # noqa: BLE001
                pass
    return 0 if done == len(moves) else 1


def _t(value):
    return timeutils.normalize_time(timeutils.parse_isotime(value))


def _naive(value):
    return timeutils.normalize_time(value)


def _dist(values):
    q = statistics.quantiles(values, n=20) if len(values) > 1 else values * 19
    return f"median {statistics.median(values):.2f}s, p95 {q[-1]:.2f}s, max {max(values):.2f}s"


if __name__ == "__main__":
    sys.exit(main())
