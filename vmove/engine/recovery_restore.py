"""Moving the evacuated instances back when their host returns (restore), and STARTED notifications.

A restore first brings the host's nova-compute back into service (forced
down unset, enabled; Nova refuses while the restarted compute has not
cleaned up the evacuated guests, so the restore waits and tries again),
then asks for one move per instance the recovery evacuated that is still
where the evacuation put it: a live migration (ACTIVE, PAUSED) or a cold
migration (SHUTOFF) back to the host, origin ``restore:<uuid>``. Instances
moved elsewhere since, or in another state, are recorded as ignored with
the reason. A failed restore asked again retries only the moves back that
failed, as attempt + 1.
"""

import datetime
import logging

from novaclient import exceptions as nova_exc
from oslo_utils import timeutils

from vmove import exception, recovery
from vmove import moves as move_requests
from vmove.actions import nova as nova_actions
from vmove.db import recovery_api
from vmove.engine import states
from vmove.engine.transitions import transition
from vmove.objects import notification as nobj

LOG = logging.getLogger(__name__)

SERVICES_VERSION = "2.53"
LIST_VERSION = "2.47"
LIVE_STATUSES = ("ACTIVE", "PAUSED")
COLD_STATUSES = ("SHUTOFF",)


def _restore_update(ctx, n, values, expected_status):
    return recovery_api.notification_update(
        ctx, n.uuid, values, expected={"restore_status": expected_status, "restore_attempt": n.restore_attempt}
    )


def set_up(ctx, conf, clients, notification, owner) -> None:
    """Bring the host back into service, then write the moves back of this restore attempt."""
    n = notification
    waiting = _host_back(clients, n)
    if waiting is not None:
        next_try = timeutils.utcnow() + datetime.timedelta(seconds=conf.recovery.restore_wait_interval)
        _restore_update(
            ctx,
            n,
            {"restore_status": nobj.RESTORE_WAITING, "restore_message": waiting, "restore_next_try": next_try},
            [nobj.RESTORE_REQUESTED, nobj.RESTORE_WAITING],
        )
        return
    written, ignored, busy = _write(ctx, conf, clients, n, owner)
    message = (
        f"Host {n.hostname} is back in service; restore attempt {n.restore_attempt}: {written} move(s) back "
        f"requested, {ignored} ignored."
    )
    if busy:
        message += " Left alone (another move in progress): " + "; ".join(busy) + "."
    _restore_update(
        ctx,
        n,
        {"restore_status": nobj.RESTORE_RUNNING, "restore_message": message, "restore_next_try": None},
        [nobj.RESTORE_REQUESTED, nobj.RESTORE_WAITING],
    )


def _host_back(clients, n) -> str | None:
    """Unset forced_down and enable the host's nova-compute; None when it is up, else why we wait."""
    nova = clients.nova(SERVICES_VERSION)
    services = nova.services.list(host=n.hostname, binary="nova-compute")
    if not services:
        return f"Waiting: Nova has no nova-compute service on host {n.hostname}."
    service = services[0]
    try:
        if getattr(service, "forced_down", False):
            service = nova.services.force_down(service.id, False)
        if service.status == "disabled":
            service = nova.services.enable(service.id)
    except nova_exc.BadRequest as e:
        return f"Waiting for host {n.hostname} to come back: Nova refuses to force its compute service up yet: {e}"
    if getattr(service, "state", "up") != "up":
        return f"Waiting for the nova-compute of host {n.hostname} to report up (it is {service.state})."
    return None


def _write(ctx, conf, clients, n, owner):
    evacuated = [
        m for m in recovery.latest_by_instance(recovery.moves_of(ctx, [n.evacuation_origin])) if m.status == "succeeded"
    ]
    back = {m.resource_id: m for m in recovery.latest_by_instance(recovery.moves_of(ctx, [n.restore_origin]))}
    todo = []
    for m in sorted(evacuated, key=lambda m: (-m.priority, m.start_time or m.created_at, m.id)):
        last = back.get(m.resource_id)
        attempt = 1
        if last is not None:
            if n.restore_requested_at is not None and last.created_at >= n.restore_requested_at:
                continue  # this attempt made it already (resuming)
            if last.status not in (states.FAILED, states.CANCELLED):
                continue  # back already, on its way, or left alone for a reason that still holds
            attempt = last.attempt + 1
        todo.append((m, attempt))
    where = _where_now(clients, [m for m, _ in todo])
    written = ignored = 0
    busy = []
    for m, attempt in todo:
        server = where.get(m.resource_id)
        move_type, skip = _how_back(n, m, server)
        values = {"attempt": attempt, "source_host": m.dest_host, "resource_name": m.resource_name}
        if skip is not None:
            values.update(engine_id=owner, lease_until=timeutils.utcnow() + datetime.timedelta(seconds=60))
        try:
            move = move_requests.request_move(
                ctx,
                resource_type="instance",
                resource_id=m.resource_id,
                move_type=move_type,
                params={"host": n.hostname},
                priority=m.priority,
                origin=n.restore_origin,
                project_id=m.project_id,
                values=values,
            )
        except exception.Conflict as e:
            busy.append(f"{m.resource_name} ({m.resource_id}): {e.message}")
            continue
        if skip is None:
            written += 1
            continue
        reason, message = skip
        transition(ctx, move, states.IGNORED, message=message, detail={"step": "restore", "reason": reason})
        ignored += 1
    return written, ignored, busy


