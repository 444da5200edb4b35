"""The engine's move loop: claim, start, observe, advance, time out.

Everything the loop knows is in the database: it claims moves with a lease,
commits every transition before it acts on the backend, and renews its
leases at every poll. An engine that dies loses nothing; another one (or the
same one restarted) takes its moves over when the leases run out and asks the
backend where each really is.
"""

import collections
import concurrent.futures
import datetime
import logging
import threading
import time

from oslo_utils import timeutils

from vmove import clients as vmove_clients
from vmove import context as vmove_context
from vmove import exception, metrics, placement
from vmove.actions import base as action_base
from vmove.actions import registry
from vmove.engine import extensions, takeover
from vmove.moves import leases, queries, scheduler, states
from vmove.moves.transitions import transition

LOG = logging.getLogger(__name__)


class MoveRunner:
    def __init__(self, conf, engine_id: str, clients):
        self.conf = conf
        self.engine_id = engine_id
        self.clients = clients
        self.ctx = vmove_context.get_admin_context()
        self.actions = registry.Actions(conf, clients, history=self.history, placement=placement)
        self._pool = concurrent.futures.ThreadPoolExecutor(
            conf.engine.executor_workers, thread_name_prefix="vmove-start"
        )
        self._starting: set[str] = set()
        self._starting_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._taken_over: set[str] = set()
        self._owned = leases.OwnedMoves(self.ctx, engine_id)
        self._renewed_at = -1e9
        self._changed = False
        self._ended = False
        self._looking_ahead = threading.Lock()
        self._looked_ahead_at = -1e9
        #: start requests sent to the backends at once (pre-checks and state changes run beside them)
        self._sending = threading.BoundedSemaphore(conf.engine.concurrent_starts)

    def history(self, move) -> list[dict]:
        """What the actions may read of a move's past: the details of this attempt's events."""
        return [e.detail or {} for e in queries.events(self.ctx, move.uuid, attempt=move.attempt)]

    # ----------------------------------------------------------- lifecycle
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="vmove-runner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._pool.shutdown(wait=True, cancel_futures=True)
        # a clean stop hands the moves over at once instead of after lease_time
        try:
            leases.end_all(self.ctx, self.engine_id, timeutils.utcnow())
        except Exception:
            LOG.exception("Engine %s: could not end its leases", self.engine_id)

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        interval = self.conf.engine.poll_interval
        while not self._stop.is_set():
            self._changed = False
            began = time.monotonic()
            try:
                self.tick()
            except Exception:
                LOG.exception("Engine %s: move loop failed; trying again", self.engine_id)
            # back off while nothing changes: fewer backend calls for long moves
            if self._changed:
                interval = self.conf.engine.poll_interval
            else:
                interval = min(interval * 1.5, max(self.conf.engine.max_poll_interval, self.conf.engine.poll_interval))
            # polls start ``interval`` apart (the time a tick takes is not added to the wait): a move that
            # ends is seen half an interval later on average, however long the backend takes to answer
            if self._wake.wait(self._wait_after(began, interval)):
                interval = self.conf.engine.poll_interval
            self._wake.clear()

    @staticmethod
    def _wait_after(began: float, interval: float) -> float:
        """The wait until the next poll: ``interval`` after the last one began, at least a tenth of it."""
        return max(interval - (time.monotonic() - began), interval / 10)

    # ---------------------------------------------------------------- tick
    def _lease_until(self):
        return timeutils.utcnow() + datetime.timedelta(seconds=self.conf.engine.lease_time)

    def tick(self) -> None:
        metrics.POLLS.inc()
        with metrics.POLL_DURATION.time():
            self._tick()

    def _tick(self) -> None:
        now = timeutils.utcnow()
        self._maybe_renew()
        for move, holder in leases.claim_stale(self.ctx, self.engine_id, self._lease_until(), now):
            self._take_over(move, holder)
        extensions.run_ticks(self.ctx, self.conf, self.engine_id)
        self._dispatch(now)
        self._ended = False
        self._observe()
        if self._ended:
            # slots were freed: fill them now rather than at the next poll
            self._dispatch(timeutils.utcnow())
        self._maybe_look_ahead()

    def _maybe_renew(self) -> None:
        """Renew the leases a third of ``lease_time`` after the last renewal, not at every poll: one
        UPDATE of every move the engine holds, so a lease never runs out under a live engine."""
        if time.monotonic() - self._renewed_at < self.conf.engine.lease_time / 3:
            return
        with self._starting_lock:
            starting = set(self._starting)
        self._renewed_at = time.monotonic()
        leases.renew(self.ctx, self.engine_id, self._lease_until(), starting)

    #: seconds between two look-aheads: the actions list the moves next in line far less often than that
    #: (nova: once per half PREFETCH_TTL), and reading the line at every poll costs the database and the CPU
    LOOK_AHEAD_EVERY = 2.0

    def _maybe_look_ahead(self) -> None:
        now = time.monotonic()
        if now - self._looked_ahead_at >= self.LOOK_AHEAD_EVERY:
            self._looked_ahead_at = now
            self._look_ahead(timeutils.utcnow())

    def _dispatch(self, now) -> None:
        expired = []

        def choose(pending, in_flight):
            start, expire = scheduler.choose(
                pending,
                in_flight,
                self.conf.engine.max_in_flight,
                now,
                lambda origin: scheduler.limits_for(self.ctx, origin),
            )
            expired.extend((queries.to_obj(self.ctx, m), reason) for m, reason in expire)
            return start

        with metrics.DISPATCH_DURATION.time():
            live_since = now - datetime.timedelta(seconds=self.conf.engine.lease_time)
            claimed = leases.dispatch(
                self.ctx, self.engine_id, self._lease_until(), now, choose, self.conf.engine.max_in_flight, live_since
            )
        by_type = collections.defaultdict(list)
        for move in claimed:
            by_type[move.type].append(move)
        for move_type, group in by_type.items():
            try:
                self.actions.get(move_type).prefetch(group)
            except Exception as e:  # each move's pre_condition reads the backend itself then
                LOG.info("Engine %s: prefetch of %d %s moves failed: %s", self.engine_id, len(group), move_type, e)
        for move in claimed:
            metrics.MOVES_CLAIMED.labels(move.type).inc()
            with self._starting_lock:
                self._starting.add(move.uuid)
            self._pool.submit(self._start_guarded, move)
        for move, reason in expired:
            self._safe_transition(move, states.IGNORED, message=reason.capitalize() + ".", detail={"step": "dispatch"})

    def _look_ahead(self, now) -> None:
        """Let the actions read the backend for the moves next in line, while they wait for a slot.

        The moves that would start if every slot were free (the scheduler's limits and windows hold the
        others) are handed to their action's ``prefetch`` in the background: when a slot frees up, the
        next move's pre-check needs no backend call of its own and the move starts at once.
        """
        if self._looking_ahead.locked():
            return  # the previous look-ahead is still reading
        try:
            pending = leases.pending_next(self.ctx, now, self.conf.engine.max_in_flight)
            nxt, _ = scheduler.choose(
                pending, [], self.conf.engine.max_in_flight, now, lambda o: scheduler.limits_for(self.ctx, o)
            )
        except Exception:
            LOG.exception("Engine %s: could not read the moves next in line", self.engine_id)
            return
        by_type = collections.defaultdict(list)
        for move in nxt:
            by_type[move.type].append(move)
        if by_type and self._looking_ahead.acquire(blocking=False):
            self._pool.submit(self._prefetch, by_type)

    def _prefetch(self, by_type) -> None:
        try:
            for move_type, group in by_type.items():
                try:
                    self.actions.get(move_type).prefetch(group)
                except Exception as e:  # the pre-checks read the backend themselves then
                    LOG.info(
                        "Engine %s: look-ahead of %d %s moves failed: %s", self.engine_id, len(group), move_type, e
                    )
        finally:
            self._looking_ahead.release()

    # --------------------------------------------------------------- start
    def _start_guarded(self, move) -> None:
        sent = False
        try:
            with vmove_context.acting_for(move.global_request_id):
                sent = self.start_move(move)
        except Exception:
            LOG.exception("Engine %s: starting move %s failed; giving it back", self.engine_id, move.uuid)
            try:
                leases.release(self.ctx, move.uuid, self.engine_id)
            except Exception:  # its lease runs out anyway
                LOG.exception("Engine %s: could not give back move %s", self.engine_id, move.uuid)
        finally:
            with self._starting_lock:
                self._starting.discard(move.uuid)
            if not sent:
                # its slot is free again (skipped, failed, given back): fill it now, not at the next poll. A
                # move the backend took is observed at the next poll like the others: waking for it would
                # make the loop poll after every start request
                self._wake.set()

    def _safe_transition(self, move, phase, **kw):
        self._changed = True
        if phase in states.TERMINAL:
            self._ended = True
        try:
            return transition(self.ctx, move, phase, engine_id=self.engine_id, **kw)
        except exception.Conflict:
            LOG.info("Move %s changed under engine %s; leaving it", move.uuid, self.engine_id)
            return None

    def start_move(self, move) -> bool:
        """Pre-check, record the intent, ask the backend; True if the backend took the move."""
        action = self.actions.get(move.type)
        with vmove_clients.recording() as ids:
            try:
                values = action.pre_condition(move) or {}
            except action_base.ActionSkipped as e:
                detail = vmove_clients.with_ids({"step": "pre_condition"}, ids)
                self._safe_transition(move, states.IGNORED, message=e.message, detail=detail)
                return False
            except Exception as e:  # ActionFailed, or the backend refused to tell
                detail = vmove_clients.with_ids({"step": "pre_condition"}, ids)
                self._safe_transition(move, states.FAILED, message=action_base.reason(e), detail=detail)
                return False
        # the intent is committed before the backend is asked
        started = self._safe_transition(
            move,
            states.STARTING,
            values=values,
            message=None,
            detail={"step": "execute"},
            expected={"engine_id": self.engine_id},
        )
        if started is None:
            return False
        return self._execute(action, started)

    def _execute(self, action, move, again=False) -> bool:
        with vmove_clients.recording() as ids:
            try:
                with self._sending:
                    detail = action.execute(move) or {}
            except Exception as e:
                if again and action.busy(move):
                    # asked again after a takeover, and refused because the backend is at work on the
                    # resource: the dead engine's request got there after all. Wait for its record.
                    LOG.info("Move %s: the backend already works on %s (%s); waiting for its record", move.uuid,
                             move.resource_id, action_base.reason(e))  # fmt: skip
                    self._taken_over.add(move.uuid)
                    return False
                detail = vmove_clients.with_ids({"step": "execute"}, ids)
                self._safe_transition(move, states.FAILED, message=action_base.reason(e), detail=detail)
                return False
        detail = vmove_clients.with_ids(dict(detail, executed=True), ids)
        LOG.info("Move %s (%s of %s) sent to the backend: %s", move.uuid, move.type, move.resource_id, ids or "-")
        self._safe_transition(move, states.STARTING, detail=detail, message=None)
        return True

    # ------------------------------------------------------------ takeover
    def _take_over(self, move, holder) -> None:
        metrics.TAKEOVERS.inc()
        with vmove_context.acting_for(move.global_request_id):
            LOG.warning("Engine %s takes over move %s from engine %s", self.engine_id, move.uuid, holder)
        self._safe_transition(
            move,
            move.phase,
            detail={"taken_over_from": holder},
            message=None,
        )
        self._taken_over.add(move.uuid)

    # ------------------------------------------------------------- observe
    def _observe(self) -> None:
        with self._starting_lock:
            busy = set(self._starting)
        moves = [m for m in self._owned.read() if m.uuid not in busy]
        by_type = collections.defaultdict(list)
        for m in moves:
            by_type[m.type].append(m)
        for move_type, group in by_type.items():
            action = self.actions.get(move_type)
            with vmove_clients.recording() as listing:
                try:
                    seen = action.observe(group)
                except Exception as e:
                    LOG.warning("Engine %s: observing %d %s moves failed: %s", self.engine_id, len(group), move_type, e)
                    seen = {}
            for move in group:
                try:
                    with vmove_context.acting_for(move.global_request_id), vmove_clients.recording() as ids:
                        tag = lambda d, ids=ids: vmove_clients.with_ids(d, listing + ids)  # noqa: E731
                        self._advance(action, move, seen.get(move.uuid), tag)
                except Exception:
                    LOG.exception("Engine %s: advancing move %s failed", self.engine_id, move.uuid)

    def _advance(self, action, move, obs, ids=lambda detail: detail) -> None:
        """Move ``move`` on from the backend's observation ``obs``; ``ids(detail)`` adds to an event's detail
        the backend request ids that led to it (the listing, the calls of the steps)."""
        if obs is not None and obs.not_started and move.phase == states.STARTING:
            if move.uuid in self._taken_over and takeover.should_resend(self.ctx, action, move):
                self._taken_over.discard(move.uuid)
                # a new intent, committed before the request leaves: if this engine dies too, the next one
                # waits RESEND_AFTER from here, not from the first engine's intent
                intended = self._safe_transition(
                    move,
                    states.STARTING,
                    detail={"step": "execute", "resend": True},
                    message=None,
                    expected={"engine_id": self.engine_id},
                )
                if intended is not None:
                    self._execute(action, intended, again=True)
                return
            obs = None
        if obs is not None and (obs.phase != move.phase or obs.values):
            if obs.phase == states.SUCCEEDED:
                try:
                    action.post_condition(move)
                except Exception as e:
                    self._safe_transition(
                        move,
                        states.FAILED,
                        message=action_base.reason(e),
                        detail=ids({"step": "post_condition"}),
                        values=obs.values,
                    )
                    return
            new = self._safe_transition(move, obs.phase, message=obs.message, detail=ids(obs.detail), values=obs.values)
            if new is None:
                return
            move = new
        elif obs is not None and obs.progress is not None and obs.progress != move.progress:
            leases.set_progress(self.ctx, move.uuid, self.engine_id, obs.progress)
            self._changed = True
        if move.status in states.TERMINAL:
            return
        # forward steps the engine takes itself (confirm a resize, abort ...)
        step = action.step(move)
        if step is not None and step.phase != move.phase:
            new = self._safe_transition(
                move, step.phase, message=step.message, detail=ids(step.detail), values=step.values
            )
            move = new or move
        self._check_timeout(action, move, ids)

    def _check_timeout(self, action, move, ids=lambda detail: detail) -> None:
        if move.status != states.ONGOING or move.start_time is None:
            return
        limit = action.timeout(move)
        age = (timeutils.utcnow(with_timezone=True) - move.start_time).total_seconds()
        if age <= limit:
            return
        message = f"Timed out after {int(age)} s (limit {int(limit)} s) in phase {move.phase}."
        if action.can_abort(move):
            try:
                action.abort(move)
                message += " The backend was asked to abort it."
            except Exception as e:
                message += f" Aborting it failed: {action_base.reason(e)}"
        else:
            message += " The backend has no abort for it: it may still finish there; check the resource."
        self._safe_transition(move, states.FAILED, message=message, detail=ids({"step": "timeout"}))
