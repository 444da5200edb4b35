import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt(
        "host",
        default=socket.gethostname(),
        sample_default="<hostname>",
        help="Name of this node; engines report it in their heartbeat.",
    ),
    cfg.StrOpt(
        "state_path",
        default="$pybasedir/state",
        help="Top-level directory for vmove's state (the embedded SQLite database, locks).",
    ),
    cfg.StrOpt(
        "pybasedir",
        default="/var/lib/vmove",
        sample_default="/var/lib/vmove",
        help="Base directory used to compute state_path.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts)


def list_opts():
    return {"DEFAULT": opts}
