from oslo_config import cfg
from oslo_middleware import cors
from oslo_middleware.healthcheck import opts as healthcheck_opts

GROUP = cfg.OptGroup("api", title="vmove API options")

opts = [
    cfg.HostAddressOpt("host_ip", default="127.0.0.1", help="Address the vmove API listens on."),
    cfg.PortOpt("port", default=9393, help="Port the vmove API listens on."),
    cfg.StrOpt(
        "auth_strategy",
        default="keystone",
        choices=[
            ("keystone", "Validate tokens with keystonemiddleware ([keystone_authtoken])."),
            (
                "noauth",
                "No authentication: every request is an admin of project 'vmove' "
                "(or of the X-Project-Id it names). Only for the embedded default.",
            ),
        ],
        help="How API requests are authenticated.",
    ),
    cfg.IntOpt("max_limit", default=1000, min=1, help="Largest 'limit' a list request may ask for."),
    cfg.IntOpt("default_limit", default=100, min=1, help="Page size when a list request gives no 'limit'."),
    cfg.StrOpt(
        "public_endpoint",
        help="Public URL of the API, used in links; by default the request's own host URL.",
    ),
    cfg.StrOpt(
        "response_validation",
        default="ignore",
        choices=[
            ("error", "Fail the request (500) when a response breaks its schema (tests)."),
            ("warn", "Log a warning."),
            ("ignore", "Do not validate responses (production: it costs most of a list request's time)."),
        ],
        help="Validate API responses against their schema.",
    ),
    # the API's own server (vmove-api, vmove-all): cheroot, see vmove.api.server
    cfg.IntOpt(
        "workers",
        default=1,
        min=1,
        help="Processes of vmove-api, each serving [api] threads requests at once on the same port "
        "(SO_REUSEPORT). vmove-all always serves from its one process.",
    ),
    cfg.IntOpt(
        "threads",
        default=8,
        min=1,
        help="Threads serving requests in each API process. More threads than the process can run at once "
        "only wait for the interpreter lock and the database pool, in no order; the server queues the "
        "other requests in arrival order (tools/bench/load.py: 8 instead of 32 halved the 99th percentile "
        "at 200 clients).",
    ),
    cfg.IntOpt(
        "backlog",
        default=1024,
        min=1,
        help="Connections the kernel queues for the API's listening socket before refusing new ones "
        "(capped by net.core.somaxconn).",
    ),
    cfg.IntOpt(
        "keepalive_timeout",
        default=30,
        min=1,
        help="Seconds a client connection may stay idle (HTTP keep-alive) or take to send a request before "
        "it is closed.",
    ),
    cfg.IntOpt(
        "graceful_shutdown_timeout",
        default=30,
        min=0,
        help="On SIGTERM the API stops accepting connections and gives the requests in progress this many "
        "seconds to finish.",
    ),
    cfg.IntOpt(
        "max_request_body_size",
        default=1048576,
        min=1,
        help="Largest request body, in bytes; a larger one is refused with 413 before it is read.",
    ),
    cfg.BoolOpt(
        "allow_noauth_on_any_address",
        default=False,
        help="Let the API start with auth_strategy = noauth on an address other than a loopback one. Anyone "
        "who can reach that address is then an administrator: only for a network nobody else can reach.",
    ),
]


def set_defaults() -> None:
    """vmove's defaults for oslo.middleware's [cors] and [healthcheck] (also in the config sample)."""
    cors.set_defaults(
        allow_headers=["X-Auth-Token", "X-OpenStack-Request-ID", "OpenStack-API-Version", "Content-Type"],
        expose_headers=["X-OpenStack-Request-ID", "OpenStack-API-Version"],
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    )
    cfg.set_defaults(healthcheck_opts.HEALTHCHECK_OPTS, backends=["vmove_database", "vmove_rpc"])


def register_opts(conf: cfg.ConfigOpts) -> None:
    set_defaults()
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
    conf.register_opts(healthcheck_opts.HEALTHCHECK_OPTS, group="healthcheck")


def list_opts():
    return {GROUP: opts}
