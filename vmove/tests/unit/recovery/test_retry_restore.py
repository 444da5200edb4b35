"""Retries (attempt + 1, earlier attempts kept), restores (moves back) and STARTED notifications."""

import pytest

from vmove import exception
from vmove.moves import queries as move_queries
from vmove.moves import states
from vmove.recovery import extension as engine_recovery
from vmove.recovery import lifecycle
from vmove.recovery import queries as recovery_queries
from vmove.recovery import service as recovery_service
from vmove.tests.unit.recovery import fakes
from vmove.tests.unit.recovery.helpers import NO_VALID_HOST, finish, moves, reload


def evacuate_all(ctx, conf, n, outcomes):
    """End every pending evacuation: ``outcomes[i]`` is (status, message, dest) for the i-th move."""
    pending = [m for m in moves(ctx, n) if m.status == "pending"]
    for m, (status, message, dest) in zip(pending, outcomes, strict=True):
        finish(ctx, m, status, message, dest=dest)
    engine_recovery.tick(ctx, conf, "e1")
    return reload(ctx, n)


OK1 = (states.SUCCEEDED, None, "host1")
OK2 = (states.SUCCEEDED, None, "host2")
NVH = (states.FAILED, NO_VALID_HOST, None)


def test_retry_makes_new_attempts_only_for_what_did_not_succeed(ctx, conf, cloud, notify):
    conf.set_override("no_valid_host_limit", 2, group="recovery")
    nova = cloud.nova()
    servers = nova.add(*[fakes.server(meta={"vmove:priority": str(i)}) for i in range(1, 6)])
    n = notify()
    made = moves(ctx, n)
    finish(ctx, made[0], *OK1[:2], dest="host1")
    finish(ctx, made[1], *NVH[:2])
    finish(ctx, made[2], *NVH[:2])
    engine_recovery.tick(ctx, conf, "e1")  # stops: the last two are ignored
    n = reload(ctx, n)
    assert n.status == lifecycle.FAILED
    assert recovery_queries.get(ctx, n.uuid).active_key is None
    assert [m.status for m in moves(ctx, n)] == ["succeeded", "failed", "failed", "ignored", "ignored"]
    # the evacuated one is not on the host any more
    setattr(servers[0], "OS-EXT-SRV-ATTR:host", "host1")

    n = recovery_service.request_retry(ctx, n)
    assert (n.status, n.attempt) == (lifecycle.NEW, 2)
    engine_recovery.process(ctx, conf, n.uuid)
    every = moves(ctx, n)
    assert len(every) == 9  # 5 of attempt 1 untouched, 4 new
    assert [(m.status, m.attempt) for m in every[:5]] == [
        ("succeeded", 1),
        ("failed", 1),
        ("failed", 1),
        ("ignored", 1),
        ("ignored", 1),
    ]
    assert [(m.resource_id, m.attempt, m.status) for m in every[5:]] == [(s.id, 2, "pending") for s in servers[1:]]
    # attempt 2 is judged on its own moves: earlier failures do not count (Masakari's bug)
    n = evacuate_all(ctx, conf, reload(ctx, n), [OK1, OK2, OK1, OK2])
    assert n.status == lifecycle.FINISHED and "attempt 2: 4 evacuation(s) requested" in n.message
    assert "Result: 5 instance(s), latest attempts: succeeded 5." in n.message


def test_retry_is_refused_unless_failed(ctx, cloud, notify):
    cloud.nova().add(fakes.server())
    n = reload(ctx, notify())
    with pytest.raises(exception.Conflict, match="only a failed one can be retried"):
        recovery_service.request_retry(ctx, n)


def test_retry_refused_while_another_notification_handles_the_host(ctx, conf, cloud, notify):
    cloud.nova().add(fakes.server())
    n = notify()
    evacuate_all(ctx, conf, n, [NVH])
    assert reload(ctx, n).status == lifecycle.FAILED
    other = notify(advance=False)
    with pytest.raises(exception.Conflict, match=f"Another notification for host host3 \\({other.uuid}, new\\)"):
        recovery_service.request_retry(ctx, reload(ctx, n))


