"""The figures of the whole deployment an engine exports, read from the database at scrape time.

Every engine exports the same values (they are the database's): aggregate them with ``max`` across
engines. Read at most once per ``[metrics] database_cache`` seconds, in one transaction.
"""

import logging
import threading
import time

from oslo_utils import timeutils
from prometheus_client.core import GaugeMetricFamily
import sqlalchemy as sa

from vmove import context as vmove_context
from vmove.db import models
from vmove.db.api import main_context_manager
from vmove.moves import scheduler, states

LOG = logging.getLogger(__name__)

#: origins of moves with limits of their own (a plan run, a host recovery, its restore); a direct request's
#: moves have only the global one
_LIMITED_KINDS = ("run", "notification", "restore")


@main_context_manager.reader
def read(context, now, down_after):
    """``{"moves": [(type, status, n)], "active": [(origin, status, held, n)], "runs": [(status, n)],
    "notifications": [(status, n)], "engines": [(engine_id, host, age, state)]}``."""
    m, e = models.Move, models.Engine
    q = context.session.execute
    held = sa.and_(m.engine_id.is_not(None), m.lease_until.is_not(None), m.lease_until >= now)
    out = {
        "moves": q(sa.select(m.type, m.status, sa.func.count()).group_by(m.type, m.status)).all(),
        "active": q(
            sa.select(m.origin, m.status, sa.case((held, 1), else_=0), sa.func.count())
            .where(m.status.in_(states.ACTIVE))
            .group_by(m.origin, m.status, sa.case((held, 1), else_=0))
        ).all(),
        "runs": q(sa.select(models.Run.status, sa.func.count()).group_by(models.Run.status)).all(),
        "notifications": q(
            sa.select(models.Notification.status, sa.func.count()).group_by(models.Notification.status)
        ).all(),
    }
    engines = []
    for engine_id, host, beat, stopped in q(sa.select(e.engine_id, e.host, e.last_heartbeat, e.stopped_at)):
        age = (now - timeutils.normalize_time(beat)).total_seconds()
        state = "stopped" if stopped is not None else ("up" if age <= down_after else "down")
        engines.append((engine_id, host, age, state))
    out["engines"] = engines
    return out


class Gauges:
    """A prometheus-client collector of :func:`read`."""

    def __init__(self, conf):
        self.conf = conf
        self._lock = threading.Lock()
        self._cached = (-1e9, None)

    def _figures(self):
        with self._lock:
            at, figures = self._cached
            if time.monotonic() - at >= self.conf.metrics.database_cache or figures is None:
                ctx = vmove_context.get_admin_context()
                figures = read(ctx, timeutils.utcnow(), self.conf.engine.engine_down_time)
                origins = {o for o, *_ in figures["active"] if o.partition(":")[0] in _LIMITED_KINDS}
                figures["limits"] = {o: scheduler.limits_for(ctx, o).total for o in origins}
                figures["limits"]["global"] = self.conf.engine.max_in_flight
                self._cached = (time.monotonic(), figures)
            return figures

    def describe(self):
        return []  # collected at scrape time only: registering reads nothing

    def collect(self):
        up = GaugeMetricFamily("vmove_database_up", "Whether the engine could read its figures from the database")
        try:
            f = self._figures()
        except Exception:  # a scrape must not fail for a database hiccup: the engine itself is up
            LOG.exception("Metrics: cannot read the database's figures")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        moves = GaugeMetricFamily("vmove_moves", "Moves in the database, by type and status", labels=["type", "status"])
        for move_type, status, n in f["moves"]:
            moves.add_metric([move_type, status], n)
        yield moves
        yield from self._limits(f["active"], f["limits"])
        for name, rows in (("runs", f["runs"]), ("notifications", f["notifications"])):
            family = GaugeMetricFamily(
                f"vmove_{name}", f"{name.capitalize()} in the database, by status", labels=["status"]
            )
            for status, n in rows:
                family.add_metric([status], n)
            yield family
        age = GaugeMetricFamily(
            "vmove_engine_heartbeat_age_seconds",
            "Seconds since each engine that has not stopped cleanly last beat into the database",
            labels=["engine_id", "host"],
        )
        states_ = GaugeMetricFamily("vmove_engines", "Engines by state (up, down, stopped)", labels=["state"])
        counts = {"up": 0, "down": 0, "stopped": 0}
        for engine_id, host, seconds, state in f["engines"]:
            counts[state] += 1
            if state != "stopped":
                age.add_metric([engine_id, host], seconds)
        for state, n in counts.items():
            states_.add_metric([state], n)
        yield age
        yield states_

    @staticmethod
    def _limits(active, limits):
        """Moves waiting and in flight under each limit: ``global`` ([engine] max_in_flight, every move) and
        each run's, recovery's or restore's own; with the limit itself where there is one."""
        waiting = GaugeMetricFamily("vmove_moves_waiting", "Pending moves no engine holds, per limit", labels=["limit"])
        in_flight = GaugeMetricFamily(
            "vmove_moves_in_flight", "Moves ongoing or claimed to start, per limit", labels=["limit"]
        )
        limit = GaugeMetricFamily("vmove_moves_limit", "Moves allowed in flight at once, per limit", labels=["limit"])
        per = {"global": [0, 0]}
        for origin, status, held, n in active:
            keys = ["global"]
            if origin.partition(":")[0] in _LIMITED_KINDS:
                keys.append(origin)
            flying = status == states.ONGOING or held
            for key in keys:
                per.setdefault(key, [0, 0])[1 if flying else 0] += n
        for key, (w, f) in sorted(per.items()):
            waiting.add_metric([key], w)
            in_flight.add_metric([key], f)
            total = limits.get(key)
            if total is not None:
                limit.add_metric([key], total)
        yield waiting
        yield in_flight
        yield limit
