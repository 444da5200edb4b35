"""oslo.messaging's transport options, declared at start so defaults can be set.

(oslo.messaging declares them itself on first use; its namespace in the
sample generator lists them.)
"""

from oslo_config import cfg
from oslo_messaging import opts as messaging_opts

NOTIFICATION_RETRIES = 3


def set_defaults() -> None:
    """A notification is tried a few times, then dropped (logged): a broker outage never holds a request
    or a move (oslo.messaging's default retries forever). Also the config sample's default."""
    for group, opts in messaging_opts.list_opts():
        if group == "oslo_messaging_notifications":
            cfg.set_defaults(opts, retry=NOTIFICATION_RETRIES)


def register_opts(conf: cfg.ConfigOpts) -> None:
    for group, opts in messaging_opts.list_opts():
        if group in (None, "DEFAULT"):
            # only transport_url: the others' defaults are set by vmove.rpc
            conf.register_opts([o for o in opts if o.name == "transport_url"])
        elif group == "oslo_messaging_notifications":
            set_defaults()
            conf.register_opts(opts, group=group)


def list_opts():
    return {}
