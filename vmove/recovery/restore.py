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

from vmove import exception
from vmove.actions import listings
from vmove.moves import queries as move_queries
from vmove.moves import service as move_service
from vmove.moves import states
from vmove.recovery import lifecycle, queries, rollup, service

LOG = logging.getLogger(__name__)

SERVICES_VERSION = "2.53"
LIST_VERSION = "2.47"
LIVE_STATUSES = ("ACTIVE", "PAUSED")
COLD_STATUSES = ("SHUTOFF",)


def set_up(ctx, conf, clients, notification, owner) -> None:
    """Bring the host back into service, then write the moves back of this restore attempt."""
    n = notification
    waiting = _host_back(clients, n)
    if waiting is not None:
        next_try = timeutils.utcnow() + datetime.timedelta(seconds=conf.recovery.restore_wait_interval)
        queries.advance_restore(ctx, n, "wait", {"restore_message": waiting, "restore_next_try": next_try})
        return
    written, ignored, busy = _write(ctx, conf, clients, n, owner)
    message = (
        f"Host {n.hostname} is back in service; restore attempt {n.restore_attempt}: {written} move(s) back "
        f"requested, {ignored} ignored."
    )
    if busy:
        message += " Left alone (another move in progress): " + "; ".join(busy) + "."
    queries.advance_restore(ctx, n, "start", {"restore_message": message, "restore_next_try": None})


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
        m
        for m in rollup.latest_by_instance(move_queries.of_origins(ctx, [n.evacuation_origin]))
        if m.status == states.SUCCEEDED
    ]
    back = {m.resource_id: m for m in rollup.latest_by_instance(move_queries.of_origins(ctx, [n.restore_origin]))}
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
        move_type, skip = _how_back(n, m, where.get(m.resource_id))
        try:
            move_service.request_or_skip(
                ctx,
                skip,
                owner=owner,
                lease=datetime.timedelta(seconds=conf.recovery.claim_timeout),
                step="restore",
                resource_type="instance",
                resource_id=m.resource_id,
                move_type=move_type,
                params={"host": n.hostname},
                priority=m.priority,
                origin=n.restore_origin,
                project_id=m.project_id,
                values={"attempt": attempt, "source_host": m.dest_host, "resource_name": m.resource_name},
            )
        except exception.Conflict as e:
            busy.append(f"{m.resource_name} ({m.resource_id}): {e.message}")
            continue
        if skip is None:
            written += 1
        else:
            ignored += 1
    return written, ignored, busy


def _where_now(clients, evacuations) -> dict:
    """``{instance id: server}`` for the instances still on the host their evacuation put them on."""
    nova = clients.nova(LIST_VERSION)
    found = {}
    for dest in sorted({m.dest_host for m in evacuations if m.dest_host}):
        listed = nova.servers.list(search_opts={"host": dest, "all_tenants": True}, limit=-1)
        # the engine pre-checks the first moves back from this listing instead of listing the host again
        listings.LISTINGS.remember(listed, dest)
        for s in listed:
            if getattr(s, "OS-EXT-SRV-ATTR:host", dest) == dest:
                found[s.id] = s
    wanted = {m.resource_id: m.dest_host for m in evacuations}
    return {sid: s for sid, s in found.items() if sid in wanted and wanted[sid] == getattr(s, "OS-EXT-SRV-ATTR:host")}


def _how_back(n, m, server):
    """``(move type, skip)``: how the instance goes back, or ``(type, (reason, message))`` if it does not."""
    if server is None:
        return "live_migration", (
            lifecycle.REASON_MOVED,
            f"Not moved back: the instance is no longer on host {m.dest_host}, where notification {n.uuid} "
            "evacuated it (it moved since, or is gone); left alone.",
        )
    if server.status in LIVE_STATUSES:
        return "live_migration", None
    if server.status in COLD_STATUSES:
        return "cold_migration", None
    return "live_migration", (
        lifecycle.REASON_STATE,
        f"Not moved back: the instance is {server.status}; only ACTIVE or PAUSED (live migration) and SHUTOFF "
        "(cold migration) instances are moved back.",
    )


