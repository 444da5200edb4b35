#!/usr/bin/env python3
"""Benchmark: evacuating a failed host with the real Masakari, vmove and a bare script, on the dev cloud.

Each round boots ``--instances`` servers per contender on one host (``vmove:priority`` 1 to 5, 1 the most
important, the same mix for everyone), fails the host (its nova-compute killed, forced down), and lets
each contender evacuate its own servers, one after the other, the order reversed from round to round:

- ``masakari``: the real Masakari 22 (``vmove-devcloud up --with masakari``) with its defaults: a fixed
  ``wait_period_after_service_update`` of 180 s after it disables the compute service, then 3 threads;
- ``masakari-parallel``: the same with its thread pool raised to ``--parallel``;
- ``vmove``: a host-failure notification (the engine's recovery extension, the move loop, priorities)
  with ``[recovery] max_in_flight = --parallel``;
- ``bare``: a script evacuating straight to Nova, ``--parallel`` in flight, in priority order, one
  ``os-migrations`` listing per poll.

A contender evacuates only its servers (a metadata key of its own; ``evacuate_all_instances`` off for both
Masakari and vmove); the servers it evacuated are deleted before the next contender starts. Printed per
round and summed: the makespan (from the request until the contender says it is done), the first instance
done elsewhere (Nova's evacuation record), Nova API calls per evacuation, whether the most important
group was done first (its positions in the completion order), and every instance's final state (ACTIVE
on a live host, evacuated exactly once).

    flock /tmp/vmove-heavy.lock .venv/bin/python tools/bench/recovery.py --instances 100 --parallel 10 --rounds 2

Goals (issue 15): vmove at least 3x faster than Masakari's defaults and faster than Masakari at equal
parallelism; vmove within 1.10x of the bare script; every instance ACTIVE on a live host, none twice.
A round with Masakari's defaults takes about 20 minutes with 100 instances (its 180 s wait, 3 threads):
2 rounds are the default. ``--contenders vmove,bare`` is the earlier vmove-against-a-script benchmark.
"""

import argparse
import math
import statistics
import sys
import tempfile
import time
import uuid

from oslo_utils import timeutils
import recovery_harness as harness
import recovery_masakari
import recovery_vmove

CONTENDERS = ("masakari", "masakari-parallel", "vmove", "bare")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--instances", type=int, default=100, help="evacuations per contender (default 100)")
    p.add_argument("--parallel", type=int, default=10, help="evacuations in flight (vmove, bare, masakari-parallel)")
    p.add_argument("--single", type=int, default=5, help="one-at-a-time evacuations for the median (default 5)")
    p.add_argument("--host", default="host2", help="the host that fails (default host2)")
    p.add_argument("--poll", type=float, default=0.5, help="poll interval of vmove, the script and the watch")
    p.add_argument("--db", help="vmove's database URL (default: a SQLite file)")
    p.add_argument("--contenders", default=",".join(CONTENDERS), help=f"subset of {','.join(CONTENDERS)}")
    p.add_argument("--rounds", type=lambda v: max(1, int(v)), default=2, help="rounds, the order reversed each")
    p.add_argument("--concurrent-starts", type=int, help="vmove's [engine] concurrent_starts (default: its default)")
    args = p.parse_args(argv)
    args.contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    unknown = set(args.contenders) - set(CONTENDERS)
    if unknown:
        p.error(f"unknown contenders {sorted(unknown)}")
    return args


def main(argv=None):
    args = parse_args(argv)
    from vmove.devcloud import fixtures

    peers = ("keystone", "nova", *(("masakari",) if any(c.startswith("masakari") for c in args.contenders) else ()))
    # as a test session does: with a lease, so that another session ending does not stop a peer under us
    lease = fixtures.provide(peers)
    info = next(lease)
    missing = [p for p in peers if p not in info.components]
    if missing:
        sys.exit(f"the dev cloud's {', '.join(missing)} not up: {info.problems}")
    try:
        bench = recovery_vmove.setup(args, info, tempfile.mkdtemp(prefix="vmove-bench-recovery-"))
        try:
            rounds = []
            for r in range(args.rounds):
                order = args.contenders if r % 2 == 0 else list(reversed(args.contenders))
                rounds.append(one_round(args, bench, info, order, args.single if r == 0 else 0, r + 1))
        finally:
            bench.engine.stop()
        return report(args, rounds)
    finally:
        next(lease, None)


