"""The [database] group comes from oslo.db; vmove only sets its defaults."""

from oslo_config import cfg
from oslo_db import options as db_options

_DEFAULT_CONNECTION = "sqlite:///$state_path/vmove.sqlite"


def register_opts(conf: cfg.ConfigOpts) -> None:
    db_options.set_defaults(conf, connection=_DEFAULT_CONNECTION)


def list_opts():
    # oslo.db's own namespace lists the options; nothing vmove-specific here.
    return {}
