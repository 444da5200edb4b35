"""vmove-api: the REST API alone (the production split; or use vmove.wsgi.api)."""

from vmove import metrics, service
from vmove.api import app as api_app
from vmove.api import server


def main(argv=None):
    conf = service.prepare(argv)
    metrics.serve(conf, conf.metrics.api_port)
    srv = server.APIServer(api_app.setup_app(conf), conf.api.host_ip, conf.api.port)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
