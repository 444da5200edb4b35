"""WSGI entry point: ``vmove.wsgi.api:application`` for uwsgi, gunicorn, mod_wsgi.

Configuration files come from ``VMOVE_CONFIG_FILES`` (``a.conf;b.conf``),
default ``/etc/vmove/vmove.conf``.
"""

import os

from vmove import metrics, service


def init_application():
    files = os.environ.get("VMOVE_CONFIG_FILES", "/etc/vmove/vmove.conf")
    conf = service.prepare([], default_config_files=[f for f in files.split(";") if f and os.path.exists(f)])
    metrics.serve(conf, conf.metrics.api_port)
    return service.api_application(conf)


application = init_application()
