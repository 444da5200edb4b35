"""The WSGI application: middleware stack around the pecan app.

RequestId -> FaultWrapper -> auth (keystonemiddleware | noauth)
  -> MicroversionMiddleware -> pecan (ConfigHook, ContextHook, FaultHook)
"""

from oslo_middleware import request_id
import pecan

from vmove.api import auth, fault, hooks, microversion
from vmove.api.controllers import root


def setup_app(conf):
    app = pecan.make_app(
        root.RootController(),
        hooks=[hooks.ConfigHook(conf), hooks.ContextHook(), hooks.FaultHook()],
        force_canonical=False,
        guess_content_type_from_ext=False,
        debug=False,
    )
    app = microversion.middleware(app, fault.json_error_formatter)
    app = auth.wrap(app, conf)
    app = fault.FaultWrapper(app)
    app = request_id.RequestId(app)
    return app
