"""vmove configuration: one module per option group, registered at start-up.

Nothing here reads a value at import time; :func:`register_opts` only
declares the options on a ``ConfigOpts`` object.
"""

from oslo_config import cfg

from vmove.conf import api, clients, database, default, engine, messaging

CONF = cfg.CONF

_MODULES = (default, api, engine, database, clients, messaging)


def register_opts(conf: cfg.ConfigOpts) -> None:
    for mod in _MODULES:
        mod.register_opts(conf)


register_opts(CONF)
