"""vmove configuration: one module per option group, registered at start-up.

Every module of this package (but ``opts``) has ``register_opts(conf)`` and
``list_opts()``; nothing here reads a value at import time.
"""

import importlib
import pkgutil

from oslo_config import cfg

CONF = cfg.CONF

_SKIP = {"opts"}


def modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name not in _SKIP:
            yield importlib.import_module(f"{__name__}.{info.name}")


def register_opts(conf: cfg.ConfigOpts) -> None:
    for mod in modules():
        mod.register_opts(conf)


register_opts(CONF)
