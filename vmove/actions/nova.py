"""Instance moves through Nova: live migration, cold migration, evacuation.

Each action starts its move with one Nova call and reads its progress from
the migration records (see :mod:`vmove.actions.instance`). The migration
record, not the server, is the truth: the host changes before the record
says ``completed`` (see the dev cloud notes).
"""

import logging
import time

from novaclient import exceptions as nova_exc

from vmove.actions import base
from vmove.actions.instance import HOST_SCHEMA, InstanceAction, record_phases
from vmove.moves import states

LOG = logging.getLogger(__name__)

EVACUATE_VERSION = "2.94"  # before 2.95, an evacuated instance keeps its power state


def _all_up(services) -> bool:
    return bool(services) and all(s.state == "up" and not getattr(s, "forced_down", False) for s in services)


class LiveMigration(InstanceAction):
    """``os-migrateLive`` with ``block_migration='auto'``; abortable while it runs."""

    migration_types = ("live-migration",)
    nova_actions = ("live-migration",)
    source_statuses = ("ACTIVE", "PAUSED")
    schema = {
        "type": "object",
        "properties": {
            "host": HOST_SCHEMA,
            "block_migration": {"enum": ["auto", True, False]},
        },
        "additionalProperties": False,
    }
    #: Nova's migration record status -> the move's phase
    RECORD_PHASES = record_phases(
        {
            "preparing": ("queued", "preparing"),
            "running": ("running",),
            "post_migrating": ("post-migrating",),
            states.SUCCEEDED: ("completed",),
            states.CANCELLED: ("cancelled",),
        }
    )

    def execute(self, move) -> dict:
        params = move.params or {}
        result = self.clients.nova("2.30").servers.live_migrate(
            move.resource_id, params.get("host"), params.get("block_migration", "auto")
        )
        return {"request_id": base.request_id(result)}

    def interpret(self, move, record):
        status = record["status"]
        if move.phase == "aborting":
            if status in ("cancelled",):
                return base.Observation(
                    phase=states.CANCELLED, message="Aborted on request; the instance did not move."
                )
            if status == "completed":
                return base.Observation(phase=states.SUCCEEDED, message="Completed before the abort took effect.")
            if status in ("error", "failed"):
                return base.Observation(phase=states.FAILED)
            return base.Observation(phase="aborting")
        phase = self.RECORD_PHASES.get(status, move.phase)
        obs = base.Observation(phase=phase)
        if phase == "running":
            obs.progress = self._progress(move, record)
        elif phase in states.TERMINAL:
            self._progress_reads.pop(move.uuid, None)
        if phase == states.CANCELLED:
            obs.message = "Nova cancelled the live migration."
        return obs

    #: the longest wait between two progress reads of one migration, in progress_intervals
    PROGRESS_BACKOFF_MAX = 12

    def __init__(self, conf, clients):
        super().__init__(conf, clients)
        #: move uuid -> (when to read its byte counters next, the wait after that)
        self._progress_reads: dict = {}

    def _progress(self, move, record):
        """Byte counters of a running migration: a call per move, so read sparingly.

        The first read comes progress_interval after the migration was seen running (a short migration
        needs none), then twice as far apart each time, up to PROGRESS_BACKOFF_MAX progress_intervals: a
        long migration still shows progress, and costs a few calls, not one per interval.
        """
        now = time.monotonic()
        base_wait = self.conf.engine.progress_interval
        if len(self._progress_reads) > 10_000:
            self._progress_reads.clear()
        due, wait = self._progress_reads.setdefault(move.uuid, (now + base_wait, base_wait))
        if now < due:
            return None
        wait = min(wait * 2, base_wait * self.PROGRESS_BACKOFF_MAX)
        self._progress_reads[move.uuid] = (now + wait, wait)
        try:
            mig = self.clients.nova("2.80").server_migrations.get(move.resource_id, record["id"])
        except nova_exc.ClientException:
            return None
        total = (mig.memory_total_bytes or 0) + (mig.disk_total_bytes or 0)
        done = (mig.memory_processed_bytes or 0) + (mig.disk_processed_bytes or 0)
        if total <= 0:
            return None
        # 30 % when it starts running, 90 % when every byte is across
        return min(90, 30 + int(60 * done / total))

    def can_abort(self, move) -> bool:
        return move.phase in states.LIVE.abortable

    def why_not_abortable(self, move) -> str:
        return "Nova can abort a live migration only while it is preparing or running."

    def abort(self, move) -> dict:
        by_instance = self._records_by_instance([move])
        record = self._record_for(move, by_instance)
        if record is None:
            raise base.NotAbortable(reason="Nova has no migration record for this move yet; try again in a moment.")
        try:
            self.clients.nova("2.80").server_migrations.live_migration_abort(move.resource_id, record["id"])
        except nova_exc.BadRequest as e:
            raise base.NotAbortable(reason=f"Nova refused to abort migration {record['id']}: {e}") from e
        return {"migration_id": record["id"]}

    def step(self, move):
        if move.phase == "aborting":
            try:
                self.abort(move)
            except base.NotAbortable as e:
                LOG.info("Abort of %s: %s", move.uuid, e.message)
            except nova_exc.ClientException as e:
                LOG.info("Abort of %s not accepted (yet): %s", move.uuid, e)
        return None