def roll_up(ctx, conf, notification) -> None:
    n = notification
    if n.restore_status != lifecycle.RESTORE_RUNNING:
        return
    latest = rollup.latest_by_instance(move_queries.of_origins(ctx, [n.restore_origin]))
    prog = rollup.progress(latest)
    if any(m.status not in states.TERMINAL for m in latest):
        if prog != n.restore_progress:
            queries.update(
                ctx,
                n.uuid,
                {"restore_progress": prog},
                expected={"restore_status": n.restore_status, "restore_attempt": n.restore_attempt},
            )
        return
    counts = rollup.summary(latest)
    failed = counts.get(states.FAILED, 0) + counts.get(states.CANCELLED, 0)
    text = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing to move"
    message = f"Restore of host {n.hostname}, attempt {n.restore_attempt}: {text}."
    if failed:
        message += ' Ask again (POST .../action {"restore": null}) to retry the moves back that failed.'
    done = queries.advance_restore(
        ctx,
        n,
        "fail" if failed else "finish",
        {"restore_progress": 100, "restore_message": message, "restore_finished_at": timeutils.utcnow()},
    )
    LOG.info("Restore of notification %s %s: %s", n.uuid, done.restore_status, message)


# ------------------------------------------------------ STARTED notifications


def _end(ctx, n, event, message, **values):
    """End a STARTED notification (``ignore``, ``finish`` or ``fail``)."""
    values.update(message=message, progress=100, finished_at=timeutils.utcnow(), active_key=None)
    queries.advance(ctx, n, event, values)


def process_started(ctx, conf, notification):
    """A host came back: restore its last recovery when configured to; returns the notification to restore."""
    n = notification
    if n.status != lifecycle.NEW:
        return None
    running = queries.get_all(
        ctx, {"hostname": n.hostname, "event": lifecycle.STOPPED, "status": list(lifecycle.ACTIVE)}, limit=1
    )
    if running:
        message = f"Waiting for the recovery of host {n.hostname} (notification {running[0].uuid}) to end."
        if n.message != message:
            queries.update(ctx, n.uuid, {"message": message}, expected={"status": lifecycle.NEW})
        return None
    target = queries.last_recovered(ctx, n.hostname)
    if target is None:
        _end(ctx, n, "ignore", f"Host {n.hostname} is back; no recovery of it to undo.")
        return None
    if not conf.recovery.auto_restore:
        _end(
            ctx,
            n,
            "ignore",
            f"Host {n.hostname} is back. [recovery] auto_restore is off: move its instances back with POST "
            f'/v1/notifications/{target.uuid}/action {{"restore": null}}.',
            related_uuid=target.uuid,
        )
        return None
    if target.restore_status not in lifecycle.RESTORE_ACTIVE:
        try:
            service.request_restore(ctx, target, requested_by=f"host recovered, notification {n.uuid}")
        except exception.Conflict as e:
            _end(
                ctx,
                n,
                "ignore",
                f"Host {n.hostname} is back; nothing restored: {e.message}",
                related_uuid=target.uuid,
            )
            return None
    queries.advance(
        ctx,
        n,
        "set_up",
        {
            "related_uuid": target.uuid,
            "processed_at": timeutils.utcnow(),
            "message": f"Host {n.hostname} is back: restoring notification {target.uuid}.",
        },
    )
    return target.uuid


def roll_up_started(ctx, notification) -> None:
    """A STARTED notification ends as the restore it asked for."""
    n = notification
    if n.status != lifecycle.RUNNING or not n.related_uuid:
        return
    target = queries.get(ctx, n.related_uuid)
    if target.restore_status in (lifecycle.FINISHED, lifecycle.FAILED):
        event = "finish" if target.restore_status == lifecycle.FINISHED else "fail"
        _end(ctx, n, event, f"Restore of notification {target.uuid}: {target.restore_message}")
    elif target.restore_progress != n.progress:
        queries.update(ctx, n.uuid, {"progress": target.restore_progress}, expected={"status": lifecycle.RUNNING})
