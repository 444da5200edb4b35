"""vmove and the bare script as contenders of tools/bench/recovery.py: vmove's engine in this process (its
recovery extension and move loop, a SQLite or given database), the script on its own Nova client; both
count their Nova requests."""

import threading
import time
import types
import uuid

from oslo_utils import timeutils
import recovery_harness as harness


def setup(args, info, tmp):
    """vmove's configuration and engine, the script's client, the Masakari peer if it runs: what every
    round uses."""
    from novaclient import client as nova_client

    from vmove import clients as vmove_clients
    from vmove import conf as vmove_conf
    from vmove import context as vmove_context
    from vmove import objects, service
    from vmove.clients import Clients, CountingSession
    from vmove.db import migration
    from vmove.devcloud import base
    from vmove.engine import service as engine_service
    from vmove.tests import fixtures as vfixtures

    creds = info.credentials("vmove")
    # the bare script's own client, on a session of the same user vmove uses, counting its requests
    bare_session = CountingSession(auth=info.session("vmove").auth)
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
    ctx = vmove_context.get_admin_context()
    ctx.project_id = "bench"
    engine = engine_service.EngineService(conf)
    extension_clients = Clients(conf)
    vmove_clients.use(conf, extension_clients)
    engine.start()
    masakari = info.components.get("masakari")
    return types.SimpleNamespace(
        admin=info.nova("admin"),
        comp=info.components["nova"],
        bare=nova_client.Client("2.94", session=bare_session, region_name=info.region),
        bare_session=bare_session,
        engine=engine,
        extension_clients=extension_clients,
        ctx=ctx,
        conf=conf,
        key=key,
        masakari=masakari,
        nova_log=base.DevCloud().logfile("nova-api"),
    )


def run_bare(bench, inst, args) -> dict:
    """The script evacuates the instances most important first, ``--parallel`` in flight."""
    before, before_by = sum(bench.bare_session.snapshot().values()), bench.bare_session.by_request()
    t0_utc = timeutils.utcnow()
    makespan, _took, failures = harness.bare_evacuations(bench.bare, inst.ids, args.parallel, args.poll)
    return {
        "makespan": makespan,
        "t0_utc": t0_utc,
        "calls": sum(bench.bare_session.snapshot().values()) - before,
        "failed": len(failures),
        "requests": harness.minus(bench.bare_session.by_request(), before_by),
    }


def _requests(bench) -> dict:
    return {
        **bench.engine.clients.calls_by_request(),
        **{f"(recovery) {k}": v for k, v in bench.extension_clients.calls_by_request().items()},
    }


def _compute_calls(bench) -> int:
    return bench.engine.clients.calls().get("compute", 0) + bench.extension_clients.calls().get("compute", 0)


def run_vmove(bench, inst, args) -> dict:
    """A host-failure notification, as the API records it and casts it to an engine."""
    from vmove.moves import queries as move_queries
    from vmove.moves import states
    from vmove.recovery import extension as engine_recovery
    from vmove.recovery import rollup
    from vmove.recovery import service as recovery_service

    calls_before, by_before = _compute_calls(bench), _requests(bench)
    placement_before = bench.extension_clients.calls().get("placement", 0)
    t = timeutils.utcnow()
    body = {
        "type": "COMPUTE_HOST",
        "hostname": args.host,
        "generated_time": timeutils.utcnow().isoformat(),
        "payload": {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"},
    }
    note, _ = recovery_service.create_notification(bench.ctx, body, timeutils.utcnow())
    # what the engine's RPC endpoint does when the API casts process("notification", uuid)
    threading.Thread(target=engine_recovery.process, args=(bench.ctx, bench.conf, note.uuid)).start()
    mine = set(inst.ids)  # other contenders' instances still on the host are recorded as ignored
    # the bench's own watching must not take CPU from the engine or Nova: a cheap query per poll, the
    # moves read only once none is pending or ongoing; the makespan is the engine's recorded end
    while True:
        time.sleep(args.poll)
        if move_queries.get_all(bench.ctx, {"status": ["pending", "ongoing"]}, limit=1):
            continue
        latest = rollup.latest_by_instance(move_queries.of_origins(bench.ctx, [note.evacuation_origin]))
        latest = [m for m in latest if m.resource_id in mine]
        if len(latest) == len(mine) and all(m.status in states.TERMINAL for m in latest):
            break
    makespan = (max(timeutils.normalize_time(m.end_time) for m in latest) - t).total_seconds()
    return {
        "makespan": makespan,
        "t0_utc": t,
        "calls": _compute_calls(bench) - calls_before,
        "statuses": rollup.summary(latest),
        "placement": bench.extension_clients.calls().get("placement", 0) - placement_before,
        "requests": harness.minus(_requests(bench), by_before),
    }