class ColdMigration(InstanceAction):
    """``migrate`` (optionally to a host, 2.56), then the engine confirms the resize itself."""

    migration_types = ("migration", "resize")
    nova_actions = ("migrate", "resize")
    source_statuses = ("ACTIVE", "SHUTOFF")
    schema = {"type": "object", "properties": {"host": HOST_SCHEMA}, "additionalProperties": False}
    RECORD_PHASES = record_phases(
        {
            "migrating": ("pre-migrating", "migrating", "post-migrating"),
            "resized": ("finished",),
            "confirming": ("confirming",),
            states.SUCCEEDED: ("confirmed",),
            states.FAILED: ("reverted",),
        }
    )

    def why_not_abortable(self, move) -> str:
        return "Nova has no abort for a cold migration once it has started."

    def execute(self, move) -> dict:
        host = (move.params or {}).get("host")
        result = self.clients.nova("2.56").servers.migrate(move.resource_id, host=host)
        return {"request_id": base.request_id(result)}

    def interpret(self, move, record):
        status = record["status"]
        phase = self.RECORD_PHASES.get(status, move.phase)
        if move.phase == "confirming" and phase == "resized":
            phase = "confirming"  # the record lags the confirm we sent
        obs = base.Observation(phase=phase)
        if status == "reverted":
            obs.message = "The resize was reverted; the instance is back on its source host."
        return obs

    def step(self, move):
        if move.phase != "resized":
            return None
        try:
            self.clients.nova("2.56").servers.confirm_resize(move.resource_id)
        except nova_exc.Conflict as e:
            LOG.info("Confirm of %s not possible now: %s", move.uuid, e)
            return None
        return base.Observation(phase="confirming", detail={"step": "confirm_resize"})


class Evacuation(InstanceAction):
    """``evacuate`` (2.94: the instance keeps its power state) off a host that is down."""

    migration_types = ("evacuation",)
    nova_actions = ("evacuate",)
    source_statuses = ("ACTIVE", "SHUTOFF", "ERROR", "STOPPED", "PAUSED", "SUSPENDED")
    schema = {"type": "object", "properties": {"host": HOST_SCHEMA}, "additionalProperties": False}
    RECORD_PHASES = record_phases(
        {"rebuilding": ("pre-migrating", "migrating", "rebuilding"), states.SUCCEEDED: ("done", "completed")}
    )

    def why_not_abortable(self, move) -> str:
        return "Nova has no abort for an evacuation."

    def pre_condition(self, move) -> dict:
        values = super().pre_condition(move)
        host = values.get("source_host")
        services = self._compute_services(host)
        if _all_up(services):
            # a listing may predate the host's failure (or its fencing): ask Nova before failing the move
            services = self.clients.nova("2.53").services.list(host=host, binary="nova-compute")
        if _all_up(services):
            raise base.ActionFailed(
                reason=f"Compute host {host} is up: Nova evacuates only from a host that is down "
                "(stopped, or forced down)."
            )
        return values

    def prefetch(self, moves) -> None:
        """Servers, and the compute services of their hosts, once for many evacuations."""
        super().prefetch(moves)
        if len(moves) < self.PREFETCH_MIN:
            return
        now = time.monotonic()
        with self._listings.lock:
            known = {h for h, (_, when) in self._listings.services.items() if now - when < self.PREFETCH_TTL / 2}
        if {m.source_host for m in moves} <= known:
            return
        by_host: dict = {}
        for svc in self.clients.nova("2.53").services.list(binary="nova-compute"):
            by_host.setdefault(svc.host, []).append(svc)
        for host, services in by_host.items():
            self._listings.remember_services(host, services)

    def _compute_services(self, host):
        """The host's nova-compute services: from a recent listing, else asked now."""
        with self._listings.lock:
            services, when = self._listings.services.get(host, ((), -1e9))
        if time.monotonic() - when < self.PREFETCH_TTL:
            return services
        return self.clients.nova("2.53").services.list(host=host, binary="nova-compute")

    def execute(self, move) -> dict:
        host = (move.params or {}).get("host")
        result = self.clients.nova(EVACUATE_VERSION).servers.evacuate(move.resource_id, host=host)
        return {"request_id": base.request_id(result)}

    def interpret(self, move, record):
        return base.Observation(phase=self.RECORD_PHASES.get(record["status"], move.phase))
