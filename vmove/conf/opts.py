"""``list_opts`` for oslo-config-generator: discovers every vmove.conf module."""

import collections
import importlib
import pkgutil

import vmove.conf

_IGNORE = {"opts"}


def _modules():
    for info in pkgutil.iter_modules(vmove.conf.__path__):
        if info.name not in _IGNORE:
            yield importlib.import_module(f"vmove.conf.{info.name}")


def list_opts():
    grouped = collections.defaultdict(list)
    for mod in _modules():
        for group, opts in mod.list_opts().items():
            grouped[group].extend(opts)
    return [(g, sorted(opts, key=lambda o: o.name)) for g, opts in grouped.items()]
