"""``[metrics]``: the Prometheus endpoint of each vmove process."""

from oslo_config import cfg

GROUP = cfg.OptGroup(
    "metrics",
    title="Prometheus metrics",
    help="Each vmove-engine and vmove-api process (and vmove-all) serves its metrics in the Prometheus text "
    "format on its own port (GET /metrics). See the admin guide's metrics page for what they are.",
)

opts = [
    cfg.BoolOpt("enabled", default=False, help="Serve Prometheus metrics."),
    cfg.HostAddressOpt(
        "host",
        default="0.0.0.0",
        help="Address the metrics endpoint listens on (Prometheus scrapes it from another host, usually).",
    ),
    cfg.PortOpt(
        "api_port",
        default=9494,
        help="Port of the API process's metrics (vmove-api; vmove-all serves everything on this one). "
        "Under an external WSGI server the first worker process to start binds it.",
    ),
    cfg.PortOpt(
        "engine_port",
        default=9495,
        help="Port of an engine's metrics. Several engines on one host each need their own "
        "(a configuration file per engine, or --config-file with an override). 0: any free port "
        "(logged at start).",
    ),
    cfg.FloatOpt(
        "database_cache",
        default=5.0,
        min=0.0,
        help="Seconds an engine keeps the figures it read from the database (moves by type and status, "
        "waiting and in flight per limit, runs, notifications, engines' heartbeats) between two scrapes: "
        "several Prometheus servers scraping often cost the database one read per this interval.",
    ),
]
