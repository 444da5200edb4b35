"""``[upgrade_levels]``: the RPC versions a process sends, for rolling upgrades."""

from oslo_config import cfg

GROUP = cfg.OptGroup(
    "upgrade_levels",
    title="RPC version caps for rolling upgrades",
    help="While engines of the previous release still run, the upgraded API and engines must send them "
    "messages they understand: cap each RPC topic at the version the oldest receiver serves. Remove the "
    "caps (and restart) once every engine runs the new release. 'vmove-status upgrade check' says when.",
)

opts = [
    cfg.StrOpt(
        "engine",
        help="Cap of the engine RPC API (vmove.engine.rpcapi) this process sends: a version such as 1.2 "
        "(the previous release's), 'auto' (the lowest version the engines that are up report in the "
        "database, read when the process makes its RPC client, i.e. at its first cast after a start), or "
        "unset (the newest version). Versioned objects sent under a cap are backported to the versions "
        "that RPC version carried.",
    ),
]
