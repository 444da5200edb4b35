"""The WSGI application: middleware stack around the pecan app.

RequestMetrics -> CORS -> /healthcheck -> RequestId -> FaultWrapper -> body size limit
  -> auth (keystonemiddleware | noauth)
  -> MicroversionMiddleware -> pecan (ConfigHook, ContextHook, FaultHook)
"""

from oslo_middleware import cors, request_id
import pecan

from vmove.api import auth, fault, health, hooks, limits, metrics, microversion, pecan_fixes
from vmove.api.controllers import root


def setup_app(conf):
    pecan_fixes.apply()
    app = pecan.make_app(
        root.RootController(),
        hooks=[hooks.ConfigHook(conf), hooks.ContextHook(), hooks.FaultHook()],
        force_canonical=False,
        guess_content_type_from_ext=False,
        debug=False,
        request_cls=hooks.Request,
    )
    app = microversion.middleware(app, fault.json_error_formatter)
    app = auth.wrap(app, conf)
    app = limits.BodySizeLimit(app, conf.api.max_request_body_size)
    app = fault.FaultWrapper(app)
    app = request_id.RequestId(app)
    app = health.HealthcheckPath(app, conf)  # public, like the version documents
    app = cors.CORS(app, conf)  # [cors]; defaults in vmove.conf.api
    app = metrics.RequestMetrics(app)
    return app
