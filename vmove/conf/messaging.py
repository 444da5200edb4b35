"""oslo.messaging's transport options, declared at start so defaults can be set.

(oslo.messaging declares them itself on first use; its namespace in the
sample generator lists them.)
"""

from oslo_config import cfg
from oslo_messaging import opts as messaging_opts
from oslo_messaging.notify import notifier

NOTIFICATION_RETRIES = 3


def set_defaults() -> None:
    """A notification is tried a few times, then dropped (logged): a broker outage never holds a request
    or a move (oslo.messaging's default retries forever). On oslo.messaging's own option, so that the
    config sample shows it too."""
    cfg.set_defaults(notifier._notifier_opts, retry=NOTIFICATION_RETRIES)


def register_opts(conf: cfg.ConfigOpts) -> None:
    set_defaults()
    for group, opts in messaging_opts.list_opts():
        if group in (None, "DEFAULT"):
            # only transport_url: the others' defaults are set by vmove.rpc
            conf.register_opts([o for o in opts if o.name == "transport_url"])
        elif group == "oslo_messaging_notifications":
            conf.register_opts(opts, group=group)
            conf.set_default("retry", NOTIFICATION_RETRIES, group=group)


def list_opts():
    return {}
