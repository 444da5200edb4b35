"""How vmove reaches Nova and Cinder: [service_auth], [nova], [cinder]."""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

SERVICE_AUTH = cfg.OptGroup(
    "service_auth",
    title="Credentials of vmove's own service user",
    help="keystoneauth1 options of the user vmove's engine acts as when it calls Nova and Cinder "
    "(an admin of the cloud: moves need admin APIs).",
)
NOVA = cfg.OptGroup("nova", title="Nova (compute) options")
CINDER = cfg.OptGroup("cinder", title="Cinder (block storage) options")


def _endpoint_opts(service_type):
    return [
        cfg.StrOpt("region_name", help="Region of the endpoint in the service catalog."),
        cfg.StrOpt(
            "interface",
            default="public",
            choices=["public", "internal", "admin"],
            help="Endpoint interface to use from the catalog.",
        ),
        cfg.URIOpt("endpoint_override", help=f"Use this {service_type} URL instead of the catalog's."),
    ]


nova_opts = _endpoint_opts("compute") + [
    cfg.StrOpt(
        "api_version",
        default="2.96",
        help="Highest compute microversion vmove asks for (it needs 2.59 or later).",
    ),
]
cinder_opts = _endpoint_opts("block-storage") + [
    cfg.StrOpt(
        "api_version",
        default="3.71",
        help="Highest block-storage microversion vmove asks for (it needs 3.60 or later).",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(SERVICE_AUTH)
    ks_loading.register_auth_conf_options(conf, SERVICE_AUTH.name)
    ks_loading.register_session_conf_options(conf, SERVICE_AUTH.name)
    conf.register_group(NOVA)
    conf.register_opts(nova_opts, group=NOVA)
    conf.register_group(CINDER)
    conf.register_opts(cinder_opts, group=CINDER)


def list_opts():
    auth = (
        ks_loading.get_auth_common_conf_options()
        + ks_loading.get_session_conf_options()
        + ks_loading.get_auth_plugin_conf_options("password")
    )
    # the same option may come twice (e.g. from two lists): keep one of each name
    unique = list({o.name: o for o in auth}.values())
    return {SERVICE_AUTH: unique, NOVA: nova_opts, CINDER: cinder_opts}
