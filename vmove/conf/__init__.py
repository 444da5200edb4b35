"""vmove configuration: one module per option group, registered at start-up.

Every module of this package (but ``opts``) has ``register_opts(conf)`` and
``list_opts()``, or only a group (``GROUP``) and its options (``opts``), registered
as they are (:func:`options`); nothing here reads a value at import time.
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


def options(mod) -> dict:
    """``{group: [option, ...]}`` of a module of this package."""
    if hasattr(mod, "list_opts"):
        return mod.list_opts()
    return {mod.GROUP: mod.opts}


def register_opts(conf: cfg.ConfigOpts) -> None:
    for mod in modules():
        if hasattr(mod, "register_opts"):
            mod.register_opts(conf)
            continue
        conf.register_group(mod.GROUP)
        conf.register_opts(mod.opts, group=mod.GROUP)


register_opts(CONF)
