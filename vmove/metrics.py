"""vmove's Prometheus metrics (prometheus-client), and the endpoint that serves them.

The metrics of this module are the process's own counts: what this engine or API process did. The figures
read from the database (moves by type and status, moves waiting and in flight per limit, runs and
notifications by status, the engines' heartbeat ages) are collected at scrape time by the engine
(:mod:`vmove.engine.gauges`). Defining a metric reads no configuration; :func:`serve` reads ``[metrics]``
when a process starts.

Label values are bounded: move types, phases and statuses, backend services with the path shape of the
call (ids left out, see :func:`vmove.clients.shape`), API routes likewise.
"""

import logging
import threading

import prometheus_client as prom

LOG = logging.getLogger(__name__)

_DURATIONS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, float("inf"))
_SHORT = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, float("inf"))

MOVE_TRANSITIONS = prom.Counter(
    "vmove_move_transitions",
    "State changes of moves this process wrote, by move type and new phase and status",
    ["type", "phase", "status"],
)
MOVES_ENDED = prom.Counter(
    "vmove_moves_ended", "Moves this process brought to an end, by move type and final status", ["type", "status"]
)
MOVE_DURATION = prom.Histogram(
    "vmove_move_duration_seconds",
    "Time from a move's start (its request to the backend) to its end, by move type and final status",
    ["type", "status"],
    buckets=_DURATIONS,
)
PHASE_DURATION = prom.Histogram(
    "vmove_move_phase_duration_seconds",
    "Time a move spent in a phase, observed when it left the phase, by move type and phase",
    ["type", "phase"],
    buckets=_DURATIONS,
)
MOVES_CLAIMED = prom.Counter("vmove_moves_claimed", "Pending moves this engine claimed to start", ["type"])
TAKEOVERS = prom.Counter("vmove_move_takeovers", "Moves this engine took over from an engine whose lease ran out")
BACKEND_CALLS = prom.Counter(
    "vmove_backend_calls",
    "Requests this process sent to Nova, Cinder, Placement..., by service type, method, path shape, HTTP code",
    ["service", "method", "path", "code"],
)
BACKEND_CALL_DURATION = prom.Histogram(
    "vmove_backend_call_duration_seconds",
    "Time a backend took to answer, by service type",
    ["service"],
    buckets=_SHORT,
)
POLLS = prom.Counter("vmove_engine_polls", "Polls of this engine's move loop")
POLL_DURATION = prom.Histogram("vmove_engine_poll_duration_seconds", "Time one poll took", buckets=_SHORT)
DISPATCH_DURATION = prom.Histogram(
    "vmove_dispatch_duration_seconds",
    "Time one dispatch took: waiting for the dispatch lock, choosing and claiming",
    buckets=_SHORT,
)
NOTIFICATIONS_SENT = prom.Counter(
    "vmove_notifications_sent", "Versioned notifications this process emitted, by event type", ["event_type"]
)
API_REQUESTS = prom.Counter(
    "vmove_api_requests", "API requests served, by method, route and HTTP code", ["method", "route", "code"]
)
API_DURATION = prom.Histogram(
    "vmove_api_request_duration_seconds",
    "Time an API request took, by method and route",
    ["method", "route"],
    buckets=_SHORT,
)

_SERVED: dict = {}
_SERVED_LOCK = threading.Lock()


def serve(conf, port: int):
    """Serve this process's metrics on ``[metrics] host``:``port`` if ``[metrics] enabled``.

    Returns the port listened on (the one chosen when ``port`` is 0), or None. A process serves them once:
    a second call (vmove-all starts the API and an engine) returns the port already served. A port that
    is taken is logged, never fatal: the process runs without metrics.
    """
    if not conf.metrics.enabled:
        return None
    with _SERVED_LOCK:
        if "port" in _SERVED:
            return _SERVED["port"]
        try:
            server, _thread = prom.start_http_server(port, addr=conf.metrics.host)
        except OSError as e:
            LOG.warning("Metrics not served: cannot listen on %s:%s (%s)", conf.metrics.host, port, e)
            return None
        _SERVED.update(port=server.server_address[1], server=server)
        LOG.info("Prometheus metrics on http://%s:%s/metrics", conf.metrics.host, _SERVED["port"])
        return _SERVED["port"]


def stop() -> None:
    """Stop serving (tests)."""
    with _SERVED_LOCK:
        server = _SERVED.pop("server", None)
        _SERVED.pop("port", None)
    if server is not None:
        server.shutdown()
        server.server_close()


def register_collector(collector) -> None:
    """Add a collector of figures read at scrape time (once per process; a second one replaces the first)."""
    with _SERVED_LOCK:
        old = _SERVED.pop("collector", None)
        if old is not None:
            prom.REGISTRY.unregister(old)
        prom.REGISTRY.register(collector)
        _SERVED["collector"] = collector
