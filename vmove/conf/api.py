from oslo_config import cfg

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
        default="warn",
        choices=[
            ("error", "Fail the request (500) when a response breaks its schema (tests)."),
            ("warn", "Log a warning."),
            ("ignore", "Do not validate responses."),
        ],
        help="Validate API responses against their schema.",
    ),
    cfg.IntOpt("workers", default=1, min=1, help="Threads serving requests in vmove-api/vmove-all's own server."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts():
    return {GROUP: opts}
