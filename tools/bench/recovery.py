#!/usr/bin/env python3
"""Benchmark: evacuating a failed host with vmove vs a bare script, on the dev cloud.

In one run, on one failed host (its nova-compute killed and forced down):

- ``--single`` instances are evacuated one at a time straight to Nova: their
  median time (request to Nova's migration record ``done``) gives the lower
  bound ``ceil(N / parallelism) x median single evacuation``;
- the baseline: a bare script evacuates N instances straight to Nova with the
  same parallelism as vmove, polling only ``GET /os-migrations`` (one listing
  per poll) and starting the next evacuation as soon as one ends;
- vmove: a host-failure notification (the engine's recovery extension, the
  move loop, the scheduler's limits) evacuates N other instances.

Prints both makespans, their ratio (target <= 1.10), the lower bound, and
the Nova API calls per evacuation of each. The servers are booted first (not
measured) and deleted at the end; the host is brought back.

One run's makespan varies by about 15 % on a 2-core dev cloud, and which run
goes second matters at times, so the benchmark runs ``--rounds`` rounds
(default 2) on freshly booted servers, the order alternating, and the ratio is
that of the summed makespans (per round too).

    .venv/bin/python tools/bench/recovery.py --instances 100 --parallel 10 --rounds 2

The instances carry a metadata key unique to the run and vmove evacuates only
those (``evacuate_all_instances = False``): other users' instances on the
shared dev cloud are not moved (but the host does go down: run it on a quiet
cloud).
"""

import argparse
import math
import statistics
import sys
import tempfile
import threading
import time
import types
import uuid

from oslo_utils import timeutils

DONE = ("done", "completed")
FAILED = ("error", "failed")


def say(*args, **kw):
    """Progress, with the wall-clock time (to line the run up with Nova's records and the logs)."""
    kw.setdefault("flush", True)
    print(f"[{time.strftime('%H:%M:%S')}]", *args, **kw)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--instances", type=int, default=100, help="evacuations of each run (default 100)")
    p.add_argument("--parallel", type=int, default=10, help="evacuations in flight ([recovery] max_in_flight)")
    p.add_argument("--single", type=int, default=5, help="one-at-a-time evacuations for the median (default 5)")
    p.add_argument("--host", default="host2", help="the host that fails (default host2)")
    p.add_argument("--poll", type=float, default=0.5, help="poll interval of both, seconds (default 0.5)")
    p.add_argument("--db", help="vmove's database URL (default: a SQLite file)")
    p.add_argument("--vmove-first", action="store_true", help="run vmove before the baseline in the first round")
    p.add_argument(
        "--rounds",
        type=lambda v: max(1, int(v)),
        default=2,
        help="rounds of both runs, each on freshly booted servers, the order alternating (default 2; one "
        "run's makespan varies by about 15 %% on a small dev cloud)",
    )
    p.add_argument("--concurrent-starts", type=int, help="vmove's [engine] concurrent_starts (default: its default)")
    return p.parse_args(argv)


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


def delete(nova, ids):
    for sid in ids:
        try:
            nova.servers.delete(sid)
        except Exception:  # noqa: BLE001 - already gone
            pass


def wait_active(nova, ids, timeout=1200):
    left, deadline = set(ids), time.monotonic() + timeout
    while left:
        if time.monotonic() > deadline:
            raise SystemExit(f"{len(left)} servers not ACTIVE after {timeout}s")
        for s in nova.servers.list(search_opts={"all_tenants": 1}, limit=-1):
            if s.id in left and s.status == "ERROR":
                raise SystemExit(f"server {s.id} went to ERROR")
            if s.id in left and s.status == "ACTIVE" and getattr(s, "OS-EXT-STS:task_state") is None:
                left.discard(s.id)
        time.sleep(1)


def wait_gone(nova, ids, timeout=600):
    left, deadline = set(ids), time.monotonic() + timeout
    while left and time.monotonic() < deadline:
        left &= {s.id for s in nova.servers.list(search_opts={"all_tenants": 1}, limit=-1)}
        time.sleep(1)
    if left:
        raise SystemExit(f"{len(left)} servers not deleted after {timeout}s")


