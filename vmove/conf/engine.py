from oslo_config import cfg

GROUP = cfg.OptGroup("engine", title="vmove engine options")

opts = [
    cfg.StrOpt("topic", default="vmove-engine", help="RPC topic the engines listen on."),
    cfg.FloatOpt(
        "heartbeat_interval",
        default=10.0,
        min=0.1,
        help="Seconds between two heartbeats of an engine into the database.",
    ),
    cfg.FloatOpt(
        "engine_down_time",
        default=60.0,
        min=1.0,
        help="An engine whose last heartbeat is older than this many seconds is reported down.",
    ),
    cfg.IntOpt("rpc_workers", default=8, min=1, help="Threads of the engine's RPC server."),
    cfg.FloatOpt(
        "poll_interval",
        default=1.0,
        min=0.05,
        help="Seconds between two looks at the backends for all moves in flight "
        "(one batched listing per backend per look).",
    ),
    cfg.FloatOpt(
        "max_poll_interval",
        default=5.0,
        min=0.05,
        help="While nothing changes, the engine looks at the backends less and less often, up to this "
        "many seconds apart; any change, or a new request, brings it back to poll_interval.",
    ),
    cfg.FloatOpt(
        "lease_time",
        default=30.0,
        min=1.0,
        help="An engine owns the moves it drives for this many seconds and renews the lease at "
        "every poll; another engine takes over the moves of an engine whose lease ran out.",
    ),
    cfg.IntOpt(
        "max_in_flight",
        default=10,
        min=1,
        help="Moves in flight at once over all engines, of every origin: a plan's or a recovery's own limits "
        "apply within this one, never above it. Each engine holds at most its share (this limit over the "
        "engines alive).",
    ),
    cfg.IntOpt("executor_workers", default=8, min=1, help="Threads that start moves on the backends."),
    cfg.IntOpt(
        "concurrent_starts",
        default=1,
        min=1,
        help="Start requests (Nova's evacuate, live or cold migrate; Cinder's migrate or retype) sent at "
        "once. Pre-checks and state changes of the moves being started run in parallel "
        "(executor_workers); only the requests queue. Nova works through a stream of requests faster than "
        "through bursts: evacuating 100 instances with 10 in flight, the makespan was 6 to 12 % shorter "
        "with requests sent one after another (tools/bench/recovery.py).",
    ),
    cfg.FloatOpt(
        "move_timeout",
        default=3600.0,
        min=1.0,
        help="Default time a started move may take before it is failed (seconds).",
    ),
    cfg.FloatOpt("live_migration_timeout", help="Time limit of a live migration; default move_timeout."),
    cfg.FloatOpt("cold_migration_timeout", help="Time limit of a cold migration; default move_timeout."),
    cfg.FloatOpt("evacuation_timeout", help="Time limit of an evacuation; default move_timeout."),
    cfg.FloatOpt("volume_migration_timeout", help="Time limit of a volume move; default move_timeout."),
    cfg.FloatOpt(
        "progress_interval",
        default=5.0,
        min=0.5,
        help="Seconds a live migration runs before its byte counters (progress) are first read; each "
        "next read waits twice as long, up to 12 times this (one Nova call per read and migration).",
    ),
    cfg.BoolOpt("notifications", default=True, help="Emit a versioned notification on every state change."),
]
