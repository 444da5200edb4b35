"""vmove-api: the REST API alone (the production split; or use vmove.wsgi.api).

``[api] workers`` processes (cotyledon, as oslo.service's threading backend), each a threaded
cheroot server on the same port; one worker serves from this process itself.
"""

import logging
import sys

import cotyledon

from vmove import metrics, rpc, service
from vmove.api import server
from vmove.cmd import engine as engine_cmd

LOG = logging.getLogger(__name__)


class APIWorker(cotyledon.Service):
    """One API process of several: its own server on the shared port."""

    def __init__(self, worker_id, conf):
        super().__init__(worker_id)
        self.srv = server.APIServer(service.api_application(conf), conf, reuse_port=True)

    def run(self):
        self.srv.start()

    def terminate(self):
        self.srv.stop()
        rpc.cleanup()


def auth_refused(conf, prog) -> bool:
    """Whether ``conf``'s API may not listen where it is told (noauth off loopback): said on stderr as ``prog``."""
    try:
        server.check_auth(conf, conf.api.host_ip)
    except server.NoAuthNotLoopback as e:
        print(f"{prog}: {e.message}", file=sys.stderr)
        return True
    return False


def main(argv=None):
    conf = service.prepare(argv)
    if auth_refused(conf, "vmove-api"):
        return 2
    metrics.serve(conf, conf.metrics.api_port)
    if conf.api.workers > 1:
        manager = cotyledon.ServiceManager(graceful_shutdown_timeout=conf.api.graceful_shutdown_timeout + 5)
        manager.add(APIWorker, workers=conf.api.workers, args=(conf,))
        LOG.info("vmove API: %d processes on %s:%s", conf.api.workers, conf.api.host_ip, conf.api.port)
        manager.run()
        return 0
    srv = server.APIServer(service.api_application(conf), conf)
    srv.start()
    engine_cmd.run_until_signalled([srv.stop, rpc.cleanup])
    return 0
