"""Host recovery in the engines: the ``recovery`` engine extension (entry point ``vmove.engine.extensions``).

- ``process("notification", uuid)`` (cast by the API when a notification
  arrives, or a restore or retry is asked for) sets the notification up:
  fence the host and write its evacuations (:mod:`vmove.recovery.evacuate`), or
  bring the host back and write the moves back (:mod:`vmove.recovery.restore`), or
  act on a host-recovered (STARTED) notification.
- the tick, at every poll of every engine, rolls the active notifications
  up (progress, status, stop when the cloud is full), and sets up what a
  lost cast or a dead engine left behind.
- scheduler limits: ``notification:<uuid>`` moves run under ``[recovery]
  max_in_flight`` (and ``max_in_flight_per_dest_host``), ``restore:<uuid>``
  moves under ``restore_max_in_flight``.

The moves themselves are run by the engine's move loop like any other.
Set-up work is claimed in the database (``claim_token``/``claimed_until`` of
the notification) so that one engine does it, and is resumable, so that
another engine can finish what a dead one started.
"""

import datetime
import logging
import threading

from oslo_utils import timeutils, uuidutils

from vmove import clients as vmove_clients
from vmove import conf as vmove_conf
from vmove import context as vmove_context
from vmove import exception
from vmove.actions import base as action_base
from vmove.engine import rpcapi
from vmove.moves import scheduler
from vmove.recovery import evacuate, lifecycle, queries, restore, rollup

LOG = logging.getLogger(__name__)

KIND = "notification"
#: who holds the moves this process claims while recording why they are not evacuated
OWNER = uuidutils.generate_uuid()

_reasons: dict = {}
_reasons_lock = threading.Lock()


def register(registry) -> None:
    registry.handler(KIND, process)
    registry.tick(tick)
    scheduler.register("notification", notification_limits)
    scheduler.register("restore", restore_limits)


def notification_limits(ctx, ident) -> scheduler.Limits:
    """The recovery's limits; nothing more starts once evacuations in a row found no valid host.

    Checked here, at dispatch, and not only at the tick's roll-up: the engine refills the slots freed by
    failed evacuations in the same poll that saw them fail, before the roll-up could stop the rest.
    The roll-up then records the moves held here as ignored.
    """
    conf = vmove_conf.CONF
    c = conf.recovery
    if c.no_valid_host_limit:
        n = queries.get(ctx, ident)
        streak = rollup.cloud_full(ctx, conf, n, _reasons_for(conf))
        if streak:
            LOG.info("Notification %s: %d evacuations in a row found no valid host; starting no more", ident, streak)
            return scheduler.HOLD
    return scheduler.Limits(total=c.max_in_flight, per_dest_host=c.max_in_flight_per_dest_host or None)


def restore_limits(ctx, ident) -> scheduler.Limits:
    return scheduler.Limits(total=vmove_conf.CONF.recovery.restore_max_in_flight)


def _reasons_for(conf):
    """The :class:`~vmove.recovery.rollup.FailureReasons` of this process (it remembers what it read)."""
    clients = vmove_clients.for_conf(conf)
    with _reasons_lock:
        found = _reasons.get(id(conf))
        if found is None or found.clients is not clients:
            found = _reasons[id(conf)] = rollup.FailureReasons(clients)
        return found


# ------------------------------------------------------------------ entry points


def process(ctx, conf, uuid) -> None:
    """RPC handler: set up whatever ``uuid`` waits for, then roll it up.

    The work is vmove's own, whoever reported the failure (a host monitor with the service role, say): it
    runs with the engine's admin context, as the tick does.
    """
    LOG.info("Notification %s: processing (request %s)", uuid, getattr(ctx, "request_id", None))
    ctx = vmove_context.get_admin_context()
    advance(ctx, conf, queries.get(ctx, uuid))


def tick(ctx, conf, engine_id) -> None:
    now = timeutils.utcnow()
    late = now - datetime.timedelta(seconds=conf.recovery.claim_timeout)
    for row in queries.active(ctx):
        try:
            if _needs_set_up(row, now) and not _fresh(row, late):
                LOG.info(
                    "Notification %s: set-up taken up by the poll (%s, restore %s)",
                    row.uuid,
                    row.status,
                    row.restore_status,
                )
                advance(ctx, conf, row)
            else:
                roll_up(ctx, conf, row)
        except exception.Conflict as e:  # another engine rolled it up first
            LOG.debug("Notification %s changed under the tick: %s", row.uuid, e)
        except Exception:
            LOG.exception("Notification %s: the recovery tick failed; trying again at the next poll", row.uuid)