def one_round(args, bench, info, order, singles_n, number):
    """Boot, fail the host, run the contenders in ``order``, delete, bring the host back: one round."""
    admin, comp, host, n = bench.admin, bench.comp, args.host, args.instances
    run = uuid.uuid4().hex[:6]
    keys = {c: f"bench-{c}-{run}" for c in order}
    meta = {"vmove": {bench.key: "True"}, "bare": {}}
    harness.say(f"round {number}: booting {n} servers per contender ({', '.join(order)}) on {host} ...")
    t0 = time.monotonic()
    made, singles = {}, []
    try:
        singles = harness.boot(admin, singles_n, host, {}, f"bench-rs-{run}")
        for c in order:
            made[c] = harness.boot_contender(admin, c, n, host, meta.get(c, {keys[c]: "True"}), run)
        harness.wait_active(admin, singles + [i for inst in made.values() for i in inst.ids])
    except BaseException:
        harness.delete(admin, singles + [i for inst in made.values() for i in inst.ids])
        raise
    harness.say(f"booted in {time.monotonic() - t0:.1f}s")
    result = {"order": order, "contenders": {}}
    comp.fail_host(host)
    since = timeutils.utcnow()
    try:
        if singles:
            _, took, _ = harness.bare_evacuations(bench.bare, singles, 1, min(args.poll, 0.2))
            result["single"] = statistics.median(took.values())
            harness.say(f"single evacuations: {', '.join(f'{t:.2f}s' for t in took.values())}")
        for c in order:
            inst = made[c]
            if c == "bare":
                res = recovery_vmove.run_bare(bench, inst, args)
            elif c == "vmove":
                res = recovery_vmove.run_vmove(bench, inst, args)
            else:
                threads = args.parallel if c == "masakari-parallel" else None
                res = recovery_masakari.run(bench.masakari, bench.nova_log, host, keys[c], threads, args.poll)
            res.update(harness.judge(admin, comp, host, inst, since, res["t0_utc"], args.parallel))
            harness.say(f"{c}: {brief(res, n)}")
            result["contenders"][c] = res
            t = time.monotonic()
            harness.delete(admin, inst.ids)  # the next contender starts from the same cloud
            harness.wait_gone(admin, inst.ids)
            harness.say(f"deleted the {len(inst.ids)} evacuated instances in {time.monotonic() - t:.1f}s")
    finally:
        harness.say("bringing the host back and deleting the servers ...")
        comp.restore_and_enable(host, timeout=600)
        if bench.masakari is not None:
            bench.masakari.ensure_segment()
        every = singles + [i for inst in made.values() for i in inst.ids]
        harness.delete(admin, every)
        harness.wait_gone(admin, every)
    return result


def brief(res, n) -> str:
    """One contender's run in one line (printed as soon as it ends)."""
    pos = res["top_positions"]
    return (
        f"makespan {res['makespan']:.1f}s, first done elsewhere {_fmt(res['first_active_elsewhere'])}s, "
        f"Nova's last done {_fmt(res['nova_done_last'])}s, {res['calls'] / n:.2f} Nova calls per evacuation, "
        f"top group at positions {min(pos) if pos else '-'}-{max(pos) if pos else '-'} "
        f"({'first' if res['priority_honoured'] else 'NOT first'}), final states {res['final_states']}, "
        f"evacuated twice {res['evacuated_twice']}"
    )


def _fmt(value, spec=".1f", none="-"):
    return none if value is None else format(value, spec)


def report(args, rounds):
    n, names = args.instances, args.contenders
    print()
    print(f"{n} instances per contender, parallelism {args.parallel}, host {args.host}, {len(rounds)} round(s)")
    header = f"{'':18} {'makespan s':>10} {'1st done s':>10} {'Nova calls/evac':>15} {'top group positions':>22} "
    print(header + "final states")
    ok = True
    for i, res in enumerate(rounds, 1):
        print(f"round {i} (order {', '.join(res['order'])}):")
        for c in names:
            r = res["contenders"][c]
            pos = r["top_positions"]
            where = f"{min(pos)}-{max(pos)} {'ok' if r['priority_honoured'] else 'NOT first'}" if pos else "-"
            extra = ""
            if c.startswith("masakari"):
                phase = _fmt(r["evacuation_phase"], ".0f")
                extra = (f" [status {r['status']}, POST {r['post_seconds']:.1f}s, first vmove start "
                         f"{_fmt(r['first_vmove_start'])}s, evacuation phase {phase}s]")  # fmt: skip
            print(
                f"  {c:16} {r['makespan']:>10.1f} {_fmt(r['first_active_elsewhere']):>10} {r['calls'] / n:>15.2f} "
                f"{where:>22} {r['final_states']}{extra}"
            )
            clean = r["final_states"] == {"ACTIVE on a live host": n} and r["evacuated_twice"] == 0
            ok = ok and clean
    total = {c: sum(res["contenders"][c]["makespan"] for res in rounds) for c in names}
    print("summed over the rounds:")
    for c in names:
        calls = sum(res["contenders"][c]["calls"] for res in rounds) / (n * len(rounds))
        first = [res["contenders"][c]["first_active_elsewhere"] or 0 for res in rounds]
        print(f"  {c:16} makespan {total[c]:7.1f}s, first done elsewhere {sum(first):6.1f}s, "
              f"{calls:.2f} Nova calls per evacuation")  # fmt: skip
    if "vmove" in total:
        for other, goal in (("masakari", "goal >= 3"), ("masakari-parallel", "goal > 1"), ("bare", "goal >= 0.91")):
            if other in total:
                print(f"  {other} / vmove: {total[other] / total['vmove']:.2f} ({goal})")
    single = next((res["single"] for res in rounds if "single" in res), None)
    if single is not None:
        bound = math.ceil(n / args.parallel) * single
        print(f"lower bound: ceil({n}/{args.parallel}) x {single:.2f}s (median single evacuation) = {bound:.1f}s")
    for c in names:
        print(f"Nova requests of {c} (last round):")
        for req, count in sorted(rounds[-1]["contenders"][c]["requests"].items(), key=lambda kv: -kv[1])[:12]:
            print(f"  {count:5d}  {req}")
    print("every instance ACTIVE on a live host, none evacuated twice:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