def _recovered(ctx, conf, cloud, notify, count=3, outcomes=None):
    nova = cloud.nova()
    servers = nova.add(*[fakes.server(meta={"vmove:priority": str(i)}) for i in range(1, count + 1)])
    n = notify()
    outcomes = outcomes or [OK1, OK2, OK1][:count]
    evacuate_all(ctx, conf, n, outcomes)
    for s, (status, _, dest) in zip(servers, outcomes, strict=True):
        if status == states.SUCCEEDED:
            setattr(s, "OS-EXT-SRV-ATTR:host", dest)
    nova.services_by_host["host3"].state = "up"  # its nova-compute was restarted
    return servers, reload(ctx, n)


def test_restore_brings_the_host_back_then_moves_back_what_is_still_where_evacuated(ctx, conf, cloud, notify):
    nova = cloud.nova()
    servers, n = _recovered(ctx, conf, cloud, notify, count=4, outcomes=[OK1, OK2, OK1, NVH])
    servers[1].status = "SHUTOFF"
    setattr(servers[2], "OS-EXT-SRV-ATTR:host", "host2")  # moved by someone since
    n = recovery_service.request_restore(ctx, n)
    assert (n.restore_status, n.restore_attempt) == (lifecycle.RESTORE_REQUESTED, 1)
    engine_recovery.process(ctx, conf, n.uuid)
    svc = nova.services_by_host["host3"]
    assert (svc.forced_down, svc.status) == (False, "enabled")
    back = move_queries.of_origins(ctx, [n.restore_origin])
    assert [(m.resource_id, m.type, m.status, m.source_host) for m in back] == [
        (servers[0].id, "live_migration", "pending", "host1"),
        (servers[1].id, "cold_migration", "pending", "host2"),
        (servers[2].id, "live_migration", "ignored", "host1"),
    ]
    assert all(m.params == {"host": "host3"} for m in back)
    assert "no longer on host host1" in back[2].message
    n = reload(ctx, n)
    assert n.restore_status == lifecycle.RESTORE_RUNNING and "2 move(s) back requested, 1 ignored" in n.restore_message
    # the host re-enabled before any move back was written
    order = [c[0] for c in nova.calls]
    assert order.index("services.enable") < order.index("servers.list", order.index("services.enable"))
    # the engine pre-checks the first move back from the restore's own listing
    from vmove.actions import nova as nova_actions

    before = len(nova.calls)
    checked = nova_actions.LiveMigration(conf, cloud).pre_condition(back[0])
    assert checked["source_host"] == "host1" and nova.calls[before:] == []
    # vmoves of the notification: evacuations and moves back
    origins = n.vmove_origins()
    assert len(move_queries.get_all(ctx, {"origins": origins})) == 4 + 3

    finish(ctx, back[0], dest="host3")
    finish(ctx, back[1], states.FAILED, "Nova migration 12 ended error")
    engine_recovery.tick(ctx, conf, "e1")
    n = reload(ctx, n)
    assert (n.restore_status, n.restore_progress) == (lifecycle.FAILED, 100)
    # asked again: only the failed move back is tried again, as attempt 2
    n = recovery_service.request_restore(ctx, n)
    engine_recovery.process(ctx, conf, n.uuid)
    again = move_queries.of_origins(ctx, [n.restore_origin])
    assert [(m.resource_id, m.attempt, m.status) for m in again[3:]] == [(servers[1].id, 2, "pending")]
    finish(ctx, again[3], dest="host3")
    engine_recovery.tick(ctx, conf, "e1")
    n = reload(ctx, n)
    assert n.restore_status == lifecycle.FINISHED and "attempt 2" in n.restore_message
    with pytest.raises(exception.Conflict, match="was restored already"):
        recovery_service.request_restore(ctx, n)


