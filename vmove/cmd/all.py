"""vmove-all: the embedded default, API and engine in one process.

SQLite under the state directory, the in-process RPC transport, no
Keystone; the schema is created or upgraded at start.  Listens on
127.0.0.1:9393 unless configured otherwise.
"""

import logging

from vmove import metrics, rpc, service
from vmove.api import app as api_app
from vmove.api import server
from vmove.cmd import api as api_cmd
from vmove.cmd import engine as engine_cmd
from vmove.db import migration
from vmove.engine import service as engine_service

LOG = logging.getLogger(__name__)


def set_embedded_defaults(conf) -> None:
    conf.set_default("transport_url", "fake://")
    conf.set_default("auth_strategy", "noauth", group="api")
    conf.set_default("state_path", "./state")


def main(argv=None):
    from vmove import conf as vmove_conf

    set_embedded_defaults(vmove_conf.CONF)
    conf = service.prepare(argv)
    if api_cmd.auth_refused(conf, "vmove-all"):
        return 2
    service.ensure_state_path(conf)
    migration.upgrade()
    metrics.serve(conf, conf.metrics.api_port)  # the engine's metrics are served there too
    engine = engine_service.EngineService(conf)
    engine.start()
    srv = server.APIServer(api_app.setup_app(conf), conf)
    srv.start()
    print(
        f"vmove-all: API on {srv.url} (auth: {conf.api.auth_strategy}), database "
        f"{conf.database.connection}, RPC {conf.transport_url}",
        flush=True,
    )
    engine_cmd.run_until_signalled([srv.stop, engine.stop, rpc.cleanup])
