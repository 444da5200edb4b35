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
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return {GROUP: opts}
