"""Process start-up shared by every vmove command."""

import logging
import os
import sys

from oslo_config import cfg
from oslo_log import log
from oslo_service import backend as oslo_service_backend

from vmove import conf as vmove_conf
from vmove import objects, version

LOG = logging.getLogger(__name__)


def prepare(argv=None, default_config_files=None, conf=None) -> cfg.ConfigOpts:
    """Parse arguments and config files, set up logging, register objects."""
    conf = conf or vmove_conf.CONF
    use_threading()
    log.register_options(conf)
    conf(
        sys.argv[1:] if argv is None else argv,
        project="vmove",
        version=version.version_string(),
        default_config_files=default_config_files,
    )
    log.setup(conf, "vmove")
    objects.register_all()
    return conf


def api_application(conf):
    """The API's WSGI application for this process, with its notifier (moves the API changes are
    announced on the bus like the engine's)."""
    from vmove.api import app as api_app
    from vmove.moves import notify

    notify.setup(conf, f"vmove-api:{conf.host}")
    return api_app.setup_app(conf)


def use_threading() -> None:
    """vmove never uses eventlet: make oslo.service (used by oslo.messaging) use threads."""
    try:
        oslo_service_backend.init_backend(oslo_service_backend.BackendType.THREADING)
    except oslo_service_backend.exceptions.BackendAlreadySelected:
        pass


def ensure_state_path(conf) -> None:
    os.makedirs(conf.state_path, exist_ok=True)
