"""``list_opts`` for oslo-config-generator: every vmove.conf module's options."""

import collections

import vmove.conf


def list_opts():
    grouped = collections.defaultdict(list)
    for mod in vmove.conf.modules():
        for group, opts in vmove.conf.options(mod).items():
            grouped[group].extend(opts)
    return [(g, sorted(opts, key=lambda o: o.name)) for g, opts in grouped.items()]


def set_defaults():
    """oslo.config.opts.defaults: vmove's defaults of other libraries' options (the sample shows them)."""
    from vmove.conf import api, messaging

    api.set_defaults()
    messaging.set_defaults()