def test_restore_waits_while_nova_refuses_to_bring_the_host_back(ctx, conf, cloud, notify):
    nova = cloud.nova()
    _, n = _recovered(ctx, conf, cloud, notify, count=1, outcomes=[OK1])
    nova.refuse_force_up = "Unable to force up host host3 as `done` evacuation migration records remain"
    n = recovery_service.request_restore(ctx, n)
    engine_recovery.process(ctx, conf, n.uuid)
    n = reload(ctx, n)
    assert n.restore_status == lifecycle.RESTORE_WAITING and "done` evacuation migration records" in n.restore_message
    assert move_queries.of_origins(ctx, [n.restore_origin]) == []
    assert nova.services_by_host["host3"].status == "disabled"  # not enabled before it is back
    nova.refuse_force_up = None
    conf.set_override("restore_wait_interval", 0.1, group="recovery")
    engine_recovery.tick(ctx, conf, "e1")  # not yet due
    recovery_queries.update(ctx, n.uuid, {"restore_next_try": None})
    engine_recovery.tick(ctx, conf, "e1")
    n = reload(ctx, n)
    assert n.restore_status == lifecycle.RESTORE_RUNNING
    assert len(move_queries.of_origins(ctx, [n.restore_origin])) == 1


def test_restore_refusals(ctx, conf, cloud, notify):
    cloud.nova().add(fakes.server())
    n = reload(ctx, notify())
    with pytest.raises(exception.Conflict, match="is running: restore it once it has ended"):
        recovery_service.request_restore(ctx, n)
    n = evacuate_all(ctx, conf, n, [NVH])
    with pytest.raises(exception.Conflict, match="no evacuation of notification .* succeeded"):
        recovery_service.request_restore(ctx, n)


@pytest.mark.parametrize("auto", [True, False])
def test_started_notification_restores_when_configured(ctx, conf, cloud, notify, auto):
    conf.set_override("auto_restore", auto, group="recovery")
    _, failure = _recovered(ctx, conf, cloud, notify, count=2, outcomes=[OK1, OK2])
    started = notify(event="STARTED")
    started, failure = reload(ctx, started), reload(ctx, failure)
    assert started.related_uuid == failure.uuid
    if not auto:
        assert started.status == lifecycle.IGNORED and "auto_restore is off" in started.message
        assert failure.restore_status is None
        return
    assert started.status == lifecycle.RUNNING
    assert failure.restore_status == lifecycle.RESTORE_RUNNING
    back = move_queries.of_origins(ctx, [failure.restore_origin])
    assert len(back) == 2
    assert [m.uuid for m in move_queries.of_origins(ctx, started.vmove_origins())] == [m.uuid for m in back]
    for m in back:
        finish(ctx, m, dest="host3")
    engine_recovery.tick(ctx, conf, "e1")
    assert reload(ctx, failure).restore_status == lifecycle.FINISHED
    engine_recovery.tick(ctx, conf, "e1")
    started = reload(ctx, started)
    assert (started.status, started.progress) == (lifecycle.FINISHED, 100)


def test_started_waits_for_a_running_recovery(ctx, conf, cloud, notify):
    conf.set_override("auto_restore", True, group="recovery")
    cloud.nova().add(fakes.server())
    failure = notify()
    started = notify(event="STARTED")
    assert reload(ctx, started).status == lifecycle.NEW
    assert "Waiting for the recovery of host host3" in reload(ctx, started).message
    (m,) = moves(ctx, failure)
    finish(ctx, m, dest="host1")
    setattr(cloud.nova().all_servers[0], "OS-EXT-SRV-ATTR:host", "host1")
    engine_recovery.tick(ctx, conf, "e1")  # the recovery ends, then the STARTED notification restores it
    assert reload(ctx, started).status == lifecycle.RUNNING
    assert reload(ctx, failure).restore_status == lifecycle.RESTORE_RUNNING


def test_started_without_recovery_is_ignored(ctx, cloud, notify):
    started = reload(ctx, notify(event="STARTED"))
    assert started.status == lifecycle.IGNORED and "no recovery of it to undo" in started.message


def test_restore_limits(ctx, conf):
    conf.set_override("restore_max_in_flight", 3, group="recovery")
    assert engine_recovery.restore_limits(ctx, "x").total == 3