def _where_now(clients, evacuations) -> dict:
    """``{instance id: server}`` for the instances still on the host their evacuation put them on."""
    nova = clients.nova(LIST_VERSION)
    found = {}
    for dest in sorted({m.dest_host for m in evacuations if m.dest_host}):
        listed = nova.servers.list(search_opts={"host": dest, "all_tenants": True}, limit=-1)
        # the engine pre-checks the first moves back from this listing instead of listing the host again
        nova_actions.LISTINGS.remember(listed, dest)
        for s in listed:
            if getattr(s, "OS-EXT-SRV-ATTR:host", dest) == dest:
                found[s.id] = s
    wanted = {m.resource_id: m.dest_host for m in evacuations}
    return {sid: s for sid, s in found.items() if sid in wanted and wanted[sid] == getattr(s, "OS-EXT-SRV-ATTR:host")}


def _how_back(n, m, server):
    """``(move type, skip)``: how the instance goes back, or ``(type, (reason, message))`` if it does not."""
    if server is None:
        return "live_migration", (
            recovery.REASON_MOVED,
            f"Not moved back: the instance is no longer on host {m.dest_host}, where notification {n.uuid} "
            "evacuated it (it moved since, or is gone); left alone.",
        )
    if server.status in LIVE_STATUSES:
        return "live_migration", None
    if server.status in COLD_STATUSES:
        return "cold_migration", None
    return "live_migration", (
        recovery.REASON_STATE,
        f"Not moved back: the instance is {server.status}; only ACTIVE or PAUSED (live migration) and SHUTOFF "
        "(cold migration) instances are moved back.",
    )


def roll_up(ctx, conf, notification) -> None:
    n = notification
    if n.restore_status != nobj.RESTORE_RUNNING:
        return
    latest = recovery.latest_by_instance(recovery.moves_of(ctx, [n.restore_origin]))
    prog = recovery.progress(latest)
    if any(m.status not in states.TERMINAL for m in latest):
        if prog != n.restore_progress:
            _restore_update(ctx, n, {"restore_progress": prog}, nobj.RESTORE_RUNNING)
        return
    counts = recovery.summary(latest)
    failed = counts.get(states.FAILED, 0) + counts.get(states.CANCELLED, 0)
    text = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing to move"
    status = nobj.FAILED if failed else nobj.FINISHED
    message = f"Restore of host {n.hostname}, attempt {n.restore_attempt}: {text}."
    if failed:
        message += ' Ask again (POST .../action {"restore": null}) to retry the moves back that failed.'
    _restore_update(
        ctx,
        n,
        {
            "restore_status": status,
            "restore_progress": 100,
            "restore_message": message,
            "restore_finished_at": timeutils.utcnow(),
        },
        nobj.RESTORE_RUNNING,
    )
    LOG.info("Restore of notification %s %s: %s", n.uuid, status, message)


# ------------------------------------------------------ STARTED notifications


def _end(ctx, n, status, message, **values):
    values.update(status=status, message=message, progress=100, finished_at=timeutils.utcnow(), active_key=None)
    recovery_api.notification_update(ctx, n.uuid, values, expected={"status": [nobj.NEW, nobj.RUNNING]})


def process_started(ctx, conf, notification):
    """A host came back: restore its last recovery when configured to; returns the notification to restore."""
    n = notification
    if n.status != nobj.NEW:
        return None
    running = recovery_api.notification_get_all(
        ctx, {"hostname": n.hostname, "event": nobj.STOPPED, "status": [nobj.NEW, nobj.RUNNING]}, limit=1
    )
    if running:
        message = f"Waiting for the recovery of host {n.hostname} (notification {running[0].uuid}) to end."
        if n.message != message:
            recovery_api.notification_update(ctx, n.uuid, {"message": message}, expected={"status": nobj.NEW})
        return None
    target = recovery_api.notification_last_recovered(ctx, n.hostname)
    if target is None:
        _end(ctx, n, nobj.IGNORED, f"Host {n.hostname} is back; no recovery of it to undo.")
        return None
    target = nobj.Notification.from_row(ctx, target)
    if not conf.recovery.auto_restore:
        _end(
            ctx,
            n,
            nobj.IGNORED,
            f"Host {n.hostname} is back. [recovery] auto_restore is off: move its instances back with POST "
            f'/v1/notifications/{target.uuid}/action {{"restore": null}}.',
            related_uuid=target.uuid,
        )
        return None
    if target.restore_status not in recovery_api.RESTORE_ACTIVE:
        try:
            recovery.request_restore(ctx, target, requested_by=f"host recovered, notification {n.uuid}")
        except exception.Conflict as e:
            _end(
                ctx,
                n,
                nobj.IGNORED,
                f"Host {n.hostname} is back; nothing restored: {e.message}",
                related_uuid=target.uuid,
            )
            return None
    recovery_api.notification_update(
        ctx,
        n.uuid,
        {
            "status": nobj.RUNNING,
            "related_uuid": target.uuid,
            "processed_at": timeutils.utcnow(),
            "message": f"Host {n.hostname} is back: restoring notification {target.uuid}.",
        },
        expected={"status": nobj.NEW},
    )
    return target.uuid


def roll_up_started(ctx, notification) -> None:
    """A STARTED notification ends as the restore it asked for."""
    n = notification
    if n.status != nobj.RUNNING or not n.related_uuid:
        return
    target = recovery_api.notification_get(ctx, n.related_uuid)
    if target.restore_status in (nobj.FINISHED, nobj.FAILED):
        _end(ctx, n, target.restore_status, f"Restore of notification {target.uuid}: {target.restore_message}")
    elif target.restore_progress != n.progress:
        recovery_api.notification_update(
            ctx, n.uuid, {"progress": target.restore_progress}, expected={"status": nobj.RUNNING}
        )
