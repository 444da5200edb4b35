"""vmove-all: the embedded default, API and engine in one process.

SQLite under the state directory, the in-process RPC transport, no
Keystone; the schema is created or upgraded at start.  Listens on
127.0.0.1:9393 unless configured otherwise.
"""

import logging

from oslo_messaging import opts as messaging_opts

from vmove import rpc, service
from vmove.api import app as api_app
from vmove.api import server
from vmove.cmd import engine as engine_cmd
from vmove.db import migration
from vmove.engine import service as engine_service

LOG = logging.getLogger(__name__)


def set_embedded_defaults(conf) -> None:
    # oslo.messaging declares transport_url when a transport is first made: declare it now
    for group, opts in messaging_opts.list_opts():
        if group in (None, "DEFAULT"):
            conf.register_opts(opts)
    conf.set_default("transport_url", "fake://")
    conf.set_default("auth_strategy", "noauth", group="api")
    conf.set_default("state_path", "./state")


def main(argv=None):
    from vmove import conf as vmove_conf

    set_embedded_defaults(vmove_conf.CONF)
    conf = service.prepare(argv)
    service.ensure_state_path(conf)
    migration.upgrade("head")
    engine = engine_service.EngineService(conf)
    engine.start()
    srv = server.APIServer(api_app.setup_app(conf), conf.api.host_ip, conf.api.port)
    srv.start()
    print(
        f"vmove-all: API on {srv.url} (auth: {conf.api.auth_strategy}), database "
        f"{conf.database.connection}, RPC {conf.transport_url}",
        flush=True,
    )
    engine_cmd.run_until_signalled([srv.stop, engine.stop, rpc.cleanup])
