"""oslo.messaging's transport options, declared at start so defaults can be set.

(oslo.messaging declares them itself on first use; its namespace in the
sample generator lists them.)
"""

from oslo_config import cfg
from oslo_messaging import opts as messaging_opts


def register_opts(conf: cfg.ConfigOpts) -> None:
    for group, opts in messaging_opts.list_opts():
        if group in (None, "DEFAULT"):
            # only transport_url: the others' defaults are set by vmove.rpc
            conf.register_opts([o for o in opts if o.name == "transport_url"])
        elif group == "oslo_messaging_notifications":
            conf.register_opts(opts, group=group)


def list_opts():
    return {}