def _fresh(row, late) -> bool:
    """Set-up asked for a moment ago: the RPC handler does it (the poll takes over when it is late)."""
    if row.status == lifecycle.NEW:
        asked = row.updated_at if row.attempt > 1 else row.created_at
        return row.event == lifecycle.STOPPED and _utc(asked) > late
    if row.restore_status == lifecycle.RESTORE_REQUESTED:
        return row.restore_requested_at is not None and _utc(row.restore_requested_at) > late
    return False


def _utc(value):
    """A time of the notification (time-zone aware, as its object holds it) as the engine's clock reads
    (naive UTC): comparing the two raised TypeError, and a notification whose cast was lost was never set up."""
    return timeutils.normalize_time(value)


def _needs_set_up(row, now) -> bool:
    if row.status == lifecycle.NEW:
        return True
    if row.restore_status == lifecycle.RESTORE_REQUESTED:
        return True
    if row.restore_status == lifecycle.RESTORE_WAITING:
        return row.restore_next_try is None or _utc(row.restore_next_try) <= now
    return False


# ---------------------------------------------------------------------- work


def advance(ctx, conf, row) -> None:
    """Set up (under a claim) what the notification waits for, then roll it up."""
    now = timeutils.utcnow()
    follow = None
    if _needs_set_up(row, now):
        until = now + datetime.timedelta(seconds=conf.recovery.claim_timeout)
        token = uuidutils.generate_uuid()  # one claim per set-up, even within one process
        claimed = queries.claim(ctx, row.uuid, token, until, now)
        if claimed is None:
            LOG.info("Notification %s: another set-up is in progress", row.uuid)
            return
        try:
            follow = _set_up(ctx, conf, claimed)
        except Exception as e:
            # keep the claim: the set-up is tried again when it runs out, not at every poll
            LOG.exception("Notification %s: set-up failed; trying again in %ss", row.uuid, conf.recovery.claim_timeout)
            _note_failure(ctx, row.uuid, e, conf.recovery.claim_timeout)
            return
        queries.release(ctx, row.uuid, token)
    roll_up(ctx, conf, queries.get(ctx, row.uuid))
    if follow:
        advance(ctx, conf, queries.get(ctx, follow))


def _wake_engines(ctx, conf) -> None:
    """Tell every engine that moves are pending (they would see them at their next poll anyway)."""
    rpcapi.for_conf(conf).move_requested(ctx, None)


def _note_failure(ctx, uuid, exc, retry_in) -> None:
    n = queries.get(ctx, uuid)
    why = f"Set-up failed, tried again in {int(retry_in)} s: {action_base.reason(exc)}"
    field = "message" if n.status == lifecycle.NEW else "restore_message"
    try:
        queries.update(ctx, uuid, {field: why})
    except Exception:  # noqa: BLE001 - the log has it
        LOG.exception("Notification %s: could not record the set-up failure", uuid)


def _set_up(ctx, conf, n):
    clients = vmove_clients.for_conf(conf)
    if n.status == lifecycle.NEW and n.event == lifecycle.STARTED:
        return restore.process_started(ctx, conf, n)
    if n.status == lifecycle.NEW:
        if n.run_started_at is None:
            n = queries.update(
                ctx,
                n.uuid,
                {"run_started_at": timeutils.utcnow()},
                expected={"status": lifecycle.NEW, "attempt": n.attempt},
            )
        evacuate.set_up(ctx, conf, clients, n, OWNER, wake=lambda: _wake_engines(ctx, conf))
        return None
    if n.restore_status in (lifecycle.RESTORE_REQUESTED, lifecycle.RESTORE_WAITING):
        restore.set_up(ctx, conf, clients, n, OWNER)
    return None


def roll_up(ctx, conf, n) -> None:
    if n.event == lifecycle.STARTED:
        restore.roll_up_started(ctx, n)
        return
    rollup.roll_up(ctx, conf, n, OWNER, reasons=_reasons_for(conf))
    if n.restore_status == lifecycle.RESTORE_RUNNING:
        restore.roll_up(ctx, conf, queries.get(ctx, n.uuid))