def bare_evacuations(nova, ids, parallel, poll):
    """Evacuate ``ids`` keeping ``parallel`` in flight, watching only the migration listing.

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


def main(argv=None):
    args = parse_args(argv)
    from vmove.devcloud import fixtures

    # as a test session does: with a lease, so that another session ending does not stop Nova under us
    lease = fixtures.provide(("keystone", "nova"))
    info = next(lease)
    if "nova" not in info.components:
        sys.exit(f"the dev cloud's Nova is not up: {info.problems}")
    try:
        return _run(args, info)
    finally:
        next(lease, None)


def _run(args, info):  # noqa: C901 - a linear script
    from vmove import clients as vmove_clients
    from vmove import conf as vmove_conf
    from vmove import context as vmove_context
    from vmove import objects, service
    from vmove.clients import Clients
    from vmove.db import migration
    from vmove.engine import service as engine_service
    from vmove.tests import fixtures as vfixtures

    comp = info.components["nova"]
    admin = info.nova("admin")
    # the bare script's own client, on a session of the same user vmove uses, counting its requests
    from novaclient import client as nova_client

    from vmove.clients import CountingSession

    creds = info.credentials("vmove")
    bare_session = CountingSession(auth=info.session("vmove").auth)
    bare = nova_client.Client("2.94", session=bare_session, region_name=info.region)

    tmp = tempfile.mkdtemp(prefix="vmove-bench-recovery-")
    conf = vmove_conf.CONF
    service.use_threading()
    conf([], project="vmove", default_config_files=[])
    objects.register_all()
    conf.set_override("connection", args.db or f"sqlite:///{tmp}/bench.sqlite", group="database")
    conf.set_override("transport_url", "fake://")
    conf.set_override("notifications", False, group="engine")
    conf.set_override("max_in_flight", max(args.parallel, 10), group="engine")
    conf.set_override("executor_workers", max(args.parallel, 8), group="engine")
    if args.concurrent_starts:
        conf.set_override("concurrent_starts", args.concurrent_starts, group="engine")
    conf.set_override("poll_interval", args.poll, group="engine")
    conf.set_override("max_poll_interval", args.poll, group="engine")
    key = f"vmove-bench-{uuid.uuid4().hex[:8]}"
    conf.set_override("ha_enabled_key", key, group="recovery")
    conf.set_override("evacuate_all_instances", False, group="recovery")
    conf.set_override("max_in_flight", args.parallel, group="recovery")
    conf.set_override("auth_type", "password", group="service_auth")
    vfixtures.register_password_opts(conf)
    for k in ("auth_url", "username", "password", "project_name", "user_domain_name", "project_domain_name"):
        conf.set_override(k, creds[k], group="service_auth")
    conf.set_override("region_name", info.region, group="nova")
    migration.upgrade()

    n, host = args.instances, args.host
    ctx = vmove_context.get_admin_context()
    ctx.project_id = "bench"
    engine = engine_service.EngineService(conf)
    extension_clients = Clients(conf)
    vmove_clients.use(conf, extension_clients)
    # what every round uses
    bench = types.SimpleNamespace(
        admin=admin,
        comp=comp,
        bare=bare,
        bare_session=bare_session,
        engine=engine,
        extension_clients=extension_clients,
        ctx=ctx,
        conf=conf,
        key=key,
    )
    rounds: list = []  # per round: {"baseline": {...}, "vmove": {...}, "first": name, "nova": {name: [s]}}
    single = None
    try:
        engine.start()
        for r in range(args.rounds):
            vmove_first = args.vmove_first != (r % 2 == 1)  # the order alternates from round to round
            singles = args.single if r == 0 else 0
            result = _round(args, bench, singles, vmove_first, r + 1)
            single = result.pop("single", single)
            rounds.append(result)
    finally:
        engine.stop()

    print()
    print(
        f"instances: {n} per run, parallelism {args.parallel}, poll {args.poll}s, host {host}, "
        f"{len(rounds)} round(s), the order alternating"
    )
    ok = True
    for i, res in enumerate(rounds, 1):
        vm, base = res["vmove"], res["baseline"]
        ok = ok and vm["statuses"].get("succeeded") == n and not base["failed"]
        print(
            f"round {i} ({res['first']} first): vmove {vm['makespan']:6.1f}s ({vm['statuses']}), "
            f"baseline {base['makespan']:6.1f}s ({n - base['failed']} done, {base['failed']} failed), "
            f"ratio {vm['makespan'] / base['makespan']:.2f}"
        )
    vm_total = sum(res["vmove"]["makespan"] for res in rounds)
    base_total = sum(res["baseline"]["makespan"] for res in rounds)
    print(f"vmove makespan:    {vm_total / len(rounds):7.1f}s   (mean of the rounds)")
    print(f"baseline makespan: {base_total / len(rounds):7.1f}s   (mean of the rounds)")
    ratios = [res["vmove"]["makespan"] / res["baseline"]["makespan"] for res in rounds]
    print(
        f"ratio vmove / baseline: {vm_total / base_total:.2f} (target <= 1.10; over all rounds"
        + (f"; per round {', '.join(f'{x:.2f}' for x in ratios)})" if len(rounds) > 1 else ")")
    )
    if single is not None:
        bound = math.ceil(n / args.parallel) * single
        print(f"lower bound: ceil({n}/{args.parallel}) x {single:.2f}s (median single evacuation) = {bound:.1f}s")
    else:
        print("lower bound: not measured (--single 0)")
    vm_calls = sum(res["vmove"]["calls"] for res in rounds) / len(rounds)
    base_calls = sum(res["baseline"]["calls"] for res in rounds) / len(rounds)
    placement = sum(res["vmove"]["placement"] for res in rounds) / len(rounds)
    print(
        f"Nova API calls per evacuation: vmove {vm_calls / n:.2f} (+ {placement:.0f} Placement calls per run for the "
        f"capacity check), baseline {base_calls / n:.2f}"
    )
    for name in ("baseline", "vmove"):
        times = [t for res in rounds for t in res["nova"].get(name, [])]
        if times:
            print(
                f"Nova's own time per evacuation ({name}): median {statistics.median(times):.2f}s, "
                f"p90 {sorted(times)[int(0.9 * (len(times) - 1))]:.2f}s (migration record created -> done)"
            )
            last = rounds[-1]["nova"].get(name) or []
            tenth = max(1, len(last) // 10)
            deciles = [statistics.median(last[i : i + tenth]) for i in range(0, len(last), tenth)]
            print(f"  last round, median by tenth, in request order: {' '.join(f'{d:.1f}' for d in deciles)}")
    for name in ("baseline", "vmove"):
        print(f"requests of {name} (last round):")
        for req, count in sorted(rounds[-1][name]["requests"].items(), key=lambda kv: -kv[1]):
            print(f"  {count:5d}  {req}")
    return 0 if ok else 1


def _round(args, bench, singles_n, vmove_first, number):  # noqa: C901 - a linear script
    """Boot, fail the host, run both (in the order given), delete, bring the host back: one round."""
    from vmove.moves import queries as move_queries
    from vmove.recovery import extension as engine_recovery
    from vmove.recovery import rollup
    from vmove.recovery import service as recovery_service

    admin, comp, bare, bare_session = bench.admin, bench.comp, bench.bare, bench.bare_session
    engine, extension_clients, ctx, conf, key = bench.engine, bench.extension_clients, bench.ctx, bench.conf, bench.key
    n, host = args.instances, args.host
    say(f"round {number}: booting {2 * n + singles_n} servers on {host} ...")
    t0 = time.monotonic()
    run = uuid.uuid4().hex[:6]
    singles, base_ids, vmove_ids = [], [], []
    try:
        singles = boot(admin, singles_n, host, {}, f"bench-rs-{run}")
        base_ids = boot(admin, n, host, {}, f"bench-rb-{run}")
        for p in range(1, 6):  # mixed priorities, one request each
            part = n // 5 + (1 if p <= n % 5 else 0)
            vmove_ids += boot(admin, part, host, {key: "True", "vmove:priority": str(p)}, f"bench-rv{p}-{run}")
        wait_active(admin, singles + base_ids + vmove_ids)
    except BaseException:
        delete(admin, singles + base_ids + vmove_ids)
        raise
    say(f"booted in {time.monotonic() - t0:.1f}s")

    result: dict = {"first": "vmove" if vmove_first else "baseline", "nova": {}}
    comp.fail_host(host)
    started = timeutils.utcnow()
    try:
        if singles:
            # single evacuations: the median time of one evacuation alone
            _, took, _ = bare_evacuations(bare, singles, 1, min(args.poll, 0.2))
            result["single"] = statistics.median(took.values())
            say(f"single evacuations: {', '.join(f'{t:.2f}s' for t in took.values())}")

        def run_baseline():
            before, before_by = sum(bare_session.snapshot().values()), bare_session.by_request()
            makespan, took, failures = bare_evacuations(bare, base_ids, args.parallel, args.poll)
            result["baseline"] = {
                "makespan": makespan,
                "calls": sum(bare_session.snapshot().values()) - before,
                "failed": len(failures),
                "requests": _minus(bare_session.by_request(), before_by),
            }
            say(f"baseline: {makespan:.1f}s, {len(failures)} failed")

        def run_vmove():
            calls_before = engine.clients.calls().get("compute", 0) + extension_clients.calls().get("compute", 0)
            placement_before = extension_clients.calls().get("placement", 0)
            by_before = _vmove_requests(engine, extension_clients)
            t = timeutils.utcnow()
            body = {
                "type": "COMPUTE_HOST",
                "hostname": host,
                "generated_time": timeutils.utcnow().isoformat(),
                "payload": {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"},
            }
            note, _ = recovery_service.create_notification(ctx, body, timeutils.utcnow())
            # what the engine's RPC endpoint does when the API casts process("notification", uuid)
            threading.Thread(target=engine_recovery.process, args=(ctx, conf, note.uuid)).start()
            mine = set(vmove_ids)  # the baseline's instances may still be on the host (vmove first): ignored
            # the bench's own watching must not take CPU from the engine or Nova: a cheap query per poll, the
            # moves read only once none is pending or ongoing; the makespan is the engine's recorded end
            while True:
                time.sleep(args.poll)
                if move_queries.get_all(ctx, {"status": ["pending", "ongoing"]}, limit=1):
                    continue
                latest = rollup.latest_by_instance(move_queries.of_origins(ctx, [note.evacuation_origin]))
                latest = [m for m in latest if m.resource_id in mine]
                if len(latest) == n and all(m.is_terminal for m in latest):
                    break
            makespan = (max(timeutils.normalize_time(m.end_time) for m in latest) - t).total_seconds()
            statuses = rollup.summary(latest)
            calls = engine.clients.calls().get("compute", 0) + extension_clients.calls().get("compute", 0)
            result["vmove"] = {
                "makespan": makespan,
                "calls": calls - calls_before,
                "statuses": statuses,
                "placement": extension_clients.calls().get("placement", 0) - placement_before,
                "requests": _minus(_vmove_requests(engine, extension_clients), by_before),
            }
            say(f"vmove: {makespan:.1f}s, {statuses}")

        steps = [(run_baseline, base_ids, "baseline"), (run_vmove, vmove_ids, "vmove")]
        for step, ids, name in reversed(steps) if vmove_first else steps:
            step()
            # before the instances are deleted (their migration records go with them)
            result["nova"].update(nova_times(admin, started, {name: ids}))
            # the same starting point for the other run: Nova's destination computes get slower with every
            # instance they hold (a rebuild took 4 s on the first evacuations, 20 s after 200), so the
            # instances a run evacuated are deleted before the next run starts
            t = time.monotonic()
            delete(admin, ids)
            wait_gone(admin, ids)
            say(f"deleted the {len(ids)} evacuated instances in {time.monotonic() - t:.1f}s")
    finally:
        say("bringing the host back and deleting the servers ...")
        comp.restore_host(host)
        svc = comp.compute_service(host)
        if svc["status"] == "disabled":
            comp.api("PUT", f"/os-services/{svc['id']}", {"status": "enabled"}, microversion="2.53")
        delete(admin, singles + base_ids + vmove_ids)
        wait_gone(admin, singles + base_ids + vmove_ids)
    return result


def _vmove_requests(engine, extension_clients) -> dict:
    return {
        **engine.clients.calls_by_request(),
        **{f"(recovery) {k}": v for k, v in extension_clients.calls_by_request().items()},
    }


def _minus(after: dict, before: dict) -> dict:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


def nova_times(nova, since, runs):
    """Per run: Nova's own seconds per evacuation (record created -> last update of a done record)."""
    parse = lambda ts: timeutils.normalize_time(timeutils.parse_isotime(ts))  # noqa: E731
    records = nova.migrations.list(changes_since=since.isoformat(), migration_type="evacuation", limit=1000)
    by_instance = {r.instance_uuid: r for r in records if r.status in DONE}
    # in the order Nova got them: a run's later evacuations land on fuller destination hosts
    return {
        name: [
            (parse(r.updated_at) - parse(r.created_at)).total_seconds()
            for r in sorted(
                (by_instance[i] for i in ids if i in by_instance), key=lambda r: (parse(r.created_at), r.id)
            )
        ]
        for name, ids in runs.items()
    }


if __name__ == "__main__":
    sys.exit(main())
